// One container (or init container): core validation's validateContainers, plus the rules that
// make it runnable as a host process: hostds runs `command`, never the image's ENTRYPOINT.
import { isDNS1123Label } from './k8s-names.js';
import { CLUSTER_ONLY_CONTAINER_FIELDS, HONOURED_SECURITY_FIELDS, KNOWN } from './known-fields.js';
import { msg, type Field } from './shape.js';
import { validateEnv, validateEnvFrom } from './validate-env.js';
import { reportNameErrors } from './validate-meta.js';
import { portNameErrors, validateLifecycle, validatePortNumber, validateProbe } from './validate-probe.js';
import { validateResources } from './validate-resources.js';
import { validateVolumeMounts, type VolumeInfo } from './validate-volumes.js';

export type ContainerKind = 'container' | 'init container';

const PULL_POLICIES = ['Always', 'Never', 'IfNotPresent'] as const;
const MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'] as const;
const PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;
const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'] as const;
const CONTAINER_SCALARS: Readonly<Record<string, 'str' | 'bool'>> = {
  workingDir: 'str', imagePullPolicy: 'str', terminationMessagePath: 'str', terminationMessagePolicy: 'str',
  stdin: 'bool', stdinOnce: 'bool', tty: 'bool',
};
const CONTAINER_SCALAR_ENTRIES = Object.entries(CONTAINER_SCALARS);

/** Validates one container; returns its name for the cross-container duplicate check. */
export function validateContainer(c: Field, kind: ContainerKind, volumes: Map<string, VolumeInfo>): string | undefined {
  if (!c.map()) return undefined;
  c.checkKnown(KNOWN.container);
  const name = validateContainerName(c.get('name'));
  const image = c.get('image');
  const img = image.str();
  if (!image.isSet || img === '') {
    image.warn('required', msg.required('Kubernetes needs an image; hostds runs `command` on the host and only shows the image'));
  }
  validateCommand(c, kind, name ?? '', img);
  validateScalars(c);
  validateEnv(c.get('env'));
  validateEnvFrom(c.get('envFrom'));
  validatePorts(c.get('ports'));
  validateResources(c.get('resources'));
  validateVolumeMounts(c.get('volumeMounts'), volumes, name ?? '');
  validateContainerHooks(c, kind);
  validateSecurityContext(c.get('securityContext'));
  for (const key of c.setKeys()) {
    if (CLUSTER_ONLY_CONTAINER_FIELDS.has(key)) c.ctx.clusterOnly.push({ name: key, path: c.child(key) });
  }
  return name;
}

function validateContainerName(f: Field): string | undefined {
  const name = f.str();
  if (name === undefined || name === '') {
    if (!f.isSet || name === '') f.error('required', msg.required());
    return undefined;
  }
  reportNameErrors(f, name, isDNS1123Label(name));
  return name;
}

/** Missing command is the most common reason a real DaemonSet cannot run here: name the fix. */
function validateCommand(c: Field, kind: ContainerKind, name: string, image: string | undefined): void {
  const command = c.get('command');
  const args = c.get('args');
  command.strings();
  const hasArgs = (args.strings()?.length ?? 0) > 0;
  // A non-list or a list with wrong elements was reported as invalid-type; do not pile on.
  if (command.isSet && (!Array.isArray(command.value) || command.value.length > 0)) return;
  const program = guessProgramPath(image, name);
  const who = `${kind} ${JSON.stringify(name)}`;
  const why = 'hostds runs host processes, not images, so it cannot use the image\'s ENTRYPOINT';
  const add = `add command: [${JSON.stringify(program)}] (the program's path on this host)`;
  const text = hasArgs
    ? `${who} has args but no command: args alone are not enough, because ${why}; ${add} and keep args`
    : `${who} has no command: ${why}; ${add}`;
  command.error('missing-command', text);
}

/** `quay.io/prometheus/node-exporter:v1.8@sha256:…` suggests /usr/local/bin/node-exporter. */
function guessProgramPath(image: string | undefined, name: string): string {
  const repo = (image ?? '').split('@')[0] ?? '';
  const last = repo.split('/').pop() ?? '';
  const base = last.split(':')[0] ?? '';
  return `/usr/local/bin/${base || name || 'program'}`;
}

function validateScalars(c: Field): void {
  for (const [key, type] of CONTAINER_SCALAR_ENTRIES) {
    const f = c.get(key);
    if (type === 'bool') f.bool();
    else f.str();
  }
  const pull = c.get('imagePullPolicy');
  const p = pull.str();
  if (p !== undefined && p !== '' && !(PULL_POLICIES as readonly string[]).includes(p)) pull.error('unsupported-value', msg.unsupported(p, PULL_POLICIES));
  const tmp = c.get('terminationMessagePolicy');
  const t = tmp.str();
  if (t !== undefined && t !== '' && !(MESSAGE_POLICIES as readonly string[]).includes(t)) tmp.error('unsupported-value', msg.unsupported(t, MESSAGE_POLICIES));
}

