// The cross-process lock with real processes: 20 concurrent `hostds label`-style writers lose
// nothing, and locks left by dead (or recycled) pids are broken. The fixtures import the
// compiled modules from dist/, rebuilt here when older than their sources.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { readNodeFile } from '../../src/host/node-file.js';
import { LockTimeoutError } from '../../src/lib/errors.js';
import { withFileLock } from '../../src/state/atomic-file.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURES = join(ROOT, 'test/fixtures');
const BUILT = [
  ['src/state/atomic-file.ts', 'dist/state/atomic-file.js'],
  ['src/host/node-file.ts', 'dist/host/node-file.js'],
  ['src/host/node-file-read.ts', 'dist/host/node-file-read.js'],
  ['src/host/node-file-write.ts', 'dist/host/node-file-write.js'],
  ['src/lib/errors.ts', 'dist/lib/errors.js'],
] as const;

async function isBuildFresh(): Promise<boolean> {
  for (const [src, out] of BUILT) {
    const built = await stat(join(ROOT, out)).catch(() => undefined);
    if (built === undefined || built.mtimeMs < (await stat(join(ROOT, src))).mtimeMs) return false;
  }
  return true;
}

// `npm test` builds first; a bare `vitest run` may not have. tsc emits even when files owned by
// other work in progress have type errors, so only the freshness of our outputs decides.
async function ensureBuilt(): Promise<void> {
  if (await isBuildFresh()) return;
  const output = await new Promise<string>((resolve) => {
    execFile(join(ROOT, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], { cwd: ROOT }, (_err, stdout, stderr) => resolve(stdout + stderr));
  });
  if (!(await isBuildFresh())) throw new Error(`could not build dist/ for the fixtures:\n${output}`);
}

const children = new Set<ChildProcess>();
const stderrOf = new Map<ChildProcess, string>();

function spawnNode(args: string[]): ChildProcess {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  children.add(child);
  stderrOf.set(child, '');
  child.stderr?.on('data', (chunk: Buffer) => stderrOf.set(child, stderrOf.get(child) + chunk.toString()));
  return child;
}

function waitForExit(child: ChildProcess, ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pid ${child.pid} did not exit within ${ms}ms; stderr: ${stderrOf.get(child)}`)), ms);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

function waitForMessage(child: ChildProcess, want: string, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pid ${child.pid} sent no '${want}' within ${ms}ms; stderr: ${stderrOf.get(child)}`)), ms);
    const onExit = (): void => {
      clearTimeout(timer);
      reject(new Error(`pid ${child.pid} exited before '${want}'; stderr: ${stderrOf.get(child)}`));
    };
    child.once('exit', onExit);
    child.on('message', function onMessage(msg) {
      if (msg !== want) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve();
    });
  });
}

/** A pid that certainly belonged to a process that has now exited. */
async function deadPid(): Promise<number> {
  const child = spawnNode(['-e', '']);
  await waitForExit(child, 10_000);
  return child.pid!;
}

async function ownStartTime(): Promise<string> {
  const stat = await readFile('/proc/self/stat', 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
}

let dir: string;

beforeAll(ensureBuilt, 60_000);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hostds-lock-'));
});

afterEach(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await waitForExit(child, 10_000);
    }
  }
  children.clear();
  stderrOf.clear();
  await rm(dir, { recursive: true, force: true });
});

describe('updateNodeFile across processes', () => {
  test('20 concurrent writers each add a label and none is lost', async () => {
    const file = join(dir, 'etc/hostds/node.yaml');
    const writers = Array.from({ length: 20 }, (_, i) => spawnNode([join(FIXTURES, 'add-label.mjs'), file, `l${i}`, `v${i}`]));
    await Promise.all(writers.map((w) => waitForMessage(w, 'ready', 20_000)));
    for (const w of writers) w.send('go');
    const exits = await Promise.all(writers.map((w) => waitForExit(w, 30_000)));
    expect(exits.map((e, i) => (e.code === 0 ? 0 : `${e.code ?? e.signal}: ${stderrOf.get(writers[i]!)}`))).toEqual(Array(20).fill(0));
    const read = await readNodeFile(file);
    expect(read.issues).toEqual([]);
    expect(read.labels).toEqual(Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`l${i}`, `v${i}`])));
    expect(await readdir(join(dir, 'etc/hostds'))).toEqual(['node.yaml']); // no temp, lock or guard files
  });
});

