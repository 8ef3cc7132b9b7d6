// Taints against tolerations, to the letter of k8s core/v1 Toleration.ToleratesTaint and the
// helpers the DaemonSet controller and the NoExecute taint manager build on it.
import type { Taint, Toleration } from '../manifest/types.js';

export type TaintFilter = (taint: Taint) => boolean;

/** The taints that keep a daemon from starting (the DaemonSet controller's fitsTaints filter). */
export const isNoScheduleOrNoExecute: TaintFilter = (t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute';

/** The taints that stop a running daemon (the filter for shouldContinueRunning). */
export const isNoExecute: TaintFilter = (t) => t.effect === 'NoExecute';

/**
 * Whether one toleration tolerates one taint. The rules, in the order k8s applies them:
 *
 *  1. A non-empty toleration effect must equal the taint's effect; an empty effect matches
 *     every effect.
 *  2. A non-empty toleration key must equal the taint's key; an empty key matches every key.
 *     (Validation only allows an empty key with Exists, which then matches every taint.)
 *  3. Operator Exists matches every taint value.
 *  4. Operator Equal, '' or absent compares the values, an absent value counting as ''.
 *  5. Any other operator tolerates nothing. The alpha Gt/Lt operators of k8s 1.35 sit behind
 *     the TaintTolerationComparisonOperators gate, off by default, so hostds treats them so.
 */
export function toleratesTaint(toleration: Toleration, taint: Taint): boolean {
  const effect = toleration.effect ?? '';
  if (effect !== '' && effect !== taint.effect) return false;
  const key = toleration.key ?? '';
  if (key !== '' && key !== taint.key) return false;
  switch (toleration.operator ?? '') {
    case '':
    case 'Equal':
      return (toleration.value ?? '') === (taint.value ?? '');
    case 'Exists':
      return true;
    default:
      return false;
  }
}

/** v1helper.TolerationsTolerateTaint: any one toleration is enough. */
export function tolerationsTolerateTaint(tolerations: readonly Toleration[], taint: Taint): boolean {
  return tolerations.some((t) => toleratesTaint(t, taint));
}

/**
 * v1helper.FindMatchingUntoleratedTaint: the first taint passing `filter` (all taints when no
 * filter is given) that no toleration tolerates, or undefined when all are tolerated.
 */
export function findUntoleratedTaint(
  taints: readonly Taint[],
  tolerations: readonly Toleration[],
  filter?: TaintFilter,
): Taint | undefined {
  return taints.find((t) => (filter === undefined || filter(t)) && !tolerationsTolerateTaint(tolerations, t));
}

/** Every untolerated taint, in node order, so `why` can name them all and not just the first. */
export function findUntoleratedTaints(
  taints: readonly Taint[],
  tolerations: readonly Toleration[],
  filter?: TaintFilter,
): Taint[] {
  return taints.filter((t) => (filter === undefined || filter(t)) && !tolerationsTolerateTaint(tolerations, t));
}

/**
 * The toleration the taint manager holds against a taint: the FIRST one in the list that
 * tolerates it (v1helper.GetMatchingTolerations), not the most generous one.
 */
export function findToleratingToleration(taint: Taint, tolerations: readonly Toleration[]): Toleration | undefined {
  return tolerations.find((t) => toleratesTaint(t, taint));
}

/**
 * How long a NoExecute taint is tolerated, in seconds, as the taint manager's
 * getMinTolerationTime computes it for this taint: null means forever (the matching toleration
 * has no tolerationSeconds), zero or negative seconds mean 0 (evict at once), and 0 too when no
 * toleration matches at all. Across several taints the manager takes the smallest finite value.
 */
export function minTolerationSeconds(taint: Taint, tolerations: readonly Toleration[]): number | null {
  const used = findToleratingToleration(taint, tolerations);
  if (used === undefined) return 0;
  const seconds = used.tolerationSeconds;
  if (seconds === undefined || seconds === null) return null;
  return seconds <= 0 ? 0 : seconds;
}
