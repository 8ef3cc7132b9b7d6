// Warnings: what hostds accepts but does not honour (ignored-field), typos (unknown-field) and
// unrendered templates (placeholder). None of them may turn into an error, and real manifests
// must not draw unknown-field warnings.
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { renderPath } from '../../../src/manifest/issues.js';
import { ctr, expectIssue, pod, show, validate, validDaemonSet, type IssueRow } from './validate-fixture.js';

const C = 'spec.template.spec.containers[0]';
const warn = (row: Omit<IssueRow, 'severity'>): IssueRow => ({ ...row, severity: 'warning' });

const IGNORED: IssueRow[] = [
  warn({ name: 'configMap volume', mutate: (ds) => { pod(ds).volumes.push({ name: 'cfg', configMap: { name: 'c' } }); ctr(ds).volumeMounts.push({ name: 'cfg', mountPath: '/etc/app' }); }, code: 'ignored-field', path: 'spec.template.spec.volumes[1].configMap', message: 'configMap volume "cfg" is not supported by hostds (only hostPath volumes are): nothing will be at /etc/app in container "main"', at: 'key' }),
  warn({ name: 'secret volume', mutate: (ds) => { pod(ds).volumes.push({ name: 's', secret: { secretName: 's', defaultMode: 384 } }); }, code: 'ignored-field', path: 'spec.template.spec.volumes[1].secret', message: 'it is not mounted by any container' }),
  warn({ name: 'emptyDir volume', mutate: (ds) => { pod(ds).volumes.push({ name: 'tmp', emptyDir: {} }); }, code: 'ignored-field', path: 'spec.template.spec.volumes[1].emptyDir', message: 'emptyDir volume "tmp"' }),
  warn({ name: 'hostPath mounted elsewhere', mutate: (ds) => { ctr(ds).volumeMounts[0].mountPath = '/host/var/log'; }, code: 'ignored-field', path: `${C}.volumeMounts[0].mountPath`, message: 'the daemon sees the host path /var/log, not /host/var/log' }),
  warn({ name: 'hostPath with subPath mounted elsewhere', mutate: (ds) => { ctr(ds).volumeMounts[0] = { name: 'log', mountPath: '/logs', subPath: 'app' }; }, code: 'ignored-field', path: `${C}.volumeMounts[0].mountPath`, message: 'host path /var/log/app, not /logs' }),
  warn({ name: 'readOnly mount', mutate: (ds) => { ctr(ds).volumeMounts[0].readOnly = true; }, code: 'ignored-field', path: `${C}.volumeMounts`, message: 'readOnly is not enforced by hostds: the daemon can write to /var/log' }),
  warn({ name: 'ports', mutate: (ds) => { ctr(ds).ports = [{ containerPort: 9100, hostPort: 9100, name: 'metrics' }]; }, code: 'ignored-field', path: `${C}.ports`, message: 'ports are informational: hostds does not map ports', at: 'key' }),
  warn({ name: 'hostPort different from containerPort', mutate: (ds) => { ctr(ds).ports = [{ containerPort: 8080, hostPort: 80 }]; }, code: 'ignored-field', path: `${C}.ports`, message: 'hostPort 80 -> containerPort 8080: it listens on the containerPort' }),
  warn({ name: 'container securityContext: one warning listing fields', mutate: (ds) => { ctr(ds).securityContext = { privileged: true, runAsUser: 0, capabilities: { add: ['NET_ADMIN'] }, seLinuxOptions: { type: 'spc_t' } }; }, code: 'ignored-field', path: `${C}.securityContext`, message: 'securityContext fields not enforced by hostds: privileged, capabilities, seLinuxOptions (' }),
  warn({ name: 'pod securityContext', mutate: (ds) => { pod(ds).securityContext = { runAsNonRoot: true, fsGroup: 2000, seLinuxOptions: {} }; }, code: 'ignored-field', path: 'spec.template.spec.securityContext', message: 'not enforced by hostds: fsGroup (' }),
  warn({ name: 'hostPID: false', mutate: (ds) => { pod(ds).hostPID = false; }, code: 'ignored-field', path: 'spec.template.spec.hostPID', message: "hostPID: false is not honoured: hostds daemons always use the host's PID namespace" }),
  warn({ name: 'hostNetwork: false', mutate: (ds) => { pod(ds).hostNetwork = false; }, code: 'ignored-field', path: 'spec.template.spec.hostNetwork', message: "always use the host's network namespace" }),
  warn({ name: 'alpha tolerations annotation', mutate: (ds) => { ds.spec.template.metadata.annotations = { 'scheduler.alpha.kubernetes.io/tolerations': '[{"key":"a","operator":"Exists"}]' }; }, code: 'ignored-field', path: 'spec.template.metadata.annotations[scheduler.alpha.kubernetes.io/tolerations]', message: 'alpha tolerations annotation is ignored', at: 'key' }),
  warn({ name: 'stopSignal', mutate: (ds) => { ctr(ds).lifecycle = { stopSignal: 'SIGUSR1' }; }, code: 'ignored-field', path: `${C}.lifecycle.stopSignal`, message: 'hostds stops daemons with SIGTERM' }),
];

