// kube-state-metrics' series for this host's DaemonSets, pods and Node, computed from the same
// Kubernetes-shaped objects the API serves (internal/store/daemonset.go, pod.go, node.go), so
// dashboards and alerts written for kube-state-metrics work unchanged. Pure: objects in, samples out.
import type { MetricFamily, Sample } from './metrics-family.js';
import { family, prometheusLabels, unixSeconds } from './metrics-family.js';

/** The fields of a Kubernetes object's metadata that kube-state-metrics reads. */
export interface KubeMeta {
  name: string;
  namespace?: string;
  uid?: string;
  labels?: Record<string, string>;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  ownerReferences?: { kind: string; name: string; controller?: boolean }[];
}

export interface KubeDaemonSet {
  metadata: KubeMeta;
  status: {
    desiredNumberScheduled: number; currentNumberScheduled: number; numberReady: number; numberAvailable: number;
    numberUnavailable: number; updatedNumberScheduled: number; numberMisscheduled: number; observedGeneration: number;
  };
}

export interface KubeTerminated { exitCode: number; reason?: string }

export interface KubeContainerStatus {
  name: string;
  ready: boolean;
  restartCount: number;
  state: { running?: { startedAt?: string }; waiting?: { reason?: string }; terminated?: KubeTerminated };
  lastState: { terminated?: KubeTerminated };
}

export interface KubePod {
  metadata: KubeMeta;
  spec: {
    nodeName?: string; hostNetwork?: boolean; priorityClassName?: string; restartPolicy?: string;
    containers: { name: string; image?: string }[]; initContainers?: { name: string; image?: string; restartPolicy?: string }[];
  };
  status: {
    phase: string; hostIP?: string; podIP?: string; startTime?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: KubeContainerStatus[]; initContainerStatuses?: KubeContainerStatus[];
  };
}

export interface KubeNode {
  metadata: KubeMeta;
  spec: { unschedulable?: boolean; taints?: { key: string; value?: string; effect: string }[] };
  status: {
    conditions: { type: string; status: string }[];
    addresses?: { type: string; address: string }[];
    nodeInfo?: Record<string, string>;
  };
}

export interface KubeObjects {
  node: KubeNode;
  daemonSets: readonly KubeDaemonSet[];
  pods: readonly KubePod[];
}

const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;
const POD_PHASES = ['Pending', 'Succeeded', 'Failed', 'Unknown', 'Running'] as const;

/** One series per possible status, 1 for the current one (addConditionMetrics). */
function conditionSeries(base: Record<string, string>, label: string, status: string | undefined): Sample[] {
  return CONDITION_STATUSES.map((s) => ({ labels: { ...base, [label]: s.toLowerCase() }, value: status === s ? 1 : 0 }));
}

const bool = (b: boolean | undefined): number => (b ? 1 : 0);

export function daemonSetFamilies(list: readonly KubeDaemonSet[]): MetricFamily[] {
  const id = (d: KubeDaemonSet): Record<string, string> => ({ namespace: d.metadata.namespace ?? 'default', daemonset: d.metadata.name });
  const status = (name: string, pick: (s: KubeDaemonSet['status']) => number): MetricFamily =>
    family(`kube_daemonset_${name}`, 'gauge', list.map((d) => ({ labels: id(d), value: pick(d.status) })));
  return [
    family('kube_daemonset_created', 'gauge', list.flatMap((d) => timestamp(id(d), d.metadata.creationTimestamp))),
    status('status_current_number_scheduled', (s) => s.currentNumberScheduled),
    status('status_desired_number_scheduled', (s) => s.desiredNumberScheduled),
    status('status_number_available', (s) => s.numberAvailable),
    status('status_number_misscheduled', (s) => s.numberMisscheduled),
    status('status_number_ready', (s) => s.numberReady),
    status('status_number_unavailable', (s) => s.numberUnavailable),
    status('status_observed_generation', (s) => s.observedGeneration),
    status('status_updated_number_scheduled', (s) => s.updatedNumberScheduled),
    family('kube_daemonset_metadata_generation', 'gauge', list.map((d) => ({ labels: id(d), value: d.metadata.generation ?? 1 }))),
    family('kube_daemonset_labels', 'gauge', list.map((d) => ({ labels: { ...id(d), ...prometheusLabels('label', d.metadata.labels ?? {}) }, value: 1 }))),
  ];
}

function timestamp(labels: Record<string, string>, iso: string | undefined): Sample[] {
  const s = unixSeconds(iso);
  return s === undefined ? [] : [{ labels, value: s }];
}

