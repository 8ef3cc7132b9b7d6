// Time for the effect shells (STYLE §2.2): wall time for display and persisted timestamps,
// timers that can be cancelled. Pure code takes `now` as a number instead.

export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Wall-clock ms (persisted times, display). */
  now(): number;
  setTimer(ms: number, fn: () => void): Timer;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, Math.max(0, ms));
    return { cancel: () => clearTimeout(t) };
  },
};
