// Defaults of the API server (pkg/apis/apps/<version>/defaults.go and core's pod defaults)
// applied to a DaemonSet that passed validation, so the rest of hostds reads one shape whatever
// API version the file used. Pure: the input is deep-copied, never changed. Default
// tolerations are not added here: the scheduler adds them, like the DaemonSet controller does.
import { isObj, type Obj } from './shape.js';
import type { DaemonSet } from './types.js';
import { defaultStrategyType } from './validate-strategy.js';

const MAX_DEPTH = 64;
const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'] as const;
const PROBE_DEFAULTS = { timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 } as const;

/** For an object `validateDaemonSet` reported no errors for; other input gives an unspecified shape. */
export function normalizeDaemonSet(obj: unknown, apiVersion: string): DaemonSet {
  const ds = copyWithoutNulls(obj, 0, new Map()) as Obj;
  ds['apiVersion'] = apiVersion;
  ds['kind'] = 'DaemonSet';
  delete ds['status']; // hostds computes status itself
  const meta = mapAt(ds, 'metadata');
  if (typeof meta['namespace'] !== 'string' || meta['namespace'] === '') meta['namespace'] = 'default';
  const spec = mapAt(ds, 'spec');
  const template = mapAt(spec, 'template');
  const labels = mapAt(mapAt(template, 'metadata'), 'labels');
  // extensions/v1beta1 defaulted the selector to the template labels.
  if (!isObj(spec['selector'])) spec['selector'] = { matchLabels: { ...labels } };
  defaultUpdateStrategy(mapAt(spec, 'updateStrategy'), apiVersion);
  spec['revisionHistoryLimit'] ??= 10;
  spec['minReadySeconds'] ??= 0;
  defaultPodSpec(mapAt(template, 'spec'));
  return ds as unknown as DaemonSet;
}

function defaultUpdateStrategy(strategy: Obj, apiVersion: string): void {
  if (typeof strategy['type'] !== 'string' || strategy['type'] === '') strategy['type'] = defaultStrategyType(apiVersion);
  if (strategy['type'] !== 'RollingUpdate') return;
  const rolling = mapAt(strategy, 'rollingUpdate');
  rolling['maxUnavailable'] ??= 1;
  rolling['maxSurge'] ??= 0;
}

function defaultPodSpec(pod: Obj): void {
  if (typeof pod['restartPolicy'] !== 'string' || pod['restartPolicy'] === '') pod['restartPolicy'] = 'Always';
  pod['terminationGracePeriodSeconds'] ??= 30;
  for (const list of ['initContainers', 'containers']) {
    const containers = pod[list];
    if (!Array.isArray(containers)) continue;
    for (const c of containers) if (isObj(c)) defaultContainer(c);
  }
}

function defaultContainer(c: Obj): void {
  const resources = c['resources'];
  if (isObj(resources)) {
    for (const kind of ['limits', 'requests']) quantitiesToStrings(resources[kind]);
  }
  for (const name of PROBES) {
    const probe = c[name];
    if (isObj(probe)) defaultProbe(probe);
  }
}

/** `cpu: 0.15` is a YAML number; downstream code parses quantities from strings only. */
function quantitiesToStrings(map: unknown): void {
  if (!isObj(map)) return;
  for (const [k, v] of Object.entries(map)) if (typeof v === 'number') map[k] = String(v);
}

function defaultProbe(probe: Obj): void {
  for (const [k, v] of Object.entries(PROBE_DEFAULTS)) probe[k] ??= v;
  const http = probe['httpGet'];
  if (isObj(http)) {
    http['path'] ??= '/';
    http['scheme'] ??= 'HTTP';
  }
}

/** The map at `obj[key]`, created when absent. */
function mapAt(obj: Obj, key: string): Obj {
  const v = obj[key];
  if (isObj(v)) return v;
  const created: Obj = {};
  obj[key] = created;
  return created;
}

/**
 * A deep copy without the map entries whose value is null: Kubernetes' JSON decoding treats
 * `tolerations:` or `env:` with no value as unset, and consumers should not have to check for
 * null everywhere. Built in one pass: `structuredClone` and then `delete` cost twice as much, and
 * a `delete` leaves V8 an object in its slow dictionary mode. A value reached twice (a YAML alias)
 * is copied once and shared, as `structuredClone` shares it. Past MAX_DEPTH, and for anything but
 * plain maps and lists, `structuredClone` copies the rest as it is.
 */
function copyWithoutNulls(v: unknown, depth: number, copies: Map<object, unknown>): unknown {
  if (typeof v !== 'object' || v === null) return v;
  const done = copies.get(v);
  if (done !== undefined) return done;
  if (depth > MAX_DEPTH || !(Array.isArray(v) || isObj(v))) return structuredClone(v);
  if (Array.isArray(v)) {
    const list: unknown[] = new Array(v.length);
    copies.set(v, list);
    for (let i = 0; i < v.length; i++) list[i] = copyWithoutNulls(v[i], depth + 1, copies);
    return list;
  }
  const map: Obj = {};
  copies.set(v, map);
  for (const k of Object.keys(v)) {
    const x = v[k];
    if (x === null) continue;
    // A key named __proto__ is data in YAML; assigned, it would set the copy's prototype.
    if (k === '__proto__') Object.defineProperty(map, k, { value: copyWithoutNulls(x, depth + 1, copies), enumerable: true, writable: true, configurable: true });
    else map[k] = copyWithoutNulls(x, depth + 1, copies);
  }
  return map;
}
