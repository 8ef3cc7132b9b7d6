// The effect shell that keeps pods' processes running: starts init containers in order, then
// the containers; restarts what exits with CrashLoopBackOff; stops a pod's process groups with
// SIGTERM then SIGKILL. Decisions (when to restart) come from restart-policy.ts; processes from
// the ProcessRunner port. Every change to a record is reported through onChange for persisting.
import type { Container } from '../manifest/types.js';
import type { ContainerRecord, PodRecord, TerminatedInfo } from '../pods/types.js';
import type { Clock, Timer } from '../lib/clock.js';
import type { Logger } from '../observe/logger.js';
import type { HostdsEvent } from '../observe/events.js';
import { SpawnError, type ExitInfo, type MarkedProcess, type ProcessHandle, type ProcessRunner } from './runner.js';
import { decideRestart } from './restart-policy.js';
import { buildArgv, buildContainerEnv } from '../pods/env.js';
import { containerLogPath, markRestart } from '../observe/log-files.js';
import { humanDuration } from '../lib/duration.js';
import { resolveProbes, type ProbeSpec } from '../probes/spec.js';
import type { ProbeManager } from '../probes/manager.js';
import type { ContainerProbeState, ProbeEvent } from '../probes/tracker.js';
import { runProbe } from '../probes/run.js';
import { needsPrimaryGid, resolveIdentity } from '../pods/security.js';
import { primaryGids } from '../host/passwd.js';
import { hasLimits, readLimits, summarizeLimits } from '../pods/resources.js';
import type { CgroupManager, PreparedCgroup } from './cgroups.js';
import { isoSeconds as iso } from '../lib/iso-time.js';

const noPrimaryGid = (): undefined => undefined;

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
  /** Runs liveness, readiness and startup probes; without it containers are ready once running. */
  probes?: ProbeManager;
  /** Puts containers with limits into cgroups; without it their limits are reported as not enforced. */
  cgroups?: Pick<CgroupManager, 'prepare' | 'oomKills' | 'remove'>;
}

/** The kubelet's grace for a container it kills itself (liveness, startup, postStart): the pod's. */
function podGraceMs(pod: PodRecord): number {
  return Math.max(2, pod.spec.terminationGracePeriodSeconds ?? 30) * 1000;
}

type Hook = { exec?: { command?: unknown } };

/** An exec lifecycle hook's command, if the container has one (other hook kinds warn at validation). */
function execHook(c: Container, which: 'postStart' | 'preStop'): string[] | undefined {
  const lifecycle = c['lifecycle'] as Record<string, Hook | undefined> | undefined;
  const command = lifecycle?.[which]?.exec?.command;
  return Array.isArray(command) && command.length > 0 && command.every((x) => typeof x === 'string') ? command as string[] : undefined;
}

interface Unit {
  pod: PodRecord;
  rec: ContainerRecord;
  init: boolean;
  handle?: ProcessHandle;
  timer?: Timer;
  stopping: boolean;
  /** The environment the process got: probes and hooks run with it. */
  env?: Record<string, string>;
}


export class Supervisor {
  private readonly units = new Map<string, Unit>();
  /** Starts under way (spawn() not yet returned), and who waits for there to be none. */
  private spawning = 0;
  private settledWaiters: (() => void)[] = [];

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
      const c = this.spec(unit);
      // An adopted container is probed again from scratch, as the kubelet does after its own restart.
      if (c && !init) {
        unit.env = this.envFor(pod, c);
        this.startProbes(unit, c, unit.handle);
      }
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

