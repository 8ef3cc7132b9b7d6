// A container's probes as the prober needs them: the raw Kubernetes shapes of livenessProbe,
// readinessProbe and startupProbe resolved once into plain data (milliseconds, a number for
// every port, a host for every network probe), so the tracker, the runner and the manager never
// read the manifest. Pure: no clock, no I/O. Semantics follow the kubelet's prober
// (pkg/kubelet/prober/prober.go runProbe, pkg/probe/http/request.go, pkg/probe/util.go).
import type { Container, EnvVar } from '../manifest/types.js';
import { expandVars, lookupIn } from '../pods/expand.js';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';

export type ProbeHandler =
  /**
   * The kubelet execs inside the container, so an exec probe gets the container's working
   * directory and user (securityContext.runAsUser/runAsGroup, the container's over the pod's).
   */
  | { type: 'exec'; command: string[]; workingDir?: string; uid?: number; gid?: number }
  | { type: 'http'; scheme: 'HTTP' | 'HTTPS'; host: string; port: number; path: string; headers: [string, string][] }
  | { type: 'tcp'; host: string; port: number }
  | { type: 'grpc'; port: number; service?: string };

export interface ProbeSpec {
  kind: ProbeKind;
  handler: ProbeHandler;
  initialDelayMs: number;
  periodMs: number;
  timeoutMs: number;
  successThreshold: number;
  failureThreshold: number;
}

/** Where a host pod's probes connect when the manifest sets no `host`. */
export const DEFAULT_PROBE_HOST = '127.0.0.1';

/** The field of each kind in a container, in the order specs are returned. */
export const PROBE_FIELDS: readonly (readonly [ProbeKind, string])[] = [
  ['startup', 'startupProbe'],
  ['readiness', 'readinessProbe'],
  ['liveness', 'livenessProbe'],
];

/**
 * The API server's probe defaults (pkg/apis/core/v1/defaults.go SetDefaults_Probe). A 0 means
 * "unset" there, so it gets the default too; normalize.ts only fills absent fields.
 */
const PROBE_DEFAULTS = { timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 } as const;

type Raw = Record<string, unknown>;

const isRaw = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The probes of one container, and one error per probe that cannot run (that probe yields no
 * spec; the kubelet would fail it on every run instead). `podSecurityContext` gives the exec
 * user where the container sets none.
 *
 * Network probes connect to `host` when set, else to loopback. The kubelet would dial the pod
 * IP, which for a host pod is `hostIP`; loopback reaches every daemon listening on 0.0.0.0 or
 * 127.0.0.1 and never depends on which address discovery picked. A daemon bound to the host IP
 * alone needs `host:` in its probe. `hostIP` is kept so a later "probe the host IP" setting
 * needs no change at the call sites.
 */
export function resolveProbes(
  container: Container,
  hostIP: string,
  podSecurityContext?: Record<string, unknown>,
): { specs: ProbeSpec[]; errors: string[] } {
  void hostIP;
  const specs: ProbeSpec[] = [];
  const errors: string[] = [];
  for (const [kind, field] of PROBE_FIELDS) {
    const raw = container[field];
    if (!isRaw(raw)) continue;
    const handler = resolveHandler(raw, container, podSecurityContext ?? {}, field, errors);
    if (handler === undefined) continue;
    specs.push({
      kind,
      handler,
      initialDelayMs: positiveInt(raw['initialDelaySeconds'], 0) * 1000,
      periodMs: positiveInt(raw['periodSeconds'], PROBE_DEFAULTS.periodSeconds) * 1000,
      timeoutMs: positiveInt(raw['timeoutSeconds'], PROBE_DEFAULTS.timeoutSeconds) * 1000,
      successThreshold: positiveInt(raw['successThreshold'], PROBE_DEFAULTS.successThreshold),
      failureThreshold: positiveInt(raw['failureThreshold'], PROBE_DEFAULTS.failureThreshold),
    });
  }
  return { specs, errors };
}

/** A positive integer field, or `fallback` when absent, 0 or not a number. */
function positiveInt(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : fallback;
}

function resolveHandler(probe: Raw, container: Container, podSc: Raw, field: string, errors: string[]): ProbeHandler | undefined {
  const exec = probe['exec'];
  const http = probe['httpGet'];
  const tcp = probe['tcpSocket'];
  const grpc = probe['grpc'];
  if (isRaw(exec)) return resolveExec(exec, container, podSc, `${field}.exec`, errors);
  if (isRaw(http)) return resolveHttp(http, container, `${field}.httpGet`, errors);
  if (isRaw(tcp)) {
    const port = resolvePort(tcp['port'], container, `${field}.tcpSocket.port`, errors);
    return port === undefined ? undefined : { type: 'tcp', host: hostOf(tcp), port };
  }
  if (isRaw(grpc)) {
    const port = grpc['port'];
    if (typeof port !== 'number' || !isPortNumber(port)) {
      errors.push(`${field}.grpc.port: must be a port number between 1 and 65535, got ${JSON.stringify(port)}`);
      return undefined;
    }
    const service = grpc['service'];
    return typeof service === 'string' ? { type: 'grpc', port, service } : { type: 'grpc', port };
  }
  errors.push(`${field}: no handler: set one of exec, httpGet, tcpSocket or grpc`);
  return undefined;
}