export function podFamilies(pods: readonly KubePod[]): MetricFamily[] {
  const id = (p: KubePod): Record<string, string> => ({ namespace: p.metadata.namespace ?? 'default', pod: p.metadata.name, uid: p.metadata.uid ?? '' });
  const each = (f: (p: KubePod, base: Record<string, string>) => Sample[]): Sample[] => pods.flatMap((p) => f(p, id(p)));
  return [
    family('kube_pod_info', 'gauge', each((p, base) => [{ labels: { ...base, ...podInfoLabels(p) }, value: 1 }])),
    family('kube_pod_owner', 'gauge', each((p, base) => ownerSeries(p, base))),
    family('kube_pod_labels', 'gauge', each((p, base) => [{ labels: { ...base, ...prometheusLabels('label', p.metadata.labels ?? {}) }, value: 1 }])),
    family('kube_pod_created', 'gauge', each((p, base) => timestamp(base, p.metadata.creationTimestamp))),
    family('kube_pod_deletion_timestamp', 'gauge', each((p, base) => timestamp(base, p.metadata.deletionTimestamp))),
    family('kube_pod_start_time', 'gauge', each((p, base) => timestamp(base, p.status.startTime))),
    family('kube_pod_restart_policy', 'gauge', each((p, base) => [{ labels: { ...base, type: p.spec.restartPolicy ?? 'Always' }, value: 1 }])),
    // A pod with no phase yet has no series (the store skips it).
    family('kube_pod_status_phase', 'gauge', each((p, base) => p.status.phase === '' ? [] :
      POD_PHASES.map((phase) => ({ labels: { ...base, phase }, value: bool(p.status.phase === phase) })))),
    family('kube_pod_status_ready', 'gauge', each((p, base) => podCondition(p, base, 'Ready'))),
    family('kube_pod_status_scheduled', 'gauge', each((p, base) => podCondition(p, base, 'PodScheduled'))),
    ...containerFamilies('kube_pod_container', pods, id, (p) => p.spec.containers, (p) => p.status.containerStatuses ?? []),
    ...containerFamilies('kube_pod_init_container', pods, id, (p) => p.spec.initContainers ?? [], (p) => p.status.initContainerStatuses ?? []),
  ];
}

function podInfoLabels(p: KubePod): Record<string, string> {
  const owner = p.metadata.ownerReferences?.find((o) => o.controller) ?? p.metadata.ownerReferences?.[0];
  return {
    host_ip: p.status.hostIP ?? '', pod_ip: p.status.podIP ?? '', node: p.spec.nodeName ?? '',
    created_by_kind: owner?.kind ?? '<none>', created_by_name: owner?.name ?? '<none>',
    priority_class: p.spec.priorityClassName ?? '', host_network: String(p.spec.hostNetwork === true),
  };
}

function ownerSeries(p: KubePod, base: Record<string, string>): Sample[] {
  const owners = p.metadata.ownerReferences ?? [];
  if (owners.length === 0) return [{ labels: { ...base, owner_kind: '<none>', owner_name: '<none>', owner_is_controller: '<none>' }, value: 1 }];
  return owners.map((o) => ({ labels: { ...base, owner_kind: o.kind, owner_name: o.name, owner_is_controller: String(o.controller === true) }, value: 1 }));
}

/** Only pods that have the condition get its series. */
function podCondition(p: KubePod, base: Record<string, string>, type: string): Sample[] {
  const c = p.status.conditions?.find((x) => x.type === type);
  return c ? conditionSeries(base, 'condition', c.status) : [];
}

