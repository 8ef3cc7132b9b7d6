// CrashLoopBackOff for one container: when to restart it after it exited. The kubelet's numbers
// by default (10s initial, doubling, 300s cap; pkg/kubelet/kubelet.go backOffPeriod/MaxContainerBackOff),
// and its shape: the first restart is immediate, and a long enough healthy run forgives the past.
// Pure: time and history come in, a decision with a reason goes out (Nomad restarts.go, deterministic).
import { humanDuration } from '../lib/duration.js';

export interface RestartBackoffConfig {
  /** Delay before the second restart; 0 turns backoff off entirely (tests, benchmarks). */
  initialMs: number;
  /** Cap of the doubling delay. */
  maxMs: number;
  /** A run at least this long before a crash resets the backoff. */
  resetMs: number;
}

export const DEFAULT_RESTART_BACKOFF: Readonly<RestartBackoffConfig> = Object.freeze({
  initialMs: 10_000,
  maxMs: 300_000,
  resetMs: 600_000,
});

export type RestartReason = 'first-restart' | 'backoff' | 'reset-after-healthy-run';

export interface RestartInput {
  /**
   * The backoffMs returned for the previous crash (ContainerRecord.backoffMs); undefined when
   * the container never crashed, or its state was reset.
   */
  previousBackoffMs?: number;
  /** How long the process ran before this exit. */
  ranForMs: number;
  /** Epoch ms of the exit; restartAt counts from it. */
  now: number;
  config?: Partial<RestartBackoffConfig>;
}

export interface RestartDecision {
  /** How long to wait before restarting (0: at once). */
  delayMs: number;
  /** Store as ContainerRecord.backoffMs and pass back as previousBackoffMs on the next crash. */
  backoffMs: number;
  /** now + delayMs: store as ContainerRecord.backoffUntil. */
  restartAt: number;
  reason: RestartReason;
  message: string;
}

/** Partial config → complete, frozen; negative or non-finite values fall back to the defaults. */
export function resolveRestartBackoff(config: Partial<RestartBackoffConfig> = {}): Readonly<RestartBackoffConfig> {
  const pick = (v: number | undefined, d: number): number => (v !== undefined && Number.isFinite(v) && v >= 0 ? v : d);
  const d = DEFAULT_RESTART_BACKOFF;
  return Object.freeze({
    initialMs: pick(config.initialMs, d.initialMs),
    maxMs: pick(config.maxMs, d.maxMs),
    resetMs: pick(config.resetMs, d.resetMs),
  });
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/**
 * Decide the restart after a crash. backoffMs is the delay this restart used: 0 after an
 * immediate (first or reset) restart, so the next crash waits initialMs; after that it doubles
 * up to maxMs: crashes 1, 2, 3, 4 wait 0, 10s, 20s, 40s.
 */
export function decideRestart(input: RestartInput): RestartDecision {
  const config = resolveRestartBackoff(input.config);
  const { previousBackoffMs: previous, ranForMs, now } = input;
  const immediate = (reason: RestartReason, message: string): RestartDecision =>
    ({ delayMs: 0, backoffMs: 0, restartAt: now, reason, message });
  if (previous === undefined) return immediate('first-restart', 'first crash: restarting at once');
  if (ranForMs >= config.resetMs) {
    return immediate('reset-after-healthy-run',
      `ran ${humanDuration(ranForMs)} (at least ${formatSeconds(config.resetMs)}) before crashing: backoff reset, restarting at once`);
  }
  // initialMs 0 means no backoff at all, whatever an older config left in previousBackoffMs.
  const next = config.initialMs === 0 ? 0 : previous <= 0 ? config.initialMs : previous * 2;
  const delayMs = Math.min(next, config.maxMs);
  return {
    delayMs, backoffMs: delayMs, restartAt: now + delayMs, reason: 'backoff',
    message: delayMs === 0 ? 'backoff disabled: restarting at once' : `back-off ${formatSeconds(delayMs)} restarting failed container`,
  };
}
