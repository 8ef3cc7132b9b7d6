// Field names of the Kubernetes types a DaemonSet is made of (core/v1 and apps/v1 as of 1.31,
// plus a few later additions so newer manifests do not draw false warnings). A key not listed
// here is reported as `unknown-field`, like kubectl's strict field validation; keep these lists
// complete, because a missing name turns every real manifest that uses it into a warning.

const set = (...names: string[]): ReadonlySet<string> => new Set(names);

export const KNOWN = {
  daemonSet: set('apiVersion', 'kind', 'metadata', 'spec', 'status'),
  objectMeta: set(
    'name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation',
    'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations',
    'ownerReferences', 'finalizers', 'managedFields',
  ),
  daemonSetSpec: set('selector', 'template', 'updateStrategy', 'minReadySeconds', 'revisionHistoryLimit'),
  /** extensions/v1beta1 DaemonSetSpec also had templateGeneration. */
  daemonSetSpecV1beta1: set('selector', 'template', 'updateStrategy', 'minReadySeconds', 'revisionHistoryLimit', 'templateGeneration'),
  updateStrategy: set('type', 'rollingUpdate'),
  rollingUpdate: set('maxUnavailable', 'maxSurge'),
  labelSelector: set('matchLabels', 'matchExpressions'),
  selectorRequirement: set('key', 'operator', 'values'),
  podTemplate: set('metadata', 'spec'),
  podSpec: set(
    'volumes', 'initContainers', 'containers', 'ephemeralContainers', 'restartPolicy',
    'terminationGracePeriodSeconds', 'activeDeadlineSeconds', 'dnsPolicy', 'nodeSelector',
    'serviceAccountName', 'serviceAccount', 'automountServiceAccountToken', 'nodeName',
    'hostNetwork', 'hostPID', 'hostIPC', 'shareProcessNamespace', 'securityContext',
    'imagePullSecrets', 'hostname', 'subdomain', 'affinity', 'schedulerName', 'tolerations',
    'hostAliases', 'priorityClassName', 'priority', 'dnsConfig', 'readinessGates',
    'runtimeClassName', 'enableServiceLinks', 'preemptionPolicy', 'overhead',
    'topologySpreadConstraints', 'setHostnameAsFQDN', 'os', 'hostUsers', 'schedulingGates',
    'resourceClaims', 'resources',
  ),
  container: set(
    'name', 'image', 'command', 'args', 'workingDir', 'ports', 'envFrom', 'env', 'resources',
    'resizePolicy', 'restartPolicy', 'volumeMounts', 'volumeDevices', 'livenessProbe',
    'readinessProbe', 'startupProbe', 'lifecycle', 'terminationMessagePath',
    'terminationMessagePolicy', 'imagePullPolicy', 'securityContext', 'stdin', 'stdinOnce', 'tty',
  ),
  containerPort: set('name', 'hostPort', 'containerPort', 'protocol', 'hostIP'),
  envVar: set('name', 'value', 'valueFrom'),
  envVarSource: set('fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'),
  fieldRef: set('apiVersion', 'fieldPath'),
  resourceFieldRef: set('containerName', 'resource', 'divisor'),
  keyRef: set('name', 'key', 'optional'),
  envFrom: set('prefix', 'configMapRef', 'secretRef'),
  resources: set('limits', 'requests', 'claims'),
  volumeMount: set('name', 'readOnly', 'recursiveReadOnly', 'mountPath', 'subPath', 'mountPropagation', 'subPathExpr'),
  probe: set(
    'exec', 'httpGet', 'tcpSocket', 'grpc', 'initialDelaySeconds', 'timeoutSeconds', 'periodSeconds',
    'successThreshold', 'failureThreshold', 'terminationGracePeriodSeconds',
  ),
  lifecycle: set('postStart', 'preStop', 'stopSignal'),
  lifecycleHandler: set('exec', 'httpGet', 'tcpSocket', 'sleep'),
  execAction: set('command'),
  httpGetAction: set('path', 'port', 'host', 'scheme', 'httpHeaders'),
  httpHeader: set('name', 'value'),
  tcpSocketAction: set('port', 'host'),
  grpcAction: set('port', 'service'),
  sleepAction: set('seconds'),
  securityContext: set(
    'capabilities', 'privileged', 'seLinuxOptions', 'windowsOptions', 'runAsUser', 'runAsGroup',
    'runAsNonRoot', 'readOnlyRootFilesystem', 'allowPrivilegeEscalation', 'procMount',
    'seccompProfile', 'appArmorProfile',
  ),
  podSecurityContext: set(
    'seLinuxOptions', 'windowsOptions', 'runAsUser', 'runAsGroup', 'runAsNonRoot',
    'supplementalGroups', 'supplementalGroupsPolicy', 'fsGroup', 'sysctls', 'fsGroupChangePolicy',
    'seccompProfile', 'appArmorProfile', 'seLinuxChangePolicy',
  ),
  capabilities: set('add', 'drop'),
  toleration: set('key', 'operator', 'value', 'effect', 'tolerationSeconds'),
  affinity: set('nodeAffinity', 'podAffinity', 'podAntiAffinity'),
  nodeAffinity: set('requiredDuringSchedulingIgnoredDuringExecution', 'preferredDuringSchedulingIgnoredDuringExecution'),
  nodeSelector: set('nodeSelectorTerms'),
  nodeSelectorTerm: set('matchExpressions', 'matchFields'),
  preferredTerm: set('weight', 'preference'),
  volume: set(
    'name', 'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret',
    'nfs', 'iscsi', 'glusterfs', 'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs',
    'flocker', 'downwardAPI', 'fc', 'azureFile', 'configMap', 'vsphereVolume', 'quobyte', 'azureDisk',
    'photonPersistentDisk', 'projected', 'portworxVolume', 'scaleIO', 'storageos', 'csi', 'ephemeral',
    'image',
  ),
  hostPath: set('path', 'type'),
  configMapVolume: set('name', 'items', 'defaultMode', 'optional'),
  secretVolume: set('secretName', 'items', 'defaultMode', 'optional'),
  emptyDirVolume: set('medium', 'sizeLimit'),
} as const;

