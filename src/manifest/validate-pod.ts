// spec.template.spec: core validation's ValidatePodSpec as a DaemonSet template sees it, plus
// what a host process cannot honour (reported as warnings, never dropped silently).
import { isDNS1123Subdomain } from './k8s-names.js';
import { CLUSTER_ONLY_POD_FIELDS, KNOWN } from './known-fields.js';
import { msg, type Field } from './shape.js';
import { numericId, validateContainer, warnIgnoredSecurity, type ContainerKind } from './validate-container.js';
import { reportNameErrors } from './validate-meta.js';
import { validateAffinity, validateNodeSelectorMap, validateTolerations } from './validate-scheduling.js';
import { validateVolumes, warnUnsupportedVolumes, type VolumeInfo } from './validate-volumes.js';

const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'] as const;
const POD_SCALARS: Readonly<Record<string, 'str' | 'bool' | 'int' | 'list' | 'map'>> = {
  dnsPolicy: 'str', priorityClassName: 'str', serviceAccountName: 'str', serviceAccount: 'str',
  automountServiceAccountToken: 'bool', schedulerName: 'str', priority: 'int', hostname: 'str',
  subdomain: 'str', setHostnameAsFQDN: 'bool', shareProcessNamespace: 'bool', enableServiceLinks: 'bool',
  hostUsers: 'bool', runtimeClassName: 'str', preemptionPolicy: 'str', imagePullSecrets: 'list',
  hostAliases: 'list', readinessGates: 'list', topologySpreadConstraints: 'list', schedulingGates: 'list',
  resourceClaims: 'list', dnsConfig: 'map', overhead: 'map', os: 'map', resources: 'map',
};
const HOST_NAMESPACES = ['hostNetwork', 'hostPID', 'hostIPC'] as const;

export function validatePodSpec(spec: Field): void {
  if (!spec.map()) return;
  spec.checkKnown(KNOWN.podSpec);
  const volumes = validateVolumes(spec.get('volumes'));
  validateContainerLists(spec, volumes);
  warnUnsupportedVolumes(volumes);
  validateRestartAndDeadlines(spec);
  validateHostNamespaces(spec);
  const nodeName = spec.get('nodeName');
  const nn = nodeName.str();
  if (nn !== undefined && nn !== '') reportNameErrors(nodeName, nn, isDNS1123Subdomain(nn));
  validateNodeSelectorMap(spec.get('nodeSelector'));
  validateAffinity(spec.get('affinity'));
  validateTolerations(spec.get('tolerations'));
  validatePodSecurityContext(spec.get('securityContext'));
  validateClusterOnly(spec);
}

/** containers and initContainers share one name space (duplicate-name across both lists). */
function validateContainerLists(spec: Field, volumes: Map<string, VolumeInfo>): void {
  const seen = new Set<string>();
  const check = (list: Field, kind: ContainerKind): void => {
    for (const c of list.items()) {
      const name = validateContainer(c, kind, volumes);
      if (name === undefined) continue;
      if (seen.has(name)) c.get('name').error('duplicate-name', msg.duplicate(name));
      seen.add(name);
    }
  };
  check(spec.get('initContainers'), 'init container');
  const containers = spec.get('containers');
  const list = containers.list();
  if (!containers.isSet || (list !== undefined && list.length === 0)) containers.error('required', msg.required());
  check(containers, 'container');
  const ephemeral = spec.get('ephemeralContainers');
  if ((ephemeral.list()?.length ?? 0) > 0) {
    ephemeral.report('forbidden', msg.forbidden('ephemeral containers are not allowed in a pod template'), { atKey: true });
  }
}

function validateRestartAndDeadlines(spec: Field): void {
  const restart = spec.get('restartPolicy');
  const rp = restart.str();
  if (rp !== undefined && rp !== 'Always') restart.error('unsupported-value', msg.unsupported(rp, ['Always']));
  spec.get('terminationGracePeriodSeconds').nonNegativeInt();
  const deadline = spec.get('activeDeadlineSeconds');
  if (deadline.isSet) {
    deadline.int();
    deadline.report('forbidden', msg.forbidden('activeDeadlineSeconds in DaemonSet is not Supported'), { atKey: true });
  }
}

/** A daemon always shares the host's network, PID and IPC namespaces; `false` cannot be honoured. */
function validateHostNamespaces(spec: Field): void {
  for (const key of HOST_NAMESPACES) {
    const f = spec.get(key);
    if (f.bool() !== false) continue;
    f.warn('ignored-field', `${key}: false is not honoured: hostds daemons always use the host's ` +
      `${key === 'hostNetwork' ? 'network' : key === 'hostPID' ? 'PID' : 'IPC'} namespace`);
  }
}

/** Pod securityContext: the user, group and supplementary groups apply; one warning lists the rest. */
function validatePodSecurityContext(sc: Field): void {
  if (!sc.map()) return;
  sc.checkKnown(KNOWN.podSecurityContext);
  numericId(sc.get('runAsUser'), 'user');
  numericId(sc.get('runAsGroup'), 'group');
  sc.get('runAsNonRoot').bool();
  sc.get('fsGroup').nonNegativeInt();
  for (const g of sc.get('supplementalGroups').items()) g.nonNegativeInt();
  warnIgnoredSecurity(sc);
}

/** Type-check the cluster-only fields and remember them for the single warning. */
const POD_SCALAR_ENTRIES = Object.entries(POD_SCALARS);

function validateClusterOnly(spec: Field): void {
  for (const [key, type] of POD_SCALAR_ENTRIES) {
    const f = spec.get(key);
    if (type === 'str') f.str();
    else if (type === 'bool') f.bool();
    else if (type === 'int') f.int();
    else if (type === 'list') f.list();
    else f.map();
  }
  const dns = spec.get('dnsPolicy');
  const d = dns.str();
  if (d !== undefined && d !== '' && !(DNS_POLICIES as readonly string[]).includes(d)) dns.error('unsupported-value', msg.unsupported(d, DNS_POLICIES));
  for (const key of spec.setKeys()) {
    if (CLUSTER_ONLY_POD_FIELDS.has(key)) spec.ctx.clusterOnly.push({ name: key, path: spec.child(key) });
  }
}
