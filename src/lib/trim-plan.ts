// Which of a process's pages can be given back, and when (docs/memory-trim.md). Pure: text from
// /proc/self/smaps and /proc/self/status in, ranges and verdicts out; src/agent/memory-trim.ts
// reads the files and makes the calls.

export interface TrimRange {
  start: number;
  length: number;
  /** Resident KiB in the range when smaps was read: what dropping it gives back at most. */
  rssKiB: number;
  path: string;
}

const HEADER = /^([0-9a-f]+)-([0-9a-f]+) ([r-][w-][x-][ps]) [0-9a-f]+ [0-9a-f]+:[0-9a-f]+ (\d+)\s*(.*)$/;

interface Mapping { start: number; end: number; perms: string; inode: string; path: string; rss: number; anon: number; swap: number; locked: number }

/**
 * The mappings whose resident pages madvise(MADV_DONTNEED) may drop without changing what the
 * process reads: private, not writable, file-backed, and with no page of their own.
 * - A writable or shared mapping holds data only the process has.
 * - `Anonymous` pages in a read-only file mapping are copies the process changed, such as
 *   relocations in RELRO or a debugger's breakpoint; `Swap` counts such copies once swapped out
 *   (Anonymous counts only those in memory). Dropping either would bring back the file's bytes,
 *   so a mapping with any is kept whole, and so is one whose smaps lacks either line.
 * - Only the program (`exe`, as /proc/self/exe reads) and shared objects (`*.so`, `*.so.N`,
 *   `*.node`): files that stay mapped for the life of the process. A data file another thread
 *   might unmap, and whose range could be reused for anonymous memory before madvise runs, is
 *   left alone; so are devices and memfds, which are not plain files.
 * - Locked pages cannot be dropped anyway.
 * - Addresses beyond 2^53 (five-level paging) cannot be carried exactly as numbers.
 */
export function trimmableRanges(smaps: string, exe: string): TrimRange[] {
  const out: TrimRange[] = [];
  let m: Mapping | undefined;
  const flush = (): void => {
    if (m === undefined) return;
    if (m.perms[1] === '-' && m.perms[3] === 'p' && m.inode !== '0' && isProgramFile(m.path, exe) &&
      m.anon === 0 && m.swap === 0 && m.locked === 0 && m.rss > 0 && m.end <= Number.MAX_SAFE_INTEGER) {
      out.push({ start: m.start, length: m.end - m.start, rssKiB: m.rss, path: m.path });
    }
    m = undefined;
  };
  for (const line of smaps.split('\n')) {
    const h = HEADER.exec(line);
    if (h !== null) {
      flush();
      // Unknown until smaps says so: a mapping whose Anonymous or Swap line is missing is not dropped.
      m = { start: parseInt(h[1]!, 16), end: parseInt(h[2]!, 16), perms: h[3]!, inode: h[4]!, path: h[5]!, rss: 0, anon: -1, swap: -1, locked: 0 };
      continue;
    }
    if (m === undefined) continue;
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon);
    if (key === 'Rss') m.rss = kib(line, colon);
    else if (key === 'Anonymous') m.anon = kib(line, colon);
    else if (key === 'Swap') m.swap = kib(line, colon);
    else if (key === 'Locked') m.locked = kib(line, colon);
  }
  flush();
  return out;
}

const SHARED_OBJECT = /^\/(?!dev\/|memfd:).*(\.so(\.\d+)*|\.node)( \(deleted\))?$/;

function isProgramFile(path: string, exe: string): boolean {
  return path === exe || SHARED_OBJECT.test(path);
}

function kib(line: string, colon: number): number {
  const n = parseInt(line.slice(colon + 1), 10);
  return Number.isNaN(n) ? -1 : n;
}

/** A `Name: N kB` line of /proc/PID/status, in KiB; undefined when missing. */
export function statusKiB(status: string, name: 'VmRSS' | 'RssFile' | 'RssAnon'): number | undefined {
  const m = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(status);
  return m === null ? undefined : Number(m[1]);
}

/**
 * What the periodic trim knows between ticks. `baselineKiB` is the file-backed resident set the
 * agent settled at after its last trim; undefined right after one. A trim maps back pages at once
 * (its own code, the log line, the next timers): measured right after it, every tick would look
 * like growth and the agent would drop and fault in the same pages over and over.
 */
export interface PeriodicTrim { trimmed: boolean; baselineKiB?: number }

/**
 * One tick of the periodic trim: trim when never trimmed yet (trimming was off at start), or
 * when the file-backed resident set grew by `growthKiB` over the settled baseline. The first tick
 * after a trim only takes the baseline.
 */
export function periodicTick(state: PeriodicTrim, rssFileKiB: number | undefined, growthKiB: number): { trim: boolean; state: PeriodicTrim } {
  if (rssFileKiB === undefined) return { trim: false, state };
  if (!state.trimmed) return { trim: true, state };
  if (state.baselineKiB === undefined) return { trim: false, state: { trimmed: true, baselineKiB: rssFileKiB } };
  return { trim: rssFileKiB - state.baselineKiB >= growthKiB, state };
}

/** After any trim: the baseline is taken again at the next tick. */
export const AFTER_TRIM: PeriodicTrim = Object.freeze({ trimmed: true });

/** The start-up trim looks at the event loop in windows of this length. */
export const QUIET_WINDOW_MS = 100;
/** A window in which the main thread ran less than this share of the time is quiet. */
export const QUIET_UTILIZATION = 0.05;
/** Past this, the start-up trim runs even on a busy agent (a restart storm from the first pass). */
export const QUIET_WAIT_MAX_MS = 10_000;

/**
 * Whether the start-up trim runs now, given the last window's event-loop utilization (0..1) and
 * the time since the agent was ready (by the clock: on a loaded host windows come late).
 */
export function startUpTrimNow(utilization: number, waitedMs: number): boolean {
  return utilization < QUIET_UTILIZATION || waitedMs >= QUIET_WAIT_MAX_MS;
}
