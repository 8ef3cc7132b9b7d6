import { describe, expect, test } from 'vitest';
import type { Container } from '../../../src/manifest/types.js';
import { describeProbe, resolveProbes, type ProbeSpec } from '../../../src/probes/spec.js';

const HOST_IP = '10.0.0.7';

function container(over: Record<string, unknown>): Container {
  return { name: 'main', command: ['/bin/daemon'], ...over } as Container;
}

/** The one spec of a container with only `probe` as its livenessProbe. */
function liveness(probe: Record<string, unknown>, over: Record<string, unknown> = {}): ProbeSpec {
  const { specs, errors } = resolveProbes(container({ livenessProbe: probe, ...over }), HOST_IP);
  expect(errors).toEqual([]);
  expect(specs).toHaveLength(1);
  return specs[0]!;
}

const PORTS = { ports: [{ name: 'metrics', containerPort: 9100 }, { name: 'http', containerPort: 8080, protocol: 'TCP' }, { containerPort: 22 }] };

describe('resolveProbes handlers', () => {
  test.each([
    {
      name: 'exec: the command as given',
      probe: { exec: { command: ['cat', '/tmp/healthy'] } },
      handler: { type: 'exec', command: ['cat', '/tmp/healthy'] },
    },
    {
      name: 'exec: $(VAR) expands with static env values only (ExpandContainerCommandOnlyStatic)',
      probe: { exec: { command: ['check', '--url=$(URL)', '--node=$(NODE)', '$(MISSING)', '$$(URL)'] } },
      over: { env: [{ name: 'URL', value: 'http://x' }, { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }] },
      handler: { type: 'exec', command: ['check', '--url=http://x', '--node=', '$(MISSING)', '$(URL)'] },
    },
    {
      name: 'exec: runs in the container\'s workingDir',
      probe: { exec: { command: ['ls'] } },
      over: { workingDir: '/srv' },
      handler: { type: 'exec', command: ['ls'], workingDir: '/srv' },
    },
    {
      name: 'exec: runs as the container\'s runAsUser/runAsGroup',
      probe: { exec: { command: ['id'] } },
      over: { securityContext: { runAsUser: 65534, runAsGroup: 65533 } },
      handler: { type: 'exec', command: ['id'], uid: 65534, gid: 65533 },
    },
    {
      name: 'httpGet: defaults → loopback, HTTP, "/", no headers',
      probe: { httpGet: { port: 8080 } },
      handler: { type: 'http', scheme: 'HTTP', host: '127.0.0.1', port: 8080, path: '/', headers: [] },
    },
    {
      name: 'httpGet: host, HTTPS, path and headers in order, repeats kept',
      probe: {
        httpGet: {
          host: 'example.internal', scheme: 'HTTPS', path: '/healthz?full=1', port: 8443,
          httpHeaders: [{ name: 'Host', value: 'svc.local' }, { name: 'X-Probe', value: 'a' }, { name: 'X-Probe', value: 'b' }],
        },
      },
      handler: {
        type: 'http', scheme: 'HTTPS', host: 'example.internal', port: 8443, path: '/healthz?full=1',
        headers: [['Host', 'svc.local'], ['X-Probe', 'a'], ['X-Probe', 'b']],
      },
    },
    {
      name: 'httpGet: a path without a leading slash gets one (Go URL)',
      probe: { httpGet: { port: 80, path: 'healthz' } },
      handler: { type: 'http', scheme: 'HTTP', host: '127.0.0.1', port: 80, path: '/healthz', headers: [] },
    },
    {
      name: 'httpGet: an empty host means loopback',
      probe: { httpGet: { port: 80, host: '' } },
      handler: { type: 'http', scheme: 'HTTP', host: '127.0.0.1', port: 80, path: '/', headers: [] },
    },
    {
      name: 'httpGet: a named port resolves through ports[]',
      probe: { httpGet: { port: 'metrics', path: '/metrics' } },
      over: PORTS,
      handler: { type: 'http', scheme: 'HTTP', host: '127.0.0.1', port: 9100, path: '/metrics', headers: [] },
    },
    {
      name: 'tcpSocket: port number, loopback',
      probe: { tcpSocket: { port: 6379 } },
      handler: { type: 'tcp', host: '127.0.0.1', port: 6379 },
    },
    {
      name: 'tcpSocket: named port and host',
      probe: { tcpSocket: { port: 'http', host: '::1' } },
      over: PORTS,
      handler: { type: 'tcp', host: '::1', port: 8080 },
    },
    {
      name: 'grpc: port, no service',
      probe: { grpc: { port: 9090 } },
      handler: { type: 'grpc', port: 9090 },
    },
    {
      name: 'grpc: port and service',
      probe: { grpc: { port: 9090, service: 'liveness' } },
      handler: { type: 'grpc', port: 9090, service: 'liveness' },
    },
  ])('$name', ({ probe, over, handler }) => {
    expect(liveness(probe, over).handler).toEqual(handler);
  });
});