describe('ignored fields are warnings', () => {
  test.each(IGNORED)('$name', (row) => { expectIssue(row); });
  test('hostPID/hostIPC/hostNetwork true are what hostds does anyway: no warning', () => {
    const ds = validDaemonSet();
    Object.assign(pod(ds), { hostPID: true, hostIPC: true, hostNetwork: true });
    expect(show(validate(ds))).toBe('');
  });
});

describe('cluster-only fields: one warning per DaemonSet, at the first', () => {
  test('lists every field once, in document order', () => {
    const ds = validDaemonSet();
    const spec = pod(ds);
    delete spec.containers;
    Object.assign(spec, { serviceAccountName: 'sa', dnsPolicy: 'ClusterFirstWithHostNet' });
    spec.containers = [{ ...validDaemonSet().spec.template.spec.containers[0], imagePullPolicy: 'Always' },
      { name: 'b', image: 'b', command: ['/b'], imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log' }];
    Object.assign(spec, { priorityClassName: 'system-node-critical', serviceAccount: 'sa', automountServiceAccountToken: false, imagePullSecrets: [{ name: 'r' }] });
    const issues = validate(ds);
    expect(issues, show(issues)).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code: 'ignored-field', severity: 'warning', at: 'key' });
    expect(renderPath(issues[0]!.path)).toBe('spec.template.spec.serviceAccountName');
    expect(issues[0]!.message).toBe('ignored by hostds (only a Kubernetes cluster or a container runtime uses them): serviceAccountName, ' +
      'dnsPolicy, imagePullPolicy, terminationMessagePath, priorityClassName, serviceAccount, automountServiceAccountToken, imagePullSecrets');
  });
  test('a container field first in the file is where the warning points', () => {
    const ds = validDaemonSet();
    ctr(ds).imagePullPolicy = 'Always';
    pod(ds).dnsPolicy = 'Default';
    const [only] = validate(ds);
    expect(renderPath(only!.path)).toBe(`${C}.imagePullPolicy`);
  });
});

type RowBody = Pick<IssueRow, 'name' | 'mutate' | 'path' | 'message'>;

