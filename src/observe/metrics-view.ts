// The agent's view as the metrics a scrape shows: kube-state-metrics' series from the same
// Kubernetes objects the API serves, and hostds's own gauges from the node's last measurement.
// No I/O: the endpoint builds the view, this turns it into samples.
import type { HostView } from '../cli/view.js';
import { daemonSetObject, nodeObject, podObject, scheduledPods } from '../cli/objects.js';
import { isPodReady } from '../pods/display.js';
import type { Measurement } from '../host/conditions.js';
import { family, type MetricFamily } from './metrics-family.js';
import { kubeStateFamilies, type KubeDaemonSet, type KubeNode, type KubePod, type KubeObjects } from './metrics-kube.js';

/** The Node, the DaemonSets and the pods this agent runs, as the API would return them. */
export function kubeObjectsOf(view: HostView, now: number): KubeObjects {
  const pods = scheduledPods(view.pods).map((p) => {
    const obj = podObject(p, view.node.view.name, view.facts.internalIP) as unknown as KubePod;
    // The Ready and PodScheduled conditions, as the kubelet sets them (podObject shows none).
    const conditions = obj.status.conditions ?? [
      { type: 'PodScheduled', status: 'True' },
      { type: 'Ready', status: isPodReady(p) ? 'True' : 'False' },
    ];
    return { ...obj, status: { ...obj.status, conditions } };
  });
  return {
    node: nodeObject(view) as unknown as KubeNode,
    daemonSets: view.daemonSets.map((d) => daemonSetObject(d, now) as unknown as KubeDaemonSet),
    pods,
  };
}

/** What the conditions are computed from (DESIGN §2), so an alert can fire before a taint does. */
export function measurementFamilies(m: Measurement | undefined): MetricFamily[] {
  const fs = m?.nodefs ?? [];
  const fsSeries = (pick: (f: (typeof fs)[number]) => number): { labels: Record<string, string>; value: number }[] =>
    fs.map((f) => ({ labels: { path: f.path, mountpoint: f.mountPoint }, value: pick(f) }));
  const one = (v: number | undefined): { labels: Record<string, string>; value: number }[] => (v === undefined ? [] : [{ labels: {}, value: v }]);
  return [
    family('hostds_node_memory_available_bytes', 'gauge', one(m?.memory?.availableBytes), 'memory.available as the MemoryPressure condition measures it'),
    family('hostds_node_memory_capacity_bytes', 'gauge', one(m?.memory?.capacityBytes), 'memory capacity (host or cgroup limit)'),
    family('hostds_nodefs_available_bytes', 'gauge', fsSeries((f) => f.availableBytes), 'nodefs.available per nodefs path, as DiskPressure measures it'),
    family('hostds_nodefs_capacity_bytes', 'gauge', fsSeries((f) => f.capacityBytes), 'nodefs size per nodefs path'),
    family('hostds_nodefs_inodes_free', 'gauge', fsSeries((f) => f.inodesFree), 'nodefs.inodesFree per nodefs path, as DiskPressure measures it'),
    family('hostds_nodefs_inodes', 'gauge', fsSeries((f) => f.inodesTotal), 'inodes per nodefs path'),
    family('hostds_node_pids_available', 'gauge', one(m?.pids?.available), 'pid.available as the PIDPressure condition measures it'),
    family('hostds_node_pids_max', 'gauge', one(m?.pids?.max), 'the pid limit (pid_max or the cgroup pids.max)'),
    family('hostds_node_measurement_timestamp_seconds', 'gauge', one(m === undefined ? undefined : Math.floor(m.atMs / 1000)), 'when the node conditions were last measured (unix seconds)'),
  ];
}

/** DaemonSets whose manifest is invalid now: held back at their last valid version, or never accepted. */
export function manifestFamilies(view: HostView): MetricFamily[] {
  const held = view.daemonSets.filter((d) => d.heldBack).map((d) => ({ namespace: d.ds.metadata.namespace ?? 'default', daemonset: d.ds.metadata.name }));
  const rejected = view.manifests.rejected.map((r) => ({ namespace: r.namespace, daemonset: r.name }));
  const seen = new Set<string>();
  const samples = [...held, ...rejected].filter((l) => !seen.has(`${l.namespace}/${l.daemonset}`) && seen.add(`${l.namespace}/${l.daemonset}`))
    .map((labels) => ({ labels, value: 1 }));
  return [family('hostds_daemonset_manifest_invalid', 'gauge', samples, '1 while a DaemonSet\'s manifest is invalid (the last valid version, if any, stays in effect)')];
}

export function viewFamilies(view: HostView, now: number): MetricFamily[] {
  return [...kubeStateFamilies(kubeObjectsOf(view, now)), ...measurementFamilies(view.node.status?.measurement), ...manifestFamilies(view)];
}
