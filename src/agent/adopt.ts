// After a restart (or a crash) of the agent: find the daemons it left running and take them
// back, so nothing is started twice. A recorded pid counts only if its start time and boot id
// still match; processes found only by their environment marker rebuild their pod record.
import type { PodRecord, ContainerRecord } from '../pods/types.js';
import type { MarkedProcess, ProcessRunner } from '../supervise/runner.js';
import type { LastGood } from '../state/store.js';
import { buildPod } from './pod-factory.js';

export interface AdoptResult {
  pods: PodRecord[];
  adopted: number;
  lost: number;
  rebuilt: number;
}

function attach(rec: ContainerRecord, p: MarkedProcess): void {
  Object.assign(rec, { phase: 'running', pid: p.pid, procStart: p.procStart, bootId: p.bootId });
  delete rec.reason;
  delete rec.backoffUntil;
}

export async function adoptProcesses(runner: ProcessRunner, rootId: string, recorded: PodRecord[],
  lastGood: Readonly<Record<string, LastGood>>, nowIso: string, scan?: ReturnType<ProcessRunner['findMarked']>): Promise<AdoptResult> {
  const pods = recorded.map((p) => structuredClone(p));
  const result: AdoptResult = { pods, adopted: 0, lost: 0, rebuilt: 0 };
  // `scan`: the /proc scan, started earlier by the caller so that it overlaps other start-up work.
  const marked = await (scan ?? runner.findMarked(rootId));
  const byUid = new Map(pods.map((p) => [p.uid, p]));
  for (const p of marked) {
    let pod = byUid.get(p.marker.podUid);
    if (!pod) {
      pod = rebuildPod(p, lastGood, nowIso);
      pods.push(pod);
      byUid.set(pod.uid, pod);
      result.rebuilt += 1;
    }
    let rec = [...pod.initContainers, ...pod.containers].find((c) => c.name === p.marker.container);
    if (!rec) {
      // A container the rebuilt template does not know (the template changed): track it so it is stopped with its pod.
      rec = { name: p.marker.container, phase: 'running', restartCount: 0 };
      pod.containers.push(rec);
    }
    attach(rec, p);
  }
  // A recorded running container whose process is gone (or is now another process) ended while
  // the agent was down: its exit status is lost, and the supervisor restarts it.
  for (const pod of pods) {
    for (const rec of [...pod.initContainers, ...pod.containers]) {
      if (rec.phase !== 'running' || rec.pid === undefined) continue;
      const alive = rec.procStart !== undefined && rec.bootId !== undefined &&
        await runner.isAlive({ pid: rec.pid, procStart: rec.procStart, bootId: rec.bootId });
      if (alive) { result.adopted += 1; continue; }
      result.lost += 1;
      rec.lastTerminated = { exitCode: null, reason: 'Unknown', message: 'the process ended while the agent was not running; its exit status is not known', finishedAt: nowIso, ...(rec.startedAt ? { startedAt: rec.startedAt } : {}) };
      Object.assign(rec, { phase: 'waiting', reason: 'ContainerCreating' });
      for (const f of ['pid', 'procStart', 'bootId'] as const) delete rec[f];
    }
  }
  return result;
}

/** The state file is gone: rebuild the pod from its DaemonSet's template, or a bare shell to stop it. */
function rebuildPod(p: MarkedProcess, lastGood: Readonly<Record<string, LastGood>>, nowIso: string): PodRecord {
  const [ns = 'default', name = ''] = p.marker.daemonSet.split('/');
  const last = lastGood[p.marker.daemonSet];
  if (last) {
    return buildPod({ ds: last.ds, name: p.marker.pod, uid: p.marker.podUid, templateHash: p.marker.templateHash, templateGeneration: 1, nowIso });
  }
  return {
    name: p.marker.pod, namespace: ns, uid: p.marker.podUid, daemonSet: { namespace: ns, name },
    templateHash: p.marker.templateHash, templateGeneration: 1, labels: {}, creationTimestamp: nowIso,
    spec: { containers: [{ name: p.marker.container }] }, initContainers: [],
    containers: [{ name: p.marker.container, phase: 'waiting', restartCount: 0 }],
  };
}
