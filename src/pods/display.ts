// How kubectl presents a pod (READY, STATUS, RESTARTS; pkg/printers/internalversion/printers.go
// printPod), the phase the kubelet would report (pkg/kubelet/kubelet_pods.go getPhase), and the
// DaemonSet status counts for this one node (daemon_controller.go updateDaemonSetStatus).
// Records are first turned into Kubernetes ContainerStatus shapes so that printPod ports as is.
import type { ContainerRecord, PodRecord, TerminatedInfo } from './types.js';
import { humanDuration } from '../lib/duration.js';

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

export interface TerminatedState {
  exitCode: number;
  signal?: number;
  reason?: string;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
}

export interface ContainerState {
  running?: { startedAt?: string };
  waiting?: { reason?: string; message?: string };
  terminated?: TerminatedState;
}

export interface ContainerStatusObject {
  name: string;
  ready: boolean;
  restartCount: number;
  started: boolean;
  state: ContainerState;
  lastState: ContainerState;
}

/** Linux signal numbers: k8s reports ContainerStateTerminated.signal as a number. */
const SIGNALS: Readonly<Record<string, number>> = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGBUS: 7, SIGFPE: 8, SIGKILL: 9,
  SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15, SIGSTKFLT: 16, SIGCHLD: 17,
  SIGCONT: 18, SIGSTOP: 19, SIGTSTP: 20, SIGTTIN: 21, SIGTTOU: 22, SIGURG: 23, SIGXCPU: 24, SIGXFSZ: 25,
  SIGVTALRM: 26, SIGPROF: 27, SIGWINCH: 28, SIGIO: 29, SIGPWR: 30, SIGSYS: 31,
};

/** 'SIGKILL', 'KILL' or '9' → 9; undefined when unknown. */
export function signalNumber(signal: string | undefined): number | undefined {
  if (signal === undefined || signal === '') return undefined;
  if (/^[0-9]+$/.test(signal)) return Number(signal);
  const upper = signal.toUpperCase();
  return SIGNALS[upper.startsWith('SIG') ? upper : `SIG${upper}`];
}

/**
 * An unknown exit status (an adopted process that vanished) is reported as 137, as the kubelet
 * does for ContainerStatusUnknown: the field is an integer in Kubernetes.
 */
const UNKNOWN_EXIT_CODE = 137;

function toTerminatedState(t: TerminatedInfo | undefined, fallbackReason?: string): TerminatedState {
  const signal = signalNumber(t?.signal);
  const reason = t?.reason ?? fallbackReason;
  return {
    exitCode: t?.exitCode ?? UNKNOWN_EXIT_CODE,
    ...(signal === undefined ? {} : { signal }),
    ...(reason === undefined ? {} : { reason }),
    ...(t?.message === undefined ? {} : { message: t.message }),
    ...(t?.startedAt === undefined ? {} : { startedAt: t.startedAt }),
    ...(t?.finishedAt === undefined ? {} : { finishedAt: t.finishedAt }),
  };
}

/**
 * A record as a Kubernetes ContainerStatus. A running container is ready unless a readiness probe says otherwise.
 * For a terminated record, lastTerminated is the current termination (state), so lastState is
 * empty; otherwise lastTerminated is the previous run (lastState).
 */
export function containerStatusObject(c: ContainerRecord): ContainerStatusObject {
  const running = c.phase === 'running';
  let state: ContainerState;
  if (running) state = { running: c.startedAt === undefined ? {} : { startedAt: c.startedAt } };
  else if (c.phase === 'waiting') {
    state = { waiting: { ...(c.reason === undefined ? {} : { reason: c.reason }), ...(c.message === undefined ? {} : { message: c.message }) } };
  } else state = { terminated: toTerminatedState(c.lastTerminated, c.reason) };
  const lastState: ContainerState = c.phase !== 'terminated' && c.lastTerminated !== undefined
    ? { terminated: toTerminatedState(c.lastTerminated) } : {};
  return { name: c.name, ready: running && c.ready !== false, restartCount: c.restartCount, started: running && c.started !== false, state, lastState };
}

/** The inputs of printPod, in Kubernetes terms; tests build these directly from k8s rows. */
export interface PodView {
  phase: string;
  /** status.reason (Evicted…), which overrides the phase as the starting STATUS. */
  reason?: string;
  deleting: boolean;
  /** spec.containers.length. */
  containerCount: number;
  /** spec.initContainers, whether each is a restartable (sidecar) init container. */
  initContainers: { name: string; restartable: boolean }[];
  initContainerStatuses: ContainerStatusObject[];
  containerStatuses: ContainerStatusObject[];
  /** The PodReady condition. */
  isReady: boolean;
}

