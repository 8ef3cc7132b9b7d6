// Pod template rules: the pod spec, containers (the missing-command rule above all), env,
// volumes, resources and probes. One table per rule; each row mutates the valid base.
import { describe, expect, test } from 'vitest';
import { ctr, expectClean, expectIssue, pod, validate, validDaemonSet, type IssueRow } from './validate-fixture.js';

const POD: IssueRow[] = [
  { name: 'restartPolicy OnFailure', mutate: (ds) => { pod(ds).restartPolicy = 'OnFailure'; }, code: 'unsupported-value', path: 'spec.template.spec.restartPolicy', message: 'Unsupported value: "OnFailure": supported values: "Always"' },
  { name: 'no containers', mutate: (ds) => { pod(ds).containers = []; }, code: 'required', path: 'spec.template.spec.containers', message: 'Required value' },
  { name: 'containers missing', mutate: (ds) => { delete pod(ds).containers; }, code: 'required', path: 'spec.template.spec.containers', message: 'Required value' },
  { name: 'containers a map', mutate: (ds) => { pod(ds).containers = { name: 'main' }; }, code: 'invalid-type', path: 'spec.template.spec.containers', message: 'expected a list, got a map' },
  { name: 'an empty list item', mutate: (ds) => { pod(ds).containers.push(null); }, code: 'invalid-type', path: 'spec.template.spec.containers[1]', message: 'got null' },
  { name: 'negative grace period', mutate: (ds) => { pod(ds).terminationGracePeriodSeconds = -1; }, code: 'invalid-value', path: 'spec.template.spec.terminationGracePeriodSeconds', message: 'must be greater than or equal to 0' },
  { name: 'fractional grace period', mutate: (ds) => { pod(ds).terminationGracePeriodSeconds = 2.5; }, code: 'invalid-type', path: 'spec.template.spec.terminationGracePeriodSeconds', message: 'expected an integer, got a number (2.5)' },
  { name: 'hostNetwork a string', mutate: (ds) => { pod(ds).hostNetwork = 'true'; }, code: 'invalid-type', path: 'spec.template.spec.hostNetwork', message: 'expected a boolean, got a string' },
  { name: 'activeDeadlineSeconds', mutate: (ds) => { pod(ds).activeDeadlineSeconds = 60; }, code: 'forbidden', path: 'spec.template.spec.activeDeadlineSeconds', message: 'activeDeadlineSeconds in DaemonSet is not Supported' },
  { name: 'nodeName not a subdomain', mutate: (ds) => { pod(ds).nodeName = 'Host_1'; }, code: 'invalid-name', path: 'spec.template.spec.nodeName', message: 'Invalid value: "Host_1"' },
  { name: 'dnsPolicy', mutate: (ds) => { pod(ds).dnsPolicy = 'Cluster'; }, code: 'unsupported-value', path: 'spec.template.spec.dnsPolicy', message: 'supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"' },
  { name: 'ephemeralContainers', mutate: (ds) => { pod(ds).ephemeralContainers = [{ name: 'debug' }]; }, code: 'forbidden', path: 'spec.template.spec.ephemeralContainers', message: 'not allowed in a pod template' },
];

describe('pod spec', () => {
  test.each(POD)('$name', (row) => { expectIssue(row); });
});

