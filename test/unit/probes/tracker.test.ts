import { describe, expect, test } from 'vitest';
import type { ProbeKind, ProbeSpec } from '../../../src/probes/spec.js';
import {
  initialProbeState, recordResult, shouldRun, type ContainerProbeState, type ProbeEvent,
} from '../../../src/probes/tracker.js';

function spec(kind: ProbeKind, over: Partial<ProbeSpec> = {}): ProbeSpec {
  return {
    kind, handler: { type: 'tcp', host: '127.0.0.1', port: 1 },
    initialDelayMs: 0, periodMs: 10_000, timeoutMs: 1_000, successThreshold: 1, failureThreshold: 3, ...over,
  };
}

/** A result: `+` success, `-` failure (message "boom"), in a string like "+--+". */
type Step = [ProbeKind, '+' | '-'];

function feed(specs: ProbeSpec[], steps: Step[], state = initialProbeState(specs, 'main')): { state: ContainerProbeState; events: ProbeEvent[] } {
  const events: ProbeEvent[] = [];
  for (const [kind, r] of steps) {
    const s = specs.find((x) => x.kind === kind)!;
    const out = recordResult(state, kind, { ok: r === '+', message: r === '+' ? 'ok' : 'boom' }, s);
    state = out.state;
    events.push(...out.events);
  }
  return { state, events };
}

const steps = (kind: ProbeKind, pattern: string): Step[] => [...pattern].map((c) => [kind, c as '+' | '-']);
const types = (events: ProbeEvent[]): string[] => events.map((e) => e.type);

describe('initialProbeState', () => {
  test.each([
    { name: 'no probes → started, ready, live', kinds: [] as ProbeKind[], want: { started: true, ready: true, live: true } },
    { name: 'liveness only → ready at once', kinds: ['liveness'] as ProbeKind[], want: { started: true, ready: true, live: true } },
    { name: 'readiness → not ready until it succeeds', kinds: ['readiness'] as ProbeKind[], want: { started: true, ready: false, live: true } },
    { name: 'startup → not started, not ready', kinds: ['startup'] as ProbeKind[], want: { started: false, ready: false, live: true } },
    { name: 'startup + readiness → not started, not ready', kinds: ['startup', 'readiness'] as ProbeKind[], want: { started: false, ready: false, live: true } },
  ])('$name', ({ kinds, want }) => {
    const s = initialProbeState(kinds.map((k) => spec(k)), 'main');
    expect({ started: s.started, ready: s.ready, live: s.live }).toEqual(want);
    expect(Object.keys(s.probes).sort()).toEqual([...kinds].sort());
  });
});

describe('shouldRun', () => {
  const all = [spec('startup'), spec('readiness'), spec('liveness')];
  test.each([
    { name: 'before startup succeeds only startup runs', specs: all, steps: [] as Step[], want: { startup: true, readiness: false, liveness: false } },
    { name: 'after startup succeeds startup stops, the others run', specs: all, steps: [['startup', '+']] as Step[], want: { startup: false, readiness: true, liveness: true } },
    { name: 'startup below its failure threshold keeps running', specs: all, steps: steps('startup', '--'), want: { startup: true, readiness: false, liveness: false } },
    { name: 'startup failed → held, nothing runs', specs: all, steps: steps('startup', '---'), want: { startup: false, readiness: false, liveness: false } },
    { name: 'liveness failed → held; readiness still runs', specs: all, steps: [['startup', '+'], ...steps('liveness', '---')] as Step[], want: { startup: false, readiness: true, liveness: false } },
    { name: 'a probe the container does not have never runs', specs: [spec('liveness')], steps: [] as Step[], want: { startup: false, readiness: false, liveness: true } },
  ])('$name', ({ specs, steps: s, want }) => {
    const { state } = feed(specs, s);
    expect({ startup: shouldRun(state, 'startup'), readiness: shouldRun(state, 'readiness'), liveness: shouldRun(state, 'liveness') }).toEqual(want);
  });
});

