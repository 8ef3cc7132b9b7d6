// The per-container probe state machine of the kubelet's prober workers
// (pkg/kubelet/prober/worker.go doProbe, prober_manager.go UpdatePodStatus), as pure data: the
// manager feeds it one result at a time and acts on the events it returns. Pure: no clock, no
// I/O; nothing here depends on when a result arrived, only on the order of results.
//
// The rules, per probe kind:
//  1. Results count in runs: a result equal to the previous one extends the run, another starts
//     a new run of 1. Nothing changes until a run reaches its threshold (successThreshold for
//     successes, failureThreshold for failures).
//  2. Startup: until it succeeds the container is not started, and liveness and readiness do
//     not run. A success starts the container for good; failureThreshold failures in a row ask
//     for a restart (StartupFailed) and hold the probe until the container is restarted.
//  3. Readiness: the container is not ready until successThreshold successes in a row, and turns
//     not ready after failureThreshold failures in a row; it can flip any number of times. A
//     container without a readiness probe is ready as soon as it is started.
//  4. Liveness: failureThreshold failures in a row ask for a restart (LivenessFailed) and hold
//     the probe until the container is restarted. Successes change nothing.
//  5. Every failed run gives an Unhealthy event, below the threshold too, as the kubelet records
//     one per failure; a success that carries a warning (a redirect not followed) gives a
//     ProbeWarning event.
import type { ProbeKind, ProbeSpec } from './spec.js';

export type ProbeEventType = 'Unhealthy' | 'ProbeWarning' | 'Started' | 'Ready' | 'NotReady' | 'LivenessFailed' | 'StartupFailed';

export interface ProbeEvent {
  type: ProbeEventType;
  message: string;
  /** The probe whose result caused the event. */
  probe: ProbeKind;
}

export interface ProbeResult {
  ok: boolean;
  message: string;
  /** Success with a warning (kubelet's probe.Warning): an HTTP redirect to another host. */
  warning?: boolean;
}

/** One probe's worker state (worker.go's lastResult, resultRun and onHold). */
export interface ProbeCounter {
  /** The previous result; undefined before the first one. */
  lastOk: boolean | undefined;
  /** How many results in a row equal `lastOk`. */
  run: number;
  /** Liveness or startup asked for a restart: no more runs until the container restarts. */
  onHold: boolean;
  /** Results recorded so far, for display. */
  successes: number;
  failures: number;
}

export interface ContainerProbeState {
  /** The container's name, for the kubelet-style messages. */
  container: string;
  started: boolean;
  ready: boolean;
  /** False once liveness or startup asked for a restart: the container must be restarted. */
  live: boolean;
  probes: Partial<Record<ProbeKind, ProbeCounter>>;
}

export interface RecordOutcome {
  state: ContainerProbeState;
  events: ProbeEvent[];
}

const TITLE: Record<ProbeKind, string> = { liveness: 'Liveness', readiness: 'Readiness', startup: 'Startup' };

/** "Liveness", "Readiness", "Startup": how the kubelet names a probe in events. */
export function probeTitle(kind: ProbeKind): string {
  return TITLE[kind];
}

const freshCounter = (): ProbeCounter => ({ lastOk: undefined, run: 0, onHold: false, successes: 0, failures: 0 });

/**
 * The state of a container that has just started (or restarted): started unless it has a
 * startup probe, ready only when started and without a readiness probe, live.
 */
export function initialProbeState(specs: readonly Pick<ProbeSpec, 'kind'>[], container = ''): ContainerProbeState {
  const probes: Partial<Record<ProbeKind, ProbeCounter>> = {};
  for (const s of specs) probes[s.kind] = freshCounter();
  const started = probes.startup === undefined;
  return { container, started, ready: started && probes.readiness === undefined, live: true, probes };
}