  /**
   * Resolves once no start is under way, or after `maxMs`: the agent holds back main-thread work
   * that can wait (its watchers, the API) until the first pass's daemons are started.
   */
  spawnsSettled(maxMs: number): Promise<void> {
    if (this.spawning === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, maxMs);
      timer.unref();
      this.settledWaiters.push(() => { clearTimeout(timer); resolve(); });
    });
  }

  private async spawn(unit: Unit): Promise<void> {
    this.spawning++;
    try {
      await this.spawnOnce(unit);
    } finally {
      if (--this.spawning === 0) for (const w of this.settledWaiters.splice(0)) w();
    }
  }

  private async spawnOnce(unit: Unit): Promise<void> {
    const { pod, rec } = unit;
    const c = this.spec(unit);
    if (!c || unit.stopping) return;
    const { deps } = this;
    const env = this.envFor(pod, c);
    const argv = buildArgv(c, env);
    unit.env = env;
    const logPath = containerLogPath(deps.logDir, pod.name, rec.name);
    const who = resolveIdentity(pod.spec, c, process.getuid?.() ?? 0, needsPrimaryGid(pod.spec, c) ? await primaryGids() : noPrimaryGid, `${pod.namespace}/${pod.name}(${pod.uid})`);
    if (!who.ok) {
      // Like the kubelet: not a crash, a configuration the container cannot start with; retried later.
      Object.assign(rec, { phase: 'waiting', reason: who.reason, message: who.message });
      deps.log.warn({ pod: pod.name, container: rec.name, err: who.message }, 'container cannot start');
      this.event(pod, 'Warning', 'Failed', `Error: ${who.message}`);
      deps.onChange(pod);
      this.armRestart(unit, Math.max(deps.backoff().initialMs, 10_000));
      return;
    }
    rec.phase = 'waiting';
    rec.reason = 'ContainerCreating';
    delete rec.message;
    try {
      // Every start after a termination is a restart: RESTARTS counts them, `logs --previous` shows the last run.
      if (rec.lastTerminated) {
        rec.restartCount += 1;
        await markRestart(logPath).catch(() => undefined);
      }
      const cgroup = await this.prepareCgroup(unit, c);
      const handle = await deps.runner.start({
        argv, env, logPath, ...(c.workingDir ? { cwd: c.workingDir } : {}),
        ...(Object.keys(who.identity).length > 0 ? { identity: who.identity } : {}),
        ...(cgroup?.procs ? { cgroupProcs: cgroup.procs } : {}),
        marker: { rootId: deps.rootId, pod: pod.name, podUid: pod.uid, container: rec.name,
          daemonSet: `${pod.daemonSet.namespace}/${pod.daemonSet.name}`, templateHash: pod.templateHash },
      });
      if (unit.stopping) {
        await deps.runner.stop(handle, 0);
        await this.removeCgroup(pod, rec);
        return;
      }
      unit.handle = handle;
      Object.assign(rec, { phase: 'running', pid: handle.pid, procStart: handle.procStart, bootId: handle.bootId, startedAt: iso(deps.clock.now()) });
      delete rec.reason;
      delete rec.backoffUntil;
      deps.log.info({ pod: pod.name, container: rec.name, pid: handle.pid }, 'container started');
      this.event(pod, 'Normal', 'Started', `Started container ${rec.name}`);
      if (!unit.init) this.startProbes(unit, c, handle);
      deps.onChange(pod);
      this.watch(unit, handle);
      if (!unit.init) void this.postStart(unit, c, handle);
    } catch (err) {
      const message = err instanceof SpawnError ? err.message : `cannot start: ${(err as Error).message}`;
      deps.log.warn({ pod: pod.name, container: rec.name, err: message }, 'container failed to start');
      this.event(pod, 'Warning', 'Failed', `Error: ${message}`);
      const now = deps.clock.now();
      this.onTerminated(unit, { exitCode: 128, reason: 'StartError', message, finishedAt: iso(now), ...(rec.startedAt ? { startedAt: rec.startedAt } : {}) }, 0);
    }
  }

  /**
   * A container with limits gets a fresh cgroup for each start. Limits that cannot be enforced
   * are recorded with the reason (describe and why show it) and reported once per reason.
   */
  private async prepareCgroup(unit: Unit, c: Container): Promise<PreparedCgroup | undefined> {
    const { pod, rec } = unit;
    const limits = readLimits(c);
    if (!hasLimits(limits)) {
      delete rec.limits;
      return undefined;
    }
    const prepared = this.deps.cgroups ? await this.deps.cgroups.prepare(pod.name, rec.name, limits) : { notEnforced: 'this agent runs without cgroup support' };
    const { procs: _procs, ...status } = prepared;
    if (status.notEnforced !== undefined && status.notEnforced !== rec.limits?.notEnforced) {
      const message = `limits of container ${rec.name} (${summarizeLimits(c)}) are not enforced: ${status.notEnforced}`;
      this.deps.log.warn({ pod: pod.name, container: rec.name }, message);
      this.event(pod, 'Warning', 'LimitsNotEnforced', message);
    }
    rec.limits = status;
    return prepared;
  }

  /** Kills what the container left in its cgroup and removes it; returns the pids killed. */
  private async removeCgroup(pod: PodRecord, rec: ContainerRecord): Promise<number[]> {
    const path = rec.limits?.cgroup;
    if (path === undefined || !this.deps.cgroups) return [];
    const killed = await this.deps.cgroups.remove(path).catch((err: unknown) => {
      this.deps.log.warn({ pod: pod.name, container: rec.name, err: (err as Error).message }, 'cannot remove cgroup');
      return [];
    });
    if (killed.length > 0) this.deps.log.warn({ pod: pod.name, container: rec.name, pids: killed }, 'killed processes left in the container\'s cgroup');
    return killed;
  }

  /** Whether the kernel's OOM killer ended the container: a SIGKILL (or an unseen exit) and an OOM kill counted in its cgroup. */
  private async wasOomKilled(rec: ContainerRecord, exit: ExitInfo): Promise<boolean> {
    const path = rec.limits?.cgroup;
    if (path === undefined || !this.deps.cgroups || (exit.known && exit.signal !== 'SIGKILL')) return false;
    return (await this.deps.cgroups.oomKills(path).catch(() => 0)) > 0;
  }

  private envFor(pod: PodRecord, c: Container): Record<string, string> {
    const { deps } = this;
    return buildContainerEnv({ container: c, pod: { name: pod.name, namespace: pod.namespace, uid: pod.uid },
      nodeName: deps.nodeName, hostIP: deps.hostIP, podIP: deps.hostIP, baseEnv: deps.baseEnv });
  }

  /**
   * Readiness starts false when a readiness probe exists (true otherwise); a startup probe holds
   * the others back; a failed liveness or startup probe kills the container, which then restarts
   * as a crash would (RESTARTS counts it, CrashLoopBackOff applies).
   */
  private startProbes(unit: Unit, c: Container, handle: ProcessHandle): void {
    const { rec, pod } = unit;
    const probes = this.deps.probes;
    let { specs, errors } = probes ? resolveProbes(c, this.deps.hostIP, pod.spec['securityContext'] as Record<string, unknown> | undefined) : { specs: [] as ProbeSpec[], errors: [] };
    for (const e of errors) this.event(pod, 'Warning', 'Unhealthy', `cannot probe: ${e}`);
    // grpc probes cannot be run (validation warns): ignored, never a liveness kill loop.
    specs = specs.filter((sp) => sp.handler.type !== 'grpc');
    const hasReadiness = specs.some((s) => s.kind === 'readiness');
    const hasStartup = specs.some((s) => s.kind === 'startup');
    rec.ready = !hasReadiness && !hasStartup;
    if (rec.ready) rec.readyAt = iso(this.deps.clock.now()); else delete rec.readyAt;
    rec.started = !hasStartup;
    if (!probes || specs.length === 0) return;
    probes.add(this.key(pod, rec.name), specs, unit.env ?? {}, (e, state) => this.onProbe(unit, handle, e, state), rec.name);
  }

  private onProbe(unit: Unit, handle: ProcessHandle, e: ProbeEvent, state: ContainerProbeState): void {
    const { rec, pod } = unit;
    if (unit.handle !== handle || unit.stopping) return;
    const wasReady = rec.ready;
    rec.started = state.started;
    rec.ready = state.started && state.ready;
    if (rec.ready && !wasReady) rec.readyAt = iso(this.deps.clock.now());
    if (!rec.ready) delete rec.readyAt;
    switch (e.type) {
      case 'Unhealthy': this.event(pod, 'Warning', 'Unhealthy', e.message); break;
      case 'ProbeWarning': this.event(pod, 'Warning', 'ProbeWarning', e.message); break;
      case 'LivenessFailed':
      case 'StartupFailed':
        this.deps.log.warn({ pod: pod.name, container: rec.name, probe: e.probe }, e.message);
        this.event(pod, 'Normal', 'Killing', e.message);
        this.deps.probes?.remove(this.key(pod, rec.name));
        // The exit is seen by watch(): recorded, then restarted with the usual backoff.
        void this.deps.runner.stop(handle, podGraceMs(pod)).catch(() => undefined);
        break;
      default: break;
    }
    if (rec.ready !== wasReady || e.type === 'Started') this.deps.onChange(pod);
  }

  /** postStart: run right after the start; if it fails, the container is killed and restarted (FailedPostStartHook). */
  private async postStart(unit: Unit, c: Container, handle: ProcessHandle): Promise<void> {
    const command = execHook(c, 'postStart');
    if (!command) return;
    const result = await runProbe(hookSpec(command, c, Math.max(30_000, podGraceMs(unit.pod))), unit.env ?? {});
    if (result.ok || unit.handle !== handle || unit.stopping) return;
    const { pod, rec } = unit;
    this.event(pod, 'Warning', 'FailedPostStartHook', `PostStartHookError: ${result.message}`);
    this.event(pod, 'Normal', 'Killing', `FailedPostStartHook: container ${rec.name} will be restarted`);
    this.deps.probes?.remove(this.key(pod, rec.name));
    await this.deps.runner.stop(handle, podGraceMs(pod)).catch(() => undefined);
  }

  private watch(unit: Unit, handle: ProcessHandle): void {
    const startedMs = unit.rec.startedAt ? Date.parse(unit.rec.startedAt) : this.deps.clock.now();
    void this.deps.runner.waitExit(handle).then(async (exit) => {
      if (unit.stopping || unit.handle !== handle) return;
      const oom = await this.wasOomKilled(unit.rec, exit);
      // A container's processes end with it, as in a pod: what it left in its cgroup is killed.
      await this.removeCgroup(unit.pod, unit.rec);
      if (unit.stopping || unit.handle !== handle) return;
      const now = this.deps.clock.now();
      const reason = oom ? 'OOMKilled' : !exit.known ? 'Unknown' : exit.exitCode === 0 ? 'Completed' : 'Error';
      const info: TerminatedInfo = {
        // The kubelet reports 137 (128 + SIGKILL) for an OOM kill.
        exitCode: oom ? 137 : exit.exitCode, reason, finishedAt: iso(now),
        ...(exit.signal ? { signal: exit.signal } : {}),
        ...(unit.rec.startedAt ? { startedAt: unit.rec.startedAt } : {}),
        ...(!exit.known && !oom ? { message: 'the process ended while it was adopted; its exit status is not known to hostds' } : {}),
      };
      this.onTerminated(unit, info, now - startedMs);
    });
  }

  /** A container ended: record it, then move on (next init container) or restart with backoff. */
  private onTerminated(unit: Unit, info: TerminatedInfo, ranForMs: number): void {
    const { rec, pod } = unit;
    const { deps } = this;
    delete unit.handle;
    deps.probes?.remove(this.key(pod, rec.name));
    for (const f of ['pid', 'procStart', 'bootId', 'ready', 'readyAt', 'started'] as const) delete rec[f];
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
    this.stoppingUids.add(pod.uid);
    try {
      await this.stopPod(pod, graceMs);
    } finally {
      this.stoppingUids.delete(pod.uid);
    }
  }

  private async stopPod(pod: PodRecord, graceMs: number): Promise<void> {
    const stops: Promise<void>[] = [];
    const stopOne = (name: string, handle: ProcessHandle, env?: Record<string, string>): void => {
      this.event(pod, 'Normal', 'Killing', `Stopping container ${name}`);
      this.deps.probes?.remove(this.key(pod, name));
      stops.push(this.preStop(pod, name, graceMs, env).then((left) => this.deps.runner.stop(handle, left)).catch((err: unknown) => {
        this.deps.log.error({ pod: pod.name, err: (err as Error).message }, 'stop failed');
      }));
    };
    for (const rec of [...pod.initContainers, ...pod.containers]) {
      const key = this.key(pod, rec.name);
      const unit = this.units.get(key);
      if (unit) {
        unit.stopping = true;
        unit.timer?.cancel();
        if (unit.handle) stopOne(rec.name, unit.handle, unit.env);
        this.units.delete(key);
      } else if (rec.pid !== undefined && rec.procStart !== undefined && rec.bootId !== undefined) {
        stopOne(rec.name, { pid: rec.pid, procStart: rec.procStart, bootId: rec.bootId });
      }
    }
    await Promise.all(stops);
    // Processes that left the group (a double fork into a new session) are still in the cgroup.
    await Promise.all([...pod.initContainers, ...pod.containers].map((rec) => this.removeCgroup(pod, rec)));
    const strays = (await this.scanMarked(pod.uid)).filter((p) => p.marker.podUid === pod.uid);
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

  /**
   * preStop runs before SIGTERM, within the grace period; what is left of it (at least 2 s, as
   * the kubelet gives) is the SIGTERM → SIGKILL grace.
   */
  private async preStop(pod: PodRecord, name: string, graceMs: number, env?: Record<string, string>): Promise<number> {
    const c = pod.spec.containers.find((x) => x.name === name);
    const command = c ? execHook(c, 'preStop') : undefined;
    if (!c || !command) return graceMs;
    const t0 = this.deps.clock.now();
    const result = await runProbe(hookSpec(command, c, graceMs), env ?? this.envFor(pod, c));
    if (!result.ok) this.event(pod, 'Warning', 'FailedPreStopHook', `PreStopHook failed: ${result.message}`);
    return Math.max(2000, graceMs - (this.deps.clock.now() - t0));
  }

  private markedScan: { at: number; uids: ReadonlySet<string>; result: Promise<MarkedProcess[]> } | undefined;
  /** Pods whose stop has begun and not ended: what a scan for strays looks for. */
  private readonly stoppingUids = new Set<string>();

  /**
   * One /proc scan shared by every stop that finishes within 100 ms: stopping 500 pods at once
   * must not read every process's environment 500 times. It looks for the pods stopping when it
   * starts; a stop it did not cover starts its own.
   */
  private scanMarked(uid: string): Promise<MarkedProcess[]> {
    const now = this.deps.clock.now();
    if (!this.markedScan || now - this.markedScan.at > 100 || !this.markedScan.uids.has(uid)) {
      const uids = new Set([...this.stoppingUids, uid]);
      this.markedScan = { at: now, uids, result: this.deps.runner.findMarked(this.deps.rootId, { atOnce: true, podUids: uids }).catch(() => []) };
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

/** A lifecycle hook runs like an exec probe: the container's env and directory, a deadline. */
function hookSpec(command: string[], c: Container, timeoutMs: number): ProbeSpec {
  return {
    kind: 'liveness',
    handler: { type: 'exec', command, ...(c.workingDir ? { workingDir: c.workingDir } : {}) },
    initialDelayMs: 0, periodMs: timeoutMs, timeoutMs, successThreshold: 1, failureThreshold: 1,
  };
}
