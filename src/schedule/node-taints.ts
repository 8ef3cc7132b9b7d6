// The taints scheduling sees on this host. Kubernetes' node lifecycle controller turns
// spec.unschedulable into the node.kubernetes.io/unschedulable:NoSchedule taint
// (TaintNodesByCondition); hostds does the same here, so callers pass a NodeView only.
import type { NodeView, Taint } from '../manifest/types.js';
import { TAINT_NODE_UNSCHEDULABLE } from './default-tolerations.js';

export const UNSCHEDULABLE_TAINT: Readonly<Taint> = Object.freeze({ key: TAINT_NODE_UNSCHEDULABLE, effect: 'NoSchedule' });

/**
 * The user's taints, then the host's own (conditions, registerWithTaints), plus the unschedulable
 * taint while cordoned; a key and effect the user already set is not added twice.
 */
export function nodeTaints(node: NodeView): Taint[] {
  const taints = node.taints.map((t) => ({ ...t }));
  const has = (key: string, effect: string): boolean => taints.some((t) => t.key === key && t.effect === effect);
  for (const t of node.derivedTaints ?? []) if (!has(t.key, t.effect)) taints.push({ ...t });
  if (node.unschedulable && !has(TAINT_NODE_UNSCHEDULABLE, 'NoSchedule')) taints.push({ ...UNSCHEDULABLE_TAINT });
  return taints;
}

/** kubectl's spelling of a taint: `key=value:Effect`, or `key:Effect` without a value. */
export function formatTaint(taint: Taint): string {
  const value = taint.value ?? '';
  return value === '' ? `${taint.key}:${taint.effect}` : `${taint.key}=${value}:${taint.effect}`;
}