/**
 * The kubelet expands $(VAR) in an exec probe's command with the container's *static* env only
 * (ExpandContainerCommandOnlyStatic): a valueFrom variable expands to "", an unknown one stays.
 */
function resolveExec(exec: Raw, container: Container, podSc: Raw, field: string, errors: string[]): ProbeHandler | undefined {
  const command = exec['command'];
  if (!Array.isArray(command) || command.length === 0 || !command.every((c) => typeof c === 'string')) {
    errors.push(`${field}.command: must be a non-empty list of strings`);
    return undefined;
  }
  const lookup = lookupIn(staticEnv(container.env ?? []));
  const expanded = (command as string[]).map((part) => expandVars(part, lookup));
  const handler: ProbeHandler = { type: 'exec', command: expanded };
  const workingDir = container.workingDir;
  if (typeof workingDir === 'string' && workingDir !== '') handler.workingDir = workingDir;
  const sc = isRaw(container['securityContext']) ? container['securityContext'] : {};
  const uid = idOf(sc['runAsUser']) ?? idOf(podSc['runAsUser']);
  const gid = idOf(sc['runAsGroup']) ?? idOf(podSc['runAsGroup']);
  if (uid !== undefined) handler.uid = uid;
  if (gid !== undefined) handler.gid = gid;
  return handler;
}

function idOf(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined;
}

function staticEnv(env: readonly EnvVar[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of env) out[e.name] = e.value ?? '';
  return out;
}

function resolveHttp(http: Raw, container: Container, field: string, errors: string[]): ProbeHandler | undefined {
  const port = resolvePort(http['port'], container, `${field}.port`, errors);
  if (port === undefined) return undefined;
  const scheme = http['scheme'] === 'HTTPS' ? 'HTTPS' : 'HTTP';
  const rawPath = typeof http['path'] === 'string' ? http['path'] : '';
  // Go's url.URL with a host prints a relative path with a leading slash: "healthz" → "/healthz".
  const path = rawPath.startsWith('/') ? rawPath : `/${rawPath}`;
  const headers: [string, string][] = [];
  const list = http['httpHeaders'];
  if (Array.isArray(list)) {
    for (const h of list) {
      if (isRaw(h) && typeof h['name'] === 'string') headers.push([h['name'], typeof h['value'] === 'string' ? h['value'] : '']);
    }
  }
  return { type: 'http', scheme, host: hostOf(http), port, path, headers };
}

function hostOf(action: Raw): string {
  const host = action['host'];
  return typeof host === 'string' && host !== '' ? host : DEFAULT_PROBE_HOST;
}

/** probe.ResolveContainerPort: a number, or the containerPort of the container port so named. */
function resolvePort(port: unknown, container: Container, field: string, errors: string[]): number | undefined {
  if (typeof port === 'number') {
    if (isPortNumber(port)) return port;
    errors.push(`${field}: invalid port number: ${port} (must be between 1 and 65535)`);
    return undefined;
  }
  if (typeof port !== 'string' || port === '') {
    errors.push(`${field}: required: a port number or the name of one of the container's ports`);
    return undefined;
  }
  const ports = Array.isArray(container['ports']) ? (container['ports'] as unknown[]) : [];
  const named = ports.find((p) => isRaw(p) && p['name'] === port);
  const number = isRaw(named) ? named['containerPort'] : undefined;
  if (typeof number === 'number' && isPortNumber(number)) return number;
  const known = ports.flatMap((p) => (isRaw(p) && typeof p['name'] === 'string' ? [p['name']] : []));
  const hint = known.length > 0 ? `the container's named ports are ${known.map((n) => `"${n}"`).join(', ')}` : 'the container has no named ports';
  errors.push(`${field}: port "${port}" not found in container "${container.name}" (${hint}): name a port in ports[] or use a number`);
  return undefined;
}

function isPortNumber(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 65535;
}

/**
 * kubectl describe's probe line (describe.go DescribeProbe), from the resolved spec, so it shows
 * the address hostds really probes: `http-get http://127.0.0.1:8080/healthz delay=0s timeout=1s
 * period=10s #success=1 #failure=3`.
 */
export function describeProbe(spec: ProbeSpec): string {
  const attrs = `delay=${spec.initialDelayMs / 1000}s timeout=${spec.timeoutMs / 1000}s period=${spec.periodMs / 1000}s ` +
    `#success=${spec.successThreshold} #failure=${spec.failureThreshold}`;
  const h = spec.handler;
  const hostPort = (host: string, port: number): string => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);
  switch (h.type) {
    case 'exec': return `exec [${h.command.join(' ')}] ${attrs}`;
    case 'http': return `http-get ${h.scheme.toLowerCase()}://${hostPort(h.host, h.port)}${h.path} ${attrs}`;
    case 'tcp': return `tcp-socket ${hostPort(h.host, h.port)} ${attrs}`;
    case 'grpc': return `grpc <pod>:${h.port} ${h.service ?? ''} ${attrs}`;
  }
}
