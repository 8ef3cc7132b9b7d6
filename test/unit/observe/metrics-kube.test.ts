// kube-state-metrics' stores (internal/store/daemonset_test.go, pod_test.go, node_test.go) as
// hostds tables: Kubernetes objects in, the series a scrape would show out.
import { describe, expect, test } from 'vitest';
import {
  daemonSetFamilies, kubeStateFamilies, nodeFamilies, podFamilies,
  type KubeContainerStatus, type KubeDaemonSet, type KubeNode, type KubePod,
} from '../../../src/observe/metrics-kube.js';
import { prometheusLabels, type MetricFamily } from '../../../src/observe/metrics-family.js';
import { KSM_LABELS, labelNamesOf } from '../../helpers/ksm.js';

const ds = (over: Partial<KubeDaemonSet['status']> = {}, meta: Partial<KubeDaemonSet['metadata']> = {}): KubeDaemonSet => ({
  metadata: { name: 'node-exporter', namespace: 'monitoring', generation: 3, creationTimestamp: '2024-05-01T10:00:00Z', labels: { app: 'node-exporter' }, ...meta },
  status: {
    desiredNumberScheduled: 1, currentNumberScheduled: 1, numberReady: 1, numberAvailable: 1, numberUnavailable: 0,
    updatedNumberScheduled: 1, numberMisscheduled: 0, observedGeneration: 3, ...over,
  },
});

const running: KubeContainerStatus = { name: 'main', ready: true, restartCount: 0, state: { running: { startedAt: '2024-05-01T10:00:05Z' } }, lastState: {} };

const pod = (status: Partial<KubePod['status']> = {}, spec: Partial<KubePod['spec']> = {}): KubePod => ({
  metadata: {
    name: 'node-exporter-abcde', namespace: 'monitoring', uid: 'u1', labels: { app: 'node-exporter', 'controller-revision-hash': '5d8f' },
    creationTimestamp: '2024-05-01T10:00:00Z', ownerReferences: [{ kind: 'DaemonSet', name: 'node-exporter', controller: true }],
  },
  spec: { nodeName: 'h1', containers: [{ name: 'main', image: 'prom/node-exporter' }], ...spec },
  status: {
    phase: 'Running', hostIP: '10.0.0.5', podIP: '10.0.0.5', startTime: '2024-05-01T10:00:01Z',
    conditions: [{ type: 'Ready', status: 'True' }, { type: 'PodScheduled', status: 'True' }], containerStatuses: [running], ...status,
  },
});

const node = (over: Partial<KubeNode> = {}): KubeNode => ({
  metadata: { name: 'h1', labels: { 'kubernetes.io/hostname': 'h1', 'k8s.51reboot.com/disk': 'ssd' }, creationTimestamp: '2024-04-01T00:00:00Z' },
  spec: {},
  status: {
    conditions: [{ type: 'MemoryPressure', status: 'False' }, { type: 'DiskPressure', status: 'True' }, { type: 'Ready', status: 'True' }],
    addresses: [{ type: 'InternalIP', address: '10.0.0.5' }, { type: 'Hostname', address: 'h1' }],
    nodeInfo: { kernelVersion: '6.1.0', osImage: 'Debian GNU/Linux 12 (bookworm)', containerRuntimeVersion: 'hostds://0.1.0', kubeletVersion: 'v1.31.0-hostds' },
  },
  ...over,
});

