// Node conditions from measured host signals, with the kubelet's hysteresis, and the taints
// they put on this host (DESIGN §2). Pure: edge modules measure, the clock comes in as `nowMs`.
// Semantics of kubelet pkg/kubelet/eviction: helpers.go (parseThresholdStatement, thresholdsMet:
// a threshold is met when available < threshold, strictly; nodeConditionsObservedSince: a
// condition holds while now - lastObservedAt < pressure transition period) and of
// pkg/kubelet/nodestatus/setters.go (reasons and messages; lastTransitionTime only on change).
import { humanDuration } from '../lib/duration.js';
import type { Taint } from '../manifest/types.js';
import { parseQuantity } from '../manifest/validate-resources.js';
import {
  TAINT_NODE_DISK_PRESSURE, TAINT_NODE_MEMORY_PRESSURE, TAINT_NODE_NETWORK_UNAVAILABLE, TAINT_NODE_PID_PRESSURE,
} from '../schedule/default-tolerations.js';

/** One sample, taken by an edge module at time `atMs`. An absent field means that measurement failed. */
export interface Measurement {
  atMs: number;
  memory?: { availableBytes: number; capacityBytes: number; source: 'meminfo' | 'cgroup' };
  nodefs?: Array<{ path: string; mountPoint: string; availableBytes: number; capacityBytes: number; inodesFree: number; inodesTotal: number }>;
  pids?: { available: number; max: number; source: 'pid_max' | 'cgroup' };
  network?: { defaultRoute: boolean; iface?: string; ifaceUp: boolean };
}

export type SignalName = 'memory.available' | 'nodefs.available' | 'nodefs.inodesFree' | 'pid.available';
export const SIGNAL_NAMES: readonly SignalName[] = ['memory.available', 'nodefs.available', 'nodefs.inodesFree', 'pid.available'];

/** `quantity` in bytes (inodes, pids for the count signals); `percentage` in percent of capacity (10 for `10%`). */
export interface Threshold { signal: SignalName; quantity?: number; percentage?: number; raw: string }

export type ConditionType = 'Ready' | 'MemoryPressure' | 'DiskPressure' | 'PIDPressure' | 'NetworkUnavailable';

export interface Observation { signal: SignalName | 'network'; value: string; threshold: string; path?: string }

export interface NodeCondition {
  type: ConditionType;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  /** RFC 3339, seconds precision, as kubectl shows it. */
  lastHeartbeatTime: string;
  lastTransitionTime: string;
  /** What `describe node` prints: measured value against threshold, in human units. */
  observed?: Observation[];
}

export interface ConditionState {
  conditions: NodeCondition[];
  /** per pressure condition: last time its threshold was met */
  lastMetMs: Partial<Record<ConditionType, number>>;
}

// ---- thresholds ----------------------------------------------------------------------------

const PERCENT_RE = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))%$/;

/**
 * config.yaml `evictionHard` → thresholds, in SIGNAL_NAMES order, plus every error found.
 * As the kubelet: `0%` and `100%` switch a signal off, a percentage must lie in [0, 100], a
 * quantity must not be negative. Unlike the kubelet, `0` and `''` switch a signal off too.
 */
export function parseThresholds(evictionHard: Readonly<Record<string, string>>): { thresholds: Threshold[]; errors: string[] } {
  const thresholds: Threshold[] = [];
  const errors: string[] = [];
  for (const [signal, raw] of Object.entries(evictionHard)) {
    if (!isSignalName(signal)) {
      errors.push(`evictionHard: unsupported eviction signal "${signal}" (supported: ${SIGNAL_NAMES.join(', ')})`);
      continue;
    }
    const parsed = parseThreshold(signal, raw);
    if (typeof parsed === 'string') errors.push(`evictionHard.${signal}: ${parsed}`);
    else if (parsed !== undefined) thresholds.push(parsed);
  }
  thresholds.sort((a, b) => SIGNAL_NAMES.indexOf(a.signal) - SIGNAL_NAMES.indexOf(b.signal));
  return { thresholds, errors };
}

function isSignalName(s: string): s is SignalName {
  return (SIGNAL_NAMES as readonly string[]).includes(s);
}