describe('resolveProbes timing and thresholds', () => {
  test.each([
    {
      name: 'normalized defaults (PROBE_DEFAULTS) → ms',
      probe: { timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 },
      want: { initialDelayMs: 0, periodMs: 10_000, timeoutMs: 1_000, successThreshold: 1, failureThreshold: 3 },
    },
    {
      name: 'absent fields get the API server defaults too',
      probe: {},
      want: { initialDelayMs: 0, periodMs: 10_000, timeoutMs: 1_000, successThreshold: 1, failureThreshold: 3 },
    },
    {
      name: 'explicit values',
      probe: { initialDelaySeconds: 15, timeoutSeconds: 2, periodSeconds: 5, successThreshold: 1, failureThreshold: 6 },
      want: { initialDelayMs: 15_000, periodMs: 5_000, timeoutMs: 2_000, successThreshold: 1, failureThreshold: 6 },
    },
    {
      name: '0 means unset, as in the API server\'s defaulting',
      probe: { initialDelaySeconds: 0, timeoutSeconds: 0, periodSeconds: 0, successThreshold: 0, failureThreshold: 0 },
      want: { initialDelayMs: 0, periodMs: 10_000, timeoutMs: 1_000, successThreshold: 1, failureThreshold: 3 },
    },
  ])('$name', ({ probe, want }) => {
    const spec = liveness({ tcpSocket: { port: 1 }, ...probe });
    expect({
      initialDelayMs: spec.initialDelayMs, periodMs: spec.periodMs, timeoutMs: spec.timeoutMs,
      successThreshold: spec.successThreshold, failureThreshold: spec.failureThreshold,
    }).toEqual(want);
  });

  test('readiness keeps its successThreshold', () => {
    const { specs } = resolveProbes(container({ readinessProbe: { tcpSocket: { port: 1 }, successThreshold: 3 } }), HOST_IP);
    expect(specs[0]).toMatchObject({ kind: 'readiness', successThreshold: 3 });
  });
});

describe('resolveProbes exec user', () => {
  test.each([
    { name: 'pod securityContext applies when the container sets none', container: {}, pod: { runAsUser: 1000, runAsGroup: 1001 }, want: { uid: 1000, gid: 1001 } },
    { name: 'the container\'s overrides the pod\'s, field by field', container: { runAsUser: 2000 }, pod: { runAsUser: 1000, runAsGroup: 1001 }, want: { uid: 2000, gid: 1001 } },
    { name: 'none → the agent\'s own user', container: {}, pod: undefined, want: {} },
  ])('$name', ({ container: sc, pod, want }) => {
    const { specs } = resolveProbes(container({ securityContext: sc, livenessProbe: { exec: { command: ['id'] } } }), HOST_IP, pod);
    expect(specs[0]!.handler).toEqual({ type: 'exec', command: ['id'], ...want });
  });
});