describe('withFileLock', () => {
  test('waits for a live holder, names it on timeout, and takes over once it is killed', async () => {
    const lock = join(dir, 'node.yaml.lock');
    const holder = spawnNode([join(FIXTURES, 'hold-lock.mjs'), lock]);
    await waitForMessage(holder, 'locked', 20_000);
    const err = await withFileLock(lock, () => 'never', { timeoutMs: 150 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockTimeoutError);
    expect((err as LockTimeoutError).message).toContain(`waiting for lock ${lock}, held by pid ${holder.pid}`);
    expect(err).toMatchObject({ lockPath: lock, holderPid: holder.pid });

    holder.kill('SIGKILL');
    await waitForExit(holder, 10_000);
    await expect(withFileLock(lock, () => 'mine', { timeoutMs: 5_000 })).resolves.toBe('mine');
    expect(await readdir(dir)).toEqual([]);
  });

  test('breaks a stale lock whose pid is dead', async () => {
    const lock = join(dir, 'x.lock');
    await writeFile(lock, `${await deadPid()} 12345 abc\n`);
    await expect(withFileLock(lock, () => 42, { timeoutMs: 2_000 })).resolves.toBe(42);
    expect(await readdir(dir)).toEqual([]);
  });

  test('breaks a lock whose pid is alive but started at another time (recycled pid)', async () => {
    const lock = join(dir, 'x.lock');
    const wrongStart = String(Number(await ownStartTime()) + 1);
    await writeFile(lock, `${process.pid} ${wrongStart} abc\n`);
    await expect(withFileLock(lock, () => 'ok', { timeoutMs: 2_000 })).resolves.toBe('ok');
  });

  test('trusts a lock whose pid and start time match a live process', async () => {
    const lock = join(dir, 'x.lock');
    await writeFile(lock, `${process.pid} ${await ownStartTime()} abc\n`);
    await expect(withFileLock(lock, () => 'no', { timeoutMs: 100 })).rejects.toThrow(LockTimeoutError);
    expect(await readFile(lock, 'utf8')).toBe(`${process.pid} ${await ownStartTime()} abc\n`); // not ours to remove
  });

  test('an unreadable lock is only broken once it is old (its owner may be mid-write)', async () => {
    const lock = join(dir, 'x.lock');
    await writeFile(lock, '');
    const err = await withFileLock(lock, () => 'no', { timeoutMs: 100, unreadableStaleMs: 60_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockTimeoutError);
    expect((err as Error).message).toContain('held by an unknown process');
    const past = new Date(Date.now() - 120_000);
    await utimes(lock, past, past);
    await expect(withFileLock(lock, () => 'ok', { timeoutMs: 2_000, unreadableStaleMs: 60_000 })).resolves.toBe('ok');
  });

  test('a guard left by a breaker that died is cleaned up too', async () => {
    const lock = join(dir, 'x.lock');
    await writeFile(lock, `${await deadPid()} 1 a\n`);
    await writeFile(`${lock}.break`, `${await deadPid()} 1 b\n`);
    await expect(withFileLock(lock, () => 'ok', { timeoutMs: 2_000 })).resolves.toBe('ok');
    expect(await readdir(dir)).toEqual([]);
  });

  test('callers in one process are serialised and the lock is released when fn throws', async () => {
    const lock = join(dir, 'x.lock');
    let inside = 0;
    let maxInside = 0;
    const run = (i: number): Promise<number> => withFileLock(lock, async () => {
      inside += 1;
      maxInside = Math.max(maxInside, inside);
      await new Promise((r) => setImmediate(r));
      inside -= 1;
      if (i === 3) throw new Error('boom');
      return i;
    });
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => run(i)));
    expect(maxInside).toBe(1);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    expect(await readdir(dir)).toEqual([]);
  });
});
