// Container log files (DESIGN §1: `P/var/log/hostds/pods/<pod>/<container>.log`). Daemons hold
// an O_APPEND fd on the live file that survives agent restarts, so every move here is
// copy-then-truncate: a rename would leave the daemon writing into the renamed file, and with
// O_APPEND its next write lands at the new end (offset 0) after a truncate.
import { copyFileSync, renameSync, rmSync, statSync, truncateSync } from 'node:fs';
import { copyFile, open, readFile, rename, rm, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { setTimeout as sleep } from 'node:timers/promises';

export interface RotateOptions {
  /** Rotate once the live file reaches this size. */
  maxBytes: number;
  /** Files kept in total, the live one included (so maxFiles - 1 rotated files `.1`, `.2`, ...). */
  maxFiles: number;
}

export interface ReadLogOptions {
  /** Only the last N lines. */
  tail?: number;
  /** The run before the last restart (`<container>.log.previous`). */
  previous?: boolean;
}

export interface FollowLogOptions {
  /** Deliver the existing content first instead of only what is appended. Default false. */
  fromStart?: boolean;
  /** Default 200 ms. */
  pollMs?: number;
}

function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

function assertPathSegment(kind: string, name: string): void {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new TypeError(`The ${kind} name must be a single path segment, got ${JSON.stringify(name)} (${typeof name}).`);
  }
}

let podsDirOf: { logDir: string; prefix: string } | undefined;

/** `<logDir>/pods/<pod>/<container>.log`, where logDir is `P/var/log/hostds`. */
export function containerLogPath(logDir: string, pod: string, container: string): string {
  assertPathSegment('pod', pod);
  assertPathSegment('container', container);
  // Asked for every running container at every state save: the directory is normalised once,
  // and the two checked segments are appended (what join would do with them).
  if (podsDirOf?.logDir !== logDir) podsDirOf = { logDir, prefix: `${join(logDir, 'pods')}/` };
  return `${podsDirOf.prefix}${pod}/${container}.log`;
}

export function previousLogPath(path: string): string {
  return `${path}.previous`;
}

