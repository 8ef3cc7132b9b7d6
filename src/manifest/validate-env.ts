// A container's environment: core validation's ValidateEnv, plus what hostds can provide on a
// host. Only `value` and a few downward-API fields exist here; everything else is unset, so say so.
import { isEnvVarName, isQualifiedName } from './k8s-names.js';
import { KNOWN } from './known-fields.js';
import { msg, type Field } from './shape.js';

/** The downward-API fields hostds can fill in on a host. */
export const HOSTDS_FIELD_PATHS: readonly string[] = ['metadata.name', 'metadata.namespace', 'spec.nodeName', 'status.hostIP', 'status.podIP'];

/** validEnvDownwardAPIFieldPathExpressions of core validation. */
const K8S_FIELD_PATHS: readonly string[] = [
  'metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName',
  'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs',
];
const SUBSCRIPTED_RE = /^metadata\.(labels|annotations)\['(.*)'\]$/;
const RESOURCE_FIELDS = [
  'limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage',
];
const SOURCES = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'] as const;

/** A variable hostds cannot fill in: where to point, and why, for the one warning per container. */
interface Unset {
  at: Field;
  what: string;
}

/** Validates `env`; variables hostds cannot fill in are listed in one warning per container. */
export function validateEnv(env: Field): void {
  const unset = env.items().map(validateEnvVar).filter((u): u is Unset => u !== undefined);
  const first = unset[0];
  if (!first) return;
  const fieldRefNote = unset.some((u) => u.what.includes('fieldRef '))
    ? `; of the downward API, hostds provides only ${HOSTDS_FIELD_PATHS.join(', ')}` : '';
  first.at.report('ignored-field', `not supported by hostds, so ${unset.length === 1 ? 'this variable' : 'these variables'} ` +
    `will be unset: ${unset.map((u) => u.what).join(', ')}; write the values with \`value:\` instead${fieldRefNote}`,
  { warn: true, atKey: true });
}

function validateEnvVar(v: Field): Unset | undefined {
  if (!v.map()) return undefined;
  v.checkKnown(KNOWN.envVar);
  const nameField = v.get('name');
  const name = nameField.str();
  if (name === undefined) {
    if (!nameField.isSet) nameField.error('required', msg.required());
  } else {
    const errs = isEnvVarName(name);
    if (errs.length > 0) nameField.error('invalid-name', msg.invalid(name, errs.join('; ')));
  }
  const value = v.get('value').str() ?? '';
  const from = v.get('valueFrom');
  if (!from.map()) return undefined;
  if (value !== '') {
    from.error('invalid-value', msg.invalid('', 'may not be specified when `value` is not empty'));
    return undefined;
  }
  const source = validateEnvSource(from);
  return source === undefined ? undefined : { at: from.get(source.kind), what: `${name ?? '?'} (${source.detail})` };
}

/** Returns the source when it is one hostds cannot provide. */
function validateEnvSource(from: Field): { kind: string; detail: string } | undefined {
  from.checkKnown(KNOWN.envVarSource);
  const present = SOURCES.filter((s) => from.get(s).isSet);
  if (present.length === 0) {
    from.error('invalid-value', msg.invalid('', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
    return undefined;
  }
  if (present.length > 1) {
    from.error('invalid-value', msg.invalid('', 'may not have more than one field specified at a time'));
    return undefined;
  }
  const kind = present[0]!;
  const f = from.get(kind);
  if (!f.map()) return undefined;
  if (kind === 'fieldRef') {
    const path = validateFieldRef(f);
    return path === undefined ? undefined : { kind, detail: `fieldRef ${path}` };
  }
  if (kind === 'resourceFieldRef') validateResourceFieldRef(f);
  else validateKeyRef(f);
  return { kind, detail: kind };
}

/** Returns the fieldPath when it is valid in Kubernetes but not provided by hostds. */
function validateFieldRef(ref: Field): string | undefined {
  ref.checkKnown(KNOWN.fieldRef);
  const apiVersion = ref.get('apiVersion');
  const av = apiVersion.str();
  if (av !== undefined && av !== 'v1') apiVersion.error('unsupported-value', msg.unsupported(av, ['v1']));
  const pathField = ref.get('fieldPath');
  const path = pathField.str();
  if (path === undefined) {
    if (!pathField.isSet) pathField.error('required', msg.required());
    return undefined;
  }
  if (HOSTDS_FIELD_PATHS.includes(path)) return undefined;
  const sub = SUBSCRIPTED_RE.exec(path);
  if (sub) {
    const errs = isQualifiedName((sub[2] ?? '').toLowerCase());
    if (errs.length === 0) return path;
    pathField.error('invalid-value', msg.invalid(path, errs.join('; ')));
    return undefined;
  }
  if (K8S_FIELD_PATHS.includes(path)) return path;
  pathField.error('unsupported-value', msg.unsupported(path, K8S_FIELD_PATHS));
  return undefined;
}

function validateResourceFieldRef(ref: Field): void {
  ref.checkKnown(KNOWN.resourceFieldRef);
  const resource = ref.get('resource');
  const r = resource.str();
  if (r === undefined) {
    if (!resource.isSet) resource.error('required', msg.required());
  } else if (!RESOURCE_FIELDS.includes(r)) {
    resource.error('unsupported-value', msg.unsupported(r, RESOURCE_FIELDS));
  }
  ref.get('containerName').str();
  ref.get('divisor').intOrString();
}

function validateKeyRef(ref: Field): void {
  ref.checkKnown(KNOWN.keyRef);
  const key = ref.get('key');
  if (key.str() === undefined && !key.isSet) key.error('required', msg.required());
  ref.get('name').str();
  ref.get('optional').bool();
}

/** envFrom imports whole ConfigMaps or Secrets, which a host does not have. */
export function validateEnvFrom(envFrom: Field): void {
  const items = envFrom.items();
  for (const item of items) {
    if (!item.map()) continue;
    item.checkKnown(KNOWN.envFrom);
    item.get('prefix').str();
  }
  if (items.length > 0) {
    envFrom.report('ignored-field', 'envFrom is not supported by hostds (a host has no ConfigMaps or Secrets); ' +
      'its variables will be unset: list them under env with `value:` instead', { warn: true, atKey: true });
  }
}
