// A source module bundled to one ESM file (lazy imports inlined), for fixtures that run it in plain
// node (rolldown ships with vite).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO } from './cli.js';

export async function bundleModule(source: string, outFile: string): Promise<void> {
  await promisify(execFile)(join(REPO, 'node_modules/.bin/rolldown'), [source, '--format', 'esm', '--platform', 'node', '--no-codeSplitting', '--file', outFile], { cwd: REPO });
}
