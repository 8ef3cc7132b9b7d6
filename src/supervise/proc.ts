// Linux /proc readers for the process runner. A pid alone does not name a process across an
// agent restart (pids are recycled), so a process is identified by pid + start time (stat
// field 22) + boot id, and found again after a state loss by the marker in its environment.
import { closeSync, openSync, readFileSync, readlinkSync, readSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { MARKER_ENV, type ExitInfo, type MarkedProcess, type Marker, type ProcessHandle } from './runner.js';

export interface ProcStat {
  /** Field 3: R, S, D, Z, T, ... */
  state: string;
  /** Field 5: the process group id. */
  pgrp: number;
  /** Field 22: start time in clock ticks since boot. */
  procStart: string;
}

function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

/** Parses /proc/PID/stat text; undefined when it is malformed. */
export function parseProcStat(text: string): ProcStat | undefined {
  // comm (field 2) may contain spaces and ')': the fixed fields resume after the LAST ')'.
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = text.slice(close + 2).split(' ');
  const state = fields[0];
  const pgrp = Number(fields[5 - 3]);
  const procStart = fields[22 - 3];
  if (state === undefined || procStart === undefined || !Number.isSafeInteger(pgrp)) return undefined;
  return { state, pgrp, procStart };
}

export async function readProcStat(pid: number): Promise<ProcStat | undefined> {
  try {
    return parseProcStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Synchronous on purpose: right after spawn, before the event loop can reap a child that has
 * already exited, its zombie still has a /proc entry, so the start time is always readable.
 */
export function readProcStatSync(pid: number): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/PID/stat; undefined when the process is gone. */
export async function readProcStart(pid: number): Promise<string | undefined> {
  return (await readProcStat(pid))?.procStart;
}

let bootIdCache: string | undefined;

/** The kernel's boot id: start times are only comparable within one boot. Cached (it cannot change). */
export function readBootId(): string {
  bootIdCache ??= readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  return bootIdCache;
}

/** kill(pid, 0): true when the pid exists (EPERM: it exists but belongs to another user). */
export function isPidPresent(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === 'EPERM';
  }
}

/** What a handle's pid names now: the same process, another process (reused pid), or nothing. */
export type HandleStatus = 'alive' | 'gone' | 'reused';

/**
 * A zombie counts as gone: it has exited, and on hosts whose init does not reap orphans
 * (some container and microVM inits) it may stay a zombie forever.
 */
export async function checkHandle(handle: ProcessHandle): Promise<HandleStatus> {
  if (handle.bootId !== readBootId()) return 'gone';
  if (!Number.isSafeInteger(handle.pid) || handle.pid <= 0 || !isPidPresent(handle.pid)) return 'gone';
  // Inline (~15 µs): through the thread pool it was three hand-offs before every stop's SIGTERM.
  const stat = readProcStatSync(handle.pid);
  if (stat === undefined) return 'gone';
  if (stat.procStart !== handle.procStart) return 'reused';
  return stat.state === 'Z' ? 'gone' : 'alive';
}

export async function isProcessAlive(handle: ProcessHandle): Promise<boolean> {
  return (await checkHandle(handle)) === 'alive';
}

/**
 * The end of a process that is not our child (adopted, or reaped by a helper that is gone): only
 * its disappearance can be seen, so its exit status is unknown.
 */
export async function pollUntilGone(handle: ProcessHandle, pollMs: number): Promise<ExitInfo> {
  while (await isProcessAlive(handle)) await sleep(pollMs, undefined, { ref: false });
  return { exitCode: null, signal: null, known: false };
}

/**
 * /proc is scanned on the main thread, one file at a time, in slices with a turn of the event loop
 * between them. Through the thread pool each file cost three hand-offs (open, read, close) and a
 * promise: a scan of a few hundred processes took ~100 ms of wall time, and queued every other
 * file read of the agent's start behind it (docs/benchmarks.md). Inline it is ~10 µs a process.
 */
const SCAN_SLICE = 128;

async function scanSliced<T, R>(items: readonly T[], fn: (item: T) => R, slice = SCAN_SLICE): Promise<R[]> {
  const out = new Array<R>(items.length);
  for (let i = 0; i < items.length; i++) {
    if (i > 0 && i % slice === 0) await new Promise<void>((res) => setImmediate(res));
    out[i] = fn(items[i]!);
  }
  return out;
}

let scanBuffer = Buffer.allocUnsafe(16 * 1024);

/** A whole /proc file (their stat size is 0, so read until EOF), or undefined when it is gone or unreadable. */
function readProcFileSync(path: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined; // vanished mid-scan, or another user's process
  }
  try {
    let length = 0;
    for (;;) {
      if (length === scanBuffer.length) {
        const bigger = Buffer.allocUnsafe(scanBuffer.length * 2);
        scanBuffer.copy(bigger, 0, 0, length);
        scanBuffer = bigger;
      }
      const n = readSync(fd, scanBuffer, length, scanBuffer.length - length, null);
      if (n === 0) return scanBuffer.subarray(0, length);
      length += n;
    }
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

function readProcStatScan(pid: number): ProcStat | undefined {
  const raw = readProcFileSync(`/proc/${pid}/stat`);
  return raw === undefined ? undefined : parseProcStat(raw.toString('latin1'));
}

async function listPids(): Promise<number[]> {
  const names = await readdir('/proc');
  return names.filter((n) => /^\d+$/.test(n)).map(Number);
}

/**
 * True while any non-zombie process is in group `pgid`. kill(-pgid, 0) alone is not enough:
 * it also succeeds for zombie members, which an init that does not reap would keep forever.
 */
export async function isGroupAlive(pgid: number): Promise<boolean> {
  if (!Number.isSafeInteger(pgid) || pgid <= 1) return false;
  try {
    process.kill(-pgid, 0);
  } catch (err) {
    if (errnoCode(err) !== 'EPERM') return false;
  }
  const stats = await scanSliced(await listPids(), readProcStatScan);
  return stats.some((s) => s !== undefined && s.pgrp === pgid && s.state !== 'Z');
}

const MARKER_FIELDS = ['rootId', 'pod', 'podUid', 'container', 'daemonSet', 'templateHash'] as const;

/**
 * Marker value: the fields in MARKER_FIELDS order, each URI-encoded (daemonSet is
 * `namespace/name`), joined by '/': `rootId/pod/podUid/container/namespace%2Fname/templateHash`.
 */
export function encodeMarker(marker: Marker): string {
  return MARKER_FIELDS.map((f) => encodeURIComponent(marker[f])).join('/');
}

export function decodeMarker(value: string): Marker | undefined {
  const parts = value.split('/');
  if (parts.length !== MARKER_FIELDS.length) return undefined;
  try {
    const decoded = parts.map(decodeURIComponent);
    return Object.fromEntries(MARKER_FIELDS.map((f, i) => [f, decoded[i] ?? ''])) as unknown as Marker;
  } catch {
    return undefined; // malformed %-escape: not a marker we wrote
  }
}

/** True while some process's name (comm, as prctl(PR_SET_NAME) sets it) is `comm`. */
export async function anyProcessNamed(comm: string): Promise<boolean> {
  const names = await scanSliced(await listPids(), (pid) => readProcFileSync(`/proc/${pid}/comm`)?.toString('latin1').trimEnd());
  return names.includes(comm);
}

const MARKER_PREFIX = Buffer.from(`${MARKER_ENV}=`);

/** The marker's value in a raw environ (NUL-separated entries), without decoding the rest. */
export function markerValueIn(environ: Buffer): string | undefined {
  for (let at = environ.indexOf(MARKER_PREFIX); at >= 0; at = environ.indexOf(MARKER_PREFIX, at + 1)) {
    if (at > 0 && environ[at - 1] !== 0) continue; // inside another variable's value
    const start = at + MARKER_PREFIX.length;
    const end = environ.indexOf(0, start);
    return environ.toString('utf8', start, end < 0 ? environ.length : end);
  }
  return undefined;
}

function readMarked(pid: number, rootId: string, bootId: string, podUids?: ReadonlySet<string>): MarkedProcess | undefined {
  const environ = readProcFileSync(`/proc/${pid}/environ`);
  const value = environ === undefined ? undefined : markerValueIn(environ);
  const marker = value === undefined ? undefined : decodeMarker(value);
  if (marker === undefined || marker.rootId !== rootId || (podUids !== undefined && !podUids.has(marker.podUid))) return undefined;
  // A hostds inside a container (nspawn, docker) on its own `/` has the same root id: its daemons
  // are in another pid namespace, and are never ours to adopt or stop.
  if (ownPidNamespace !== undefined && readlinkOrUndefined(`/proc/${pid}/ns/pid`) !== ownPidNamespace) return undefined;
  const stat = readProcStatScan(pid);
  // Children inherit the marker; only the group leader the runner started stands for the container.
  if (stat === undefined || stat.state === 'Z' || stat.pgrp !== pid) return undefined;
  return { pid, procStart: stat.procStart, bootId, marker };
}

function readlinkOrUndefined(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

let ownPidNamespace: string | undefined;

/**
 * Every live group leader whose environment carries a marker for `rootId`, in our pid namespace.
 * For the scan after a stop, which a replacement waits for: `podUids` skips the namespace and
 * group checks of every other daemon (with 500 daemons the scan was ~40 ms, most of it those),
 * and `atOnce` keeps other work (a state save) from getting in between slices.
 */
export async function listMarkedProcesses(rootId: string, opts: { atOnce?: boolean; podUids?: ReadonlySet<string> } = {}): Promise<MarkedProcess[]> {
  const bootId = readBootId();
  ownPidNamespace ??= readlinkOrUndefined('/proc/self/ns/pid');
  const found = await scanSliced(await listPids(), (pid) => readMarked(pid, rootId, bootId, opts.podUids), opts.atOnce ? Infinity : SCAN_SLICE);
  return found.filter((p): p is MarkedProcess => p !== undefined);
}
