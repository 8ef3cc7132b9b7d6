// Probes and lifecycle hooks: core validation's validateProbe/validateLifecycle/validateHandler.
// hostds runs exec hooks only, so other hook kinds are accepted with a warning.
import { KNOWN } from './known-fields.js';
import { msg, type Field } from './shape.js';

const PROBE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'grpc'] as const;
const HOOK_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'sleep'] as const;
const SCHEMES = ['HTTP', 'HTTPS'] as const;
const PORT_NAME_MAX = 15;

export function validateProbe(probe: Field, mustSucceedOnce: boolean): void {
  if (!probe.map()) return;
  probe.checkKnown(KNOWN.probe);
  validateHandlers(probe, PROBE_HANDLERS);
  for (const k of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
    probe.get(k).nonNegativeInt();
  }
  const success = probe.get('successThreshold');
  const n = success.int();
  // Liveness and startup probes end at the first success; a higher threshold means nothing.
  if (mustSucceedOnce && n !== undefined && n !== 1) success.error('invalid-value', msg.invalid(n, 'must be 1'));
  const grace = probe.get('terminationGracePeriodSeconds');
  const g = grace.int();
  if (g !== undefined && g <= 0) grace.error('invalid-value', msg.invalid(g, 'must be greater than 0'));
}

export function validateLifecycle(lifecycle: Field): void {
  if (!lifecycle.map()) return;
  lifecycle.checkKnown(KNOWN.lifecycle);
  for (const hook of ['postStart', 'preStop']) {
    const h = lifecycle.get(hook);
    if (!h.map()) continue;
    h.checkKnown(KNOWN.lifecycleHandler);
    const kind = validateHandlers(h, HOOK_HANDLERS);
    if (kind !== undefined && kind !== 'exec') {
      h.get(kind).report('ignored-field', `${hook} ${kind} hooks are not run by hostds (only exec hooks are)`, { warn: true, atKey: true });
    }
  }
  const stop = lifecycle.get('stopSignal');
  if (stop.str() !== undefined) {
    stop.report('ignored-field', 'stopSignal is ignored: hostds stops daemons with SIGTERM, then SIGKILL', { warn: true, atKey: true });
  }
}

/** Exactly one handler must be given; returns its kind when there is exactly one. */
function validateHandlers(f: Field, kinds: readonly string[]): string | undefined {
  const present = kinds.filter((k) => f.get(k).isSet);
  if (present.length === 0) {
    f.error('required', msg.required('must specify a handler type'));
    return undefined;
  }
  if (present.length > 1) {
    f.get(present[1]!).error('forbidden', msg.forbidden('may not specify more than 1 handler type'));
    return undefined;
  }
  const kind = present[0]!;
  const h = f.get(kind);
  if (!h.map()) return undefined;
  if (kind === 'exec') validateExec(h);
  else if (kind === 'httpGet') validateHttpGet(h);
  else if (kind === 'tcpSocket') validateTcpSocket(h);
  else if (kind === 'grpc') validateGrpc(h);
  else validateSleep(h);
  return kind;
}

function validateExec(h: Field): void {
  h.checkKnown(KNOWN.execAction);
  const command = h.get('command');
  command.strings();
  if (!command.isSet || (Array.isArray(command.value) && command.value.length === 0)) command.error('required', msg.required());
}

function validateHttpGet(h: Field): void {
  h.checkKnown(KNOWN.httpGetAction);
  h.get('path').str();
  h.get('host').str();
  validatePortNumOrName(h.get('port'));
  const scheme = h.get('scheme');
  const s = scheme.str();
  if (s !== undefined && !(SCHEMES as readonly string[]).includes(s)) scheme.error('unsupported-value', msg.unsupported(s, SCHEMES));
  for (const header of h.get('httpHeaders').items()) {
    if (!header.map()) continue;
    header.checkKnown(KNOWN.httpHeader);
    const name = header.get('name');
    if (name.str() === undefined && !name.isSet) name.error('required', msg.required());
    header.get('value').str();
  }
}

function validateTcpSocket(h: Field): void {
  h.checkKnown(KNOWN.tcpSocketAction);
  h.get('host').str();
  validatePortNumOrName(h.get('port'));
}

function validateGrpc(h: Field): void {
  h.report('ignored-field', 'grpc probes are not run by hostds: this probe is ignored (use tcpSocket on the port, or an exec probe with grpc_health_probe)', { warn: true, atKey: true });
  h.checkKnown(KNOWN.grpcAction);
  h.get('service').str();
  const port = h.get('port');
  const p = port.int();
  if (p === undefined) {
    if (!port.isSet) port.error('required', msg.required());
  } else {
    validatePortNumber(port, p);
  }
}

function validateSleep(h: Field): void {
  h.checkKnown(KNOWN.sleepAction);
  const seconds = h.get('seconds');
  if (seconds.nonNegativeInt() === undefined && !seconds.isSet) seconds.error('required', msg.required());
}

export function validatePortNumber(f: Field, n: number): void {
  if (n < 1 || n > 65535) f.error('invalid-value', msg.invalid(n, 'must be between 1 and 65535, inclusive'));
}

function validatePortNumOrName(port: Field): void {
  const p = port.intOrString();
  if (p === undefined) {
    if (!port.isSet) port.error('required', msg.required());
  } else if (typeof p === 'number') {
    validatePortNumber(port, p);
  } else {
    const errs = portNameErrors(p);
    if (errs.length > 0) port.error('invalid-value', msg.invalid(p, errs.join('; ')));
  }
}

/** validation.IsValidPortName (an IANA service name). */
export function portNameErrors(name: string): string[] {
  const errs: string[] = [];
  if (name.length > PORT_NAME_MAX) errs.push(`must be no more than ${PORT_NAME_MAX} characters`);
  if (!/^[-a-z0-9]+$/.test(name)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (name.includes('--')) errs.push('must not contain consecutive hyphens');
  if (name.length > 0 && !/[a-z]/.test(name)) errs.push('must contain at least one letter (a-z)');
  if (name.startsWith('-') || name.endsWith('-')) errs.push('must not begin or end with a hyphen');
  return errs;
}