/** A threshold, undefined when it switches the signal off, or the error text. */
function parseThreshold(signal: SignalName, raw: string): Threshold | undefined | string {
  if (typeof raw !== 'string') return `invalid threshold ${JSON.stringify(raw)}: use a quantity (100Mi) or a percentage (10%)`;
  if (raw === '') return undefined;
  const percent = PERCENT_RE.exec(raw);
  if (percent) {
    const n = Number(percent[1]);
    if (n < 0) return `percentage threshold "${raw}" must be >= 0%`;
    if (n > 100) return `percentage threshold "${raw}" must be <= 100%`;
    return n === 0 || n === 100 ? undefined : { signal, percentage: n, raw };
  }
  const q = parseQuantity(raw);
  if (q === undefined) return `invalid threshold "${raw}": use a quantity (100Mi) or a percentage (10%)`;
  if (q < 0) return `threshold "${raw}" must be positive`;
  return q === 0 ? undefined : { signal, quantity: q, raw };
}

// ---- reading a measurement -----------------------------------------------------------------

interface Wording { trueReason: string; trueMessage: string; falseReason: string; falseMessage: string }

/** One condition's reading of one sample: whether its threshold is met now, and why. */
interface Verdict { met: boolean; detail: string; observed: Observation[]; wording: Wording }

interface Check { met: boolean; observation: Observation }

type Format = (n: number) => string;

/** One threshold against one observed amount; undefined when the capacity is 0 (btrfs inodes). */
function check(th: Threshold, available: number, capacity: number, format: Format, path?: string): Check | undefined {
  if (!(capacity > 0)) return undefined;
  const limit = th.quantity ?? (th.percentage === undefined ? undefined : Math.trunc((capacity * th.percentage) / 100));
  if (limit === undefined) return undefined;
  const value = th.percentage === undefined ? format(available) : formatPercent((available * 100) / capacity);
  const observation: Observation = { signal: th.signal, value, threshold: th.raw };
  if (path !== undefined) observation.path = path;
  return { met: available < limit, observation };
}

/** The checks of one threshold, or undefined when the sample lacks its signal. */
function checksOf(th: Threshold, m: Measurement): Array<Check | undefined> | undefined {
  switch (th.signal) {
    case 'memory.available':
      return m.memory && [check(th, m.memory.availableBytes, m.memory.capacityBytes, formatBytes)];
    case 'nodefs.available':
      return m.nodefs?.length ? m.nodefs.map((fs) => check(th, fs.availableBytes, fs.capacityBytes, formatBytes, fs.path)) : undefined;
    case 'nodefs.inodesFree':
      return m.nodefs?.length ? m.nodefs.map((fs) => check(th, fs.inodesFree, fs.inodesTotal, formatCount, fs.path)) : undefined;
    case 'pid.available':
      return m.pids && [check(th, m.pids.available, m.pids.max, formatCount)];
  }
}

/** thresholdsMet for one condition: met when any of its thresholds is met on any path. */
function readPressure(signals: readonly SignalName[], wording: Wording, m: Measurement, thresholds: readonly Threshold[]): Verdict | undefined {
  const checks: Check[] = [];
  for (const th of thresholds.filter((t) => signals.includes(t.signal))) {
    const some = checksOf(th, m);
    if (some === undefined) return undefined;
    for (const c of some) if (c !== undefined) checks.push(c);
  }
  const met = checks.filter((c) => c.met).map((c) => c.observation);
  const detail = met.map((o) => `${o.signal} ${o.value} < ${o.threshold}${o.path === undefined ? '' : ` on ${o.path}`}`).join(', ');
  return { met: met.length > 0, detail, observed: checks.map((c) => c.observation), wording };
}

