// Runs the real bin/hostds (the compiled CLI) against a temporary root. Every child is tracked
// and killed by pid if a test ends before it does.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach } from 'vitest';

export const REPO = resolve(import.meta.dirname, '../..');
export const BIN = join(REPO, 'bin/hostds');
export const NODE = 'h1';

const live = new Set<ChildProcess>();
const roots: string[] = [];

afterEach(async () => {
  for (const child of live) {
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
  }
  live.clear();
  await Promise.all(roots.splice(0).map((r) => rm(r, { recursive: true, force: true })));
});

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  root?: string;
  /** null: pass no --node-name (the hostname is used). */
  nodeName?: string | null;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run as another user, e.g. { uid: 65534, gid: 65534 } for nobody. */
  user?: { uid: number; gid: number };
  /** Written to standard input, then closed. */
  input?: string;
  /** Run the whole CLI (the bundle's main), skipping the launcher's offer of `get` to the agent. */
  fullCli?: boolean;
}

/** What bin/hostds does when the agent does not answer a `get`, for comparisons with it. */
const FULL_CLI = `require(${JSON.stringify(join(REPO, 'dist/bundle/hostds.cjs'))}).main(process.argv.slice(1)).then((code) => { process.exitCode = code; })`;

export function runCli(args: string[], opts: RunOptions = {}): Promise<CliResult> {
  const globals: string[] = [];
  if (opts.root !== undefined) globals.push('--root', opts.root);
  if (opts.nodeName !== null) globals.push('--node-name', opts.nodeName ?? NODE);
  const child = spawn(process.execPath, [...(opts.fullCli ? ['-e', FULL_CLI, '--'] : [BIN]), ...globals, ...args], {
    cwd: opts.cwd ?? REPO,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    ...(opts.user ?? {}),
  });
  live.add(child);
  if (opts.input !== undefined) child.stdin!.end(opts.input);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  return new Promise((res, rej) => {
    child.on('error', rej);
    child.on('close', (code, signal) => {
      live.delete(child);
      res({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}

/** An empty scratch directory, removed after the test. */
export async function scratchDir(prefix = 'hostds-scratch-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  roots.push(dir);
  return dir;
}

/** A fresh root with an empty manifests.d; removed after the test. */
export async function makeRoot(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'hostds-test-'));
  roots.push(root);
  await mkdir(join(root, 'etc/hostds/manifests.d'), { recursive: true });
  return root;
}

export function manifestPath(root: string, name: string): string {
  return join(root, 'etc/hostds/manifests.d', name);
}

export async function writeManifest(root: string, name: string, text: string): Promise<string> {
  const p = manifestPath(root, name);
  await writeFile(p, text);
  return p;
}

/** A minimal valid DaemonSet in YAML; `extra` is spliced under the pod spec (indented 6). */
export function dsYaml(name: string, opts: { podSpec?: string; labels?: string; apiVersion?: string; namespace?: string } = {}): string {
  return [
    `apiVersion: ${opts.apiVersion ?? 'apps/v1'}`,
    'kind: DaemonSet',
    'metadata:',
    `  name: ${name}`,
    ...(opts.namespace ? [`  namespace: ${opts.namespace}`] : []),
    ...(opts.labels ? ['  labels:', ...opts.labels.split('\n').map((l) => `    ${l}`)] : []),
    'spec:',
    '  selector:',
    '    matchLabels:',
    `      app: ${name}`,
    '  template:',
    '    metadata:',
    '      labels:',
    `        app: ${name}`,
    '    spec:',
    ...(opts.podSpec ? opts.podSpec.split('\n').map((l) => `      ${l}`) : []),
    '      containers:',
    '      - name: main',
    '        image: example/main',
    '        command: ["/bin/sleep", "100000"]',
    '',
  ].join('\n');
}