/** Whether a run of `kind` is due at all now (the manager still decides when). */
export function shouldRun(state: ContainerProbeState, kind: ProbeKind): boolean {
  const counter = state.probes[kind];
  if (counter === undefined || counter.onHold) return false;
  return kind === 'startup' ? !state.started : state.started;
}

/**
 * Folds one result into the state. A result for a probe that should not run now (gated by
 * startup, held after a restart request, or absent) changes nothing: it was started before the
 * state moved on, and the kubelet would not have run it.
 */
export function recordResult(
  state: ContainerProbeState,
  kind: ProbeKind,
  result: ProbeResult,
  spec: Pick<ProbeSpec, 'successThreshold' | 'failureThreshold'>,
): RecordOutcome {
  const before = state.probes[kind];
  if (before === undefined || !shouldRun(state, kind)) return { state, events: [] };
  const events: ProbeEvent[] = [];
  const output = result.message.trimEnd();
  if (!result.ok) events.push({ type: 'Unhealthy', probe: kind, message: `${TITLE[kind]} probe failed: ${output}` });
  else if (result.warning === true) events.push({ type: 'ProbeWarning', probe: kind, message: `${TITLE[kind]} probe warning: ${output}` });

  const run = before.lastOk === result.ok ? before.run + 1 : 1;
  const counter: ProbeCounter = {
    ...before,
    lastOk: result.ok,
    run,
    successes: before.successes + (result.ok ? 1 : 0),
    failures: before.failures + (result.ok ? 0 : 1),
  };
  const next: ContainerProbeState = { ...state, probes: { ...state.probes, [kind]: counter } };
  const threshold = result.ok ? spec.successThreshold : spec.failureThreshold;
  if (run < Math.max(1, threshold)) return { state: next, events };
  return result.ok ? onSuccessRun(next, kind, run, events) : onFailureRun(next, kind, counter, events);
}

/** A run of successes reached successThreshold. */
function onSuccessRun(state: ContainerProbeState, kind: ProbeKind, run: number, events: ProbeEvent[]): RecordOutcome {
  const who = containerLabel(state);
  if (kind === 'startup') {
    const hasReadiness = state.probes.readiness !== undefined;
    events.push({ type: 'Started', probe: kind, message: `${who} started: startup probe succeeded` });
    if (!hasReadiness) events.push({ type: 'Ready', probe: kind, message: `${who} is ready: started, and it has no readiness probe` });
    return { state: { ...state, started: true, ready: !hasReadiness }, events };
  }
  if (kind === 'readiness' && !state.ready) {
    const times = run === 1 ? '' : ` ${run} times in a row`;
    events.push({ type: 'Ready', probe: kind, message: `${who} is ready: readiness probe succeeded${times}` });
    return { state: { ...state, ready: true }, events };
  }
  return { state, events };
}

/** A run of failures reached failureThreshold. */
function onFailureRun(state: ContainerProbeState, kind: ProbeKind, counter: ProbeCounter, events: ProbeEvent[]): RecordOutcome {
  const who = containerLabel(state);
  if (kind === 'readiness') {
    if (!state.ready) return { state, events };
    const times = counter.run === 1 ? '' : ` ${counter.run} times in a row`;
    events.push({ type: 'NotReady', probe: kind, message: `${who} is not ready: readiness probe failed${times}` });
    return { state: { ...state, ready: false }, events };
  }
  // Liveness and startup: ask for a restart once, then hold until the container is restarted
  // (worker.go sets onHold and resets resultRun), so a slow restart does not ask again.
  const held: ProbeCounter = { ...counter, run: 0, onHold: true };
  events.push({
    type: kind === 'liveness' ? 'LivenessFailed' : 'StartupFailed',
    probe: kind,
    message: `${who} failed ${kind} probe, will be restarted`,
  });
  return { state: { ...state, live: false, probes: { ...state.probes, [kind]: held } }, events };
}

function containerLabel(state: ContainerProbeState): string {
  return state.container === '' ? 'Container' : `Container ${state.container}`;
}
