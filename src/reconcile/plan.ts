// Desired DaemonSets × this host's pods → what to create, delete and keep. The per-node part of
// the k8s DaemonSet controller (pkg/controller/daemon/daemon_controller.go podsShouldBeOnNode,
// update.go rollingUpdate/OnDelete), for one node. With maxSurge 0 an outdated pod is stopped
// first and its replacement created once it is gone, so two never run at once; with maxSurge ≥ 1
// the new pod starts beside the old one, which is stopped once the new one is available.
import type { PodRecord } from '../pods/types.js';
import { isPodAvailable, isPodReady, readySince } from '../pods/display.js';
import { podEvictAt, type NoExecuteDeadline } from '../schedule/decide.js';

export type UpdateStrategyType = 'RollingUpdate' | 'OnDelete';

/** The part of schedule/decide's Placement the plan reads (a Placement fits). */
export interface PlanPlacement {
  shouldRun: boolean;
  shouldContinueRunning: boolean;
  /** Failing rules tell a NoExecute eviction apart from a node that no longer matches. */
  rules?: readonly { ok: boolean; code: string; message?: string }[];
  /** Tolerated NoExecute taints with tolerationSeconds: a running pod is evicted when one runs out. */
  noExecuteDeadlines?: readonly NoExecuteDeadline[];
}

export interface DesiredDaemonSet {
  /** `${namespace}/${name}` */
  key: string;
  namespace: string;
  name: string;
  templateHash: string;
  /** Carried for display; a pod is up to date by hash only (see isPodUpdated). */
  generation: number;
  updateStrategyType: UpdateStrategyType;
  /** rollingUpdate.maxSurge resolved for one node: 0, or 1 for any positive number or percentage. */
  maxSurge?: number;
  /** A new pod counts as available once ready this long (surge waits for it). */
  minReadySeconds?: number;
  placement: PlanPlacement;
}

export interface PlanInput {
  daemonSets: readonly DesiredDaemonSet[];
  pods: readonly PodRecord[];
  /** Epoch ms: NoExecute tolerationSeconds are counted against it. */
  now: number;
}

export type CreateCode = 'Missing' | 'Surge';
export type DeleteCode = 'DaemonSetDeleted' | 'NodeNoLongerMatches' | 'NoExecuteTaint' | 'TemplateChanged' | 'Duplicate';

export interface PlannedCreate { daemonSet: string; code: CreateCode; reason: string }
export interface PlannedDelete { pod: string; namespace: string; daemonSet: string; code: DeleteCode; reason: string }
/** A DaemonSet that wants a pod but waits for its terminating one to be gone. */
export interface PlannedWait { daemonSet: string; pods: string[]; reason: string }

export interface Plan {
  create: PlannedCreate[];
  delete: PlannedDelete[];
  /** Pod names left running as they are. */
  keep: string[];
  /** Pods already stopping (deletionTimestamp set): neither kept nor deleted again. */
  terminating: string[];
  waiting: PlannedWait[];
  /** The earliest future eviction of a kept pod (tolerationSeconds): when to plan again. */
  nextEvictionAt?: number;
  /** New pods a surge waits on: plan again when one of them changes. */
  waitingForAvailable: string[];
  /** When a ready new pod will have been ready for minReadySeconds: plan again then. */
  availableAt?: number;
}

export function keyOfPod(pod: Pick<PodRecord, 'daemonSet'>): string {
  return `${pod.daemonSet.namespace}/${pod.daemonSet.name}`;
}

function parseTime(iso: string): number {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
}