describe('liveness: failureThreshold consecutive failures → restart', () => {
  test.each([
    { name: 'threshold 3: 2 failures → still live', threshold: 3, pattern: '--', live: true, failed: 0, unhealthy: 2 },
    { name: 'threshold 3: 3 failures → LivenessFailed', threshold: 3, pattern: '---', live: false, failed: 1, unhealthy: 3 },
    { name: 'threshold 3: a success in between resets the run', threshold: 3, pattern: '--+--', live: true, failed: 0, unhealthy: 4 },
    { name: 'threshold 3: the run counts from the last success', threshold: 3, pattern: '--+---', live: false, failed: 1, unhealthy: 5 },
    { name: 'threshold 1: the first failure', threshold: 1, pattern: '-', live: false, failed: 1, unhealthy: 1 },
    { name: 'held after firing: later results are ignored, no second restart', threshold: 2, pattern: '-----', live: false, failed: 1, unhealthy: 2 },
    { name: 'successes alone change nothing', threshold: 3, pattern: '+++', live: true, failed: 0, unhealthy: 0 },
  ])('$name', ({ threshold, pattern, live, failed, unhealthy }) => {
    const s = [spec('liveness', { failureThreshold: threshold })];
    const { state, events } = feed(s, steps('liveness', pattern));
    expect(state.live).toBe(live);
    expect(events.filter((e) => e.type === 'LivenessFailed')).toHaveLength(failed);
    expect(events.filter((e) => e.type === 'Unhealthy')).toHaveLength(unhealthy);
  });

  test('Unhealthy per failure, then LivenessFailed, in kubelet words', () => {
    const s = [spec('liveness')];
    let state = initialProbeState(s, 'main');
    const all: ProbeEvent[] = [];
    for (let i = 0; i < 3; i++) {
      const out = recordResult(state, 'liveness', { ok: false, message: 'HTTP probe failed with statuscode: 500' }, s[0]!);
      state = out.state;
      all.push(...out.events);
    }
    expect(all).toEqual([
      { type: 'Unhealthy', probe: 'liveness', message: 'Liveness probe failed: HTTP probe failed with statuscode: 500' },
      { type: 'Unhealthy', probe: 'liveness', message: 'Liveness probe failed: HTTP probe failed with statuscode: 500' },
      { type: 'Unhealthy', probe: 'liveness', message: 'Liveness probe failed: HTTP probe failed with statuscode: 500' },
      { type: 'LivenessFailed', probe: 'liveness', message: 'Container main failed liveness probe, will be restarted' },
    ]);
    expect(state.probes.liveness).toMatchObject({ onHold: true, run: 0, failures: 3 });
  });

  test('a restart (fresh state) probes again from zero', () => {
    const s = [spec('liveness', { failureThreshold: 1 })];
    const failed = feed(s, steps('liveness', '-')).state;
    expect(shouldRun(failed, 'liveness')).toBe(false);
    const restarted = initialProbeState(s, 'main');
    expect(shouldRun(restarted, 'liveness')).toBe(true);
    expect(restarted.live).toBe(true);
  });
});

describe('readiness: successThreshold / failureThreshold runs flip ready', () => {
  test.each([
    { name: 'success 1: first success → Ready', succ: 1, fail: 3, pattern: '+', ready: true, flips: ['Ready'] },
    { name: 'success 3: 2 successes → not yet', succ: 3, fail: 3, pattern: '++', ready: false, flips: [] },
    { name: 'success 3: 3 successes → Ready', succ: 3, fail: 3, pattern: '+++', ready: true, flips: ['Ready'] },
    { name: 'success 3: a failure in between restarts the count', succ: 3, fail: 3, pattern: '++-++', ready: false, flips: [] },
    { name: 'ready, 2 failures (threshold 3) → still ready', succ: 1, fail: 3, pattern: '+--', ready: true, flips: ['Ready'] },
    { name: 'ready, 3 failures → NotReady', succ: 1, fail: 3, pattern: '+---', ready: false, flips: ['Ready', 'NotReady'] },
    { name: 'more failures → no more NotReady', succ: 1, fail: 3, pattern: '+------', ready: false, flips: ['Ready', 'NotReady'] },
    { name: 'not ready from the start: failures flip nothing', succ: 1, fail: 1, pattern: '---', ready: false, flips: [] },
    { name: 'flip-flop with thresholds 2/2', succ: 2, fail: 2, pattern: '++--++-+--', ready: false, flips: ['Ready', 'NotReady', 'Ready', 'NotReady'] },
    { name: 'repeated successes after Ready → one Ready only', succ: 1, fail: 3, pattern: '+++++', ready: true, flips: ['Ready'] },
  ])('$name', ({ succ, fail, pattern, ready, flips }) => {
    const s = [spec('readiness', { successThreshold: succ, failureThreshold: fail })];
    const { state, events } = feed(s, steps('readiness', pattern));
    expect(state.ready).toBe(ready);
    expect(types(events).filter((t) => t === 'Ready' || t === 'NotReady')).toEqual(flips);
    expect(events.filter((e) => e.type === 'Unhealthy')).toHaveLength([...pattern].filter((c) => c === '-').length);
    expect(state.live).toBe(true); // readiness never asks for a restart
  });

  test('messages', () => {
    const s = [spec('readiness', { successThreshold: 2, failureThreshold: 2 })];
    const { events } = feed(s, steps('readiness', '++--'));
    expect(events.map((e) => e.message)).toEqual([
      'Container main is ready: readiness probe succeeded 2 times in a row',
      'Readiness probe failed: boom',
      'Readiness probe failed: boom',
      'Container main is not ready: readiness probe failed 2 times in a row',
    ]);
  });
});

