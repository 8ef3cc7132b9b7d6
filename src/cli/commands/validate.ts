// `hostds validate [-f FILE|DIR]...`: every error and warning of every file, one line each as
// `file:line:col: path: message`, exit 1 when any error. Without -f: this root's manifests.d,
// node.yaml and config.yaml, i.e. exactly what the agent would read.
import { promises as fsp } from 'node:fs';
import type { Context } from '../context.js';
import { loadManifestDir, loadManifests } from '../../manifest/load.js';
import { renderIssue, type ManifestIssue } from '../../manifest/issues.js';
import { readNodeFile } from '../../host/node-file.js';
import { CliError } from '../errors.js';

export async function runValidate(ctx: Context, files: string[]): Promise<number> {
  const issues: ManifestIssue[] = [];
  let daemonSets = 0;
  let fileCount = 0;
  const targets = files.length > 0 ? files : [ctx.paths.manifestsDir];
  for (const target of targets) {
    const exists = await fsp.stat(target).then(() => true, () => false);
    if (!exists && files.length > 0) throw new CliError(`the path "${target}" does not exist`);
    const result = files.length > 0 ? await loadManifests(target, process.cwd()) : await loadManifestDir(target, process.cwd());
    issues.push(...result.issues);
    daemonSets += result.daemonSets.length;
    fileCount += result.files.length;
  }
  if (files.length === 0) {
    issues.push(...ctx.configIssues);
    issues.push(...(await readNodeFile(ctx.paths.nodeFile)).issues);
  }
  for (const i of issues) ctx.io.out(renderIssue(i) + '\n');
  const errors = issues.filter((i) => i.severity === 'error').length;
  const warnings = issues.length - errors;
  ctx.io.err(`${fileCount} file${fileCount === 1 ? '' : 's'}, ${daemonSets} valid DaemonSet${daemonSets === 1 ? '' : 's'}, ` +
    `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}\n`);
  return errors > 0 ? 1 : 0;
}
