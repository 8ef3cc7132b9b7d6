// Gives the agent's start-up pages back to the kernel (docs/memory-trim.md): once when start-up is
// done, then at `memoryTrimInterval` when the resident set grew. The decisions are in
// src/lib/trim-plan.ts; the two calls node cannot make are in native/hostds-trim.c.
import { readFileSync, readlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../observe/logger.js';
import type { EventLoopUtilization } from 'node:perf_hooks';
import { AFTER_TRIM, periodicTick, QUIET_WINDOW_MS, startUpTrimNow, statusKiB, trimmableRanges, type PeriodicTrim } from '../lib/trim-plan.js';

export const DEFAULT_TRIM_ADDON = fileURLToPath(new URL('../../dist/native/hostds-trim.node', import.meta.url));

/** Below this growth over the settled resident set, a periodic trim would only drop pages in use. */
export const TRIM_GROWTH_KIB = 4096;
/** The longest gap between two looks at the config, so that a reload applies within it. */
const MAX_TICK_MS = 60_000;
const CLOCK_SLACK_MS = 5;

interface TrimAddon { drop(ranges: Float64Array): number; mallocTrim(): number }

export interface TrimResult {
  /** Resident KiB of the dropped mappings when they were dropped. */
  droppedKiB: number;
  mappings: number;
  /** VmRSS and its file-backed part (RssFile) from /proc/self/status, before and after. */
  rssKiBBefore: number | undefined;
  rssKiBAfter: number | undefined;
  rssFileKiBBefore: number | undefined;
  rssFileKiBAfter: number | undefined;
  /** errno of the first madvise that failed (0: none). */
  errno: number;
  ms: number;
}

/** The addon, or why there is none (no compiler at build time, another architecture, no N-API). */
export function loadTrimAddon(path = DEFAULT_TRIM_ADDON): TrimAddon | string {
  const mod = { exports: {} as Partial<TrimAddon> };
  try {
    process.dlopen(mod, path);
  } catch (err) {
    return (err as Error).message.split('\n')[0]!;
  }
  const { drop, mallocTrim } = mod.exports;
  if (typeof drop !== 'function' || typeof mallocTrim !== 'function') return `${path} is not the hostds-trim addon`;
  return { drop, mallocTrim };
}

function readStatus(): string {
  return readFileSync('/proc/self/status', 'utf8');
}

/** One trim, synchronously: nothing else runs on the main thread between reading smaps and madvise. */
export function trimOnce(addon: TrimAddon): TrimResult {
  const t0 = performance.now();
  const before = readStatus();
  const ranges = trimmableRanges(readFileSync('/proc/self/smaps', 'utf8'), readlinkSync('/proc/self/exe'));
  const flat = new Float64Array(ranges.length * 2);
  ranges.forEach((r, i) => { flat[2 * i] = r.start; flat[2 * i + 1] = r.length; });
  const errno = addon.drop(flat);
  addon.mallocTrim();
  const after = readStatus();
  return {
    droppedKiB: ranges.reduce((sum, r) => sum + r.rssKiB, 0),
    mappings: ranges.length,
    rssKiBBefore: statusKiB(before, 'VmRSS'),
    rssKiBAfter: statusKiB(after, 'VmRSS'),
    rssFileKiBBefore: statusKiB(before, 'RssFile'),
    rssFileKiBAfter: statusKiB(after, 'RssFile'),
    errno,
    ms: Math.round((performance.now() - t0) * 10) / 10,
  };
}

export interface MemoryTrimmer {
  /** Trims now (after start-up, after the code cache is written); false when trimming is off. */
  trim(reason: string): boolean;
  stop(): void;
}

/**
 * Starts trimming for the agent. `intervalMs` is read at every tick (at most a minute apart), so
 * a config reload applies within a minute; 0 turns trimming off (and the start-up trim with it).
 * A trim that fails (a /proc read, say) is a warning: trimming is only ever an optimisation.
 */
export function startMemoryTrim(opts: { log: Logger; intervalMs: () => number; addonPath?: string }): MemoryTrimmer {
  const { log } = opts;
  let addon: TrimAddon | undefined;
  let unavailable = false;
  let periodic: PeriodicTrim = { trimmed: false };
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let lastCheck = performance.now();

  const trim = (reason: string): boolean => {
    if (stopped || unavailable || opts.intervalMs() <= 0) return false;
    try {
      if (addon === undefined) {
        const loaded = loadTrimAddon(opts.addonPath);
        if (typeof loaded === 'string') {
          unavailable = true;
          log.info({ reason: loaded }, 'memory trim unavailable: the agent keeps its start-up pages (docs/memory-trim.md)');
          return false;
        }
        addon = loaded;
      }
      const { errno, ...r } = trimOnce(addon);
      periodic = AFTER_TRIM;
      if (errno !== 0) log.warn({ reason, ...r, errno }, 'memory trim: madvise failed on some mappings');
      else log.info({ reason, ...r }, 'memory trimmed');
      return true;
    } catch (err) {
      log.warn({ reason, err: (err as Error).message }, 'memory trim failed; the agent goes on as before');
      return false;
    }
  };

  const check = (): void => {
    const interval = opts.intervalMs();
    // Timers run on the loop's cached clock, a few ms behind performance.now(): hence the slack.
    if (interval <= 0 || performance.now() - lastCheck + CLOCK_SLACK_MS < interval) return;
    lastCheck = performance.now();
    const rssFileKiB = statusKiB(readStatus(), 'RssFile');
    const tick = periodicTick(periodic, rssFileKiB, TRIM_GROWTH_KIB);
    log.debug({ rssFileKiB, baselineKiB: tick.state.baselineKiB, trim: tick.trim }, 'memory trim check');
    periodic = tick.state;
    if (tick.trim) trim('interval');
  };

  const schedule = (): void => {
    if (stopped || unavailable) return;
    const interval = opts.intervalMs();
    timer = setTimeout(() => {
      try {
        check();
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'memory trim check failed; trying again later');
      } finally {
        schedule();
      }
    }, interval > 0 ? Math.min(interval, MAX_TICK_MS) : MAX_TICK_MS);
    timer.unref();
  };

  // Start-up has a tail (the first measurements, the collection of its garbage): the trim waits
  // for the first quiet window, so that it drops pages that then stay unused.
  const waitingSince = performance.now();
  const waitForQuiet = (elu: EventLoopUtilization): void => {
    timer = setTimeout(() => {
      const now = performance.eventLoopUtilization();
      if (startUpTrimNow(performance.eventLoopUtilization(now, elu).utilization, performance.now() - waitingSince)) {
        trim('start-up');
        lastCheck = performance.now();
        schedule();
      } else waitForQuiet(now);
    }, QUIET_WINDOW_MS);
    timer.unref();
  };
  waitForQuiet(performance.eventLoopUtilization());
  return {
    trim,
    stop() { stopped = true; if (timer !== undefined) clearTimeout(timer); },
  };
}