describe('startup gates liveness and readiness', () => {
  const all = [spec('startup', { failureThreshold: 3 }), spec('readiness'), spec('liveness', { failureThreshold: 1 })];

  test('liveness and readiness results before startup succeeds are ignored', () => {
    const { state, events } = feed(all, [['liveness', '-'], ['readiness', '+']]);
    expect(events).toEqual([]);
    expect(state).toEqual(initialProbeState(all, 'main'));
  });

  test('startup success → Started; ready waits for readiness', () => {
    const { state, events } = feed(all, [['startup', '-'], ['startup', '+']]);
    expect(types(events)).toEqual(['Unhealthy', 'Started']);
    expect(events[1]!.message).toBe('Container main started: startup probe succeeded');
    expect(state).toMatchObject({ started: true, ready: false, live: true });
    const after = feed(all, [['readiness', '+']], state);
    expect(after.state.ready).toBe(true);
  });

  test('startup success without a readiness probe → Started and Ready', () => {
    const s = [spec('startup'), spec('liveness')];
    const { state, events } = feed(s, [['startup', '+']]);
    expect(types(events)).toEqual(['Started', 'Ready']);
    expect(events[1]!.message).toBe('Container main is ready: started, and it has no readiness probe');
    expect(state).toMatchObject({ started: true, ready: true });
  });

  test.each([
    { name: '2 failures (threshold 3) → still starting', pattern: '--', failed: 0, live: true },
    { name: '3 failures → StartupFailed', pattern: '---', failed: 1, live: false },
    { name: 'held after StartupFailed', pattern: '-----', failed: 1, live: false },
  ])('startup $name', ({ pattern, failed, live }) => {
    const { state, events } = feed(all, steps('startup', pattern));
    expect(events.filter((e) => e.type === 'StartupFailed')).toHaveLength(failed);
    expect(state.started).toBe(false);
    expect(state.live).toBe(live);
  });

  test('StartupFailed message', () => {
    const { events } = feed(all, steps('startup', '---'));
    expect(events.at(-1)).toEqual({ type: 'StartupFailed', probe: 'startup', message: 'Container main failed startup probe, will be restarted' });
  });

  test('startup results after it succeeded are ignored', () => {
    const started = feed(all, [['startup', '+']]).state;
    const { state, events } = feed(all, steps('startup', '---'), started);
    expect(events).toEqual([]);
    expect(state).toEqual(started);
  });

  test('liveness runs once started and can ask for a restart', () => {
    const { state, events } = feed(all, [['startup', '+'], ['liveness', '-']]);
    expect(types(events)).toEqual(['Started', 'Unhealthy', 'LivenessFailed']);
    expect(state.live).toBe(false);
  });
});

describe('event messages', () => {
  test.each([
    { name: 'exec output, trailing newline trimmed', kind: 'liveness' as ProbeKind, result: { ok: false, message: "cat: can't open 'healthy': No such file or directory\n" }, want: { type: 'Unhealthy', message: "Liveness probe failed: cat: can't open 'healthy': No such file or directory" } },
    { name: 'connection refused', kind: 'readiness' as ProbeKind, result: { ok: false, message: 'dial tcp 127.0.0.1:9999: connect: connection refused' }, want: { type: 'Unhealthy', message: 'Readiness probe failed: dial tcp 127.0.0.1:9999: connect: connection refused' } },
    { name: 'startup failure', kind: 'startup' as ProbeKind, result: { ok: false, message: 'command timed out after 1s' }, want: { type: 'Unhealthy', message: 'Startup probe failed: command timed out after 1s' } },
    { name: 'success with a warning', kind: 'readiness' as ProbeKind, result: { ok: true, warning: true, message: 'Probe terminated redirects, Response body: moved' }, want: { type: 'ProbeWarning', message: 'Readiness probe warning: Probe terminated redirects, Response body: moved' } },
  ])('$name', ({ kind, result, want }) => {
    const s = [spec(kind, { failureThreshold: 10, successThreshold: 5 })];
    const { events } = recordResult(initialProbeState(s, 'main'), kind, result, s[0]!);
    expect(events).toEqual([{ ...want, probe: kind }]);
  });

  test('without a container name', () => {
    const s = [spec('liveness', { failureThreshold: 1 })];
    const { events } = recordResult(initialProbeState(s), 'liveness', { ok: false, message: 'x' }, s[0]!);
    expect(events.at(-1)!.message).toBe('Container failed liveness probe, will be restarted');
  });
});

describe('purity', () => {
  test('recordResult never changes the state it is given', () => {
    const s = [spec('readiness', { failureThreshold: 1 })];
    const before = initialProbeState(s, 'main');
    const frozen = structuredClone(before);
    recordResult(before, 'readiness', { ok: true, message: '' }, s[0]!);
    recordResult(before, 'readiness', { ok: false, message: '' }, s[0]!);
    expect(before).toEqual(frozen);
  });

  test('counters count every result', () => {
    const s = [spec('readiness', { failureThreshold: 2 })];
    const { state } = feed(s, steps('readiness', '+-+--'));
    expect(state.probes.readiness).toMatchObject({ successes: 2, failures: 3, lastOk: false, run: 2, onHold: false });
  });
});