/** The per-container families, for containers (`kube_pod_container`) and init containers alike. */
function containerFamilies(
  prefix: string, pods: readonly KubePod[], id: (p: KubePod) => Record<string, string>,
  specs: (p: KubePod) => { name: string; image?: string; restartPolicy?: string }[], statuses: (p: KubePod) => KubeContainerStatus[],
): MetricFamily[] {
  const init = prefix === 'kube_pod_init_container';
  const each = (f: (s: KubeContainerStatus, base: Record<string, string>, p: KubePod) => Sample[]): Sample[] =>
    pods.flatMap((p) => statuses(p).flatMap((s) => f(s, { ...id(p), container: s.name }, p)));
  const reason = (base: Record<string, string>, r: string | undefined, present: boolean): Sample[] =>
    present && r ? [{ labels: { ...base, reason: r }, value: 1 }] : [];
  return [
    family(`${prefix}_info`, 'gauge', each((s, base, p) => {
      const spec = specs(p).find((c) => c.name === s.name);
      const image = spec?.image ?? '';
      // Init containers also say whether they are sidecars (restartPolicy Always).
      const policy: Record<string, string> = init ? { restart_policy: spec?.restartPolicy ?? '' } : {};
      return [{ labels: { ...base, image_spec: image, image, image_id: '', container_id: '', ...policy }, value: 1 }];
    })),
    family(`${prefix}_status_ready`, 'gauge', each((s, base) => [{ labels: base, value: bool(s.ready) }])),
    family(`${prefix}_status_restarts_total`, 'counter', each((s, base) => [{ labels: base, value: s.restartCount }])),
    family(`${prefix}_status_running`, 'gauge', each((s, base) => [{ labels: base, value: bool(s.state.running !== undefined) }])),
    family(`${prefix}_status_waiting`, 'gauge', each((s, base) => [{ labels: base, value: bool(s.state.waiting !== undefined) }])),
    family(`${prefix}_status_terminated`, 'gauge', each((s, base) => [{ labels: base, value: bool(s.state.terminated !== undefined) }])),
    family(`${prefix}_status_waiting_reason`, 'gauge', each((s, base) => reason(base, s.state.waiting?.reason, s.state.waiting !== undefined))),
    family(`${prefix}_status_terminated_reason`, 'gauge', each((s, base) => reason(base, s.state.terminated?.reason, s.state.terminated !== undefined))),
    family(`${prefix}_status_last_terminated_reason`, 'gauge', each((s, base) => reason(base, s.lastState.terminated?.reason, s.lastState.terminated !== undefined))),
    // Only containers have these two in kube-state-metrics.
    ...(init ? [] : [
      family(`${prefix}_status_last_terminated_exitcode`, 'gauge', each((s, base) => s.lastState.terminated ? [{ labels: base, value: s.lastState.terminated.exitCode }] : [])),
      family(`${prefix}_state_started`, 'gauge', each((s, base) => timestamp(base, s.state.running?.startedAt))),
    ]),
  ];
}

export function nodeFamilies(n: KubeNode): MetricFamily[] {
  const node = n.metadata.name;
  const info = n.status.nodeInfo ?? {};
  const internalIP = n.status.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '';
  return [
    family('kube_node_info', 'gauge', [{ labels: {
      node, kernel_version: info['kernelVersion'] ?? '', os_image: info['osImage'] ?? '', container_runtime_version: info['containerRuntimeVersion'] ?? '',
      kubelet_version: info['kubeletVersion'] ?? '', kubeproxy_version: '', provider_id: '', pod_cidr: '', system_uuid: info['systemUUID'] ?? '', internal_ip: internalIP,
    }, value: 1 }]),
    family('kube_node_created', 'gauge', timestamp({ node }, n.metadata.creationTimestamp)),
    family('kube_node_labels', 'gauge', [{ labels: { node, ...prometheusLabels('label', n.metadata.labels ?? {}) }, value: 1 }]),
    family('kube_node_role', 'gauge', nodeRoles(n.metadata.labels ?? {}).map((role) => ({ labels: { node, role }, value: 1 }))),
    family('kube_node_spec_unschedulable', 'gauge', [{ labels: { node }, value: bool(n.spec.unschedulable) }]),
    family('kube_node_spec_taint', 'gauge', (n.spec.taints ?? []).map((t) => ({ labels: { node, key: t.key, value: t.value ?? '', effect: t.effect }, value: 1 }))),
    family('kube_node_status_condition', 'gauge', n.status.conditions.flatMap((c) => conditionSeries({ node, condition: c.type }, 'status', c.status))),
    family('kube_node_status_addresses', 'gauge', (n.status.addresses ?? []).map((a) => ({ labels: { node, type: a.type, address: a.address }, value: 1 }))),
  ];
}

/** node-role.kubernetes.io/<role> labels, as the node store reads them. */
function nodeRoles(labels: Record<string, string>): string[] {
  const prefix = 'node-role.kubernetes.io/';
  return Object.keys(labels).filter((k) => k.startsWith(prefix) && k.length > prefix.length).map((k) => k.slice(prefix.length)).sort();
}

export function kubeStateFamilies(objects: KubeObjects): MetricFamily[] {
  return [...daemonSetFamilies(objects.daemonSets), ...podFamilies(objects.pods), ...nodeFamilies(objects.node)];
}
