// Container resources: names and quantities as core validation's ValidateResourceRequirements
// checks them. A YAML number (`cpu: 0.15`) is a valid quantity, as the API server accepts it.
import { isQualifiedName } from './k8s-names.js';
import { KNOWN } from './known-fields.js';
import { msg, type Field } from './shape.js';

const QUANTITY_RE = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))([eE][+-]?[0-9]+|[KMGTPE]i|[numkMGTPE])?$/;
const SUFFIX: Readonly<Record<string, number>> = {
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};
const QUANTITY_ERR = "must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);

/** The value of a resource.Quantity, or undefined when it is not one. */
export function parseQuantity(v: string | number): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  const m = QUANTITY_RE.exec(v.trim() === v ? v : '');
  if (!m) return undefined;
  const suffix = m[2] ?? '';
  const scale = /^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : SUFFIX[suffix];
  return scale === undefined ? undefined : Number(m[1]) * scale;
}

export function validateResources(res: Field): void {
  if (!res.map()) return;
  res.checkKnown(KNOWN.resources);
  const limits = readQuantities(res.get('limits'));
  const requests = readQuantities(res.get('requests'));
  for (const [name, request] of requests) {
    const limit = limits.get(name);
    if (limit === undefined || request.value <= limit.value) continue;
    request.field.error('invalid-value', msg.invalid(request.field.value,
      `must be less than or equal to ${name} limit of ${String(limit.field.value)}`));
  }
  const claims = res.get('claims');
  if ((claims.list()?.length ?? 0) > 0) res.ctx.clusterOnly.push({ name: 'resources.claims', path: claims.path });
}

function readQuantities(map: Field): Map<string, { field: Field; value: number }> {
  const out = new Map<string, { field: Field; value: number }>();
  for (const [name, f] of map.entries()) {
    validateResourceName(f, name);
    const raw = f.value;
    if (typeof raw !== 'string' && typeof raw !== 'number') {
      if (f.isSet) f.typeError('a quantity such as "100m", "64Mi" or 0.5');
      continue;
    }
    const value = parseQuantity(raw);
    if (value === undefined) {
      f.error('invalid-value', msg.invalid(raw, QUANTITY_ERR));
    } else if (value < 0) {
      f.error('invalid-value', msg.invalid(raw, 'must be greater than or equal to 0'));
    } else {
      out.set(name, { field: f, value });
    }
  }
  return out;
}

function validateResourceName(f: Field, name: string): void {
  if (name.includes('/')) {
    const errs = isQualifiedName(name);
    if (errs.length > 0) f.report('invalid-value', msg.invalid(name, errs.join('; ')), { atKey: true });
  } else if (!STANDARD_CONTAINER_RESOURCES.has(name) && !name.startsWith('hugepages-')) {
    f.report('invalid-value', msg.invalid(name, 'must be a standard resource for containers'), { atKey: true });
  }
}
