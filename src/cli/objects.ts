// Kubernetes-shaped objects for -o json|yaml and describe: what `kubectl get -o yaml` would show
// for this host's Node and DaemonSets, so existing tooling can read hostds output unchanged.
import type { DaemonSetView, HostView, NodeRecord } from './view.js';
import type { HostFacts } from '../host/facts.js';
import type { Taint } from '../manifest/types.js';
import { nodeTaints } from '../schedule/node-taints.js';
import { kubeletVersion, hostdsVersion } from '../version.js';
import type { PodRecord } from '../pods/types.js';
import { containerStatusObject, daemonSetCounts, podPhase } from '../pods/display.js';
import { effectiveTolerations } from '../schedule/default-tolerations.js';

/** Pods an agent has taken (a Pending pod synthesized without an agent has no uid and no node). */
export function scheduledPods(pods: readonly PodRecord[]): PodRecord[] {
  return pods.filter((p) => p.uid !== '');
}

export const MANIFEST_ANNOTATION = 'hostds.io/manifest';

/** RFC 3339 with second precision, as metav1.Time marshals. */
export function k8sTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export function daemonSetObject(d: DaemonSetView, now: number): Record<string, unknown> {
  const { ds } = d;
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: {
      ...ds.metadata,
      namespace: ds.metadata.namespace ?? 'default',
      annotations: { ...(ds.metadata.annotations ?? {}), [MANIFEST_ANNOTATION]: `${d.source.file}:${d.source.line}` },
      creationTimestamp: k8sTime(d.creationTimestampMs),
      ...(d.uid ? { uid: d.uid } : {}),
      generation: ds.metadata.generation ?? 1,
    },
    spec: ds.spec,
    status: {
      ...daemonSetCounts(scheduledPods(d.pods), d.placement, d.templateHash, now),
      observedGeneration: ds.metadata.generation ?? 1,
    },
  };
}

export interface NodeCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

/**
 * The measured conditions (the agent's, or measured once by this command), in kubectl's order;
 * Ready says whether an agent acts on them.
 */
export function nodeConditions(view: HostView): NodeCondition[] {
  const ready: NodeCondition = view.agent.running
    ? { type: 'Ready', status: 'True', reason: 'KubeletReady', message: `hostds agent is posting ready status (pid ${view.agent.pid})` }
    : { type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'hostds agent is not running: conditions measured once by this command, nothing acts on them' };
  const measured = (view.node.status?.conditions ?? []).map((c) => ({
    type: c.type, status: c.status, reason: c.reason, message: c.message, lastHeartbeatTime: c.lastHeartbeatTime, lastTransitionTime: c.lastTransitionTime,
  }));
  const own = measured.find((c) => c.type === 'Ready');
  const others = measured.filter((c) => c.type !== 'Ready');
  return [...others, own && view.agent.running ? { ...own, message: ready.message } : { ...ready, ...(own ? { lastHeartbeatTime: own.lastHeartbeatTime, lastTransitionTime: own.lastTransitionTime } : {}) }];
}

/** Taints as the API shows them: the user's, the host's own (conditions, registerWithTaints), and a cordon's. */
export function displayedTaints(node: NodeRecord): Taint[] {
  return nodeTaints(node.view);
}

export function nodeObject(view: HostView): Record<string, unknown> {
  const { node, facts } = view;
  const taints = displayedTaints(node);
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: node.view.name,
      labels: node.view.labels,
      ...(Object.keys(node.annotations).length > 0 ? { annotations: node.annotations } : {}),
      creationTimestamp: k8sTime(node.creationTimestampMs),
    },
    spec: {
      ...(taints.length > 0 ? { taints } : {}),
      ...(node.view.unschedulable ? { unschedulable: true } : {}),
    },
    status: {
      addresses: nodeAddresses(node.view.name, facts),
      conditions: nodeConditions(view),
      nodeInfo: nodeInfo(facts),
    },
  };
}

export function nodeAddresses(name: string, facts: HostFacts): { type: string; address: string }[] {
  const out = facts.internalIP ? [{ type: 'InternalIP', address: facts.internalIP }] : [];
  return [...out, { type: 'Hostname', address: name }];
}

export function nodeInfo(facts: HostFacts): Record<string, string> {
  return {
    architecture: facts.arch,
    containerRuntimeVersion: `hostds://${hostdsVersion()}`,
    kernelVersion: facts.kernelVersion,
    kubeletVersion: kubeletVersion(),
    operatingSystem: facts.os,
    osImage: facts.osImage,
  };
}

export function nodeStatusText(view: HostView): string {
  const ready = nodeConditions(view).find((c) => c.type === 'Ready');
  const base = ready?.status === 'True' ? 'Ready' : 'NotReady';
  return view.node.view.unschedulable ? `${base},SchedulingDisabled` : base;
}

export function nodeRoles(labels: Record<string, string>): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(labels)) {
    if (k.startsWith('node-role.kubernetes.io/')) roles.add(k.slice('node-role.kubernetes.io/'.length));
    else if (k === 'kubernetes.io/role' && v !== '') roles.add(v);
  }
  return roles.size === 0 ? '<none>' : [...roles].filter((r) => r !== '').sort().join(',') || '<none>';
}

/** A pod as `kubectl get pod -o yaml` shows it: owner, node, tolerations with defaults, container statuses. */
export function podObject(pod: PodRecord, nodeName: string, hostIP?: string): Record<string, unknown> {
  const scheduled = pod.uid !== '';
  const started = [...pod.initContainers, ...pod.containers].map((c) => c.startedAt).filter((x): x is string => x !== undefined).sort()[0];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: pod.name,
      namespace: pod.namespace,
      ...(pod.uid ? { uid: pod.uid } : {}),
      labels: pod.labels,
      ...(pod.annotations ? { annotations: pod.annotations } : {}),
      creationTimestamp: pod.creationTimestamp,
      ...(pod.deletionTimestamp ? { deletionTimestamp: pod.deletionTimestamp } : {}),
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: pod.daemonSet.name, controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      ...pod.spec,
      ...(scheduled ? { nodeName } : {}),
      tolerations: effectiveTolerations(pod.spec, pod.annotations ?? {}),
    },
    status: {
      phase: podPhase(pod),
      ...(scheduled && hostIP ? { hostIP, podIP: hostIP } : {}),
      ...(started ? { startTime: started } : {}),
      ...(pod.initContainers.length > 0 ? { initContainerStatuses: pod.initContainers.map((c) => containerStatusObject(c)) } : {}),
      containerStatuses: pod.containers.map((c) => containerStatusObject(c)),
    },
  };
}