/** podByCreationTimestampAndPhase: oldest first, then by name, so the survivor is deterministic. */
export function sortOldestFirst<T extends Pick<PodRecord, 'creationTimestamp' | 'name'>>(pods: readonly T[]): T[] {
  return [...pods].sort((a, b) => parseTime(a.creationTimestamp) - parseTime(b.creationTimestamp)
    || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * IsPodUpdated by hash only: k8s also accepts a matching pod-template-generation, but file
 * manifests rarely bump metadata.generation, and a stale generation would hide every update.
 */
export function isPodUpdated(pod: Pick<PodRecord, 'templateHash'>, ds: Pick<DesiredDaemonSet, 'templateHash'>): boolean {
  return pod.templateHash === ds.templateHash;
}

/** Why a running pod must stop: an untolerated NoExecute taint alone, or anything else. */
function describeStop(ds: DesiredDaemonSet): { code: DeleteCode; reason: string } {
  const failing = (ds.placement.rules ?? []).filter((r) => !r.ok);
  const detail = failing.map((r) => r.message ?? r.code).join('; ');
  if (failing.length > 0 && failing.every((r) => r.code === 'NoExecuteTaintNotTolerated')) {
    return { code: 'NoExecuteTaint', reason: `evicted: ${detail}` };
  }
  return { code: 'NodeNoLongerMatches', reason: `this host no longer matches DaemonSet ${ds.key}${detail ? `: ${detail}` : ''}` };
}

function planDelete(pod: PodRecord, code: DeleteCode, reason: string): PlannedDelete {
  return { pod: pod.name, namespace: pod.namespace, daemonSet: keyOfPod(pod), code, reason };
}

/** One DaemonSet's pods (live ones sorted oldest first) → its part of the plan. */
function planDaemonSet(ds: DesiredDaemonSet, live: PodRecord[], terminating: PodRecord[], plan: Plan, now: number): void {
  if (!ds.placement.shouldContinueRunning) {
    const { code, reason } = describeStop(ds);
    for (const pod of live) plan.delete.push(planDelete(pod, code, reason));
    return;
  }
  if (ds.updateStrategyType === 'RollingUpdate' && (ds.maxSurge ?? 0) > 0 && live.some((p) => !isPodUpdated(p, ds))) {
    planSurge(ds, live, plan, now);
    return;
  }
  const [oldest, ...extra] = live;
  for (const pod of extra) {
    plan.delete.push(planDelete(pod, 'Duplicate', `more than one pod for DaemonSet ${ds.key}: keeping the oldest, ${oldest?.name ?? ''}`));
  }
  if (oldest === undefined) {
    if (!ds.placement.shouldRun) return;
    if (terminating.length > 0) {
      const names = terminating.map((p) => p.name);
      plan.waiting.push({ daemonSet: ds.key, pods: names, reason: `waiting for ${names.join(', ')} to terminate` });
    } else {
      plan.create.push({ daemonSet: ds.key, code: 'Missing', reason: `DaemonSet ${ds.key} should run here and has no pod` });
    }
    return;
  }
  const deadlines = ds.placement.noExecuteDeadlines ?? [];
  const evictAt = deadlines.length > 0 ? podEvictAt(deadlines, parseTime(oldest.creationTimestamp)) : undefined;
  if (evictAt !== undefined && evictAt <= now) {
    const which = deadlines.map((d) => `${d.taint} for ${d.seconds}s`).join(', ');
    plan.delete.push(planDelete(oldest, 'NoExecuteTaint', `evicted: tolerationSeconds ran out (tolerated ${which})`));
    return;
  }
  if (evictAt !== undefined) plan.nextEvictionAt = Math.min(plan.nextEvictionAt ?? Number.POSITIVE_INFINITY, evictAt);
  if (!isPodUpdated(oldest, ds) && ds.updateStrategyType === 'RollingUpdate') {
    // maxSurge 0: stop first; the next plan creates the replacement once this one is gone.
    plan.delete.push(planDelete(oldest, 'TemplateChanged',
      `template changed (pod runs ${oldest.templateHash}, DaemonSet wants ${ds.templateHash}): RollingUpdate replaces it`));
    return;
  }
  // OnDelete keeps an outdated pod until `hostds delete pod`; a pod that no longer should run
  // but may continue (shouldRun false, shouldContinueRunning true) stays, as in k8s.
  plan.keep.push(oldest.name);
}

/**
 * RollingUpdate with maxSurge on this node (update.go rollingUpdate, surge branch): the new pod
 * is created beside the outdated one, available or not, and the outdated one is stopped once the
 * new one has been available for minReadySeconds. One pod of each kind is kept, the oldest.
 */
function planSurge(ds: DesiredDaemonSet, live: PodRecord[], plan: Plan, now: number): void {
  const updated = live.filter((p) => isPodUpdated(p, ds));
  const outdated = live.filter((p) => !isPodUpdated(p, ds));
  const [oldPod, ...oldExtra] = outdated;
  const [newPod, ...newExtra] = updated;
  for (const pod of [...oldExtra, ...newExtra]) {
    plan.delete.push(planDelete(pod, 'Duplicate', `more than one pod of one revision for DaemonSet ${ds.key}`));
  }
  if (oldPod === undefined) return;
  if (newPod === undefined) {
    if (ds.placement.shouldRun) {
      plan.create.push({ daemonSet: ds.key, code: 'Surge', reason: `template changed (pod ${oldPod.name} runs ${oldPod.templateHash}, DaemonSet wants ${ds.templateHash}): maxSurge starts the new pod beside it` });
    }
    plan.keep.push(oldPod.name);
    return;
  }
  if (isPodAvailable(newPod, ds.minReadySeconds ?? 0, now)) {
    plan.keep.push(newPod.name);
    plan.delete.push(planDelete(oldPod, 'TemplateChanged', `the new pod ${newPod.name} is available: the old one is stopped (maxSurge)`));
    return;
  }
  plan.keep.push(oldPod.name, newPod.name);
  plan.waitingForAvailable.push(newPod.name);
  if (isPodReady(newPod)) {
    const at = readySince(newPod) + (ds.minReadySeconds ?? 0) * 1000 + 1;
    if (Number.isFinite(at)) plan.availableAt = Math.min(plan.availableAt ?? Number.POSITIVE_INFINITY, at);
  }
}

/** Groups pods by DaemonSet key, keeping input order. */
function groupPods(pods: readonly PodRecord[]): Map<string, PodRecord[]> {
  const groups = new Map<string, PodRecord[]>();
  for (const pod of pods) {
    const key = keyOfPod(pod);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [pod]);
    else group.push(pod);
  }
  return groups;
}

/** The plan for one reconcile pass. Pure: the same input always gives the same plan. */
export function computePlan(input: PlanInput): Plan {
  const plan: Plan = { create: [], delete: [], keep: [], terminating: [], waiting: [], waitingForAvailable: [] };
  const groups = groupPods(input.pods);
  const desired = new Map<string, DesiredDaemonSet>();
  for (const ds of input.daemonSets) if (!desired.has(ds.key)) desired.set(ds.key, ds);
  for (const pod of input.pods) if (pod.deletionTimestamp !== undefined) plan.terminating.push(pod.name);
  for (const ds of desired.values()) {
    const pods = groups.get(ds.key) ?? [];
    const live = sortOldestFirst(pods.filter((p) => p.deletionTimestamp === undefined));
    planDaemonSet(ds, live, pods.filter((p) => p.deletionTimestamp !== undefined), plan, input.now);
  }
  for (const [key, pods] of groups) {
    if (desired.has(key)) continue;
    for (const pod of pods) {
      if (pod.deletionTimestamp === undefined) plan.delete.push(planDelete(pod, 'DaemonSetDeleted', `DaemonSet ${key} no longer exists`));
    }
  }
  return plan;
}