function readNetwork(m: Measurement): Verdict | undefined {
  const net = m.network;
  if (net === undefined) return undefined;
  const iface = net.iface ?? '';
  const via = iface === '' ? '' : ` via ${iface}`;
  const up = { falseReason: 'DefaultRouteUp', falseMessage: `default route${via} is up` };
  const observed: Observation[] = [{
    signal: 'network',
    value: net.defaultRoute ? `default route${via} ${net.ifaceUp ? 'up' : 'down'}` : 'no default route',
    threshold: 'default route on an interface that is up',
  }];
  if (!net.defaultRoute) return { met: true, detail: '', observed, wording: { trueReason: 'NoDefaultRoute', trueMessage: 'node has no default route', ...up } };
  if (!net.ifaceUp) {
    const trueMessage = iface === '' ? 'default route interface is down' : `default route interface ${iface} is down`;
    return { met: true, detail: '', observed, wording: { trueReason: 'InterfaceDown', trueMessage, ...up } };
  }
  return { met: false, detail: '', observed, wording: { trueReason: 'NoDefaultRoute', trueMessage: 'node has no default route', ...up } };
}

// ---- conditions ----------------------------------------------------------------------------

interface ConditionSpec {
  type: ConditionType;
  /** undefined: not measured in this sample, so the condition keeps its status. */
  read(m: Measurement, thresholds: readonly Threshold[]): Verdict | undefined;
  /** Pressure conditions hold for the transition period after their threshold was last met. */
  hysteresis: boolean;
}

function pressure(type: ConditionType, signals: readonly SignalName[], wording: Wording): ConditionSpec {
  return { type, hysteresis: true, read: (m, thresholds) => readPressure(signals, wording, m, thresholds) };
}

const READY_WORDING: Wording = { trueReason: 'KubeletReady', trueMessage: 'kubelet is posting ready status', falseReason: '', falseMessage: '' };

/** In the order `kubectl describe node` lists them. */
const SPECS: readonly ConditionSpec[] = [
  { type: 'NetworkUnavailable', hysteresis: true, read: readNetwork },
  pressure('MemoryPressure', ['memory.available'], {
    trueReason: 'KubeletHasInsufficientMemory', trueMessage: 'kubelet has insufficient memory available',
    falseReason: 'KubeletHasSufficientMemory', falseMessage: 'kubelet has sufficient memory available',
  }),
  pressure('DiskPressure', ['nodefs.available', 'nodefs.inodesFree'], {
    trueReason: 'KubeletHasDiskPressure', trueMessage: 'kubelet has disk pressure',
    falseReason: 'KubeletHasNoDiskPressure', falseMessage: 'kubelet has no disk pressure',
  }),
  pressure('PIDPressure', ['pid.available'], {
    trueReason: 'KubeletHasInsufficientPID', trueMessage: 'kubelet has insufficient PID available',
    falseReason: 'KubeletHasSufficientPID', falseMessage: 'kubelet has sufficient PID available',
  }),
  { type: 'Ready', hysteresis: false, read: () => ({ met: true, detail: '', observed: [], wording: READY_WORDING }) },
];

const NEVER_MEASURED = { reason: 'NodeStatusNeverUpdated', message: 'hostds has not measured this condition yet' };

/** Every condition Unknown, as before the first measurement. */
export function initialConditions(nowMs: number): ConditionState {
  return { conditions: SPECS.map((s) => unknownCondition(s.type, rfc3339(nowMs))), lastMetMs: {} };
}

function unknownCondition(type: ConditionType, time: string): NodeCondition {
  return { type, status: 'Unknown', ...NEVER_MEASURED, lastHeartbeatTime: time, lastTransitionTime: time };
}

/**
 * The conditions after one sample. A condition turns True as soon as its threshold is met and
 * False only once it has not been met for `transitionMs` (kubelet nodeConditionsObservedSince);
 * a signal missing from the sample keeps its condition's status. `nowMs` is epoch ms: it both
 * drives the hysteresis and stamps the RFC 3339 times.
 */
export function evaluateConditions(
  prev: ConditionState, m: Measurement, thresholds: readonly Threshold[], transitionMs: number, nowMs: number,
): ConditionState {
  const lastMetMs: Partial<Record<ConditionType, number>> = { ...prev.lastMetMs };
  const conditions = SPECS.map((spec) => {
    const before = prev.conditions.find((c) => c.type === spec.type) ?? unknownCondition(spec.type, rfc3339(nowMs));
    const verdict = spec.read(m, thresholds);
    if (verdict === undefined) return keepCondition(before, nowMs);
    if (verdict.met && spec.hysteresis) lastMetMs[spec.type] = nowMs;
    return nextCondition(before, verdict, lastMetMs[spec.type], transitionMs, nowMs);
  });
  return { conditions, lastMetMs };
}

