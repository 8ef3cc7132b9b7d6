// The narrow port between the supervisor and real processes (Nomad's driver plugin, reduced).
// The real adapter is runner-spawn.ts; everything above it sees only these shapes.

/** Put in every daemon's environment, so the agent can find its daemons when its state is lost. */
export const MARKER_ENV = 'HOSTDS_POD_MARKER';

export interface Marker {
  /** Identifies the hostds root (a hash of its path): two agents on one host never adopt each other's daemons. */
  rootId: string;
  pod: string;
  podUid: string;
  container: string;
  /** `namespace/name` of the DaemonSet, so a pod can be rebuilt from its processes alone. */
  daemonSet: string;
  /** controller-revision-hash of the template the pod runs. */
  templateHash: string;
}

export interface StartSpec {
  /** command + args after $(VAR) expansion; argv[0] is looked up in PATH of `env` when it has no slash. */
  argv: string[];
  env: Record<string, string>;
  cwd?: string;
  /** stdout and stderr are appended to this file (opened O_APPEND, survives agent restarts). */
  logPath: string;
  marker: Marker;
  /** The user and groups to run as (securityContext); absent fields keep the agent's. */
  identity?: { uid?: number; gid?: number; groups?: number[] };
  /** cgroup.procs files the process joins before it execs the command (one per v1 hierarchy). */
  cgroupProcs?: string[];
}

/** What identifies a process across agent restarts. */
export interface ProcessHandle {
  pid: number;
  /** /proc/PID/stat field 22. */
  procStart: string;
  bootId: string;
}

export interface ExitInfo {
  /** null when the exit status could not be observed (adopted process). */
  exitCode: number | null;
  signal: string | null;
  /** False for a process the agent adopted: it is not our child, so only its disappearance is seen. */
  known: boolean;
}

export interface MarkedProcess extends ProcessHandle {
  marker: Marker;
}

export type SpawnFailure = 'not-found' | 'not-executable' | 'permission' | 'other';

export class SpawnError extends Error {
  override readonly name = 'SpawnError';
  constructor(readonly reason: SpawnFailure, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export interface ProcessRunner {
  /** Starts the process as the leader of a new session and process group. Throws SpawnError. */
  start(spec: StartSpec): Promise<ProcessHandle>;
  /** Resolves when the process exits (for an adopted one: when it disappears, polled). */
  waitExit(handle: ProcessHandle): Promise<ExitInfo>;
  /**
   * SIGTERM to the whole process group, SIGKILL to the group after graceMs; resolves when no
   * process of the group remains. Safe to call for a process that already exited.
   */
  stop(handle: ProcessHandle, graceMs: number): Promise<void>;
  /** True when the pid is alive and is still the same process (start time and boot id match). */
  isAlive(handle: ProcessHandle): Promise<boolean>;
  /**
   * Every live process that carries a marker for `rootId` in its environment. `atOnce`: read
   * /proc in one go rather than in slices between turns of the event loop; `podUids`: only the
   * processes of these pods (see proc.ts).
   */
  findMarked(rootId: string, opts?: { atOnce?: boolean; podUids?: ReadonlySet<string> }): Promise<MarkedProcess[]>;
  /** What forks the daemons now, for the agent's log: the hostds-spawn helper or child_process. */
  readonly spawner?: 'helper' | 'node';
}
