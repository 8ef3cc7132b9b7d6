// kube-state-metrics' documented series and their label names (docs/metrics/workload/
// daemonset-metrics.md, pod-metrics.md, docs/metrics/cluster/node-metrics.md): what hostds's
// metrics are checked against. `label_*` families have these labels plus the converted labels.

export const KSM_LABELS: Record<string, string[]> = {
  kube_daemonset_created: ['daemonset', 'namespace'],
  kube_daemonset_status_current_number_scheduled: ['daemonset', 'namespace'],
  kube_daemonset_status_desired_number_scheduled: ['daemonset', 'namespace'],
  kube_daemonset_status_number_available: ['daemonset', 'namespace'],
  kube_daemonset_status_number_misscheduled: ['daemonset', 'namespace'],
  kube_daemonset_status_number_ready: ['daemonset', 'namespace'],
  kube_daemonset_status_number_unavailable: ['daemonset', 'namespace'],
  kube_daemonset_status_observed_generation: ['daemonset', 'namespace'],
  kube_daemonset_status_updated_number_scheduled: ['daemonset', 'namespace'],
  kube_daemonset_metadata_generation: ['daemonset', 'namespace'],
  kube_daemonset_labels: ['daemonset', 'namespace'],
  kube_pod_info: ['pod', 'namespace', 'host_ip', 'pod_ip', 'node', 'created_by_kind', 'created_by_name', 'uid', 'priority_class', 'host_network'],
  kube_pod_start_time: ['pod', 'namespace', 'uid'],
  kube_pod_owner: ['pod', 'namespace', 'owner_kind', 'owner_name', 'owner_is_controller', 'uid'],
  kube_pod_labels: ['pod', 'namespace', 'uid'],
  kube_pod_status_phase: ['pod', 'namespace', 'phase', 'uid'],
  kube_pod_status_ready: ['pod', 'namespace', 'condition', 'uid'],
  kube_pod_status_scheduled: ['pod', 'namespace', 'condition', 'uid'],
  kube_pod_created: ['pod', 'namespace', 'uid'],
  kube_pod_deletion_timestamp: ['pod', 'namespace', 'uid'],
  kube_pod_restart_policy: ['pod', 'namespace', 'type', 'uid'],
  kube_pod_container_info: ['container', 'pod', 'namespace', 'image', 'image_id', 'image_spec', 'container_id', 'uid'],
  kube_pod_container_status_waiting: ['container', 'pod', 'namespace', 'uid'],
  kube_pod_container_status_waiting_reason: ['container', 'pod', 'namespace', 'reason', 'uid'],
  kube_pod_container_status_running: ['container', 'pod', 'namespace', 'uid'],
  kube_pod_container_state_started: ['container', 'pod', 'namespace', 'uid'],
  kube_pod_container_status_terminated: ['container', 'pod', 'namespace', 'uid'],
  kube_pod_container_status_terminated_reason: ['container', 'pod', 'namespace', 'reason', 'uid'],
  kube_pod_container_status_last_terminated_reason: ['container', 'pod', 'namespace', 'reason', 'uid'],
  kube_pod_container_status_last_terminated_exitcode: ['container', 'pod', 'namespace', 'uid'],
  kube_pod_container_status_ready: ['container', 'pod', 'namespace', 'uid'],
  kube_pod_container_status_restarts_total: ['container', 'namespace', 'pod', 'uid'],
  kube_pod_init_container_info: ['container', 'pod', 'namespace', 'image', 'image_id', 'image_spec', 'container_id', 'uid', 'restart_policy'],
  kube_pod_init_container_status_waiting: ['container', 'pod', 'namespace', 'uid'],
  kube_pod_init_container_status_waiting_reason: ['container', 'pod', 'namespace', 'reason', 'uid'],
  kube_pod_init_container_status_running: ['container', 'pod', 'namespace', 'uid'],
  kube_pod_init_container_status_terminated: ['container', 'pod', 'namespace', 'uid'],
  kube_pod_init_container_status_terminated_reason: ['container', 'pod', 'namespace', 'reason', 'uid'],
  kube_pod_init_container_status_last_terminated_reason: ['container', 'pod', 'namespace', 'reason', 'uid'],
  kube_pod_init_container_status_ready: ['container', 'pod', 'namespace', 'uid'],
  kube_pod_init_container_status_restarts_total: ['container', 'namespace', 'pod', 'uid'],
  kube_node_info: ['node', 'kernel_version', 'os_image', 'container_runtime_version', 'kubelet_version', 'kubeproxy_version', 'pod_cidr', 'provider_id', 'system_uuid', 'internal_ip'],
  kube_node_labels: ['node'],
  kube_node_role: ['node', 'role'],
  kube_node_spec_unschedulable: ['node'],
  kube_node_spec_taint: ['node', 'key', 'value', 'effect'],
  kube_node_status_addresses: ['node', 'type', 'address'],
  kube_node_status_condition: ['node', 'condition', 'status'],
  kube_node_created: ['node'],
};

/** Families whose extra labels are converted Kubernetes labels (`label_<sanitized key>`). */
export const KSM_LABEL_FAMILIES = new Set(['kube_daemonset_labels', 'kube_pod_labels', 'kube_node_labels']);

/** The label names of a sample, without the converted `label_*` ones of the label families. */
export function labelNamesOf(name: string, labels: Record<string, string>): string[] {
  return Object.keys(labels).filter((k) => !(KSM_LABEL_FAMILIES.has(name) && k.startsWith('label_'))).sort();
}
