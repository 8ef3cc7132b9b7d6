// A pod as the agent records it: what it was created from and what its processes are doing.
// Persisted in P/var/lib/hostds/state.json; everything needed to keep running a pod (even after
// its manifest turns invalid) lives here.
import type { PodSpec } from '../manifest/types.js';
import type { LimitsStatus } from './resources.js';

export type ContainerPhase = 'waiting' | 'running' | 'terminated';

export interface TerminatedInfo {
  /** null when unknown: an adopted process is not the agent's child, so its exit status is lost. */
  exitCode: number | null;
  signal?: string;
  /** Completed, Error, OOMKilled, Unknown (adopted process vanished). */
  reason: string;
  message?: string;
  startedAt?: string;
  finishedAt: string;
}

export interface ContainerRecord {
  name: string;
  phase: ContainerPhase;
  /** waiting: ContainerCreating, PodInitializing, CrashLoopBackOff, CreateContainerError; terminated: Completed, Error… */
  reason?: string;
  message?: string;
  /** The running process, identified so that a reused pid is never mistaken for it. */
  pid?: number;
  /** Field 22 of /proc/PID/stat (clock ticks since boot). */
  procStart?: string;
  bootId?: string;
  startedAt?: string;
  restartCount: number;
  lastTerminated?: TerminatedInfo;
  /** Wall-clock ms before which a crashed container is not restarted (CrashLoopBackOff). */
  backoffUntil?: number;
  /** The current backoff delay (ms), doubled on each crash, reset after a long healthy run. */
  backoffMs?: number;
  /** Readiness: false until a readiness probe passes; absent means ready while running (no probe). */
  ready?: boolean;
  /** When `ready` last turned true (AVAILABLE counts minReadySeconds from it). */
  readyAt?: string;
  /** Startup: false until a startup probe passes; absent means started while running. */
  started?: boolean;
  /** For a container with limits: its cgroup, or why the limits are not enforced. */
  limits?: LimitsStatus;
}

export interface PodRecord {
  name: string;
  namespace: string;
  uid: string;
  daemonSet: { namespace: string; name: string };
  /** controller-revision-hash of the template this pod runs. */
  templateHash: string;
  templateGeneration: number;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  /** The template's pod spec as it was when the pod was created. */
  spec: PodSpec;
  creationTimestamp: string;
  /** Set when the pod is being stopped (Terminating in STATUS). */
  deletionTimestamp?: string;
  initContainers: ContainerRecord[];
  containers: ContainerRecord[];
}