describe('resolveProbes kinds', () => {
  test('every kind, startup first, then readiness, then liveness', () => {
    const { specs, errors } = resolveProbes(container({
      livenessProbe: { tcpSocket: { port: 1 } },
      readinessProbe: { tcpSocket: { port: 2 } },
      startupProbe: { tcpSocket: { port: 3 } },
    }), HOST_IP);
    expect(errors).toEqual([]);
    expect(specs.map((s) => s.kind)).toEqual(['startup', 'readiness', 'liveness']);
  });

  test('no probes → no specs, no errors', () => {
    expect(resolveProbes(container({}), HOST_IP)).toEqual({ specs: [], errors: [] });
  });
});

describe('resolveProbes errors', () => {
  test.each([
    {
      name: 'unknown named port: names the field, the container and its ports',
      c: { ...PORTS, readinessProbe: { httpGet: { port: 'web' } } },
      error: 'readinessProbe.httpGet.port: port "web" not found in container "main" (the container\'s named ports are "metrics", "http"): name a port in ports[] or use a number',
    },
    {
      name: 'named port in a container without named ports',
      c: { livenessProbe: { tcpSocket: { port: 'redis' } } },
      error: 'livenessProbe.tcpSocket.port: port "redis" not found in container "main" (the container has no named ports): name a port in ports[] or use a number',
    },
    {
      name: 'port out of range',
      c: { livenessProbe: { tcpSocket: { port: 70000 } } },
      error: 'livenessProbe.tcpSocket.port: invalid port number: 70000 (must be between 1 and 65535)',
    },
    {
      name: 'no handler',
      c: { startupProbe: { periodSeconds: 1 } },
      error: 'startupProbe: no handler: set one of exec, httpGet, tcpSocket or grpc',
    },
    {
      name: 'empty exec command',
      c: { livenessProbe: { exec: { command: [] } } },
      error: 'livenessProbe.exec.command: must be a non-empty list of strings',
    },
  ])('$name', ({ c, error }) => {
    const { specs, errors } = resolveProbes(container(c), HOST_IP);
    expect(specs).toEqual([]);
    expect(errors).toEqual([error]);
  });

  test('one bad probe does not hide the good ones', () => {
    const { specs, errors } = resolveProbes(container({
      livenessProbe: { tcpSocket: { port: 'nope' } },
      readinessProbe: { tcpSocket: { port: 1 } },
    }), HOST_IP);
    expect(specs.map((s) => s.kind)).toEqual(['readiness']);
    expect(errors).toHaveLength(1);
  });
});

describe('describeProbe (kubectl describe\'s probe line)', () => {
  test.each([
    { name: 'http', probe: { httpGet: { port: 8080, path: '/healthz' } }, line: 'http-get http://127.0.0.1:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3' },
    { name: 'https with delay', probe: { httpGet: { port: 8443, scheme: 'HTTPS' }, initialDelaySeconds: 5 }, line: 'http-get https://127.0.0.1:8443/ delay=5s timeout=1s period=10s #success=1 #failure=3' },
    { name: 'tcp', probe: { tcpSocket: { port: 6379 }, periodSeconds: 5 }, line: 'tcp-socket 127.0.0.1:6379 delay=0s timeout=1s period=5s #success=1 #failure=3' },
    { name: 'exec', probe: { exec: { command: ['cat', '/tmp/healthy'] } }, line: 'exec [cat /tmp/healthy] delay=0s timeout=1s period=10s #success=1 #failure=3' },
    { name: 'grpc', probe: { grpc: { port: 9090, service: 'x' } }, line: 'grpc <pod>:9090 x delay=0s timeout=1s period=10s #success=1 #failure=3' },
  ])('$name', ({ probe, line }) => {
    expect(describeProbe(liveness(probe))).toBe(line);
  });
});
