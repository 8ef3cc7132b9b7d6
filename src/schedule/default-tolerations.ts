// The tolerations the DaemonSet controller adds to every daemon pod
// (pkg/controller/daemon/util AddOrUpdateDaemonPodTolerations), so that node problems and a
// cordon never stop or block a DaemonSet. hostds lets a manifest opt out with an annotation.
import type { PodSpec, Toleration } from '../manifest/types.js';

/** Set to "none" on the DaemonSet to run with exactly the tolerations the manifest lists. */
export const DEFAULT_TOLERATIONS_ANNOTATION = 'hostds.io/default-tolerations';

export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_NODE_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_NODE_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_NODE_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_NODE_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';

interface DefaultTolerationRow {
  key: string;
  effect: 'NoSchedule' | 'NoExecute';
  /** Only pods on the host network tolerate a missing pod network. */
  hostNetworkOnly: boolean;
}

/** In the controller's order; the order decides where appended tolerations land. */
const DEFAULT_TOLERATION_TABLE: readonly DefaultTolerationRow[] = [
  { key: TAINT_NODE_NOT_READY, effect: 'NoExecute', hostNetworkOnly: false },
  { key: TAINT_NODE_UNREACHABLE, effect: 'NoExecute', hostNetworkOnly: false },
  { key: TAINT_NODE_DISK_PRESSURE, effect: 'NoSchedule', hostNetworkOnly: false },
  { key: TAINT_NODE_MEMORY_PRESSURE, effect: 'NoSchedule', hostNetworkOnly: false },
  { key: TAINT_NODE_PID_PRESSURE, effect: 'NoSchedule', hostNetworkOnly: false },
  { key: TAINT_NODE_UNSCHEDULABLE, effect: 'NoSchedule', hostNetworkOnly: false },
  { key: TAINT_NODE_NETWORK_UNAVAILABLE, effect: 'NoSchedule', hostNetworkOnly: true },
];

/** The default tolerations for a pod, without tolerationSeconds: they last forever. */
export function listDefaultTolerations(hostNetwork: boolean): Toleration[] {
  return DEFAULT_TOLERATION_TABLE
    .filter((row) => hostNetwork || !row.hostNetworkOnly)
    .map((row) => ({ key: row.key, operator: 'Exists', effect: row.effect }));
}

/**
 * core/v1 Toleration.MatchToleration: tolerations are the same entry when key, operator, value
 * and effect are equal; tolerationSeconds does not count. Go has no "absent", so absent is ''.
 */
export function matchesToleration(a: Toleration, b: Toleration): boolean {
  return (a.key ?? '') === (b.key ?? '') &&
    (a.effect ?? '') === (b.effect ?? '') &&
    (a.operator ?? '') === (b.operator ?? '') &&
    (a.value ?? '') === (b.value ?? '');
}

function isSameToleration(a: Toleration, b: Toleration): boolean {
  return matchesToleration(a, b) && a.tolerationSeconds === b.tolerationSeconds;
}

/**
 * v1helper.AddOrUpdateTolerationInPodSpec, without mutation: every entry matching `toleration`
 * is replaced by it in place, else it is appended. When an entry already equals it exactly, the
 * list is returned unchanged, even if an earlier entry only matched (k8s returns early there).
 */
export function addOrUpdateToleration(tolerations: readonly Toleration[], toleration: Toleration): Toleration[] {
  const next: Toleration[] = [];
  let updated = false;
  for (const existing of tolerations) {
    if (!matchesToleration(toleration, existing)) {
      next.push(existing);
      continue;
    }
    if (isSameToleration(toleration, existing)) return [...tolerations];
    next.push({ ...toleration });
    updated = true;
  }
  if (!updated) next.push({ ...toleration });
  return next;
}

/** util.AddOrUpdateDaemonPodTolerations on a list. */
export function addDefaultTolerations(tolerations: readonly Toleration[], hostNetwork: boolean): Toleration[] {
  return listDefaultTolerations(hostNetwork).reduce<Toleration[]>(
    (acc, t) => addOrUpdateToleration(acc, t),
    [...tolerations],
  );
}

export function hasDefaultTolerationsDisabled(annotations: Readonly<Record<string, string>> | undefined): boolean {
  return annotations?.[DEFAULT_TOLERATIONS_ANNOTATION] === 'none';
}

/**
 * The tolerations a daemon pod really has: the template's plus the DaemonSet defaults, or the
 * template's alone when the DaemonSet carries `hostds.io/default-tolerations: "none"`.
 */
export function effectiveTolerations(
  podSpec: Pick<PodSpec, 'tolerations' | 'hostNetwork'>,
  annotations: Readonly<Record<string, string>> | undefined,
): Toleration[] {
  const own = (podSpec.tolerations ?? []).map((t) => ({ ...t }));
  if (hasDefaultTolerationsDisabled(annotations)) return own;
  return addDefaultTolerations(own, podSpec.hostNetwork === true);
}
