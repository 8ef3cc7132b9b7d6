// Per-line times for `hostds logs --timestamps`. Daemons write straight to their log file (so
// output survives agent restarts), which carries no times. While the agent runs it watches each
// live log (inotify) and appends `<size> <time>` to `<log>.times` whenever the file grows: a line
// gets the time the agent first saw the bytes that end it, within milliseconds. Output written
// while no agent ran gets the time the next agent first saw it.
import { watch, type FSWatcher, promises as fsp } from 'node:fs';

export function timesPath(logPath: string): string {
  return `${logPath}.times`;
}

interface Tracked {
  /** Undefined while polling: a log growing faster than MIN_GAP_MS is stat'ed on a timer instead. */
  watcher: FSWatcher | undefined;
  size: number;
  busy: boolean;
  again: boolean;
  lastMs: number;
  timer?: NodeJS.Timeout;
}

/** At most one entry per file per this many ms: a chatty daemon must not write an index entry per write. */
const MIN_GAP_MS = 10;

export class LogTimeRecorder {
  private readonly tracked = new Map<string, Tracked>();
  /** Logs seen growing since the last takeGrown(): the only ones log rotation must look at. */
  private grown = new Set<string>();

  /**
   * `onSize`: every size the recorder reads, so log rotation can act the moment a log passes its
   * limit rather than at the next interval (a daemon writing at disk speed fills gigabytes in 10 s).
   */
  constructor(private readonly now: () => number = Date.now, private readonly onSize?: (path: string, size: number) => void) {}

  /** Starts (or keeps) watching exactly these log files. */
  sync(paths: ReadonlySet<string>): void {
    for (const [path, t] of this.tracked) {
      if (!paths.has(path)) { t.watcher?.close(); clearTimeout(t.timer); this.tracked.delete(path); }
    }
    for (const path of paths) if (!this.tracked.has(path)) this.track(path);
  }

  private track(path: string): void {
    const t: Tracked = { watcher: undefined, size: 0, busy: false, again: false, lastMs: 0 };
    if (!this.watch(path, t)) return; // not created yet: the next sync tries again
    this.tracked.set(path, t);
    void this.record(path);
  }

  private watch(path: string, t: Tracked): boolean {
    try {
      const watcher = watch(path, { persistent: false }, () => void this.record(path));
      watcher.on('error', () => { watcher.close(); clearTimeout(t.timer); this.tracked.delete(path); });
      t.watcher = watcher;
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Event-driven while a log is quiet; polled every MIN_GAP_MS while it keeps growing. inotify
   * reports every write, so a daemon writing as fast as it can would otherwise wake the agent
   * hundreds of thousands of times a second (tested: test/integration/agent-hostile.test.ts).
   */
  private async record(path: string): Promise<void> {
    const t = this.tracked.get(path);
    if (!t) return;
    if (t.busy) { t.again = true; return; }
    const wait = t.lastMs + MIN_GAP_MS - this.now();
    if (wait > 0) {
      if (t.watcher) { t.watcher.close(); t.watcher = undefined; }
      t.timer ??= setTimeout(() => { delete t.timer; void this.record(path); }, wait);
      return;
    }
    t.busy = true;
    let grew = false;
    try {
      do {
        t.again = false;
        const size = (await fsp.stat(path).catch(() => undefined))?.size;
        if (size === undefined) break;
        // Smaller: rotated or moved aside (copy-truncate); its old times went with it.
        if (size < t.size) t.size = 0;
        if (size > t.size) {
          grew = true;
          this.grown.add(path);
          t.lastMs = this.now();
          await fsp.appendFile(timesPath(path), `${size} ${t.lastMs}\n`);
          t.size = size;
          this.onSize?.(path, size);
        }
      } while (t.again);
    } finally {
      t.busy = false;
    }
    if (t.watcher || !this.tracked.has(path)) return;
    if (grew) t.timer ??= setTimeout(() => { delete t.timer; void this.record(path); }, MIN_GAP_MS);
    // Quiet again: back to events, then one more look for bytes written before the watch began.
    else if (this.watch(path, t)) void this.record(path);
    else { clearTimeout(t.timer); this.tracked.delete(path); }
  }

  /** Whether `path` is watched (its growth is reported through takeGrown). */
  isTracked(path: string): boolean {
    return this.tracked.has(path);
  }

  takeGrown(): Set<string> {
    const out = this.grown;
    this.grown = new Set();
    return out;
  }

  close(): void {
    for (const t of this.tracked.values()) { t.watcher?.close(); clearTimeout(t.timer); }
    this.tracked.clear();
  }
}

/** `2026-11-28T23:22:19.123000000Z`: RFC 3339 with nanoseconds, as kubectl prints. */
function rfc3339Nano(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

/** Prefixes each line of `text` (the file's content from byte 0) with its recorded time. */
export function stampLines(text: string, times: string, fallbackMs: number): string {
  const index = times.split('\n').filter(Boolean).map((l) => l.split(' ').map(Number) as [number, number])
    .filter(([o, t]) => Number.isFinite(o) && Number.isFinite(t));
  let offset = 0;
  let k = 0;
  const lines = text.split('\n');
  const last = lines.pop();
  const out = lines.map((line) => {
    offset += Buffer.byteLength(line) + 1;
    while (k < index.length && index[k]![0] < offset) k++;
    return `${rfc3339Nano(index[k]?.[1] ?? fallbackMs)} ${line}`;
  });
  if (last !== undefined && last !== '') out.push(`${rfc3339Nano(fallbackMs)} ${last}`);
  return out.length === 0 ? '' : out.join('\n') + (last === '' ? '\n' : '');
}

export async function readStamped(logPath: string, fallbackMs: number): Promise<string> {
  const [text, times] = await Promise.all([fsp.readFile(logPath, 'utf8').catch(() => ''), fsp.readFile(timesPath(logPath), 'utf8').catch(() => '')]);
  return stampLines(text, times, fallbackMs);
}

export function stampNow(chunk: string, nowMs: number, atLineStart: { value: boolean }): string {
  let out = '';
  for (const ch of chunk.split(/(?<=\n)/)) {
    out += (atLineStart.value ? `${rfc3339Nano(nowMs)} ` : '') + ch;
    atLineStart.value = ch.endsWith('\n');
  }
  return out;
}
