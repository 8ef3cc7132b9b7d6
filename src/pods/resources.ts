// A container's resources as hostds uses them: limits become cgroup values (memory in bytes, cpu
// in millicores, rounded up as Quantity.Value()/MilliValue() do), requests are only shown.
import type { Container } from '../manifest/types.js';
import { parseQuantity } from '../manifest/validate-resources.js';

export interface ContainerLimits {
  memoryBytes?: number;
  cpuMillis?: number;
}

/** What a cgroup did for a container's limits, as recorded on the container and shown by describe and why. */
export interface LimitsStatus {
  /** The container's cgroup, as a path inside each hierarchy (e.g. /hostds/pod_main). */
  cgroup?: string;
  /** Why some or all limits are not enforced; absent when every limit is. */
  notEnforced?: string;
}

type Quantities = Record<string, string>;

function quantities(c: Container, kind: 'limits' | 'requests'): Quantities {
  const res = c['resources'];
  if (typeof res !== 'object' || res === null) return {};
  const map = (res as Record<string, unknown>)[kind];
  if (typeof map !== 'object' || map === null) return {};
  const out: Quantities = {};
  for (const [k, v] of Object.entries(map as Record<string, unknown>)) if (typeof v === 'string' || typeof v === 'number') out[k] = String(v);
  return out;
}

/** The limits hostds enforces (memory, cpu); a zero or unparsable quantity means no limit, as for the kubelet. */
export function readLimits(c: Container): ContainerLimits {
  const q = quantities(c, 'limits');
  const out: ContainerLimits = {};
  const memory = q['memory'] === undefined ? undefined : parseQuantity(q['memory']);
  const cpu = q['cpu'] === undefined ? undefined : parseQuantity(q['cpu']);
  // toFixed drops float noise first: 0.1 * 1000 is 100.00000000000001, which must stay 100m.
  if (memory !== undefined && memory > 0) out.memoryBytes = Math.ceil(Number(memory.toFixed(6)));
  if (cpu !== undefined && cpu > 0) out.cpuMillis = Math.ceil(Number((cpu * 1000).toFixed(6)));
  return out;
}

export function hasLimits(l: ContainerLimits): boolean {
  return l.memoryBytes !== undefined || l.cpuMillis !== undefined;
}

/** kubectl's order (sorted names) of the quantities as written, for describe. */
export function listQuantities(c: Container, kind: 'limits' | 'requests'): [string, string][] {
  return Object.entries(quantities(c, kind)).sort(([a], [b]) => a.localeCompare(b));
}

/** `memory 64Mi, cpu 500m`: the enforceable limits as written, for one-line messages. */
export function summarizeLimits(c: Container): string {
  const q = quantities(c, 'limits');
  return ['memory', 'cpu'].filter((k) => q[k] !== undefined).map((k) => `${k} ${q[k]}`).join(', ');
}