export interface PodColumns {
  ready: string;
  status: string;
  restarts: string;
}

function finishedAtMs(s: ContainerStatusObject): number {
  const at = s.lastState.terminated?.finishedAt;
  const ms = at === undefined ? NaN : Date.parse(at);
  return Number.isNaN(ms) ? 0 : ms;
}

function describeTerminated(t: TerminatedState, prefix: string): string {
  if (t.reason !== undefined && t.reason !== '') return prefix + t.reason;
  return t.signal !== undefined && t.signal !== 0 ? `${prefix}Signal:${t.signal}` : `${prefix}ExitCode:${t.exitCode}`;
}

interface Tally { reason: string; ready: number; restarts: number; last: number; sidecarRestarts: number; sidecarLast: number }

/** printPod's init container loop: stops at the first init container that has not completed. */
function tallyInitContainers(view: PodView, tally: Tally): boolean {
  const count = view.initContainers.length;
  for (const [i, s] of view.initContainerStatuses.entries()) {
    const restartable = view.initContainers.find((c) => c.name === s.name)?.restartable ?? false;
    tally.restarts += s.restartCount;
    tally.last = Math.max(tally.last, finishedAtMs(s));
    if (restartable) {
      tally.sidecarRestarts += s.restartCount;
      tally.sidecarLast = Math.max(tally.sidecarLast, finishedAtMs(s));
    }
    const { terminated, waiting } = s.state;
    if (terminated !== undefined && terminated.exitCode === 0) continue;
    if (restartable && s.started) {
      if (s.ready) tally.ready++;
      continue;
    }
    if (terminated !== undefined) tally.reason = describeTerminated(terminated, 'Init:');
    else if (waiting?.reason && waiting.reason !== 'PodInitializing') tally.reason = `Init:${waiting.reason}`;
    else tally.reason = `Init:${i}/${count}`;
    return true;
  }
  return false;
}

/** printPod's main container loop, last to first so that the first container's reason wins. */
function tallyContainers(view: PodView, tally: Tally): void {
  tally.restarts = tally.sidecarRestarts;
  tally.last = tally.sidecarLast;
  let hasRunning = false;
  for (const s of [...view.containerStatuses].reverse()) {
    tally.restarts += s.restartCount;
    tally.last = Math.max(tally.last, finishedAtMs(s));
    const { waiting, terminated, running } = s.state;
    if (waiting?.reason) tally.reason = waiting.reason;
    else if (terminated !== undefined) tally.reason = describeTerminated(terminated, '');
    else if (s.ready && running !== undefined) {
      hasRunning = true;
      tally.ready++;
    }
  }
  if (tally.reason === 'Completed' && hasRunning) tally.reason = view.isReady ? 'Running' : 'NotReady';
}

/** kubectl printPod's READY, STATUS and RESTARTS cells. */
export function printPodColumns(view: PodView, now: number): PodColumns {
  const tally: Tally = { reason: view.reason || view.phase, ready: 0, restarts: 0, last: 0, sidecarRestarts: 0, sidecarLast: 0 };
  // We have no Initialized condition apart from the init statuses themselves.
  if (!tallyInitContainers(view, tally)) tallyContainers(view, tally);
  if (view.deleting && view.phase !== 'Succeeded' && view.phase !== 'Failed') tally.reason = 'Terminating';
  const total = view.containerCount + view.initContainers.filter((c) => c.restartable).length;
  const restarts = tally.restarts !== 0 && tally.last !== 0
    ? `${tally.restarts} (${humanDuration(now - tally.last)} ago)` : String(tally.restarts);
  return { ready: `${tally.ready}/${total}`, status: tally.reason, restarts };
}

/** kubelet getPhase, for the pod's restartPolicy (Always for every DaemonSet pod). */
export function podPhase(pod: PodRecord): PodPhase {
  const policy = pod.spec.restartPolicy ?? 'Always';
  let pendingInit = 0;
  let failedInit = 0;
  for (const c of pod.initContainers) {
    if (c.phase === 'terminated') failedInit += c.lastTerminated?.exitCode === 0 ? 0 : 1;
    else if (c.phase === 'waiting' && c.lastTerminated !== undefined) failedInit += c.lastTerminated.exitCode === 0 ? 0 : 1;
    else pendingInit++;
  }
  const specCount = pod.spec.initContainers?.length ?? 0;
  pendingInit += Math.max(0, specCount - pod.initContainers.length);
  if (failedInit > 0 && policy === 'Never') return 'Failed';
  let running = 0, waiting = 0, stopped = 0, succeeded = 0;
  for (const c of pod.containers) {
    if (c.phase === 'running') running++;
    else if (c.phase === 'terminated') { stopped++; if (c.lastTerminated?.exitCode === 0) succeeded++; }
    else if (c.lastTerminated !== undefined) stopped++;
    else waiting++;
  }
  const unknown = Math.max(0, pod.spec.containers.length - pod.containers.length);
  if (pendingInit > 0 || waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running > 0 || stopped === 0 || unknown > 0) return 'Pending';
  if (policy === 'Always') return 'Running'; // all are between a crash and their restart
  if (stopped === succeeded) return 'Succeeded';
  return policy === 'Never' ? 'Failed' : 'Running';
}

