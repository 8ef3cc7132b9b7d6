// Crash-safe file replacement and a cross-process lock for read-modify-write cycles (DESIGN §1:
// "Writes are atomic"; concurrent `hostds label` calls must not lose each other's changes).
// Node has no flock(2), so the lock is an O_EXCL lock file that records its owner's pid and
// kernel start time; a lock whose owner is gone (or whose pid now names another process) is
// broken by the next waiter.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { LockTimeoutError } from '../lib/errors.js';

export interface WriteFileAtomicOptions {
  /** Permission bits of the result, exactly (the umask does not apply). Default 0o644. */
  mode?: number;
}

function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

/**
 * Replaces `path` so that readers see either the old or the new content, never a mix, even
 * across a power cut: temp file in the same directory, fsync, rename over, fsync the directory.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: WriteFileAtomicOptions = {},
): Promise<void> {
  const mode = options.mode ?? 0o644;
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(tmp, 'wx', mode);
  try {
    await handle.chmod(mode);
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    await rename(tmp, path);
  } catch (err) {
    await handle.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
  await syncDirectory(dir);
}

// The rename is only durable once the directory entry is on disk; some filesystems refuse
// fsync on a directory, where there is nothing more we can do.
async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (err) {
    const code = errnoCode(err);
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM' && code !== 'EBADF') throw err;
  } finally {
    await handle?.close();
  }
}

export interface FileLockOptions {
  /** Give up after this long. Default 10 s. */
  timeoutMs?: number;
  /** First retry delay; doubles up to `maxRetryMs`. Default 5 ms. */
  minRetryMs?: number;
  /** Default 100 ms. */
  maxRetryMs?: number;
  /** A lock file without a readable owner is only stale after this age (its owner may be mid-write). Default 2 s. */
  unreadableStaleMs?: number;
  /** Jitter source in [0, 1), so waiters that collided do not retry in lockstep. */
  rng?: () => number;
}

interface LockOwner {
  raw: string;
  pid?: number;
  startTime?: string;
}

/**
 * Field 22 of /proc/PID/stat: the process start time in clock ticks since boot. Together with
 * the pid it names one process for the life of the machine, so a recycled pid is not trusted.
 * Undefined off Linux or when the process is gone.
 */
async function readStartTime(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) may contain spaces and ')': fields resume after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[22 - 3];
  } catch {
    return undefined;
  }
}

function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === 'EPERM';
  }
}

async function readOwner(lockPath: string): Promise<LockOwner | undefined> {
  let raw: string;
  try {
    raw = await readFile(lockPath, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
  const [pidText, startTime] = raw.trim().split(/\s+/);
  const pid = Number(pidText);
  if (!Number.isSafeInteger(pid) || pid <= 0) return { raw };
  return startTime === undefined || startTime === '-' ? { raw, pid } : { raw, pid, startTime };
}

/** Creates the lock file with our token; false when it already exists. */
async function tryCreate(lockPath: string, token: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(lockPath, 'wx', 0o644);
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') return false;
    if (errnoCode(err) !== 'ENOENT') throw err;
    await mkdir(dirname(lockPath), { recursive: true });
    return tryCreate(lockPath, token);
  }
  try {
    await handle.writeFile(token);
  } catch (err) {
    await handle.close().catch(() => undefined);
    await rm(lockPath, { force: true });
    throw err;
  }
  await handle.close();
  return true;
}

async function isStale(lockPath: string, owner: LockOwner, unreadableStaleMs: number): Promise<boolean> {
  if (owner.pid === undefined) {
    // Empty or garbage: the owner may be between open() and write(); judge by age instead.
    try {
      return Date.now() - (await stat(lockPath)).mtimeMs > unreadableStaleMs;
    } catch {
      return false;
    }
  }
  if (!isPidAlive(owner.pid)) return true;
  if (owner.startTime === undefined) return false;
  const current = await readStartTime(owner.pid);
  return current !== undefined && current !== owner.startTime;
}

/**
 * Removes a stale lock without ever removing a live one. Two waiters can both judge the same
 * lock stale; if the first breaks it and a third process takes the lock, the second must not
 * delete that new lock. So breakers serialise on a guard file and re-read the lock under it:
 * only the exact stale content is unlinked. A guard left by a crashed breaker is removed once
 * its owner is dead (that tiny window is the one race left, and it needs two crashes).
 */
async function breakStaleLock(lockPath: string, stale: LockOwner, token: string, unreadableStaleMs: number): Promise<boolean> {
  const guardPath = `${lockPath}.break`;
  if (!(await tryCreate(guardPath, token))) {
    const guardOwner = await readOwner(guardPath);
    if (guardOwner !== undefined && (await isStale(guardPath, guardOwner, unreadableStaleMs))) {
      await rm(guardPath, { force: true });
    }
    return false;
  }
  try {
    const now = await readOwner(lockPath);
    if (now !== undefined && now.raw === stale.raw) await rm(lockPath, { force: true });
    return true;
  } finally {
    await rm(guardPath, { force: true });
  }
}

// Only remove the lock if it is still ours: if it was (wrongly) broken, it now belongs to someone else.
async function releaseLock(lockPath: string, token: string): Promise<void> {
  const owner = await readOwner(lockPath).catch(() => undefined);
  if (owner?.raw === token) await unlink(lockPath).catch(() => undefined);
}

/**
 * Runs `fn` while holding `lockPath`, excluding other processes (and other callers in this
 * process) doing the same. Not re-entrant: a nested call on the same path waits for itself
 * and times out. The lock is always removed afterwards, also when `fn` throws.
 */
export async function withFileLock<T>(
  lockPath: string,
  fn: () => Promise<T> | T,
  options: FileLockOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxRetryMs = options.maxRetryMs ?? 100;
  const unreadableStaleMs = options.unreadableStaleMs ?? 2_000;
  const rng = options.rng ?? Math.random;
  const startTime = (await readStartTime(process.pid)) ?? '-';
  const token = `${process.pid} ${startTime} ${randomBytes(6).toString('hex')}\n`;
  const deadline = performance.now() + timeoutMs;
  let delay = options.minRetryMs ?? 5;
  for (;;) {
    if (await tryCreate(lockPath, token)) break;
    const owner = await readOwner(lockPath);
    // Released between our open() and read, or stale and now broken: try again at once.
    const isFreed = owner === undefined ||
      ((await isStale(lockPath, owner, unreadableStaleMs)) && (await breakStaleLock(lockPath, owner, token, unreadableStaleMs)));
    const left = deadline - performance.now();
    if (left <= 0) throw new LockTimeoutError(lockPath, owner?.pid, timeoutMs);
    if (isFreed) continue;
    await sleep(Math.min(left, delay * (0.5 + rng())));
    delay = Math.min(delay * 2, maxRetryMs);
  }
  try {
    return await fn();
  } finally {
    await releaseLock(lockPath, token);
  }
}