/** `name{a="x",b="y"} value` lines, sorted labels, for one family: compact expectations. */
function lines(families: MetricFamily[], name: string): string[] {
  const f = families.find((x) => x.name === name);
  if (!f) throw new Error(`no family ${name}`);
  return f.samples.map((s) => `${name}{${Object.entries(s.labels).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}="${v}"`).join(',')}} ${s.value}`);
}

describe('every series has kube-state-metrics\' name and label names', () => {
  const families = kubeStateFamilies({ node: node({ spec: { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] } }), daemonSets: [ds()], pods: [pod({
    initContainerStatuses: [{ name: 'init', ready: false, restartCount: 1, state: { terminated: { exitCode: 0, reason: 'Completed' } }, lastState: { terminated: { exitCode: 1, reason: 'Error' } } }],
    containerStatuses: [{ ...running, lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } } }],
  }, { initContainers: [{ name: 'init', image: 'busybox' }] }), pod({ containerStatuses: [{ ...running, state: { waiting: { reason: 'CrashLoopBackOff' } } }] })] });
  test.each(families.filter((f) => f.samples.length > 0).map((f) => [f.name, f] as const))('%s', (name, f) => {
    const documented = KSM_LABELS[name];
    expect(documented, `${name} is not a kube-state-metrics series`).toBeDefined();
    for (const s of f.samples) expect(labelNamesOf(name, s.labels)).toEqual([...documented!].sort());
  });
  test('the series dashboards and alerts use are all there', () => {
    const names = new Set(families.filter((f) => f.samples.length > 0).map((f) => f.name));
    const used = ['kube_daemonset_status_desired_number_scheduled', 'kube_daemonset_status_number_ready', 'kube_daemonset_status_number_unavailable',
      'kube_daemonset_status_updated_number_scheduled', 'kube_daemonset_status_number_misscheduled', 'kube_pod_status_phase', 'kube_pod_status_ready',
      'kube_pod_container_status_restarts_total', 'kube_pod_container_status_waiting_reason', 'kube_pod_container_status_last_terminated_reason',
      'kube_node_status_condition', 'kube_node_spec_taint', 'kube_node_labels', 'kube_node_spec_unschedulable', 'kube_pod_info'];
    expect(used.filter((n) => !names.has(n))).toEqual([]);
  });
});

describe('DaemonSet series', () => {
  test.each([
    { name: 'status numbers as the status says', status: {}, metric: 'kube_daemonset_status_number_ready', want: 1 },
    { name: 'not ready', status: { numberReady: 0, numberAvailable: 0, numberUnavailable: 1 }, metric: 'kube_daemonset_status_number_unavailable', want: 1 },
    { name: 'not wanted here', status: { desiredNumberScheduled: 0, currentNumberScheduled: 0 }, metric: 'kube_daemonset_status_desired_number_scheduled', want: 0 },
    { name: 'misscheduled', status: { desiredNumberScheduled: 0, numberMisscheduled: 1 }, metric: 'kube_daemonset_status_number_misscheduled', want: 1 },
    { name: 'an update rolling', status: { updatedNumberScheduled: 0 }, metric: 'kube_daemonset_status_updated_number_scheduled', want: 0 },
    { name: 'observed generation', status: { observedGeneration: 3 }, metric: 'kube_daemonset_status_observed_generation', want: 3 },
    { name: 'metadata generation', status: {}, metric: 'kube_daemonset_metadata_generation', want: 3 },
    { name: 'created, in unix seconds', status: {}, metric: 'kube_daemonset_created', want: Date.parse('2024-05-01T10:00:00Z') / 1000 },
  ])('$name', ({ status, metric, want }) => {
    expect(lines(daemonSetFamilies([ds(status)]), metric)).toEqual([`${metric}{daemonset="node-exporter",namespace="monitoring"} ${want}`]);
  });
  test('labels become label_* labels', () => {
    expect(lines(daemonSetFamilies([ds({}, { labels: { 'app.kubernetes.io/name': 'ne' } })]), 'kube_daemonset_labels'))
      .toEqual(['kube_daemonset_labels{daemonset="node-exporter",label_app_kubernetes_io_name="ne",namespace="monitoring"} 1']);
  });
});

describe('pod series', () => {
  const base = { namespace: 'monitoring', pod: 'node-exporter-abcde', uid: 'u1' };
  const main = { ...base, container: 'main' };
  test.each([
    { name: 'Running: one series per phase, 1 for the current one', p: pod(), metric: 'kube_pod_status_phase',
      want: (['Pending', 'Succeeded', 'Failed', 'Unknown', 'Running'] as const).map((phase) => [{ ...base, phase }, phase === 'Running' ? 1 : 0] as const) },
    { name: 'Ready True: condition="true" is 1', p: pod(), metric: 'kube_pod_status_ready',
      want: [[{ ...base, condition: 'true' }, 1], [{ ...base, condition: 'false' }, 0], [{ ...base, condition: 'unknown' }, 0]] as const },
    { name: 'Ready False: condition="false" is 1', p: pod({ conditions: [{ type: 'Ready', status: 'False' }] }), metric: 'kube_pod_status_ready',
      want: [[{ ...base, condition: 'true' }, 0], [{ ...base, condition: 'false' }, 1], [{ ...base, condition: 'unknown' }, 0]] as const },
    { name: 'no Ready condition: no series', p: pod({ conditions: [] }), metric: 'kube_pod_status_ready', want: [] },
    { name: 'restarts are the restart count', p: pod({ containerStatuses: [{ ...running, restartCount: 4 }] }), metric: 'kube_pod_container_status_restarts_total',
      want: [[main, 4]] as const },
    { name: 'crash looping: the waiting reason', p: pod({ containerStatuses: [{ ...running, state: { waiting: { reason: 'CrashLoopBackOff' } } }] }),
      metric: 'kube_pod_container_status_waiting_reason', want: [[{ ...main, reason: 'CrashLoopBackOff' }, 1]] as const },
    { name: 'running: no waiting reason', p: pod(), metric: 'kube_pod_container_status_waiting_reason', want: [] },
    { name: 'last terminated reason', p: pod({ containerStatuses: [{ ...running, lastState: { terminated: { exitCode: 137, reason: 'Error' } } }] }),
      metric: 'kube_pod_container_status_last_terminated_reason', want: [[{ ...main, reason: 'Error' }, 1]] as const },
    { name: 'last terminated exit code', p: pod({ containerStatuses: [{ ...running, lastState: { terminated: { exitCode: 137, reason: 'Error' } } }] }),
      metric: 'kube_pod_container_status_last_terminated_exitcode', want: [[main, 137]] as const },
    { name: 'owner: the DaemonSet, as controller', p: pod(), metric: 'kube_pod_owner',
      want: [[{ ...base, owner_kind: 'DaemonSet', owner_name: 'node-exporter', owner_is_controller: 'true' }, 1]] as const },
    { name: 'no phase yet: no phase series', p: pod({ phase: '' }), metric: 'kube_pod_status_phase', want: [] },
  ])('$name', ({ p, metric, want }) => {
    expect(podFamilies([p]).find((f) => f.name === metric)?.samples).toEqual(want.map(([labels, value]) => ({ labels, value })));
  });
  test('kube_pod_info carries node, IPs and the creating DaemonSet', () => {
    expect(lines(podFamilies([pod({}, { hostNetwork: true })]), 'kube_pod_info')).toEqual([
      'kube_pod_info{created_by_kind="DaemonSet",created_by_name="node-exporter",host_ip="10.0.0.5",host_network="true",namespace="monitoring",node="h1",pod="node-exporter-abcde",pod_ip="10.0.0.5",priority_class="",uid="u1"} 1',
    ]);
  });
});

describe('node series', () => {
  test('one series per condition and status', () => {
    expect(lines(nodeFamilies(node()), 'kube_node_status_condition').filter((l) => l.includes('DiskPressure'))).toEqual([
      'kube_node_status_condition{condition="DiskPressure",node="h1",status="true"} 1',
      'kube_node_status_condition{condition="DiskPressure",node="h1",status="false"} 0',
      'kube_node_status_condition{condition="DiskPressure",node="h1",status="unknown"} 0',
    ]);
  });
  test.each([
    { name: 'cordoned', n: node({ spec: { unschedulable: true } }), metric: 'kube_node_spec_unschedulable', want: ['kube_node_spec_unschedulable{node="h1"} 1'] },
    { name: 'schedulable', n: node(), metric: 'kube_node_spec_unschedulable', want: ['kube_node_spec_unschedulable{node="h1"} 0'] },
    { name: 'taints, an empty value as ""', n: node({ spec: { taints: [{ key: 'node.kubernetes.io/disk-pressure', effect: 'NoSchedule' }, { key: 'dedicated', value: 'db', effect: 'NoExecute' }] } }),
      metric: 'kube_node_spec_taint', want: [
        'kube_node_spec_taint{effect="NoSchedule",key="node.kubernetes.io/disk-pressure",node="h1",value=""} 1',
        'kube_node_spec_taint{effect="NoExecute",key="dedicated",node="h1",value="db"} 1'] },
    { name: 'no taints: no series', n: node(), metric: 'kube_node_spec_taint', want: [] },
    { name: 'labels', n: node(), metric: 'kube_node_labels', want: ['kube_node_labels{label_k8s_51reboot_com_disk="ssd",label_kubernetes_io_hostname="h1",node="h1"} 1'] },
    { name: 'roles from node-role labels', n: node({ metadata: { name: 'h1', labels: { 'node-role.kubernetes.io/edge': '' } } }), metric: 'kube_node_role', want: ['kube_node_role{node="h1",role="edge"} 1'] },
  ])('$name', ({ n, metric, want }) => {
    expect(lines(nodeFamilies(n), metric)).toEqual(want);
  });
  test('kube_node_info from nodeInfo and the InternalIP', () => {
    expect(lines(nodeFamilies(node()), 'kube_node_info')).toEqual([
      'kube_node_info{container_runtime_version="hostds://0.1.0",internal_ip="10.0.0.5",kernel_version="6.1.0",kubelet_version="v1.31.0-hostds",kubeproxy_version="",node="h1",os_image="Debian GNU/Linux 12 (bookworm)",pod_cidr="",provider_id="",system_uuid=""} 1',
    ]);
  });
});

describe('Kubernetes labels as Prometheus labels (kube-state-metrics\' mapToPrometheusLabels)', () => {
  test.each([
    { name: 'dots, slashes and dashes become _', labels: { 'kubernetes.io/os': 'linux', 'feature-x': 'y' }, want: { label_feature_x: 'y', label_kubernetes_io_os: 'linux' } },
    { name: 'camelCase becomes snake_case', labels: { topologyZone: 'a' }, want: { label_topology_zone: 'a' } },
    { name: 'keys that collide all get _conflictN, in key order', labels: { 'a.b': '1', a_b: '2', 'a-b': '3' },
      want: { label_a_b_conflict1: '3', label_a_b_conflict2: '1', label_a_b_conflict3: '2' } },
    { name: 'no labels', labels: {}, want: {} },
  ])('$name', ({ labels, want }) => {
    expect(prometheusLabels('label', labels)).toEqual(want);
  });
});
