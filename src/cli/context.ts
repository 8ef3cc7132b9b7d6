// What every command needs, resolved once from the global flags: paths under --root, the
// config, this node's name and the clock. Commands receive it; only main.ts builds it.
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import { resolvePaths, type Paths } from '../state/paths.js';
import { DEFAULT_CONFIG, type ResolvedConfig } from '../config/defaults.js';
import type { ManifestIssue } from '../manifest/issues.js';
import { isDNS1123Subdomain } from '../manifest/k8s-names.js';
import { CliError } from './errors.js';
import { refusal, setStrictModes } from '../state/trust.js';

export interface GlobalOptions {
  root?: string;
  nodeName?: string;
  config?: string;
  output?: string;
  debug?: boolean;
}

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export interface Context {
  paths: Paths;
  config: ResolvedConfig;
  configIssues: ManifestIssue[];
  /** The text `config` was parsed from (undefined: no file), so the agent need not parse it again. */
  configText?: string;
  nodeName: string;
  output: string | undefined;
  /** Wall-clock ms; read once so every AGE in one output agrees. */
  now: number;
  io: Io;
}

/**
 * `lenientConfig`: keep going with defaults on a bad config (validate lists its issues instead).
 * `applyStrictModes`: false when the agent builds a CLI's context to answer it (api/cli-get.ts):
 * the strictModes it acts on are its own config's, not those of a file it only checked.
 */
export async function buildContext(opts: GlobalOptions, io: Io, env: NodeJS.ProcessEnv = process.env, lenientConfig = false, applyStrictModes = true): Promise<Context> {
  const paths = resolvePaths(opts.root ?? (env['HOSTDS_ROOT'] || undefined), opts.config);
  const { config, issues, text } = await loadConfig(paths.config, opts.config !== undefined, applyStrictModes);
  const errors = issues.filter((i) => i.severity === 'error');
  if (errors.length > 0 && !lenientConfig) {
    const e = errors[0]!;
    throw new CliError(`invalid config ${e.file}:${e.line}:${e.col}: ${e.path ? `${e.path}: ` : ''}${e.message}` +
      (errors.length > 1 ? ` (and ${errors.length - 1} more; run \`hostds validate\` to list them)` : ''));
  }
  const nodeName = resolveNodeName(opts.nodeName, errors.length > 0 ? undefined : config.nodeName);
  return { paths, config, configIssues: issues, ...(text === undefined ? {} : { configText: text }), nodeName, output: opts.output, now: Date.now(), io };
}

async function loadConfig(path: string, explicit: boolean, applyStrictModes: boolean): Promise<{ config: ResolvedConfig; issues: ManifestIssue[]; text?: string }> {
  let text: string;
  try {
    text = await fsp.readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !explicit) return { config: DEFAULT_CONFIG, issues: [] };
    throw new CliError(`cannot read config ${path}: ${(err as Error).message}`);
  }
  // Always checked, whatever it says: a config others can write could turn strictModes off.
  const unsafe = await configRefusal(path);
  if (unsafe) throw new CliError(`config ${path}: ${unsafe}`);
  const { parseConfig } = await import('../config/config.js');
  const result = await parseConfig(text, path);
  if (applyStrictModes) setStrictModes(result.config.strictModes);
  return { ...result, text };
}

/** Why config.yaml must not be used (another user could change it), under root; else undefined. */
export async function configRefusal(path: string): Promise<string | undefined> {
  const st = await fsp.stat(path).catch(() => undefined);
  if (!st) return undefined;
  return refusal(st, path, true)?.replace(' (or set strictModes: false in config.yaml)', '');
}

/** --node-name, then config nodeName, then the hostname lowercased as a kubelet does. */
export function resolveNodeName(flag: string | undefined, configured: string | undefined): string {
  const name = flag ?? configured ?? os.hostname().toLowerCase();
  const errs = isDNS1123Subdomain(name);
  if (errs.length > 0) {
    throw new CliError(`node name "${name}" is invalid: ${errs.join('; ')}; set nodeName in config.yaml or pass --node-name`);
  }
  return name;
}
