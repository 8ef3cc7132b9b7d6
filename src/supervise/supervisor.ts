// The effect shell that keeps pods' processes running: starts init containers in order, then
// the containers; restarts what exits with CrashLoopBackOff; stops a pod's process groups with
// SIGTERM then SIGKILL. Decisions (when to restart) come from restart-policy.ts; processes from
// the ProcessRunner port. Every change to a record is reported through onChange for persisting.
import type { Container } from '../manifest/types.js';
import type { ContainerRecord, PodRecord, TerminatedInfo } from '../pods/types.js';
import type { Clock, Timer } from '../lib/clock.js';
import type { Logger } from '../observe/logger.js';
import type { HostdsEvent } from '../observe/events.js';
import { SpawnError, type MarkedProcess, type ProcessHandle, type ProcessRunner } from './runner.js';
import { decideRestart } from './restart-policy.js';
import { buildArgv, buildContainerEnv } from '../pods/env.js';
import { containerLogPath, markRestart } from '../observe/log-files.js';
import { humanDuration } from '../lib/duration.js';

export interface SupervisorDeps {
  runner: ProcessRunner;
  clock: Clock;
  log: Logger;
  rootId: string;
  logDir: string;
  nodeName: string;
  hostIP: string;
  baseEnv: Record<string, string>;
  /** Read on every decision, so a config reload applies to the next crash. */
  backoff(): { initialMs: number; maxMs: number; resetMs: number };
  onChange(pod: PodRecord): void;
  onEvent(e: Omit<HostdsEvent, 'firstTimestamp' | 'lastTimestamp' | 'count'>): void;
}

