// The subset of Kubernetes object shapes hostds reads. Field names are Kubernetes' own so the
// same YAML can be `kubectl apply`'d to a real cluster unchanged.

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
export const TAINT_EFFECTS: readonly TaintEffect[] = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

export interface Taint {
  key: string;
  value?: string;
  effect: TaintEffect;
  /** RFC 3339; set for NoExecute taints so tolerationSeconds can be counted from it. */
  timeAdded?: string;
}

export interface Toleration {
  key?: string;
  /** '' and undefined mean Equal. */
  operator?: 'Exists' | 'Equal' | '';
  value?: string;
  /** '' and undefined match every effect. */
  effect?: TaintEffect | '';
  tolerationSeconds?: number;
}

export type NodeSelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';

export interface NodeSelectorRequirement {
  key: string;
  operator: NodeSelectorOperator;
  values?: string[];
}

export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

export interface NodeSelector {
  nodeSelectorTerms: NodeSelectorTerm[];
}

export type LabelSelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface LabelSelectorRequirement {
  key: string;
  operator: LabelSelectorOperator;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
  generation?: number;
  uid?: string;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    fieldRef?: { fieldPath: string; apiVersion?: string };
    configMapKeyRef?: unknown;
    secretKeyRef?: unknown;
    resourceFieldRef?: unknown;
  };
}

export interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  workingDir?: string;
  env?: EnvVar[];
  [field: string]: unknown;
}

export interface PodSpec {
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: NodeSelector } };
  tolerations?: Toleration[];
  containers: Container[];
  initContainers?: Container[];
  hostNetwork?: boolean;
  restartPolicy?: string;
  terminationGracePeriodSeconds?: number;
  /** system-node-critical and system-cluster-critical are admitted under disk or PID pressure. */
  priorityClassName?: string;
  [field: string]: unknown;
}

export interface PodTemplateSpec {
  metadata?: Omit<ObjectMeta, 'name'> & { name?: string };
  spec: PodSpec;
}

export interface RollingUpdate {
  maxUnavailable?: number | string;
  maxSurge?: number | string;
}

export interface DaemonSetSpec {
  selector: LabelSelector;
  template: PodTemplateSpec;
  updateStrategy?: { type?: 'RollingUpdate' | 'OnDelete'; rollingUpdate?: RollingUpdate };
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
}

export interface DaemonSet {
  apiVersion: string;
  kind: 'DaemonSet';
  metadata: ObjectMeta;
  spec: DaemonSetSpec;
}

/** A node condition as scheduling and explanations read it (host/conditions.ts has the full shape). */
export interface NodeConditionSummary {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

/** This host as a Kubernetes Node: only what scheduling and display need. */
export interface NodeView {
  name: string;
  labels: Record<string, string>;
  /** The user's taints (node.yaml). */
  taints: Taint[];
  unschedulable: boolean;
  /** Taints the host sets itself: one per active condition, and config's registerWithTaints. */
  derivedTaints?: Taint[];
  /** MemoryPressure, DiskPressure, ...: admission and the explanations of `why` read them. */
  conditions?: NodeConditionSummary[];
}