/** Every key of `KNOWN.volume` except `name` is a volume source. */
export const VOLUME_SOURCES: readonly string[] = [...KNOWN.volume].filter((k) => k !== 'name');

/**
 * Pod and container fields that only a Kubernetes cluster or a container runtime acts on. hostds
 * accepts them (the YAML must stay `kubectl apply`-able) and says once per DaemonSet that they
 * are ignored.
 */
export const CLUSTER_ONLY_POD_FIELDS: ReadonlySet<string> = set(
  'dnsPolicy', 'dnsConfig', 'priorityClassName', 'priority', 'preemptionPolicy', 'serviceAccountName',
  'serviceAccount', 'automountServiceAccountToken', 'imagePullSecrets', 'schedulerName',
  'runtimeClassName', 'enableServiceLinks', 'readinessGates', 'topologySpreadConstraints',
  'schedulingGates', 'resourceClaims', 'overhead', 'hostname', 'subdomain', 'setHostnameAsFQDN',
  'hostAliases', 'shareProcessNamespace', 'os', 'hostUsers', 'resources',
);

export const CLUSTER_ONLY_CONTAINER_FIELDS: ReadonlySet<string> = set(
  'imagePullPolicy', 'terminationMessagePath', 'terminationMessagePolicy', 'stdin', 'stdinOnce', 'tty',
  'resizePolicy', 'volumeDevices',
);

/** securityContext fields hostds applies to the process; the rest are listed in a warning. */
export const HONOURED_SECURITY_FIELDS: ReadonlySet<string> = set('runAsUser', 'runAsGroup', 'runAsNonRoot', 'supplementalGroups');
