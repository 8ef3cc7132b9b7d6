// The manager's scheduling with an injected clock and runner: which run starts when, the cap,
// the queue, gating and cancellation, all deterministic (no real timers, no processes).
import { describe, expect, test } from 'vitest';
import type { Timer } from '../../../src/lib/clock.js';
import { ProbeManager } from '../../../src/probes/manager.js';
import type { ProbeKind, ProbeSpec } from '../../../src/probes/spec.js';
import type { ContainerProbeState, ProbeEvent, ProbeResult } from '../../../src/probes/tracker.js';

class FakeClock {
  private t = 0;
  private timers: { at: number; seq: number; fn: () => void; live: boolean }[] = [];
  private seq = 0;
  now = (): number => this.t;
  setTimer = (ms: number, fn: () => void): Timer => {
    const timer = { at: this.t + ms, seq: this.seq++, fn, live: true };
    this.timers.push(timer);
    return { cancel: () => { timer.live = false; } };
  };
  hasWaiters(): boolean {
    return this.timers.some((t) => t.live);
  }
  /** Moves time forward, firing due timers in order, letting promise callbacks run after each. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    await flush();
    for (;;) {
      const due = this.timers.filter((t) => t.live && t.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (due === undefined) break;
      due.live = false;
      this.t = due.at;
      due.fn();
      await flush();
    }
    this.t = end;
    this.timers = this.timers.filter((t) => t.live);
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

interface Call {
  key: string;
  kind: ProbeKind;
  at: number;
  signal: AbortSignal;
  unref: boolean;
  resolve: (r: ProbeResult) => void;
}

/** A runner whose runs end only when the test says so. */
function fakeRunner(clock: FakeClock) {
  const calls: Call[] = [];
  const run = (spec: ProbeSpec, env: Record<string, string>, signal?: AbortSignal, options?: { unref?: boolean }): Promise<ProbeResult> =>
    new Promise((resolve) => calls.push({ key: env['KEY'] ?? '', kind: spec.kind, at: clock.now(), signal: signal!, unref: options?.unref === true, resolve }));
  const open = (): Call[] => calls.filter((c) => !(c as { done?: boolean }).done);
  const answer = (c: Call, r: ProbeResult): void => {
    (c as { done?: boolean }).done = true;
    c.resolve(r);
  };
  return { calls, open, answer, run };
}

function spec(kind: ProbeKind, over: Partial<ProbeSpec> = {}): ProbeSpec {
  return {
    kind, handler: { type: 'tcp', host: '127.0.0.1', port: 1 },
    initialDelayMs: 0, periodMs: 10_000, timeoutMs: 1_000, successThreshold: 1, failureThreshold: 3, ...over,
  };
}

function setup(maxConcurrent = 8) {
  const clock = new FakeClock();
  const runner = fakeRunner(clock);
  const manager = new ProbeManager({ maxConcurrent, now: clock.now, setTimer: clock.setTimer, run: runner.run });
  const events: { key: string; event: ProbeEvent; state: ContainerProbeState }[] = [];
  const add = (key: string, specs: ProbeSpec[]): void =>
    manager.add(key, specs, { KEY: key }, (event, state) => events.push({ key, event, state }), 'main');
  return { clock, runner, manager, events, add };
}

const OK: ProbeResult = { ok: true, message: 'ok' };
const FAIL: ProbeResult = { ok: false, message: 'HTTP probe failed with statuscode: 500' };

describe('scheduling', () => {
  test('first run after initialDelay, the next a period after the previous one finished', async () => {
    const { clock, runner, add } = setup();
    add('a', [spec('liveness', { initialDelayMs: 5_000, periodMs: 10_000 })]);
    await clock.advance(4_999);
    expect(runner.calls).toHaveLength(0);
    await clock.advance(1);
    expect(runner.calls.map((c) => c.at)).toEqual([5_000]);
    await clock.advance(700); // the run takes 700 ms
    runner.answer(runner.calls[0]!, OK);
    await clock.advance(9_999);
    expect(runner.calls).toHaveLength(1);
    await clock.advance(1);
    expect(runner.calls.map((c) => c.at)).toEqual([5_000, 15_700]);
  });

  test('initialDelay 0 → the first run at once', async () => {
    const { clock, runner, add } = setup();
    add('a', [spec('readiness')]);
    await clock.advance(0);
    expect(runner.calls).toHaveLength(1);
  });

  test('a run never overlaps itself: a slow run delays the next one', async () => {
    const { clock, runner, add } = setup();
    add('a', [spec('liveness', { periodMs: 1_000, timeoutMs: 5_000 })]);
    await clock.advance(0);
    await clock.advance(4_000); // four periods pass while the run is still going
    expect(runner.calls).toHaveLength(1);
    runner.answer(runner.calls[0]!, OK);
    await clock.advance(1_000);
    expect(runner.calls).toHaveLength(2);
  });

  test('runs are unref\'ed so probing never holds the process', async () => {
    const { clock, runner, add } = setup();
    add('a', [spec('liveness')]);
    await clock.advance(0);
    expect(runner.calls[0]!.unref).toBe(true);
  });

  test('each probe of a container runs on its own period', async () => {
    const { clock, runner, add } = setup();
    add('a', [spec('readiness', { periodMs: 1_000 }), spec('liveness', { periodMs: 3_000 })]);
    for (let i = 0; i < 6; i++) {
      await clock.advance(0);
      for (const c of runner.open()) runner.answer(c, OK);
      await clock.advance(1_000);
    }
    const count = (k: ProbeKind): number => runner.calls.filter((c) => c.kind === k).length;
    expect(count('readiness')).toBe(7);
    expect(count('liveness')).toBe(3);
  });
});

describe('the concurrency cap', () => {
  test('never more than maxConcurrent in flight; the rest wait and start as slots free', async () => {
    const { clock, runner, manager, add } = setup(2);
    for (const k of ['a', 'b', 'c', 'd', 'e']) add(k, [spec('liveness')]);
    await clock.advance(0);
    expect(runner.open().map((c) => c.key)).toEqual(['a', 'b']);
    expect(manager.stats()).toEqual({ inFlight: 2, queued: 3, containers: 5 });
    runner.answer(runner.calls[0]!, OK);
    await clock.advance(0);
    expect(runner.open().map((c) => c.key)).toEqual(['b', 'c']);
  });

  test('round-robin by container: one container\'s probes cannot crowd out another\'s', async () => {
    const { clock, runner, add } = setup(1);
    add('hog', [spec('liveness')]);
    add('busy', [spec('readiness'), spec('liveness')]);
    add('quiet', [spec('liveness')]);
    await clock.advance(0);
    // Queued: busy/readiness, busy/liveness, quiet/liveness. FIFO would run both of busy's first.
    const order: string[] = [];
    for (let i = 0; i < 4; i++) {
      const c = runner.open()[0]!;
      order.push(`${c.key}/${c.kind}`);
      runner.answer(c, OK);
      await clock.advance(0);
    }
    expect(order).toEqual(['hog/liveness', 'busy/readiness', 'quiet/liveness', 'busy/liveness']);
  });

  test('no pile-up: a probe waiting for a slot is queued once, however many periods pass', async () => {
    const { clock, runner, manager, add } = setup(1);
    add('hog', [spec('liveness', { periodMs: 1_000, timeoutMs: 60_000 })]);
    add('starved', [spec('liveness', { periodMs: 1_000 })]);
    await clock.advance(30_000);
    expect(manager.stats()).toMatchObject({ inFlight: 1, queued: 1 });
    expect(runner.calls.map((c) => c.key)).toEqual(['hog']);
    runner.answer(runner.calls[0]!, OK);
    await clock.advance(0);
    expect(runner.calls.map((c) => c.key)).toEqual(['hog', 'starved']);
    expect(manager.stats()).toMatchObject({ inFlight: 1, queued: 0 });
  });

  test('a run that ignores its timeout is abandoned, and its slot freed', async () => {
    const clock = new FakeClock();
    const runner = fakeRunner(clock);
    const manager = new ProbeManager({ maxConcurrent: 1, now: clock.now, setTimer: clock.setTimer, run: runner.run, abandonAfterMs: 500 });
    const events: ProbeEvent[] = [];
    manager.add('a', [spec('liveness', { timeoutMs: 1_000, failureThreshold: 1 })], {}, (e) => events.push(e), 'main');
    manager.add('b', [spec('liveness')], {}, () => undefined, 'b');
    await clock.advance(1_499);
    expect(manager.stats().inFlight).toBe(1);
    expect(runner.calls).toHaveLength(1);
    await clock.advance(1);
    expect(runner.calls[0]!.signal.aborted).toBe(true);
    expect(runner.calls).toHaveLength(2); // b got the slot
    expect(events.map((e) => e.message)).toEqual([
      'Liveness probe failed: probe did not finish within 1s',
      'Container main failed liveness probe, will be restarted',
    ]);
    runner.answer(runner.calls[0]!, OK); // the abandoned run's late answer is ignored
    await clock.advance(0);
    expect(events).toHaveLength(2);
  });
});

describe('startup gating', () => {
  test('liveness and readiness wait for startup, then start at once', async () => {
    const { clock, runner, add, events } = setup();
    add('a', [spec('startup', { periodMs: 1_000, failureThreshold: 30 }), spec('readiness'), spec('liveness')]);
    for (let i = 0; i < 3; i++) {
      await clock.advance(0);
      runner.answer(runner.open()[0]!, FAIL);
      await clock.advance(1_000);
    }
    expect(runner.calls.every((c) => c.kind === 'startup')).toBe(true);
    runner.answer(runner.open()[0]!, OK);
    await clock.advance(0);
    expect(runner.open().map((c) => c.kind).sort()).toEqual(['liveness', 'readiness']);
    expect(events.map((e) => e.event.type)).toEqual(['Unhealthy', 'Unhealthy', 'Unhealthy', 'Started']);
    await clock.advance(60_000);
    expect(runner.calls.filter((c) => c.kind === 'startup')).toHaveLength(4); // startup stopped
  });

  test('after startup, liveness still honours its initialDelay counted from add()', async () => {
    const { clock, runner, add } = setup();
    add('a', [spec('startup', { periodMs: 1_000 }), spec('liveness', { initialDelayMs: 10_000 })]);
    await clock.advance(0);
    runner.answer(runner.open()[0]!, OK);
    await clock.advance(9_999);
    expect(runner.calls.map((c) => c.kind)).toEqual(['startup']);
    await clock.advance(1);
    expect(runner.calls.map((c) => c.kind)).toEqual(['startup', 'liveness']);
  });
});

describe('restart signal, reset and remove', () => {
  test('liveness failing failureThreshold times → Unhealthy×3 then LivenessFailed; then held', async () => {
    const { clock, runner, add, events, manager } = setup();
    add('a', [spec('liveness', { periodMs: 1_000 })]);
    for (let i = 0; i < 3; i++) {
      await clock.advance(0);
      runner.answer(runner.open()[0]!, FAIL);
      await clock.advance(1_000);
    }
    expect(events.map((e) => `${e.event.type}: ${e.event.message}`)).toEqual([
      'Unhealthy: Liveness probe failed: HTTP probe failed with statuscode: 500',
      'Unhealthy: Liveness probe failed: HTTP probe failed with statuscode: 500',
      'Unhealthy: Liveness probe failed: HTTP probe failed with statuscode: 500',
      'LivenessFailed: Container main failed liveness probe, will be restarted',
    ]);
    expect(events.at(-1)!.state.live).toBe(false);
    await clock.advance(60_000);
    expect(runner.calls).toHaveLength(3);
    expect(clock.hasWaiters()).toBe(false);
    manager.reset('a');
    expect(manager.state('a')!.live).toBe(true);
    await clock.advance(0);
    expect(runner.calls).toHaveLength(4);
  });

  test('remove aborts the in-flight run, ignores its result and frees the slot', async () => {
    const { clock, runner, manager, add, events } = setup(1);
    add('a', [spec('liveness', { failureThreshold: 1 })]);
    add('b', [spec('liveness')]);
    await clock.advance(0);
    const first = runner.calls[0]!;
    manager.remove('a');
    expect(first.signal.aborted).toBe(true);
    expect(manager.state('a')).toBeUndefined();
    runner.answer(first, { ok: false, message: 'probe aborted' });
    await clock.advance(0);
    expect(events).toEqual([]);
    expect(runner.open().map((c) => c.key)).toEqual(['b']);
    await clock.advance(60_000);
    expect(runner.calls.filter((c) => c.key === 'a')).toHaveLength(1);
  });

  test('add under an existing key replaces it', async () => {
    const { clock, runner, add, manager } = setup();
    add('a', [spec('liveness')]);
    await clock.advance(0);
    add('a', [spec('readiness')]);
    expect(runner.calls[0]!.signal.aborted).toBe(true);
    await clock.advance(0);
    expect(runner.open().filter((c) => !c.signal.aborted).map((c) => c.kind)).toEqual(['readiness']);
    expect(manager.stats().containers).toBe(1);
  });

  test('close stops everything; add after close throws', async () => {
    const { clock, runner, manager, add } = setup();
    add('a', [spec('liveness')]);
    add('b', [spec('readiness', { initialDelayMs: 5_000 })]);
    await clock.advance(0);
    manager.close();
    expect(runner.calls[0]!.signal.aborted).toBe(true);
    expect(clock.hasWaiters()).toBe(true); // only the abandon guard of the aborted run
    runner.answer(runner.calls[0]!, OK);
    await clock.advance(0);
    expect(clock.hasWaiters()).toBe(false);
    expect(() => add('c', [spec('liveness')])).toThrow(/closed/);
  });

  test('a throwing listener does not stop probing', async () => {
    const clock = new FakeClock();
    const runner = fakeRunner(clock);
    const errors: unknown[] = [];
    const manager = new ProbeManager({ now: clock.now, setTimer: clock.setTimer, run: runner.run, onListenerError: (e) => errors.push(e) });
    manager.add('a', [spec('readiness', { periodMs: 1_000 })], {}, () => { throw new Error('listener bug'); });
    await clock.advance(0);
    runner.answer(runner.calls[0]!, OK);
    await clock.advance(1_000);
    expect(errors).toHaveLength(1);
    expect(runner.calls).toHaveLength(2);
  });

  test('maxConcurrent must be a positive integer', () => {
    expect(() => new ProbeManager({ maxConcurrent: 0 })).toThrow('The "maxConcurrent" option must be a positive integer, got 0 (number).');
  });
});
