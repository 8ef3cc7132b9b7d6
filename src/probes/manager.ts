// Runs every container's probes on their own schedule (the kubelet's prober_manager + one worker
// per probe), feeding results to the pure tracker and its events to the caller. The effect
// shell: timers, the concurrency cap and cancellation live here, decisions in tracker.ts.
//
// Scheduling, per probe: the first run is due initialDelay after add(); each next run is due a
// period after the previous one *finished* (or was abandoned), so a probe never overlaps itself
// and a slow or hung target never makes runs pile up. Liveness and readiness wait for startup:
// they are parked, not polled, and run as soon as the container is started (their initialDelay
// still counted from add()), as the kubelet triggers readiness at once then. A probe held by the
// tracker (liveness or startup asked for a restart) stays parked until reset()/remove(). A run
// that ignores its timeout is abandoned abandonAfterMs later: its slot is freed, it is aborted,
// and it counts as a failure.
//
// Concurrency: at most maxConcurrent runs in flight across all containers. Due runs wait in a
// queue served round-robin by container, so a container with three probes cannot crowd out one
// with a single probe. A probe is queued at most once: a run that comes due while the same probe
// is queued or running is dropped, never stacked.
import type { Timer } from '../lib/clock.js';
import { runProbe } from './run.js';
import { formatDuration } from './run-util.js';
import type { ProbeKind, ProbeSpec } from './spec.js';
import { initialProbeState, recordResult, shouldRun, type ContainerProbeState, type ProbeEvent, type ProbeResult } from './tracker.js';

export type ProbeListener = (event: ProbeEvent, state: ContainerProbeState) => void;

export interface ProbeManagerOptions {
  /** Runs in flight at once across all containers. Default 8. */
  maxConcurrent?: number;
  /** Monotonic milliseconds. Default performance.now. */
  now?: () => number;
  /** The probe runner. Default runProbe. */
  run?: typeof runProbe;
  /** Timer factory; the default is setTimeout, unref'ed. Tests inject a fake clock here. */
  setTimer?: (ms: number, fn: () => void) => Timer;
  /** How long past its timeout a run that ignores cancellation is waited for. Default 1000. */
  abandonAfterMs?: number;
  /** Called when a listener throws; the manager carries on either way. */
  onListenerError?: (err: unknown, key: string) => void;
  /** Every result, as it is recorded (for metrics). */
  onResult?: (kind: ProbeKind, result: ProbeResult) => void;
}

interface Worker {
  spec: ProbeSpec;
  timer: Timer | undefined;
  queued: boolean;
  running: AbortController | undefined;
}

interface Entry {
  key: string;
  container: string;
  specs: ProbeSpec[];
  env: Record<string, string>;
  listener: ProbeListener;
  state: ContainerProbeState;
  workers: Map<ProbeKind, Worker>;
  /** Runs due, in the order they came due. */
  pending: Worker[];
  addedAt: number;
}

const unrefTimer = (ms: number, fn: () => void): Timer => {
  const t = setTimeout(fn, Math.max(0, ms));
  t.unref();
  return { cancel: () => clearTimeout(t) };
};

export class ProbeManager {
  private readonly maxConcurrent: number;
  private readonly now: () => number;
  private readonly run: typeof runProbe;
  private readonly setTimer: (ms: number, fn: () => void) => Timer;
  private readonly abandonAfterMs: number;
  private readonly onListenerError: (err: unknown, key: string) => void;
  private readonly onResult: ((kind: ProbeKind, result: ProbeResult) => void) | undefined;
  private readonly entries = new Map<string, Entry>();
  /** Containers with runs due, served round-robin. */
  private readonly rotation: Entry[] = [];
  private inFlight = 0;
  private closed = false;

  constructor(opts: ProbeManagerOptions = {}) {
    const max = opts.maxConcurrent ?? 8;
    if (!Number.isInteger(max) || max < 1) {
      throw new TypeError(`The "maxConcurrent" option must be a positive integer, got ${String(max)} (${typeof max}).`);
    }
    this.maxConcurrent = max;
    this.now = opts.now ?? (() => performance.now());
    this.run = opts.run ?? runProbe;
    this.setTimer = opts.setTimer ?? unrefTimer;
    this.abandonAfterMs = opts.abandonAfterMs ?? 1000;
    this.onListenerError = opts.onListenerError ?? (() => undefined);
    this.onResult = opts.onResult;
  }