/** The condition after a measured sample; held True while within the transition period. */
function nextCondition(before: NodeCondition, v: Verdict, lastMet: number | undefined, transitionMs: number, nowMs: number): NodeCondition {
  const now = rfc3339(nowMs);
  // Only a True condition is held, so a longer period after a reload never revives a False one.
  const held = !v.met && before.status === 'True' && lastMet !== undefined && nowMs - lastMet < transitionMs;
  const status = v.met || held ? 'True' : 'False';
  let reason = v.wording.falseReason;
  let message = v.wording.falseMessage;
  if (v.met) {
    reason = v.wording.trueReason;
    message = v.detail === '' ? v.wording.trueMessage : `${v.wording.trueMessage} (${v.detail})`;
  } else if (held) {
    reason = before.reason;
    message = `${baseMessage(before.message)}; held until ${rfc3339(lastMet + transitionMs)} unless met again ` +
      `(transition period ${humanDuration(transitionMs)})`;
  }
  const next: NodeCondition = {
    type: before.type, status, reason, message, lastHeartbeatTime: now,
    lastTransitionTime: status === before.status ? before.lastTransitionTime : now,
  };
  if (v.observed.length > 0) next.observed = v.observed.map((o) => ({ ...o }));
  return next;
}

/** Not measured: the same status and reason, a fresh heartbeat, and no stale figures. */
function keepCondition(before: NodeCondition, nowMs: number): NodeCondition {
  const now = rfc3339(nowMs);
  const message = before.status === 'Unknown' ? before.message : `${baseMessage(before.message)}; not measured at ${now}, status kept`;
  return { type: before.type, status: before.status, reason: before.reason, message, lastHeartbeatTime: now, lastTransitionTime: before.lastTransitionTime };
}

/** The message without the notes this module appends after `; `. */
function baseMessage(message: string): string {
  const i = message.indexOf('; ');
  return i < 0 ? message : message.slice(0, i);
}

// ---- taints --------------------------------------------------------------------------------

const CONDITION_TAINTS: readonly { type: ConditionType; key: string }[] = [
  { type: 'MemoryPressure', key: TAINT_NODE_MEMORY_PRESSURE },
  { type: 'DiskPressure', key: TAINT_NODE_DISK_PRESSURE },
  { type: 'PIDPressure', key: TAINT_NODE_PID_PRESSURE },
  { type: 'NetworkUnavailable', key: TAINT_NODE_NETWORK_UNAVAILABLE },
];

/**
 * One NoSchedule taint per True condition (TaintNodesByCondition), in the fixed order above;
 * Unknown taints nothing. No timeAdded: Kubernetes sets it on NoExecute taints only.
 */
export function conditionTaints(conditions: readonly NodeCondition[]): Taint[] {
  return CONDITION_TAINTS.flatMap(({ type, key }): Taint[] => {
    const c = conditions.find((x) => x.type === type && x.status === 'True');
    return c === undefined ? [] : [{ key, effect: 'NoSchedule' }];
  });
}

// ---- formatting ----------------------------------------------------------------------------

function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Rounded down to one decimal, so a value below its threshold never prints as equal to it. */
function floor1(n: number): string {
  return String(Math.floor(n * 10) / 10);
}

function formatPercent(p: number): string {
  return `${floor1(p)}%`;
}

function formatScaled(n: number, base: number, units: readonly string[]): string {
  let i = 0;
  while (i < units.length - 1 && Math.abs(n) >= base ** (i + 1)) i++;
  return i === 0 ? String(Math.floor(n)) : `${floor1(n / base ** i)}${units[i] ?? ''}`;
}

/** Bytes in binary units as kubectl prints memory: `80Mi`, `1.2Gi`. */
function formatBytes(n: number): string {
  return formatScaled(n, 1024, ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei']);
}

/** Counts (inodes, pids) in decimal units: `31.9k`, `1.2M`. */
function formatCount(n: number): string {
  return formatScaled(n, 1000, ['', 'k', 'M', 'G', 'T']);
}
