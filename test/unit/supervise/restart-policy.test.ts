import { describe, expect, test } from 'vitest';
import {
  DEFAULT_RESTART_BACKOFF, decideRestart, resolveRestartBackoff, type RestartBackoffConfig, type RestartDecision,
} from '../../../src/supervise/restart-policy.js';

/** Crashes a container n times, each after running `ranForMs`, threading backoffMs through. */
function crash(times: number, ranForMs = 1_000, config?: Partial<RestartBackoffConfig>): RestartDecision {
  let previous: number | undefined;
  let last: RestartDecision | undefined;
  for (let i = 0; i < times; i++) {
    last = decideRestart({ previousBackoffMs: previous, ranForMs, now: 1_000_000, ...(config ? { config } : {}) });
    previous = last.backoffMs;
  }
  if (last === undefined) throw new Error('crash at least once');
  return last;
}

describe('decideRestart with the default (kubelet) numbers', () => {
  test.each([
    { name: 'first crash → restart at once', times: 1, delay: 0, reason: 'first-restart' },
    { name: 'second crash → 10s', times: 2, delay: 10_000, reason: 'backoff' },
    { name: 'third crash → 20s', times: 3, delay: 20_000, reason: 'backoff' },
    { name: 'fourth crash → 40s', times: 4, delay: 40_000, reason: 'backoff' },
    { name: 'sixth crash → 160s', times: 6, delay: 160_000, reason: 'backoff' },
    { name: 'seventh crash → capped at 300s', times: 7, delay: 300_000, reason: 'backoff' },
    { name: 'twentieth crash → still 300s', times: 20, delay: 300_000, reason: 'backoff' },
  ])('$name', ({ times, delay, reason }) => {
    const d = crash(times);
    expect(d.delayMs).toBe(delay);
    expect(d.reason).toBe(reason);
    expect(d.restartAt).toBe(1_000_000 + delay);
  });
});

describe('decideRestart transitions', () => {
  test.each([
    { name: 'no previous backoff → first-restart, 0s', previous: undefined, ranFor: 5_000, delay: 0, backoff: 0, reason: 'first-restart' },
    { name: 'after an immediate restart → initial 10s', previous: 0, ranFor: 5_000, delay: 10_000, backoff: 10_000, reason: 'backoff' },
    { name: 'backoff 40s → 80s', previous: 40_000, ranFor: 5_000, delay: 80_000, backoff: 80_000, reason: 'backoff' },
    { name: 'backoff 200s → capped at 300s', previous: 200_000, ranFor: 5_000, delay: 300_000, backoff: 300_000, reason: 'backoff' },
    { name: 'ran 10m (= resetMs) → reset, restart at once', previous: 300_000, ranFor: 600_000, delay: 0, backoff: 0, reason: 'reset-after-healthy-run' },
    { name: 'ran 9m59s → no reset, keeps doubling', previous: 20_000, ranFor: 599_000, delay: 40_000, backoff: 40_000, reason: 'backoff' },
    { name: 'first crash after a long run is still first-restart', previous: undefined, ranFor: 900_000, delay: 0, backoff: 0, reason: 'first-restart' },
  ])('$name', ({ previous, ranFor, delay, backoff, reason }) => {
    const d = decideRestart({ previousBackoffMs: previous, ranForMs: ranFor, now: 0 });
    expect({ delay: d.delayMs, backoff: d.backoffMs, reason: d.reason }).toEqual({ delay, backoff, reason });
    expect(d.message).not.toBe('');
  });

  test('after a reset the next crash waits the initial delay again', () => {
    const reset = decideRestart({ previousBackoffMs: 300_000, ranForMs: 700_000, now: 0 });
    expect(decideRestart({ previousBackoffMs: reset.backoffMs, ranForMs: 1_000, now: 0 }).delayMs).toBe(10_000);
  });
});

describe('decideRestart with a custom config', () => {
  test.each([
    { name: 'initialMs 0: tenth crash → 0s', config: { initialMs: 0 }, times: 10, delay: 0 },
    { name: 'initialMs 0 ignores a stale previous backoff', config: { initialMs: 0 }, times: 1, delay: 0, previous: 80_000 },
    { name: 'initial 100ms: third crash → 200ms', config: { initialMs: 100 }, times: 3, delay: 200 },
    { name: 'max 15s: fourth crash → 15s', config: { maxMs: 15_000 }, times: 4, delay: 15_000 },
    { name: 'initial above max is capped', config: { initialMs: 60_000, maxMs: 30_000 }, times: 2, delay: 30_000 },
  ])('$name', ({ config, times, delay, previous }) => {
    const d = previous === undefined ? crash(times, 1_000, config) : decideRestart({ previousBackoffMs: previous, ranForMs: 1, now: 0, config });
    expect(d.delayMs).toBe(delay);
  });

  test.each([
    { name: 'empty config → defaults', input: {}, want: DEFAULT_RESTART_BACKOFF },
    { name: 'negative → default', input: { initialMs: -1 }, want: DEFAULT_RESTART_BACKOFF },
    { name: 'NaN → default', input: { maxMs: Number.NaN }, want: DEFAULT_RESTART_BACKOFF },
    { name: 'a given value is kept', input: { resetMs: 5 }, want: { ...DEFAULT_RESTART_BACKOFF, resetMs: 5 } },
  ])('resolveRestartBackoff: $name', ({ input, want }) => {
    const resolved = resolveRestartBackoff(input);
    expect(resolved).toEqual(want);
    expect(Object.isFrozen(resolved)).toBe(true);
  });
});