/** PodReady: every container of the spec is running and ready (without a readiness probe, running is ready). */
export function isPodReady(pod: PodRecord): boolean {
  return pod.containers.length >= pod.spec.containers.length && pod.containers.every((c) => c.phase === 'running' && c.ready !== false);
}

/** The record in Kubernetes terms, for printPodColumns. */
export function buildPodView(pod: PodRecord): PodView {
  return {
    phase: podPhase(pod),
    deleting: pod.deletionTimestamp !== undefined,
    containerCount: pod.spec.containers.length,
    initContainers: (pod.spec.initContainers ?? []).map((c) => ({ name: c.name, restartable: c['restartPolicy'] === 'Always' })),
    initContainerStatuses: pod.initContainers.map(containerStatusObject),
    containerStatuses: pod.containers.map(containerStatusObject),
    isReady: isPodReady(pod),
  };
}

export function podStatusText(pod: PodRecord, now: number): string {
  return printPodColumns(buildPodView(pod), now).status;
}

export function podReadyText(pod: PodRecord): string {
  return printPodColumns(buildPodView(pod), 0).ready;
}

export function podRestartsText(pod: PodRecord, now: number): string {
  return printPodColumns(buildPodView(pod), now).restarts;
}

export interface DaemonSetCounts {
  desiredNumberScheduled: number;
  currentNumberScheduled: number;
  numberReady: number;
  updatedNumberScheduled: number;
  numberAvailable: number;
  numberMisscheduled: number;
  numberUnavailable: number;
}

function compareOldestFirst(a: PodRecord, b: PodRecord): number {
  const ta = Date.parse(a.creationTimestamp);
  const tb = Date.parse(b.creationTimestamp);
  return (Number.isNaN(ta) || Number.isNaN(tb) ? 0 : ta - tb) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** When the pod became ready: the latest time a container turned ready (its start, without a readiness probe). */
/**
 * The latest moment the pod can have become ready. Stamps are RFC 3339 to the second, as the API
 * writes them, so a whole-second stamp stands for any instant of its second: counted from the
 * second's end, a pod is never taken for available before it has been ready minReadySeconds
 * (counted from its start, a pod ready at .94 s was available 60 ms later with minReadySeconds 1).
 */
export function readySince(pod: PodRecord): number {
  const starts = pod.containers.map((c) => { const t = c.readyAt ?? c.startedAt; return t === undefined ? NaN : Date.parse(t) + (t.includes('.') ? 0 : 999); });
  return starts.some(Number.isNaN) ? Number.POSITIVE_INFINITY : Math.max(0, ...starts);
}

/** IsPodAvailable: ready, and for minReadySeconds 0 at once, else strictly longer than that. */
export function isPodAvailable(pod: PodRecord, minReadySeconds: number, now: number): boolean {
  return isPodReady(pod) && (minReadySeconds === 0 || readySince(pod) + minReadySeconds * 1000 < now);
}

/**
 * updateDaemonSetStatus for this one node. Like the controller, a terminating pod still counts
 * unless its phase is terminal; the oldest pod is the one judged for ready/updated/available.
 */
export function daemonSetCounts(
  pods: readonly PodRecord[], placement: { shouldRun: boolean }, currentHash: string, now: number, minReadySeconds = 0,
): DaemonSetCounts {
  const counted = pods.filter((p) => {
    const phase = podPhase(p);
    return !(p.deletionTimestamp !== undefined && (phase === 'Succeeded' || phase === 'Failed'));
  }).sort(compareOldestFirst);
  const pod = counted[0];
  const current = placement.shouldRun && pod !== undefined;
  const ready = current && isPodReady(pod);
  const available = current && isPodAvailable(pod, minReadySeconds, now);
  const desired = placement.shouldRun ? 1 : 0;
  const n = (b: boolean): number => (b ? 1 : 0);
  return {
    desiredNumberScheduled: desired,
    currentNumberScheduled: n(current),
    numberReady: n(ready),
    updatedNumberScheduled: n(current && pod.templateHash === currentHash),
    numberAvailable: n(available),
    numberMisscheduled: n(!placement.shouldRun && pod !== undefined),
    numberUnavailable: desired - n(available),
  };
}