const QUANTITY_RE = /^([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|k|K|M|G)?$/;
const SCALE: Readonly<Record<string, number>> = {
  '': 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30,
};

/** A size such as `10Mi`, `512k` or `1000` in whole bytes; undefined when it is not one. */
export function parseQuantity(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.floor(value) : undefined;
  const m = QUANTITY_RE.exec(value.trim());
  if (!m) return undefined;
  const scale = SCALE[m[2] ?? ''];
  return scale === undefined ? undefined : Math.floor(Number(m[1]) * scale);
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

async function renameIfExists(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
}

/**
 * Copy-truncate rotation once the live file reaches maxBytes; true when it rotated. Lines the
 * daemon writes between the copy and the truncate are lost: the price of not owning its fd.
 * Only the last maxBytes are copied (a rotated file is never bigger than a live one may be), and
 * a copy that fails (the disk is full) still empties the live file: a full disk is worse.
 */
export async function rotateIfNeeded(path: string, options: RotateOptions): Promise<boolean> {
  const maxFiles = Math.max(1, Math.floor(options.maxFiles));
  const size = await sizeOf(path);
  if (size === undefined || size < options.maxBytes) return false;
  let copyError: unknown;
  if (maxFiles > 1) {
    await rm(`${path}.${maxFiles - 1}`, { force: true });
    for (let i = maxFiles - 2; i >= 1; i--) await renameIfExists(`${path}.${i}`, `${path}.${i + 1}`);
    await copyTail(path, `${path}.1`, options.maxBytes).catch(async (err: unknown) => {
      copyError = err;
      await rm(`${path}.1`, { force: true });
    });
  }
  await startOver(path);
  if (copyError !== undefined) throw copyError;
  return true;
}

/** Empties the live file; its line times (see log-times.ts) go with its content. */
async function startOver(path: string): Promise<void> {
  await truncate(path, 0);
  await rm(`${path}.times`, { force: true });
}

/** The last `maxBytes` of `from` (as it is now) into a new `to`. */
async function copyTail(from: string, to: string, maxBytes: number): Promise<void> {
  const src = await open(from, 'r');
  try {
    const size = (await src.stat()).size;
    if (size <= maxBytes) { await copyFile(from, to); return; }
    const dst = await open(to, 'w', 0o640);
    try {
      const buf = Buffer.allocUnsafe(Math.min(maxBytes, 1 << 20));
      for (let pos = size - maxBytes; pos < size;) {
        const { bytesRead } = await src.read(buf, 0, Math.min(buf.length, size - pos), pos);
        if (bytesRead === 0) break;
        await dst.write(buf, 0, bytesRead);
        pos += bytesRead;
      }
    } finally {
      await dst.close();
    }
  } finally {
    await src.close();
  }
}

/**
 * Empties the live file without keeping its content, once it reaches maxBytes: for a daemon that
 * writes faster than its log can be copied aside (the agent copies at most once a second).
 */
export async function dropIfNeeded(path: string, maxBytes: number): Promise<boolean> {
  const size = await sizeOf(path);
  if (size === undefined || size < maxBytes) return false;
  await startOver(path);
  return true;
}

/**
 * A log up to this size is moved aside inline, on the main thread: through the thread pool the
 * five steps were five round trips, ~2.5 ms of every restart (docs/benchmarks.md), for what is
 * usually a few kB. A larger log is copied in the pool, not to hold the agent up.
 */
const INLINE_MARK_BYTES = 256 * 1024;

/** Moves the live content aside to `.previous` (copy-truncate), so `logs --previous` shows the last run. */
export async function markRestart(path: string): Promise<void> {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return;
    throw err;
  }
  if (size <= INLINE_MARK_BYTES) {
    copyFileSync(path, previousLogPath(path));
    truncateSync(path, 0);
    rmSync(`${previousLogPath(path)}.times`, { force: true });
    try {
      renameSync(`${path}.times`, `${previousLogPath(path)}.times`);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
    }
    return;
  }
  await copyFile(path, previousLogPath(path));
  await truncate(path, 0);
  await rm(`${previousLogPath(path)}.times`, { force: true });
  await renameIfExists(`${path}.times`, `${previousLogPath(path)}.times`);
}

/** The last `count` lines of `text`, keeping its final newline. */
export function tailLines(text: string, count: number): string {
  if (count <= 0 || text === '') return '';
  const hasFinalNewline = text.endsWith('\n');
  const lines = (hasFinalNewline ? text.slice(0, -1) : text).split('\n');
  return lines.slice(-count).join('\n') + (hasFinalNewline ? '\n' : '');
}

/** The log's content ('' when the file does not exist: the container has not written yet). */
export async function readLog(path: string, options: ReadLogOptions = {}): Promise<string> {
  let text: string;
  try {
    text = await readFile(options.previous === true ? previousLogPath(path) : path, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return '';
    throw err;
  }
  return options.tail === undefined ? text : tailLines(text, options.tail);
}

async function readRange(path: string, start: number, end: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(end - start);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, start);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * Calls onChunk with what is appended to `path` until `signal` aborts. Polls, because fs.watch
 * misses writes on some filesystems; a file that shrank was copy-truncated, so it rereads from 0.
 */
export async function followLog(
  path: string,
  onChunk: (chunk: string) => void,
  signal: AbortSignal,
  options: FollowLogOptions = {},
): Promise<void> {
  const pollMs = options.pollMs ?? 200;
  let decoder = new StringDecoder('utf8');
  let offset = options.fromStart === true ? 0 : ((await sizeOf(path)) ?? 0);
  while (!signal.aborted) {
    const size = (await sizeOf(path)) ?? 0;
    if (size < offset) {
      offset = 0;
      decoder = new StringDecoder('utf8');
    }
    if (size > offset) {
      const bytes = await readRange(path, offset, size).catch(() => Buffer.alloc(0));
      offset += bytes.length;
      const text = decoder.write(bytes);
      if (text !== '') onChunk(text);
    }
    try {
      await sleep(pollMs, undefined, { signal });
    } catch {
      return; // aborted
    }
  }
}