const UNKNOWN: IssueRow[] = ([
  { name: 'DaemonSet', mutate: (ds) => { ds.sepc = {}; }, path: 'sepc', message: 'unknown field "sepc" (did you mean "spec"?)' },
  { name: 'metadata', mutate: (ds) => { ds.metadata.label = {}; }, path: 'metadata.label', message: 'unknown field "label" (did you mean "labels"?)' },
  { name: 'spec', mutate: (ds) => { ds.spec.updateStrategey = {}; }, path: 'spec.updateStrategey', message: '(did you mean "updateStrategy"?)' },
  { name: 'updateStrategy', mutate: (ds) => { ds.spec.updateStrategy = { type: 'RollingUpdate', rollingupdate: {} }; }, path: 'spec.updateStrategy.rollingupdate', message: 'did you mean "rollingUpdate"' },
  { name: 'rollingUpdate', mutate: (ds) => { ds.spec.updateStrategy = { rollingUpdate: { maxUnavailble: 1 } }; }, path: 'spec.updateStrategy.rollingUpdate.maxUnavailble', message: 'did you mean "maxUnavailable"' },
  { name: 'selector', mutate: (ds) => { ds.spec.selector.matchLabel = {}; }, path: 'spec.selector.matchLabel', message: 'did you mean "matchLabels"' },
  { name: 'template', mutate: (ds) => { ds.spec.template.specs = {}; }, path: 'spec.template.specs', message: 'unknown field "specs"' },
  { name: 'PodSpec', mutate: (ds) => { pod(ds).nodeSelectr = { disk: 'ssd' }; }, path: 'spec.template.spec.nodeSelectr', message: 'unknown field "nodeSelectr" (did you mean "nodeSelector"?)' },
  { name: 'Container', mutate: (ds) => { ctr(ds).comand = ['/bin/x']; }, path: `${C}.comand`, message: 'did you mean "command"' },
  { name: 'Container, wrong case', mutate: (ds) => { ctr(ds).WorkingDir = '/'; }, path: `${C}.WorkingDir`, message: 'did you mean "workingDir"' },
  { name: 'EnvVar', mutate: (ds) => { ctr(ds).env = [{ name: 'A', valu: 'x' }]; }, path: `${C}.env[0].valu`, message: 'did you mean "value"' },
  { name: 'fieldRef', mutate: (ds) => { ctr(ds).env[0].valueFrom.fieldRef.fieldpath = 'x'; }, path: `${C}.env[0].valueFrom.fieldRef.fieldpath`, message: 'unknown field "fieldpath"' },
  { name: 'Toleration', mutate: (ds) => { pod(ds).tolerations = [{ operator: 'Exists', efect: 'NoSchedule' }]; }, path: 'spec.template.spec.tolerations[0].efect', message: 'did you mean "effect"' },
  { name: 'affinity', mutate: (ds) => { pod(ds).affinity = { nodeAfinity: {} }; }, path: 'spec.template.spec.affinity.nodeAfinity', message: 'did you mean "nodeAffinity"' },
  { name: 'nodeSelectorTerm', mutate: (ds) => { pod(ds).affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpression: [] }] } } }; }, path: 'spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpression', message: 'did you mean "matchExpressions"' },
  { name: 'volume', mutate: (ds) => { pod(ds).volumes[0].hostpath = {}; }, path: 'spec.template.spec.volumes[0].hostpath', message: 'did you mean "hostPath"' },
  { name: 'hostPath', mutate: (ds) => { pod(ds).volumes[0].hostPath.typ = 'Directory'; }, path: 'spec.template.spec.volumes[0].hostPath.typ', message: 'did you mean "type"' },
  { name: 'volumeMount', mutate: (ds) => { ctr(ds).volumeMounts[0].readonly = true; }, path: `${C}.volumeMounts[0].readonly`, message: 'did you mean "readOnly"' },
  { name: 'probe', mutate: (ds) => { ctr(ds).livenessProbe = { exec: { command: ['true'] }, periodSecond: 5 }; }, path: `${C}.livenessProbe.periodSecond`, message: 'did you mean "periodSeconds"' },
  { name: 'lifecycle', mutate: (ds) => { ctr(ds).lifecycle = { prestop: { exec: { command: ['x'] } } }; }, path: `${C}.lifecycle.prestop`, message: 'did you mean "preStop"' },
  { name: 'securityContext', mutate: (ds) => { ctr(ds).securityContext = { runAsUsr: 1 }; }, path: `${C}.securityContext.runAsUsr`, message: 'did you mean "runAsUser"' },
  { name: 'resources', mutate: (ds) => { ctr(ds).resources = { limit: { cpu: '1' } }; }, path: `${C}.resources.limit`, message: 'did you mean "limits"' },
  { name: 'ports', mutate: (ds) => { ctr(ds).ports = [{ containerPort: 80, protocl: 'TCP' }]; }, path: `${C}.ports[0].protocl`, message: 'did you mean "protocol"' },
] satisfies RowBody[]).map((r): IssueRow => ({ ...r, code: 'unknown-field', severity: 'warning', at: 'key' }));

describe('unknown fields are warnings at the key', () => {
  test.each(UNKNOWN)('$name', (row) => { expectIssue(row); });
  test('a name far from every known field gets no suggestion', () => {
    const hit = expectIssue({ name: '', mutate: (ds) => { pod(ds).frobnicate = 1; }, code: 'unknown-field', path: 'spec.template.spec.frobnicate', message: 'unknown field "frobnicate"', severity: 'warning' });
    expect(hit.message).toBe('unknown field "frobnicate"');
  });
});

const PLACEHOLDERS: IssueRow[] = ([
  { name: 'image', mutate: (ds) => { ctr(ds).image = 'quay.io/calico/node:{{site.data.versions.node}}'; }, path: `${C}.image`, message: 'looks like an unrendered template placeholder; render the template first' },
  { name: 'command', mutate: (ds) => { ctr(ds).command = ['{{ .Values.bin }}']; }, path: `${C}.command[0]`, message: '"{{ .Values.bin }}"' },
  { name: 'args', mutate: (ds) => { ctr(ds).args = ['-localip', '__PILLAR__LOCAL__DNS__']; }, path: `${C}.args[1]`, message: 'substitute the __PILLAR__ tokens first' },
  { name: 'env value', mutate: (ds) => { ctr(ds).env = [{ name: 'A', value: '{{ pillar.key }}' }]; }, path: `${C}.env[0].value`, message: 'unrendered' },
] satisfies RowBody[]).map((r): IssueRow => ({ ...r, code: 'placeholder', severity: 'warning' }));

describe('placeholders', () => {
  test.each(PLACEHOLDERS)('$name', (row) => { expectIssue(row); });
  test('annotations may hold template-like text (autodiscovery configs)', () => {
    const ds = validDaemonSet();
    ds.spec.template.metadata.annotations = { 'ad.datadoghq.com/x.instances': '[{"url": "{{host}}"}]' };
    expect(show(validate(ds))).toBe('');
  });
  test('$(VAR) references are Kubernetes syntax, not placeholders', () => {
    const ds = validDaemonSet();
    ctr(ds).args = ['--node=$(NODE_NAME)'];
    expect(show(validate(ds))).toBe('');
  });
});