interface Unit {
  pod: PodRecord;
  rec: ContainerRecord;
  init: boolean;
  handle?: ProcessHandle;
  timer?: Timer;
  stopping: boolean;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class Supervisor {
  private readonly units = new Map<string, Unit>();

  constructor(private readonly deps: SupervisorDeps) {}

  private key(pod: PodRecord, c: string): string {
    return `${pod.name}/${c}`;
  }

  private event(pod: PodRecord, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.deps.onEvent({ type, reason, message, involvedObject: { kind: 'Pod', namespace: pod.namespace, name: pod.name } });
  }

  /**
   * Runs a pod from its record: containers with a live (adopted) pid are watched, the others
   * started. Idempotent: calling it again for a running pod does nothing.
   */
  run(pod: PodRecord): void {
    if (pod.deletionTimestamp) return;
    const pendingInit = pod.initContainers.find((c) => !(c.phase === 'terminated' && c.reason === 'Completed'));
    if (pendingInit) {
      this.runContainer(pod, pendingInit, true);
      return;
    }
    for (const rec of pod.containers) this.runContainer(pod, rec, false);
  }

  private runContainer(pod: PodRecord, rec: ContainerRecord, init: boolean): void {
    const key = this.key(pod, rec.name);
    if (this.units.has(key)) return;
    const unit: Unit = { pod, rec, init, stopping: false };
    this.units.set(key, unit);
    if (rec.phase === 'running' && rec.pid !== undefined && rec.procStart !== undefined && rec.bootId !== undefined) {
      unit.handle = { pid: rec.pid, procStart: rec.procStart, bootId: rec.bootId };
      this.watch(unit, unit.handle);
    } else if (rec.phase === 'waiting' && rec.reason === 'CrashLoopBackOff' && rec.backoffUntil !== undefined) {
      this.armRestart(unit, rec.backoffUntil - this.deps.clock.now());
    } else {
      void this.spawn(unit);
    }
  }

  private spec(unit: Unit): Container | undefined {
    const list = unit.init ? unit.pod.spec.initContainers ?? [] : unit.pod.spec.containers;
    return list.find((c) => c.name === unit.rec.name);
  }

  private async spawn(unit: Unit): Promise<void> {
    const { pod, rec } = unit;
    const c = this.spec(unit);
    if (!c || unit.stopping) return;
    const { deps } = this;
    const env = buildContainerEnv({ container: c, pod: { name: pod.name, namespace: pod.namespace, uid: pod.uid },
      nodeName: deps.nodeName, hostIP: deps.hostIP, podIP: deps.hostIP, baseEnv: deps.baseEnv });
    const argv = buildArgv(c, env);
    const logPath = containerLogPath(deps.logDir, pod.name, rec.name);
    rec.phase = 'waiting';
    rec.reason = 'ContainerCreating';
    delete rec.message;
    try {
      // Every start after a termination is a restart: RESTARTS counts them, `logs --previous` shows the last run.
      if (rec.lastTerminated) {
        rec.restartCount += 1;
        await markRestart(logPath).catch(() => undefined);
      }
      const handle = await deps.runner.start({
        argv, env, logPath, ...(c.workingDir ? { cwd: c.workingDir } : {}),
        marker: { rootId: deps.rootId, pod: pod.name, podUid: pod.uid, container: rec.name,
          daemonSet: `${pod.daemonSet.namespace}/${pod.daemonSet.name}`, templateHash: pod.templateHash },
      });
      if (unit.stopping) {
        await deps.runner.stop(handle, 0);
        return;
      }
      unit.handle = handle;
      Object.assign(rec, { phase: 'running', pid: handle.pid, procStart: handle.procStart, bootId: handle.bootId, startedAt: iso(deps.clock.now()) });
      delete rec.reason;
      delete rec.backoffUntil;
      deps.log.info({ pod: pod.name, container: rec.name, pid: handle.pid }, 'container started');
      this.event(pod, 'Normal', 'Started', `Started container ${rec.name}`);
      deps.onChange(pod);
      this.watch(unit, handle);
    } catch (err) {
      const message = err instanceof SpawnError ? err.message : `cannot start: ${(err as Error).message}`;
      deps.log.warn({ pod: pod.name, container: rec.name, err: message }, 'container failed to start');
      this.event(pod, 'Warning', 'Failed', `Error: ${message}`);
      const now = deps.clock.now();
      this.onTerminated(unit, { exitCode: 128, reason: 'StartError', message, finishedAt: iso(now), ...(rec.startedAt ? { startedAt: rec.startedAt } : {}) }, 0);
    }
  }

  private watch(unit: Unit, handle: ProcessHandle): void {
    const startedMs = unit.rec.startedAt ? Date.parse(unit.rec.startedAt) : this.deps.clock.now();
    void this.deps.runner.waitExit(handle).then((exit) => {
      if (unit.stopping || unit.handle !== handle) return;
      const now = this.deps.clock.now();
      const reason = !exit.known ? 'Unknown' : exit.exitCode === 0 ? 'Completed' : 'Error';
      const info: TerminatedInfo = {
        exitCode: exit.exitCode, reason, finishedAt: iso(now),
        ...(exit.signal ? { signal: exit.signal } : {}),
        ...(unit.rec.startedAt ? { startedAt: unit.rec.startedAt } : {}),
        ...(!exit.known ? { message: 'the process ended while it was adopted; its exit status is not known to hostds' } : {}),
      };
      this.onTerminated(unit, info, now - startedMs);
    });
  }

  /** A container ended: record it, then move on (next init container) or restart with backoff. */
  private onTerminated(unit: Unit, info: TerminatedInfo, ranForMs: number): void {
    const { rec, pod } = unit;
    const { deps } = this;
    delete unit.handle;
    for (const f of ['pid', 'procStart', 'bootId'] as const) delete rec[f];
    rec.lastTerminated = info;
    // An adopted init container's exit status cannot be seen; assume it completed rather than run it twice.
    if (unit.init && (info.exitCode === 0 || info.reason === 'Unknown')) {
      Object.assign(rec, { phase: 'terminated', reason: 'Completed' });
      this.units.delete(this.key(pod, rec.name));
      deps.onChange(pod);
      this.run(pod);
      return;
    }
    const decision = decideRestart({ ...(rec.backoffMs !== undefined ? { previousBackoffMs: rec.backoffMs } : {}), ranForMs, now: deps.clock.now(), config: deps.backoff() });
    rec.backoffMs = decision.backoffMs;
    deps.log.info({ pod: pod.name, container: rec.name, exitCode: info.exitCode, signal: info.signal, delayMs: decision.delayMs }, 'container exited');
    if (decision.delayMs <= 0) {
      deps.onChange(pod);
      void this.spawn(unit);
      return;
    }
    Object.assign(rec, { phase: 'waiting', reason: 'CrashLoopBackOff', backoffUntil: deps.clock.now() + decision.delayMs,
      message: `back-off ${humanDuration(decision.delayMs)} restarting failed container=${rec.name} pod=${pod.name}` });
    this.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container');
    deps.onChange(pod);
    this.armRestart(unit, decision.delayMs);
  }

  private armRestart(unit: Unit, delayMs: number): void {
    unit.timer?.cancel();
    unit.timer = this.deps.clock.setTimer(Math.max(0, delayMs), () => {
      delete unit.timer;
      void this.spawn(unit);
    });
  }

  /**
   * SIGTERM, then SIGKILL after the grace period, for every container of the pod; resolves when
   * all are gone. Containers the supervisor is not tracking (a stop resumed after an agent crash)
   * are stopped by their recorded pid; processes that left the group (setsid) by their marker.
   */
  async stop(pod: PodRecord, graceMs: number): Promise<void> {
    const stops: Promise<void>[] = [];
    const stopOne = (name: string, handle: ProcessHandle): void => {
      this.event(pod, 'Normal', 'Killing', `Stopping container ${name}`);
      stops.push(this.deps.runner.stop(handle, graceMs).catch((err: unknown) => {
        this.deps.log.error({ pod: pod.name, err: (err as Error).message }, 'stop failed');
      }));
    };
    for (const rec of [...pod.initContainers, ...pod.containers]) {
      const key = this.key(pod, rec.name);
      const unit = this.units.get(key);
      if (unit) {
        unit.stopping = true;
        unit.timer?.cancel();
        if (unit.handle) stopOne(rec.name, unit.handle);
        this.units.delete(key);
      } else if (rec.pid !== undefined && rec.procStart !== undefined && rec.bootId !== undefined) {
        stopOne(rec.name, { pid: rec.pid, procStart: rec.procStart, bootId: rec.bootId });
      }
    }
    await Promise.all(stops);
    const strays = (await this.scanMarked()).filter((p) => p.marker.podUid === pod.uid);
    if (strays.length > 0) {
      this.deps.log.warn({ pod: pod.name, pids: strays.map((p) => p.pid) }, 'stopping processes that left the pod\'s process group');
      await Promise.all(strays.map((p) => this.deps.runner.stop(p, graceMs).catch(() => undefined)));
    }
    for (const rec of [...pod.initContainers, ...pod.containers]) {
      if (rec.phase === 'running') {
        rec.lastTerminated = { exitCode: null, reason: 'Killed', finishedAt: iso(this.deps.clock.now()), ...(rec.startedAt ? { startedAt: rec.startedAt } : {}) };
      }
      Object.assign(rec, { phase: 'terminated' });
      for (const f of ['pid', 'procStart', 'bootId'] as const) delete rec[f];
    }
  }

  private markedScan: { at: number; result: Promise<MarkedProcess[]> } | undefined;

  /**
   * One /proc scan shared by every stop that finishes within 100 ms: stopping 500 pods at once
   * must not read every process's environment 500 times.
   */
  private scanMarked(): Promise<MarkedProcess[]> {
    const now = this.deps.clock.now();
    if (!this.markedScan || now - this.markedScan.at > 100) {
      this.markedScan = { at: now, result: this.deps.runner.findMarked(this.deps.rootId).catch(() => []) };
    }
    return this.markedScan.result;
  }

  /** Forget a pod's units without signalling anything (the agent exits and leaves daemons running). */
  detachAll(): void {
    for (const unit of this.units.values()) {
      unit.stopping = true;
      unit.timer?.cancel();
    }
    this.units.clear();
  }

  isTracking(podName: string): boolean {
    return [...this.units.keys()].some((k) => k.startsWith(`${podName}/`));
  }
}
