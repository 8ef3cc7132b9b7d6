// Runs the real `hostds agent` on a temporary root. Cleanup kills the agent by pid and every
// daemon of that root by the marker hostds puts in their environment (process groups, SIGKILL),
// pass or fail.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { BIN, makeRoot, NODE, REPO, runCli, writeManifest } from './cli.js';
import { waitFor, waitForValue } from './wait.js';
import { listMarkedProcesses } from '../../src/supervise/proc.js';

export const FIXTURES = join(REPO, 'test/fixtures');

export interface AgentProcess {
  pid: number;
  child: ChildProcess;
  output(): string;
  /** SIGTERM (or the given signal) and wait for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const agents = new Set<ChildProcess>();
const roots = new Set<string>();

export function rootIdOf(root: string): string {
  return createHash('sha256').update(root).digest('hex').slice(0, 12);
}

export async function killDaemons(root: string): Promise<void> {
  for (const p of await listMarkedProcesses(rootIdOf(root))) {
    try { process.kill(-p.pid, 'SIGKILL'); } catch { /* already gone */ }
  }
}

afterEach(async () => {
  for (const a of agents) if (a.pid !== undefined && a.exitCode === null && a.signalCode === null) process.kill(a.pid, 'SIGKILL');
  agents.clear();
  for (const r of roots) await killDaemons(r);
  roots.clear();
});

/** Config for tests: no initial backoff, fast log checks; `extra` is appended YAML. */
export async function writeTestConfig(root: string, extra = ''): Promise<void> {
  const logs = extra.includes('logs:') ? '' : 'logs: {checkInterval: 200ms}\n';
  await writeFile(join(root, 'etc/hostds/config.yaml'), `restartBackoff: {initial: 200ms, max: 800ms, reset: 10m}\n${logs}${extra}`);
}

/** A fresh root with the test config and these manifests (file name → text). */
export async function prepareRoot(manifests: Record<string, string> = {}, configExtra = ''): Promise<string> {
  const root = await makeRoot();
  await writeTestConfig(root, configExtra);
  for (const [file, text] of Object.entries(manifests)) await writeManifest(root, file, text);
  return root;
}

/** `prefix` runs the agent through a wrapper, e.g. `['ip', 'netns', 'exec', NAME]` (which execs, keeping the pid). */
export async function startAgent(root: string, args: string[] = [], prefix: string[] = []): Promise<AgentProcess> {
  roots.add(root);
  const argv = [process.execPath, BIN, '--root', root, '--node-name', NODE, 'agent', ...args];
  const [cmd, ...rest] = [...prefix, ...argv] as [string, ...string[]];
  const child = spawn(cmd, rest, {
    cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOSTDS_LOG_LEVEL: 'debug' },
  });
  agents.add(child);
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { out += d; });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { out += d; });
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  await waitFor(() => out.includes('"agent ready"') || child.exitCode !== null, 20_000, 'the agent to be ready');
  if (!out.includes('"agent ready"')) throw new Error(`agent did not start:\n${out}`);
  return {
    pid: child.pid!,
    child,
    output: () => out,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export interface PodRow { name: string; ready: string; status: string; restarts: string }

export async function getPods(root: string): Promise<PodRow[]> {
  const r = await runCli(['get', 'pods', '-A'], { root });
  return r.stdout.trim().split('\n').slice(1).filter((l) => l !== '').map((l) => {
    const [, name = '', ready = '', status = '', ...rest] = l.split(/\s{2,}/);
    return { name, ready, status, restarts: rest[0] ?? '' };
  });
}

interface PodJson { metadata: { name: string }; status: { containerStatuses: { name: string; restartCount: number }[] } }

export async function podsJson(root: string): Promise<PodJson[]> {
  const r = await runCli(['get', 'pods', '-A', '-o', 'json'], { root });
  return (JSON.parse(r.stdout) as { items: PodJson[] }).items;
}

/**
 * The pid of each running container, from the agent's state file (`pod/container` → pid). None
 * before the agent's first save: "ready" comes before it, and a fast start shows the gap.
 */
export async function statePids(root: string): Promise<Record<string, number>> {
  const text = await readFile(join(root, 'var/lib/hostds/state.json'), 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return '{"pods":[]}';
    throw err;
  });
  const state = JSON.parse(text) as { pods: { name: string; containers: { name: string; pid?: number }[] }[] };
  const out: Record<string, number> = {};
  for (const p of state.pods) for (const c of p.containers) if (c.pid !== undefined) out[`${p.name}/${c.name}`] = c.pid;
  return out;
}

export async function isAlive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * `count` pods Running, as `get pods` shows the agent's live view, and as many pids saved in
 * state.json: the save comes a few ms after the start, and tests read their pids from it.
 */
export async function waitForRunning(root: string, count: number, timeoutMs = 15_000): Promise<PodRow[]> {
  return waitForValue(async () => {
    const pods = (await getPods(root)).filter((p) => p.status === 'Running');
    if (pods.length !== count) return undefined;
    return Object.keys(await statePids(root)).length >= count ? pods : undefined;
  }, timeoutMs, `${count} running pods, their pids saved`);
}

/** A DaemonSet running a test fixture: `node <fixture> args…`. */
export function fixtureDs(name: string, fixture: string, args: string[] = [], podSpec = ''): string {
  const argv = JSON.stringify([process.execPath, join(FIXTURES, fixture), ...args]);
  return [
    'apiVersion: apps/v1', 'kind: DaemonSet', `metadata: {name: ${name}}`, 'spec:', `  selector: {matchLabels: {app: ${name}}}`,
    '  template:', `    metadata: {labels: {app: ${name}}}`, '    spec:', ...(podSpec ? podSpec.split('\n').map((l) => `      ${l}`) : []),
    '      containers:', `      - name: main`, `        image: fixture`, `        command: ${argv}`, '',
  ].join('\n');
}
