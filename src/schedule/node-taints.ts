// The taints scheduling sees on this host. Kubernetes' node lifecycle controller turns
// spec.unschedulable into the node.kubernetes.io/unschedulable:NoSchedule taint
// (TaintNodesByCondition); hostds does the same here, so callers pass a NodeView only.
import type { NodeView, Taint } from '../manifest/types.js';
import { TAINT_NODE_UNSCHEDULABLE } from './default-tolerations.js';

export const UNSCHEDULABLE_TAINT: Readonly<Taint> = Object.freeze({ key: TAINT_NODE_UNSCHEDULABLE, effect: 'NoSchedule' });

/** The node's own taints, plus the unschedulable taint while it is cordoned (never twice). */
export function nodeTaints(node: NodeView): Taint[] {
  const taints = node.taints.map((t) => ({ ...t }));
  const hasCordonTaint = taints.some((t) => t.key === TAINT_NODE_UNSCHEDULABLE && t.effect === 'NoSchedule');
  if (node.unschedulable && !hasCordonTaint) taints.push({ ...UNSCHEDULABLE_TAINT });
  return taints;
}

/** kubectl's spelling of a taint: `key=value:Effect`, or `key:Effect` without a value. */
export function formatTaint(taint: Taint): string {
  const value = taint.value ?? '';
  return value === '' ? `${taint.key}:${taint.effect}` : `${taint.key}=${value}:${taint.effect}`;
}