function validatePorts(ports: Field): void {
  const names = new Set<string>();
  const remapped: string[] = [];
  const items = ports.items();
  for (const p of items) {
    if (!p.map()) continue;
    p.checkKnown(KNOWN.containerPort);
    const cp = p.get('containerPort');
    const n = cp.int();
    if (n === undefined) {
      if (!cp.isSet) cp.error('required', msg.required());
    } else validatePortNumber(cp, n);
    const hp = p.get('hostPort');
    const h = hp.int();
    if (h !== undefined && h !== 0) validatePortNumber(hp, h);
    if (h !== undefined && h !== 0 && n !== undefined && h !== n) remapped.push(`hostPort ${h} -> containerPort ${n}`);
    validatePortName(p.get('name'), names);
    const proto = p.get('protocol');
    const pr = proto.str();
    if (pr !== undefined && !(PROTOCOLS as readonly string[]).includes(pr)) proto.error('unsupported-value', msg.unsupported(pr, PROTOCOLS));
    p.get('hostIP').str();
  }
  if (items.length === 0) return;
  const detail = remapped.length > 0 ? ` (${remapped.join(', ')}: it listens on the containerPort)` : '';
  ports.report('ignored-field', `ports are informational: hostds does not map ports, the daemon listens on the host directly${detail}`,
    { warn: true, atKey: true });
}

function validatePortName(f: Field, names: Set<string>): void {
  const name = f.str();
  if (name === undefined || name === '') return;
  const errs = portNameErrors(name);
  if (errs.length > 0) f.error('invalid-name', msg.invalid(name, errs.join('; ')));
  if (names.has(name)) f.error('duplicate-name', msg.duplicate(name));
  names.add(name);
}

/** Init containers run to completion, so probes, hooks and sidecar restarts do not apply to them. */
function validateContainerHooks(c: Field, kind: ContainerKind): void {
  const restart = c.get('restartPolicy');
  const rp = restart.str();
  const isSidecar = kind === 'init container' && rp === 'Always';
  if (rp !== undefined && kind === 'container') {
    restart.error('forbidden', msg.forbidden('may not be set for non-init containers'));
  } else if (rp !== undefined && rp !== 'Always') {
    restart.error('unsupported-value', msg.unsupported(rp, ['Always']));
  } else if (isSidecar) {
    restart.error('forbidden', msg.forbidden('sidecar init containers (restartPolicy: Always) are not supported by hostds, ' +
      'which runs init containers to completion before the containers; move this one to containers'));
  }
  for (const probe of PROBES) {
    const f = c.get(probe);
    if (kind === 'init container' && f.isSet && !isSidecar) {
      f.report('forbidden', msg.forbidden('may not be set for init containers without restartPolicy=Always'), { atKey: true });
    } else validateProbe(f, probe !== 'readinessProbe');
  }
  const lifecycle = c.get('lifecycle');
  if (kind === 'init container' && lifecycle.isSet && !isSidecar) {
    lifecycle.report('forbidden', msg.forbidden('may not be set for init containers without restartPolicy=Always'), { atKey: true });
  } else validateLifecycle(lifecycle);
}

/** Container securityContext: hostds applies the user and group; one warning lists the rest. */
function validateSecurityContext(sc: Field): void {
  if (!sc.map()) return;
  sc.checkKnown(KNOWN.securityContext);
  numericId(sc.get('runAsUser'), 'user');
  numericId(sc.get('runAsGroup'), 'group');
  sc.get('runAsNonRoot').bool();
  sc.get('readOnlyRootFilesystem').bool();
  sc.get('procMount').str();
  const privileged = sc.get('privileged').bool();
  const escalation = sc.get('allowPrivilegeEscalation');
  if (escalation.bool() === false && privileged === true) {
    escalation.error('invalid-value', msg.invalid(false, 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true'));
  }
  const caps = sc.get('capabilities');
  if (caps.map()) {
    caps.checkKnown(KNOWN.capabilities);
    caps.get('add').strings();
    caps.get('drop').strings();
  }
  warnIgnoredSecurity(sc);
}

/**
 * runAsUser, runAsGroup: ids only, as in Kubernetes. A name is the likeliest mistake on a host
 * (`runAsUser: nobody`), so say how to get its id rather than only "expected an integer".
 */
export function numericId(f: Field, kind: 'user' | 'group'): void {
  if (typeof f.value === 'string' && f.value.trim() !== '' && !/^\d+$/.test(f.value.trim())) {
    f.error('invalid-type', `expected a numeric ${kind} id, got the name ${JSON.stringify(f.value)}: securityContext takes ids, as in Kubernetes; ` +
      `write the ${kind}'s id (on the host: ${kind === 'user' ? `id -u ${f.value}` : `getent group ${f.value}`})`);
    return;
  }
  f.nonNegativeInt();
}

export function warnIgnoredSecurity(sc: Field): void {
  const ignored = sc.setKeys().filter((k) => !HONOURED_SECURITY_FIELDS.has(k));
  if (ignored.length === 0) return;
  sc.report('ignored-field', `securityContext fields not enforced by hostds: ${ignored.join(', ')} (the daemon is a plain host ` +
    'process with the agent\'s privileges, except runAsUser, runAsGroup and runAsNonRoot)', { warn: true, atKey: true });
}