const CONTAINERS: IssueRow[] = [
  { name: 'name missing', mutate: (ds) => { delete ctr(ds).name; }, code: 'required', path: 'spec.template.spec.containers[0].name', message: 'Required value' },
  { name: 'name not a label', mutate: (ds) => { ctr(ds).name = 'Main'; }, code: 'invalid-name', path: 'spec.template.spec.containers[0].name', message: 'RFC 1123 label' },
  { name: 'duplicate across containers', mutate: (ds) => { pod(ds).containers.push({ ...ctr(ds), volumeMounts: [] }); }, code: 'duplicate-name', path: 'spec.template.spec.containers[1].name', message: 'Duplicate value: "main"' },
  { name: 'duplicate across initContainers and containers', mutate: (ds) => { pod(ds).initContainers = [{ name: 'main', image: 'x', command: ['/bin/true'] }]; }, code: 'duplicate-name', path: 'spec.template.spec.containers[0].name', message: 'Duplicate value: "main"' },
  { name: 'image missing is a warning', mutate: (ds) => { delete ctr(ds).image; }, code: 'required', path: 'spec.template.spec.containers[0].image', message: 'Required value: Kubernetes needs an image', severity: 'warning' },
  { name: 'command missing', mutate: (ds) => { delete ctr(ds).command; delete ctr(ds).args; }, code: 'missing-command', path: 'spec.template.spec.containers[0].command',
    message: 'container "main" has no command: hostds runs host processes, not images, so it cannot use the image\'s ENTRYPOINT; add command: ["/usr/local/bin/ssd-monitor"] (the program\'s path on this host)' },
  { name: 'args without command', mutate: (ds) => { delete ctr(ds).command; }, code: 'missing-command', path: 'spec.template.spec.containers[0].command', message: 'container "main" has args but no command: args alone are not enough' },
  { name: 'command empty', mutate: (ds) => { ctr(ds).command = []; }, code: 'missing-command', path: 'spec.template.spec.containers[0].command', message: 'has args but no command' },
  { name: 'command null', mutate: (ds) => { ctr(ds).command = null; ctr(ds).args = null; }, code: 'missing-command', path: 'spec.template.spec.containers[0].command', message: 'has no command' },
  { name: 'program guessed from a registry image with tag and digest', mutate: (ds) => { delete ctr(ds).command; ctr(ds).image = 'quay.io/prometheus/node-exporter:v1.8.0@sha256:abc'; }, code: 'missing-command', path: 'spec.template.spec.containers[0].command', message: '["/usr/local/bin/node-exporter"]' },
  { name: 'init container without command', mutate: (ds) => { pod(ds).initContainers = [{ name: 'setup', image: 'busybox' }]; }, code: 'missing-command', path: 'spec.template.spec.initContainers[0].command', message: 'init container "setup" has no command' },
  { name: 'args item a number', mutate: (ds) => { ctr(ds).args = ['--port', 8080]; }, code: 'invalid-type', path: 'spec.template.spec.containers[0].args[1]', message: 'expected a string, got a number (8080); quote it: "8080"' },
  { name: 'args item a boolean', mutate: (ds) => { ctr(ds).args = ['--verbose', true]; }, code: 'invalid-type', path: 'spec.template.spec.containers[0].args[1]', message: 'got a boolean' },
  { name: 'command a string', mutate: (ds) => { ctr(ds).command = '/usr/local/bin/ssd-monitor'; }, code: 'invalid-type', path: 'spec.template.spec.containers[0].command', message: 'expected a list, got a string' },
  { name: 'workingDir a number', mutate: (ds) => { ctr(ds).workingDir = 0; }, code: 'invalid-type', path: 'spec.template.spec.containers[0].workingDir', message: 'expected a string' },
  { name: 'imagePullPolicy', mutate: (ds) => { ctr(ds).imagePullPolicy = 'Sometimes'; }, code: 'unsupported-value', path: 'spec.template.spec.containers[0].imagePullPolicy', message: '"Always", "Never", "IfNotPresent"' },
  { name: 'restartPolicy on a container', mutate: (ds) => { ctr(ds).restartPolicy = 'Always'; }, code: 'forbidden', path: 'spec.template.spec.containers[0].restartPolicy', message: 'may not be set for non-init containers' },
  { name: 'sidecar init container', mutate: (ds) => { pod(ds).initContainers = [{ name: 'side', image: 'x', command: ['/bin/side'], restartPolicy: 'Always' }]; }, code: 'forbidden', path: 'spec.template.spec.initContainers[0].restartPolicy', message: 'sidecar init containers (restartPolicy: Always) are not supported by hostds' },
  { name: 'probe on an init container', mutate: (ds) => { pod(ds).initContainers = [{ name: 'setup', image: 'x', command: ['/bin/true'], livenessProbe: { exec: { command: ['true'] } } }]; }, code: 'forbidden', path: 'spec.template.spec.initContainers[0].livenessProbe', message: 'may not be set for init containers' },
  { name: 'port out of range', mutate: (ds) => { ctr(ds).ports = [{ containerPort: 70000 }]; }, code: 'invalid-value', path: 'spec.template.spec.containers[0].ports[0].containerPort', message: 'must be between 1 and 65535, inclusive' },
  { name: 'port protocol', mutate: (ds) => { ctr(ds).ports = [{ containerPort: 53, protocol: 'udp' }]; }, code: 'unsupported-value', path: 'spec.template.spec.containers[0].ports[0].protocol', message: '"TCP", "UDP", "SCTP"' },
  { name: 'port name', mutate: (ds) => { ctr(ds).ports = [{ containerPort: 53, name: 'dns_udp' }]; }, code: 'invalid-name', path: 'spec.template.spec.containers[0].ports[0].name', message: 'must contain only alpha-numeric characters' },
  { name: 'allowPrivilegeEscalation false with privileged', mutate: (ds) => { ctr(ds).securityContext = { privileged: true, allowPrivilegeEscalation: false }; }, code: 'invalid-value', path: 'spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation', message: 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true' },
  { name: 'runAsUser negative', mutate: (ds) => { ctr(ds).securityContext = { runAsUser: -1 }; }, code: 'invalid-value', path: 'spec.template.spec.containers[0].securityContext.runAsUser', message: 'must be greater than or equal to 0' },
  { name: 'runAsUser as a user name', mutate: (ds) => { ctr(ds).securityContext = { runAsUser: 'nobody' }; }, code: 'invalid-type', path: 'spec.template.spec.containers[0].securityContext.runAsUser', message: 'expected a numeric user id, got the name "nobody": securityContext takes ids, as in Kubernetes; write the user\'s id (on the host: id -u nobody)' },
  { name: 'pod runAsGroup as a group name', mutate: (ds) => { pod(ds).securityContext = { runAsGroup: 'adm' }; }, code: 'invalid-type', path: 'spec.template.spec.securityContext.runAsGroup', message: 'getent group adm' },
  { name: 'runAsUser as a quoted number', mutate: (ds) => { ctr(ds).securityContext = { runAsUser: '1000' }; }, code: 'invalid-type', path: 'spec.template.spec.containers[0].securityContext.runAsUser', message: 'expected an integer' },
];

describe('containers', () => {
  test.each(CONTAINERS)('$name', (row) => { expectIssue(row); });
  test('without an image, the suggested program is named after the container', () => {
    const ds = validDaemonSet();
    delete ctr(ds).command;
    delete ctr(ds).image;
    const hit = validate(ds).find((i) => i.code === 'missing-command');
    expect(hit?.message).toContain('add command: ["/usr/local/bin/main"]');
  });
});

const ENV: IssueRow[] = [
  { name: 'name invalid', mutate: (ds) => { ctr(ds).env = [{ name: '1X', value: 'a' }]; }, code: 'invalid-name', path: 'spec.template.spec.containers[0].env[0].name', message: 'a valid environment variable name' },
  { name: 'name missing', mutate: (ds) => { ctr(ds).env = [{ value: 'a' }]; }, code: 'required', path: 'spec.template.spec.containers[0].env[0].name', message: 'Required value' },
  { name: 'value a number', mutate: (ds) => { ctr(ds).env = [{ name: 'PORT', value: 8080 }]; }, code: 'invalid-type', path: 'spec.template.spec.containers[0].env[0].value', message: 'quote it: "8080"' },
  { name: 'value and valueFrom', mutate: (ds) => { ctr(ds).env = [{ name: 'A', value: 'x', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }]; }, code: 'invalid-value', path: 'spec.template.spec.containers[0].env[0].valueFrom', message: 'may not be specified when `value` is not empty' },
  { name: 'valueFrom without a source', mutate: (ds) => { ctr(ds).env = [{ name: 'A', valueFrom: {} }]; }, code: 'invalid-value', path: 'spec.template.spec.containers[0].env[0].valueFrom', message: 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`' },
  { name: 'valueFrom with two sources', mutate: (ds) => { ctr(ds).env = [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' }, secretKeyRef: { name: 's', key: 'k' } } }]; }, code: 'invalid-value', path: 'spec.template.spec.containers[0].env[0].valueFrom', message: 'may not have more than one field specified at a time' },
  { name: 'fieldPath unknown to Kubernetes', mutate: (ds) => { ctr(ds).env = [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'spec.hostname' } } }]; }, code: 'unsupported-value', path: 'spec.template.spec.containers[0].env[0].valueFrom.fieldRef.fieldPath', message: 'Unsupported value: "spec.hostname"' },
  { name: 'fieldPath missing', mutate: (ds) => { ctr(ds).env = [{ name: 'A', valueFrom: { fieldRef: {} } }]; }, code: 'required', path: 'spec.template.spec.containers[0].env[0].valueFrom.fieldRef.fieldPath', message: 'Required value' },
  { name: 'fieldRef apiVersion', mutate: (ds) => { ctr(ds).env = [{ name: 'A', valueFrom: { fieldRef: { apiVersion: 'v2', fieldPath: 'spec.nodeName' } } }]; }, code: 'unsupported-value', path: 'spec.template.spec.containers[0].env[0].valueFrom.fieldRef.apiVersion', message: 'supported values: "v1"' },
  { name: 'fieldPath metadata.uid (not on a host)', mutate: (ds) => { ctr(ds).env = [{ name: 'UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } }]; }, code: 'ignored-field', path: 'spec.template.spec.containers[0].env[0].valueFrom.fieldRef', message: 'not supported by hostds, so this variable will be unset: UID (fieldRef metadata.uid)', severity: 'warning', at: 'key' },
  { name: 'fieldPath of a label', mutate: (ds) => { ctr(ds).env = [{ name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } }]; }, code: 'ignored-field', path: 'spec.template.spec.containers[0].env[0].valueFrom.fieldRef', message: 'will be unset', severity: 'warning' },
  { name: 'configMapKeyRef', mutate: (ds) => { ctr(ds).env = [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'cm', key: 'a' } } }]; }, code: 'ignored-field', path: 'spec.template.spec.containers[0].env[0].valueFrom.configMapKeyRef', message: 'A (configMapKeyRef)', severity: 'warning' },
  { name: 'secretKeyRef without key', mutate: (ds) => { ctr(ds).env = [{ name: 'A', valueFrom: { secretKeyRef: { name: 's' } } }]; }, code: 'required', path: 'spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.key', message: 'Required value' },
  { name: 'resourceFieldRef', mutate: (ds) => { ctr(ds).env = [{ name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } }]; }, code: 'ignored-field', path: 'spec.template.spec.containers[0].env[0].valueFrom.resourceFieldRef', message: 'CPU (resourceFieldRef)', severity: 'warning' },
  { name: 'envFrom', mutate: (ds) => { ctr(ds).envFrom = [{ configMapRef: { name: 'cm' } }]; }, code: 'ignored-field', path: 'spec.template.spec.containers[0].envFrom', message: 'envFrom is not supported by hostds', severity: 'warning', at: 'key' },
];

describe('env', () => {
  test.each(ENV)('$name', (row) => { expectIssue(row); });
  test('the fieldRefs hostds provides, and null values, are clean', () => {
    expectClean((ds) => {
      ctr(ds).env = ['metadata.name', 'metadata.namespace', 'spec.nodeName', 'status.hostIP', 'status.podIP']
        .map((fieldPath, i) => ({ name: `V${i}`, valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath } } }));
      ctr(ds).env.push({ name: 'EMPTY', value: null }, { name: 'REF', value: '$(V0)/x' });
    });
  });
  test('variables hostds cannot fill in make one warning per container', () => {
    const hit = expectIssue({ name: '', mutate: (ds) => {
      ctr(ds).env = [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'c', key: 'a' } } }, { name: 'B', value: 'b' },
        { name: 'C', valueFrom: { secretKeyRef: { name: 's', key: 'c' } } }];
    }, code: 'ignored-field', path: 'spec.template.spec.containers[0].env[0].valueFrom.configMapKeyRef', message: 'these variables will be unset: A (configMapKeyRef), C (secretKeyRef)', severity: 'warning' });
    expect(hit.at).toBe('key');
  });
});

const VOLUMES: IssueRow[] = [
  { name: 'no source', mutate: (ds) => { pod(ds).volumes = [{ name: 'log' }]; }, code: 'required', path: 'spec.template.spec.volumes[0]', message: 'must specify a volume type' },
  { name: 'two sources', mutate: (ds) => { pod(ds).volumes[0].emptyDir = {}; }, code: 'forbidden', path: 'spec.template.spec.volumes[0].emptyDir', message: 'may not specify more than 1 volume type' },
  { name: 'duplicate name', mutate: (ds) => { pod(ds).volumes.push({ name: 'log', hostPath: { path: '/tmp' } }); }, code: 'duplicate-name', path: 'spec.template.spec.volumes[1].name', message: 'Duplicate value: "log"' },
  { name: 'hostPath without path', mutate: (ds) => { pod(ds).volumes[0].hostPath = { type: 'Directory' }; }, code: 'required', path: 'spec.template.spec.volumes[0].hostPath.path', message: 'Required value' },
  { name: 'hostPath type', mutate: (ds) => { pod(ds).volumes[0].hostPath.type = 'Dir'; }, code: 'unsupported-value', path: 'spec.template.spec.volumes[0].hostPath.type', message: '"DirectoryOrCreate"' },
  { name: 'hostPath with ..', mutate: (ds) => { pod(ds).volumes[0].hostPath.path = '/var/../etc'; ctr(ds).volumeMounts = []; }, code: 'invalid-value', path: 'spec.template.spec.volumes[0].hostPath.path', message: "must not contain '..'" },
  { name: 'mount of an undefined volume', mutate: (ds) => { ctr(ds).volumeMounts.push({ name: 'data', mountPath: '/data' }); }, code: 'invalid-value', path: 'spec.template.spec.containers[0].volumeMounts[1].name', message: 'Not found: "data"' },
  { name: 'mountPath twice', mutate: (ds) => { ctr(ds).volumeMounts.push({ name: 'log', mountPath: '/var/log' }); }, code: 'invalid-value', path: 'spec.template.spec.containers[0].volumeMounts[1].mountPath', message: 'must be unique' },
  { name: 'absolute subPath', mutate: (ds) => { ctr(ds).volumeMounts[0].subPath = '/app'; }, code: 'invalid-value', path: 'spec.template.spec.containers[0].volumeMounts[0].subPath', message: 'must be a relative path' },
  { name: 'mountPropagation', mutate: (ds) => { ctr(ds).volumeMounts[0].mountPropagation = 'Shared'; }, code: 'unsupported-value', path: 'spec.template.spec.containers[0].volumeMounts[0].mountPropagation', message: '"None", "HostToContainer", "Bidirectional"' },
];

describe('volumes and mounts', () => {
  test.each(VOLUMES)('$name', (row) => { expectIssue(row); });
  test('a hostPath mounted at its own path (with a subPath) is clean', () => {
    expectClean((ds) => { ctr(ds).volumeMounts = [{ name: 'log', mountPath: '/var/log/app', subPath: 'app', mountPropagation: 'HostToContainer' }]; });
  });
});

const RESOURCES: IssueRow[] = [
  { name: 'bad quantity', mutate: (ds) => { ctr(ds).resources = { limits: { memory: '64MB' } }; }, code: 'invalid-value', path: 'spec.template.spec.containers[0].resources.limits[memory]', message: 'Invalid value: "64MB"' },
  { name: 'request above limit', mutate: (ds) => { ctr(ds).resources = { limits: { cpu: '500m' }, requests: { cpu: 1 } }; }, code: 'invalid-value', path: 'spec.template.spec.containers[0].resources.requests[cpu]', message: 'must be less than or equal to cpu limit of 500m' },
  { name: 'negative quantity', mutate: (ds) => { ctr(ds).resources = { requests: { memory: '-1Mi' } }; }, code: 'invalid-value', path: 'spec.template.spec.containers[0].resources.requests[memory]', message: 'must be greater than or equal to 0' },
  { name: 'non-standard resource', mutate: (ds) => { ctr(ds).resources = { limits: { storage: '1Gi' } }; }, code: 'invalid-value', path: 'spec.template.spec.containers[0].resources.limits[storage]', message: 'must be a standard resource for containers', at: 'key' },
  { name: 'quantity a boolean', mutate: (ds) => { ctr(ds).resources = { limits: { cpu: true } }; }, code: 'invalid-type', path: 'spec.template.spec.containers[0].resources.limits[cpu]', message: 'expected a quantity' },
];

describe('resources', () => {
  test.each(RESOURCES)('$name', (row) => { expectIssue(row); });
  test('numbers, suffixes and extended resources are valid quantities', () => {
    expectClean((ds) => {
      ctr(ds).resources = { limits: { cpu: 0.15, memory: '1Gi', 'nvidia.com/gpu': 1, 'hugepages-2Mi': '2Mi' }, requests: { cpu: '150m', memory: '1e3', 'ephemeral-storage': '1G' } };
    });
  });
});

const PROBES: IssueRow[] = [
  { name: 'no handler', mutate: (ds) => { ctr(ds).livenessProbe = { periodSeconds: 5 }; }, code: 'required', path: 'spec.template.spec.containers[0].livenessProbe', message: 'must specify a handler type' },
  { name: 'two handlers', mutate: (ds) => { ctr(ds).livenessProbe = { exec: { command: ['true'] }, tcpSocket: { port: 80 } }; }, code: 'forbidden', path: 'spec.template.spec.containers[0].livenessProbe.tcpSocket', message: 'may not specify more than 1 handler type' },
  { name: 'liveness successThreshold', mutate: (ds) => { ctr(ds).livenessProbe = { exec: { command: ['true'] }, successThreshold: 2 }; }, code: 'invalid-value', path: 'spec.template.spec.containers[0].livenessProbe.successThreshold', message: 'must be 1' },
  { name: 'negative period', mutate: (ds) => { ctr(ds).readinessProbe = { exec: { command: ['true'] }, periodSeconds: -1 }; }, code: 'invalid-value', path: 'spec.template.spec.containers[0].readinessProbe.periodSeconds', message: 'must be greater than or equal to 0' },
  { name: 'httpGet without port', mutate: (ds) => { ctr(ds).readinessProbe = { httpGet: { path: '/' } }; }, code: 'required', path: 'spec.template.spec.containers[0].readinessProbe.httpGet.port', message: 'Required value' },
  { name: 'httpGet named port invalid', mutate: (ds) => { ctr(ds).readinessProbe = { httpGet: { port: 'Health' } }; }, code: 'invalid-value', path: 'spec.template.spec.containers[0].readinessProbe.httpGet.port', message: 'Invalid value: "Health"' },
  { name: 'httpGet scheme', mutate: (ds) => { ctr(ds).readinessProbe = { httpGet: { port: 80, scheme: 'http' } }; }, code: 'unsupported-value', path: 'spec.template.spec.containers[0].readinessProbe.httpGet.scheme', message: '"HTTP", "HTTPS"' },
  { name: 'exec without command', mutate: (ds) => { ctr(ds).livenessProbe = { exec: { command: [] } }; }, code: 'required', path: 'spec.template.spec.containers[0].livenessProbe.exec.command', message: 'Required value' },
  { name: 'grpc probe: ignored, with a warning', mutate: (ds) => { ctr(ds).livenessProbe = { grpc: { port: 9000 } }; }, code: 'ignored-field', path: 'spec.template.spec.containers[0].livenessProbe.grpc', message: 'grpc probes are not run by hostds', severity: 'warning', at: 'key' },
  { name: 'httpGet hook', mutate: (ds) => { ctr(ds).lifecycle = { preStop: { httpGet: { port: 80, path: '/quit' } } }; }, code: 'ignored-field', path: 'spec.template.spec.containers[0].lifecycle.preStop.httpGet', message: 'only exec hooks are', severity: 'warning', at: 'key' },
];

describe('probes and hooks', () => {
  test.each(PROBES)('$name', (row) => { expectIssue(row); });
  test('named ports and startup probes are clean', () => {
    expectClean((ds) => {
      ctr(ds).startupProbe = { httpGet: { port: 'healthz', path: '/healthz' }, failureThreshold: 30 };
      ctr(ds).livenessProbe = { exec: { command: ['/bin/true'] }, terminationGracePeriodSeconds: 5 };
      ctr(ds).readinessProbe = { tcpSocket: { port: 9000 } };
      ctr(ds).lifecycle = { postStart: { exec: { command: ['/bin/true'] } } };
    });
  });
});