  /**
   * Starts probing a container that has just started; replaces probing under the same key.
   * `container` names it in event messages ("Container main failed liveness probe...").
   */
  add(key: string, specs: ProbeSpec[], env: Record<string, string>, listener: ProbeListener, container = ''): void {
    if (this.closed) throw new Error('ProbeManager is closed');
    this.remove(key);
    const workers = new Map<ProbeKind, Worker>();
    for (const spec of specs) workers.set(spec.kind, { spec, timer: undefined, queued: false, running: undefined });
    const entry: Entry = {
      key, container, specs, env, listener, workers, pending: [],
      state: initialProbeState(specs, container),
      addedAt: this.now(),
    };
    this.entries.set(key, entry);
    this.wake(entry);
  }

  /** Stops probing; in-flight runs are aborted and their results ignored. */
  remove(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    const at = this.rotation.indexOf(entry);
    if (at !== -1) this.rotation.splice(at, 1);
    entry.pending.length = 0;
    for (const w of entry.workers.values()) {
      w.timer?.cancel();
      w.timer = undefined;
      w.running?.abort();
    }
  }

  /** After the container restarted: probing begins again from the initial state and delays. */
  reset(key: string): void {
    const entry = this.entries.get(key);
    if (entry !== undefined) this.add(key, entry.specs, entry.env, entry.listener, entry.container);
  }

  state(key: string): ContainerProbeState | undefined {
    return this.entries.get(key)?.state;
  }

  /** Runs in flight and runs waiting for a slot, for metrics and tests. */
  stats(): { inFlight: number; queued: number; containers: number } {
    const queued = this.rotation.reduce((n, e) => n + e.pending.length, 0);
    return { inFlight: this.inFlight, queued, containers: this.entries.size };
  }

  close(): void {
    this.closed = true;
    for (const key of [...this.entries.keys()]) this.remove(key);
  }

  /** Arms every idle probe that may run now: at its initial delay, counted from add(). */
  private wake(entry: Entry): void {
    for (const w of entry.workers.values()) {
      if (w.timer !== undefined || w.queued || w.running !== undefined || !shouldRun(entry.state, w.spec.kind)) continue;
      this.arm(entry, w, entry.addedAt + w.spec.initialDelayMs - this.now());
    }
  }

  private arm(entry: Entry, w: Worker, ms: number): void {
    w.timer = this.setTimer(Math.max(0, ms), () => {
      w.timer = undefined;
      this.enqueue(entry, w);
    });
  }

  private enqueue(entry: Entry, w: Worker): void {
    if (this.entries.get(entry.key) !== entry) return;
    if (w.queued || w.running !== undefined) return; // dropped, never stacked
    if (!shouldRun(entry.state, w.spec.kind)) return; // parked until wake()
    w.queued = true;
    entry.pending.push(w);
    if (!this.rotation.includes(entry)) this.rotation.push(entry);
    this.pump();
  }

  /** Starts queued runs while there is a free slot, one container at a time in turn. */
  private pump(): void {
    while (this.inFlight < this.maxConcurrent && this.rotation.length > 0) {
      const entry = this.rotation.shift() as Entry;
      const w = entry.pending.shift();
      if (entry.pending.length > 0) this.rotation.push(entry);
      if (w === undefined) continue;
      w.queued = false;
      this.start(entry, w);
    }
  }

  private start(entry: Entry, w: Worker): void {
    const controller = new AbortController();
    w.running = controller;
    this.inFlight++;
    let settled = false;
    const settle = (result: ProbeResult): void => {
      if (settled) return;
      settled = true;
      guard.cancel();
      this.inFlight--;
      w.running = undefined;
      if (this.entries.get(entry.key) === entry) this.finish(entry, w, result);
      this.pump();
    };
    // Our runners end by their own timeout; this guard abandons an injected one that does not.
    const guard = this.setTimer(w.spec.timeoutMs + this.abandonAfterMs, () => {
      controller.abort();
      settle({ ok: false, message: `probe did not finish within ${formatDuration(w.spec.timeoutMs)}` });
    });
    let pending: Promise<ProbeResult>;
    try {
      pending = this.run(w.spec, entry.env, controller.signal, { unref: true });
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.then(settle, (err: unknown) => settle({ ok: false, message: err instanceof Error ? err.message : String(err) }));
  }

  /** Records a result, tells the listener, and schedules what comes next. */
  private finish(entry: Entry, w: Worker, result: ProbeResult): void {
    const { state, events } = recordResult(entry.state, w.spec.kind, result, w.spec);
    entry.state = state;
    this.onResult?.(w.spec.kind, result);
    if (shouldRun(state, w.spec.kind)) this.arm(entry, w, w.spec.periodMs);
    // Startup may just have succeeded: liveness and readiness start now (after their delay).
    this.wake(entry);
    for (const e of events) {
      if (this.entries.get(entry.key) !== entry) return; // the listener removed or reset it
      try {
        entry.listener(e, entry.state);
      } catch (err) {
        this.onListenerError(err, entry.key);
      }
    }
  }
}