/** Hand-written manifests in the shapes real projects publish; none may draw unknown-field warnings. */
const REALISTIC: { name: string; api: string; yaml: string; expect: string[] }[] = [
  {
    name: 'node-exporter with command, hostPath root, probes and resources', api: 'apps/v1', expect: [
      'ignored-field spec.template.spec.automountServiceAccountToken',
      'ignored-field spec.template.spec.containers[0].ports',
      'ignored-field spec.template.spec.containers[0].securityContext',
      'ignored-field spec.template.spec.containers[0].volumeMounts[0].mountPath',
    ], yaml: `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: node-exporter, namespace: monitoring, labels: {app.kubernetes.io/name: node-exporter, app.kubernetes.io/version: "1.8.0"}}
spec:
  selector: {matchLabels: {app.kubernetes.io/name: node-exporter}}
  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 10%}}
  template:
    metadata:
      labels: {app.kubernetes.io/name: node-exporter}
      annotations: {kubectl.kubernetes.io/default-container: node-exporter}
    spec:
      automountServiceAccountToken: false
      hostNetwork: true
      hostPID: true
      nodeSelector: {kubernetes.io/os: linux}
      tolerations: [{operator: Exists}]
      securityContext: {runAsNonRoot: true, runAsUser: 65534}
      terminationGracePeriodSeconds: 10
      containers:
      - name: node-exporter
        image: quay.io/prometheus/node-exporter:v1.8.0
        command: [/usr/local/bin/node_exporter]
        args: [--path.rootfs=/host/root, "--web.listen-address=$(IP):9100"]
        env: [{name: IP, valueFrom: {fieldRef: {apiVersion: v1, fieldPath: status.podIP}}}]
        ports: [{containerPort: 9100, hostPort: 9100, name: metrics, protocol: TCP}]
        resources: {limits: {cpu: 250m, memory: 180Mi}, requests: {cpu: 0.1, memory: 100Mi}}
        readinessProbe: {httpGet: {path: /metrics, port: metrics, scheme: HTTP}, initialDelaySeconds: 5, timeoutSeconds: 2}
        securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
        volumeMounts: [{name: root, mountPath: /host/root, mountPropagation: HostToContainer}]
        terminationMessagePolicy: FallbackToLogsOnError
      volumes: [{name: root, hostPath: {path: /}}]
` },
  {
    name: 'old extensions/v1beta1 log shipper with init container and null fields', api: 'extensions/v1beta1', expect: [
      'ignored-field spec.template.spec.initContainers[0].env[0].valueFrom.secretKeyRef',
      'ignored-field spec.template.spec.containers[0].volumeMounts',
      'ignored-field spec.template.spec.containers[0].imagePullPolicy',
    ], yaml: `
apiVersion: extensions/v1beta1
kind: DaemonSet
metadata:
  name: log-shipper
  labels: {k8s-app: log-shipper, version: v1}
spec:
  templateGeneration: 3
  template:
    metadata:
      creationTimestamp: null
      labels: {k8s-app: log-shipper}
    spec:
      tolerations:
      - key: node-role.kubernetes.io/master
        effect: NoSchedule
      initContainers:
      - name: prepare
        image: busybox
        command: [sh, -c, "mkdir -p /var/lib/shipper"]
        env:
        - {name: TOKEN, valueFrom: {secretKeyRef: {name: shipper, key: token, optional: true}}}
        volumeMounts: [{name: state, mountPath: /var/lib/shipper}]
      containers:
      - name: shipper
        image: example/shipper:latest
        imagePullPolicy: Always
        command: ["/usr/bin/shipper", "-c", "/etc/shipper.yml", ]
        env:
        - name: NODE_NAME
          valueFrom: {fieldRef: {fieldPath: spec.nodeName}}
        - {name: EMPTY, value: null}
        resources: {}
        volumeMounts:
        - {name: varlog, mountPath: /var/log, readOnly: true}
        - {name: state, mountPath: /var/lib/shipper}
      terminationGracePeriodSeconds: 30
      volumes:
      - {name: varlog, hostPath: {path: /var/log}}
      - {name: state, hostPath: {path: /var/lib/shipper, type: DirectoryOrCreate}}
` },
];

describe('realistic manifests', () => {
  test.each(REALISTIC)('$name', ({ api, yaml, expect: expected }) => {
    const issues = validate(parse(yaml), api);
    expect(issues.filter((i) => i.code === 'unknown-field'), show(issues)).toEqual([]);
    expect(issues.map((i) => `${i.code} ${renderPath(i.path)}`).sort(), show(issues)).toEqual([...expected].sort());
  });
});
