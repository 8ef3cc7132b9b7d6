// Ports the threshold and hysteresis rules of kubelet pkg/kubelet/eviction (helpers_test.go
// TestParseThresholdConfig, TestThresholdsMet, TestNodeConditionsObservedSince) and the
// condition wording of pkg/kubelet/nodestatus/setters.go, rewritten as hostds tables.
import { describe, expect, test } from 'vitest';
import { DEFAULT_CONFIG } from '../../../src/config/defaults.js';
import {
  conditionTaints, evaluateConditions, initialConditions, parseThresholds,
  type ConditionState, type ConditionType, type Measurement, type NodeCondition, type Threshold,
} from '../../../src/host/conditions.js';
import type { Taint } from '../../../src/manifest/types.js';

const T0 = Date.parse('2024-05-01T10:00:00Z');
const MI = 2 ** 20;
const GI = 2 ** 30;
const FIVE_MIN = 5 * 60_000;

function rfc(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function thresholdsOf(evictionHard: Record<string, string>): Threshold[] {
  const { thresholds, errors } = parseThresholds(evictionHard);
  expect(errors).toEqual([]);
  return thresholds;
}

const DEFAULTS = thresholdsOf({ ...DEFAULT_CONFIG.evictionHard });
const WITH_PID = thresholdsOf({ ...DEFAULT_CONFIG.evictionHard, 'pid.available': '1000' });

type Fs = NonNullable<Measurement['nodefs']>[number];

function fs(over: Partial<Fs> = {}): Fs {
  return { path: '/', mountPoint: '/', availableBytes: 50 * GI, capacityBytes: 100 * GI, inodesFree: 500_000, inodesTotal: 1_000_000, ...over };
}

/** Every signal measured and comfortably clear of the default thresholds. */
function healthy(over: Partial<Measurement> = {}): Measurement {
  return {
    atMs: T0,
    memory: { availableBytes: 8 * GI, capacityBytes: 16 * GI, source: 'meminfo' },
    nodefs: [fs()],
    pids: { available: 30_000, max: 32_768, source: 'pid_max' },
    network: { defaultRoute: true, iface: 'eth0', ifaceUp: true },
    ...over,
  };
}

function memory(availableBytes: number, capacityBytes = 16 * GI): Pick<Measurement, 'memory'> {
  return { memory: { availableBytes, capacityBytes, source: 'meminfo' } };
}

function get(state: ConditionState, type: ConditionType): NodeCondition {
  const c = state.conditions.find((x) => x.type === type);
  if (c === undefined) throw new Error(`no ${type} condition`);
  return c;
}

/** One evaluation from the initial state. */
function once(m: Measurement, thresholds: readonly Threshold[] = WITH_PID, nowMs = T0): ConditionState {
  return evaluateConditions(initialConditions(nowMs - 10_000), m, thresholds, FIVE_MIN, nowMs);
}

describe('parseThresholds', () => {
  const rows: { name: string; input: Record<string, string>; want: Omit<Threshold, 'raw'>[]; errors?: RegExp[] }[] = [
    {
      name: 'the defaults: memory quantity, nodefs percentages, pid off',
      input: { ...DEFAULT_CONFIG.evictionHard },
      want: [
        { signal: 'memory.available', quantity: 100 * MI },
        { signal: 'nodefs.available', percentage: 10 },
        { signal: 'nodefs.inodesFree', percentage: 5 },
      ],
    },
    { name: 'binary quantity', input: { 'memory.available': '1Gi' }, want: [{ signal: 'memory.available', quantity: GI }] },
    { name: 'decimal quantity', input: { 'memory.available': '500M' }, want: [{ signal: 'memory.available', quantity: 500e6 }] },
    { name: 'plain count for inodes', input: { 'nodefs.inodesFree': '1k' }, want: [{ signal: 'nodefs.inodesFree', quantity: 1000 }] },
    { name: 'pid.available is on when configured', input: { 'pid.available': '1000' }, want: [{ signal: 'pid.available', quantity: 1000 }] },
    { name: 'decimal percentage', input: { 'nodefs.available': '7.5%' }, want: [{ signal: 'nodefs.available', percentage: 7.5 }] },
    { name: 'percentage with a leading dot', input: { 'nodefs.available': '.5%' }, want: [{ signal: 'nodefs.available', percentage: 0.5 }] },
    { name: 'percentage just under 100', input: { 'pid.available': '99.9%' }, want: [{ signal: 'pid.available', percentage: 99.9 }] },
    { name: "'0' disables the signal", input: { 'memory.available': '0' }, want: [] },
    { name: "'0%' disables the signal", input: { 'nodefs.available': '0%' }, want: [] },
    { name: "'100%' disables the signal (kubelet)", input: { 'nodefs.available': '100%' }, want: [] },
    { name: "'' disables the signal", input: { 'nodefs.inodesFree': '' }, want: [] },
    {
      name: 'output follows signal order, not input order',
      input: { 'pid.available': '10%', 'nodefs.inodesFree': '5%', 'memory.available': '1Gi' },
      want: [
        { signal: 'memory.available', quantity: GI },
        { signal: 'nodefs.inodesFree', percentage: 5 },
        { signal: 'pid.available', percentage: 10 },
      ],
    },
    { name: 'unknown signal', input: { 'imagefs.available': '15%' }, want: [], errors: [/unsupported eviction signal "imagefs.available"/] },
    { name: 'misspelt signal', input: { 'memory.avail': '1Gi' }, want: [], errors: [/unsupported eviction signal "memory.avail".*memory\.available/] },
    { name: 'not a quantity', input: { 'memory.available': 'lots' }, want: [], errors: [/^evictionHard\.memory\.available: invalid threshold "lots"/] },
    { name: 'space before the unit', input: { 'memory.available': '100 Mi' }, want: [], errors: [/invalid threshold "100 Mi"/] },
    { name: 'unit and percent together', input: { 'nodefs.available': '10Mi%' }, want: [], errors: [/invalid threshold "10Mi%"/] },
    { name: 'negative quantity', input: { 'memory.available': '-1Mi' }, want: [], errors: [/threshold "-1Mi" must be positive/] },
    { name: 'negative percentage', input: { 'nodefs.available': '-5%' }, want: [], errors: [/"-5%" must be >= 0%/] },
    { name: 'percentage over 100', input: { 'nodefs.available': '150%' }, want: [], errors: [/"150%" must be <= 100%/] },
    {
      name: 'every error is reported and the good thresholds kept',
      input: { 'memory.available': 'x', 'bogus': '1', 'nodefs.available': '10%' },
      want: [{ signal: 'nodefs.available', percentage: 10 }],
      errors: [/memory\.available: invalid/, /unsupported eviction signal "bogus"/],
    },
  ];
  test.each(rows)('$name', ({ input, want, errors = [] }) => {
    const got = parseThresholds(input);
    expect(got.thresholds.map(({ raw: _raw, ...t }) => t)).toEqual(want);
    expect(got.thresholds.map((t) => t.raw)).toEqual(want.map((t) => input[t.signal]));
    expect(got.errors).toHaveLength(errors.length);
    errors.forEach((re, i) => expect(got.errors[i]).toMatch(re));
  });
});

describe('thresholds at the boundary: met only when available < threshold (kubelet thresholdsMet)', () => {
  const rows: { name: string; m: Measurement; thresholds?: Threshold[]; type: ConditionType; want: 'True' | 'False' }[] = [
    { name: 'memory 1 byte below 100Mi → MemoryPressure', m: healthy(memory(100 * MI - 1)), type: 'MemoryPressure', want: 'True' },
    { name: 'memory exactly 100Mi → no MemoryPressure', m: healthy(memory(100 * MI)), type: 'MemoryPressure', want: 'False' },
    { name: 'memory above 100Mi → no MemoryPressure', m: healthy(memory(100 * MI + 1)), type: 'MemoryPressure', want: 'False' },
    {
      name: 'memory percentage: 99 of 1000 under 10% → MemoryPressure',
      m: healthy(memory(99, 1000)), thresholds: thresholdsOf({ 'memory.available': '10%' }), type: 'MemoryPressure', want: 'True',
    },
    {
      name: 'memory percentage: 100 of 1000 at 10% → no MemoryPressure',
      m: healthy(memory(100, 1000)), thresholds: thresholdsOf({ 'memory.available': '10%' }), type: 'MemoryPressure', want: 'False',
    },
    {
      name: 'percentage of capacity truncates like the kubelet: 10% of 1005 is 100',
      m: healthy(memory(100, 1005)), thresholds: thresholdsOf({ 'memory.available': '10%' }), type: 'MemoryPressure', want: 'False',
    },
    {
      name: 'memory threshold disabled → no MemoryPressure even at 0 bytes',
      m: healthy(memory(0)), thresholds: thresholdsOf({ 'memory.available': '0' }), type: 'MemoryPressure', want: 'False',
    },
    { name: 'nodefs 1 byte below 10% → DiskPressure', m: healthy({ nodefs: [fs({ availableBytes: 10 * GI - 1 })] }), type: 'DiskPressure', want: 'True' },
    { name: 'nodefs exactly 10% → no DiskPressure', m: healthy({ nodefs: [fs({ availableBytes: 10 * GI })] }), type: 'DiskPressure', want: 'False' },
    {
      name: 'nodefs quantity: 1 byte below 5Gi → DiskPressure',
      m: healthy({ nodefs: [fs({ availableBytes: 5 * GI - 1 })] }), thresholds: thresholdsOf({ 'nodefs.available': '5Gi' }), type: 'DiskPressure', want: 'True',
    },
    { name: 'inodes 49,999 free of 1M under 5% → DiskPressure', m: healthy({ nodefs: [fs({ inodesFree: 49_999 })] }), type: 'DiskPressure', want: 'True' },
    { name: 'inodes exactly 5% free → no DiskPressure', m: healthy({ nodefs: [fs({ inodesFree: 50_000 })] }), type: 'DiskPressure', want: 'False' },
    {
      name: 'inodesTotal 0 (btrfs) skips the inode check',
      m: healthy({ nodefs: [fs({ inodesFree: 0, inodesTotal: 0 })] }), type: 'DiskPressure', want: 'False',
    },
    {
      name: 'inode quantity: 999 free under 1k → DiskPressure',
      m: healthy({ nodefs: [fs({ inodesFree: 999 })] }), thresholds: thresholdsOf({ 'nodefs.inodesFree': '1k' }), type: 'DiskPressure', want: 'True',
    },
    {
      name: 'one of several nodefs paths under pressure is enough',
      m: healthy({ nodefs: [fs(), fs({ path: '/var/lib/hostds', mountPoint: '/var', availableBytes: GI })] }), type: 'DiskPressure', want: 'True',
    },
    {
      name: 'several nodefs paths all clear → no DiskPressure',
      m: healthy({ nodefs: [fs(), fs({ path: '/var/lib/hostds', mountPoint: '/var' })] }), type: 'DiskPressure', want: 'False',
    },
    { name: 'pids 999 under 1000 → PIDPressure', m: healthy({ pids: { available: 999, max: 32_768, source: 'pid_max' } }), type: 'PIDPressure', want: 'True' },
    { name: 'pids exactly 1000 → no PIDPressure', m: healthy({ pids: { available: 1000, max: 32_768, source: 'pid_max' } }), type: 'PIDPressure', want: 'False' },
    {
      name: 'pid percentage of the cgroup max: 9 of 100 under 10% → PIDPressure',
      m: healthy({ pids: { available: 9, max: 100, source: 'cgroup' } }), thresholds: thresholdsOf({ 'pid.available': '10%' }), type: 'PIDPressure', want: 'True',
    },
    {
      name: 'pid.available not configured (upstream default) → no PIDPressure at 0 pids',
      m: healthy({ pids: { available: 0, max: 32_768, source: 'pid_max' } }), thresholds: DEFAULTS, type: 'PIDPressure', want: 'False',
    },
  ];
  test.each(rows)('$name', ({ m, thresholds, type, want }) => {
    expect(get(once(m, thresholds), type).status).toBe(want);
  });
});

describe('reasons, messages and observed figures', () => {
  const rows: { name: string; m: Measurement; type: ConditionType; reason: string; message: string; observed?: NodeCondition['observed'] }[] = [
    {
      name: 'MemoryPressure True', m: healthy(memory(80 * MI)), type: 'MemoryPressure',
      reason: 'KubeletHasInsufficientMemory', message: 'kubelet has insufficient memory available (memory.available 80Mi < 100Mi)',
      observed: [{ signal: 'memory.available', value: '80Mi', threshold: '100Mi' }],
    },
    {
      name: 'MemoryPressure False', m: healthy(memory(1.25 * GI)), type: 'MemoryPressure',
      reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available',
      observed: [{ signal: 'memory.available', value: '1.2Gi', threshold: '100Mi' }],
    },
    {
      name: 'DiskPressure True names the path and the percentage',
      m: healthy({ nodefs: [fs(), fs({ path: '/var/lib/hostds', mountPoint: '/var', availableBytes: 4 * GI, capacityBytes: 100 * GI })] }),
      type: 'DiskPressure', reason: 'KubeletHasDiskPressure', message: 'kubelet has disk pressure (nodefs.available 4% < 10% on /var/lib/hostds)',
      observed: [
        { signal: 'nodefs.available', value: '50%', threshold: '10%', path: '/' },
        { signal: 'nodefs.available', value: '4%', threshold: '10%', path: '/var/lib/hostds' },
        { signal: 'nodefs.inodesFree', value: '50%', threshold: '5%', path: '/' },
        { signal: 'nodefs.inodesFree', value: '50%', threshold: '5%', path: '/var/lib/hostds' },
      ],
    },
    {
      name: 'DiskPressure from inodes, percentage rounded down', m: healthy({ nodefs: [fs({ inodesFree: 49_999 })] }), type: 'DiskPressure',
      reason: 'KubeletHasDiskPressure', message: 'kubelet has disk pressure (nodefs.inodesFree 4.9% < 5% on /)',
    },
    {
      name: 'DiskPressure False', m: healthy(), type: 'DiskPressure',
      reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure',
    },
    {
      name: 'PIDPressure True', m: healthy({ pids: { available: 900, max: 32_768, source: 'pid_max' } }), type: 'PIDPressure',
      reason: 'KubeletHasInsufficientPID', message: 'kubelet has insufficient PID available (pid.available 900 < 1000)',
      observed: [{ signal: 'pid.available', value: '900', threshold: '1000' }],
    },
    {
      name: 'PIDPressure False', m: healthy(), type: 'PIDPressure',
      reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available',
      observed: [{ signal: 'pid.available', value: '30k', threshold: '1000' }],
    },
    { name: 'Ready', m: healthy(), type: 'Ready', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
  ];
  test.each(rows)('$name', ({ m, type, reason, message, observed }) => {
    const c = get(once(m), type);
    expect({ reason: c.reason, message: c.message }).toEqual({ reason, message });
    if (observed !== undefined) expect(c.observed).toEqual(observed);
  });
});

describe('NetworkUnavailable', () => {
  const rows: { name: string; network?: Measurement['network']; status: string; reason: string; message: string }[] = [
    {
      name: 'default route on an interface that is up → False', network: { defaultRoute: true, iface: 'eth0', ifaceUp: true },
      status: 'False', reason: 'DefaultRouteUp', message: 'default route via eth0 is up',
    },
    {
      name: 'no default route → True', network: { defaultRoute: false, ifaceUp: true },
      status: 'True', reason: 'NoDefaultRoute', message: 'node has no default route',
    },
    {
      name: 'no default route wins over the interface state', network: { defaultRoute: false, iface: 'eth0', ifaceUp: false },
      status: 'True', reason: 'NoDefaultRoute', message: 'node has no default route',
    },
    {
      name: 'default route interface down → True, naming it', network: { defaultRoute: true, iface: 'eth0', ifaceUp: false },
      status: 'True', reason: 'InterfaceDown', message: 'default route interface eth0 is down',
    },
    {
      name: 'not measured and never measured → Unknown', network: undefined,
      status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'hostds has not measured this condition yet',
    },
  ];
  test.each(rows)('$name', ({ network, status, reason, message }) => {
    const m: Measurement = { ...healthy(), network };
    if (network === undefined) delete m.network;
    const c = get(once(m), 'NetworkUnavailable');
    expect({ status: c.status, reason: c.reason, message: c.message }).toEqual({ status, reason, message });
  });

  test('a flapping link is held True for the transition period', () => {
    const down = evaluateConditions(initialConditions(T0), healthy({ network: { defaultRoute: true, iface: 'eth0', ifaceUp: false } }), DEFAULTS, FIVE_MIN, T0);
    const upSoon = evaluateConditions(down, healthy(), DEFAULTS, FIVE_MIN, T0 + 10_000);
    const upLater = evaluateConditions(upSoon, healthy(), DEFAULTS, FIVE_MIN, T0 + FIVE_MIN);
    expect(get(upSoon, 'NetworkUnavailable')).toMatchObject({ status: 'True', reason: 'InterfaceDown' });
    expect(get(upSoon, 'NetworkUnavailable').message).toMatch(/^default route interface eth0 is down; held until 2024-05-01T10:05:00Z/);
    expect(get(upLater, 'NetworkUnavailable')).toMatchObject({ status: 'False', reason: 'DefaultRouteUp', lastTransitionTime: rfc(T0 + FIVE_MIN) });
  });
});

describe('missing signals and Unknown', () => {
  test('initialConditions: every condition Unknown, in describe-node order, no taints', () => {
    const s = initialConditions(T0 + 999);
    expect(s.conditions.map((c) => [c.type, c.status])).toEqual([
      ['NetworkUnavailable', 'Unknown'], ['MemoryPressure', 'Unknown'], ['DiskPressure', 'Unknown'], ['PIDPressure', 'Unknown'], ['Ready', 'Unknown'],
    ]);
    expect(s.conditions.every((c) => c.lastHeartbeatTime === '2024-05-01T10:00:00Z' && c.lastTransitionTime === '2024-05-01T10:00:00Z')).toBe(true);
    expect(s.lastMetMs).toEqual({});
    expect(conditionTaints(s.conditions)).toEqual([]);
  });

  const rows: { name: string; m: Measurement; thresholds?: Threshold[]; want: Partial<Record<ConditionType, string>> }[] = [
    {
      name: 'nothing measured: pressure Unknown, Ready True',
      m: { atMs: T0 }, want: { NetworkUnavailable: 'Unknown', MemoryPressure: 'Unknown', DiskPressure: 'Unknown', PIDPressure: 'Unknown', Ready: 'True' },
    },
    { name: 'an empty nodefs list counts as not measured', m: healthy({ nodefs: [] }), want: { DiskPressure: 'Unknown', MemoryPressure: 'False' } },
    { name: 'only memory missing', m: { ...healthy(), memory: undefined }, want: { MemoryPressure: 'Unknown', DiskPressure: 'False', PIDPressure: 'False' } },
    { name: 'a signal with every threshold off is False, measured or not', m: { atMs: T0 }, thresholds: DEFAULTS, want: { PIDPressure: 'False' } },
  ];
  test.each(rows)('$name', ({ m, thresholds, want }) => {
    const s = once(m, thresholds);
    for (const [type, status] of Object.entries(want)) expect([type, get(s, type as ConditionType).status]).toEqual([type, status]);
  });

  test.each([
    { name: 'True stays True while memory is not measured, long past the transition period', low: true, want: 'True' },
    { name: 'False stays False while memory is not measured', low: false, want: 'False' },
  ])('$name', ({ low, want }) => {
    const first = evaluateConditions(initialConditions(T0), healthy(memory(low ? 50 * MI : 8 * GI)), DEFAULTS, FIVE_MIN, T0);
    const later = T0 + 4 * FIVE_MIN;
    const s = evaluateConditions(first, { atMs: later }, DEFAULTS, FIVE_MIN, later);
    const c = get(s, 'MemoryPressure');
    expect(c).toMatchObject({ status: want, lastTransitionTime: rfc(T0), lastHeartbeatTime: rfc(later) });
    expect(c.message).toMatch(/; not measured at 2024-05-01T10:20:00Z, status kept$/);
    expect(c.observed).toBeUndefined();
    expect(s.lastMetMs).toEqual(first.lastMetMs);
  });

  test('after a gap, a clear sample ends the hold counted from the last met sample', () => {
    const met = evaluateConditions(initialConditions(T0), healthy(memory(50 * MI)), DEFAULTS, FIVE_MIN, T0);
    const gap = evaluateConditions(met, { atMs: T0 + 10 * 60_000 }, DEFAULTS, FIVE_MIN, T0 + 10 * 60_000);
    const back = evaluateConditions(gap, healthy(), DEFAULTS, FIVE_MIN, T0 + 11 * 60_000);
    expect(get(back, 'MemoryPressure')).toMatchObject({ status: 'False', message: 'kubelet has sufficient memory available' });
  });
});

describe('hysteresis (kubelet nodeConditionsObservedSince)', () => {
  const LOW = healthy(memory(50 * MI));
  const OK = healthy();
  /** Samples as [offset from T0, measurement]; returns every state. */
  function run(samples: [number, Measurement][], transitionMs = FIVE_MIN): ConditionState[] {
    const out: ConditionState[] = [];
    let s = initialConditions(T0);
    for (const [dt, m] of samples) {
      s = evaluateConditions(s, { ...m, atMs: T0 + dt }, DEFAULTS, transitionMs, T0 + dt);
      out.push(s);
    }
    return out;
  }
  const rows: { name: string; samples: [number, Measurement][]; transitionMs?: number; want: string[] }[] = [
    { name: 'Unknown → True at once when met', samples: [[0, LOW]], want: ['True'] },
    { name: 'False → True at once when met', samples: [[0, OK], [1_000, LOW]], want: ['False', 'True'] },
    { name: 'True → held True 1s after last met', samples: [[0, LOW], [1_000, OK]], want: ['True', 'True'] },
    { name: 'True → held True 1ms before the period ends', samples: [[0, LOW], [FIVE_MIN - 1, OK]], want: ['True', 'True'] },
    { name: 'True → False exactly transitionMs after last met', samples: [[0, LOW], [10_000, OK], [FIVE_MIN, OK]], want: ['True', 'True', 'False'] },
    {
      name: 'met again while held → the period restarts from the new sample',
      samples: [[0, LOW], [60_000, OK], [120_000, LOW], [FIVE_MIN, OK], [120_000 + FIVE_MIN - 1, OK], [120_000 + FIVE_MIN, OK]],
      want: ['True', 'True', 'True', 'True', 'True', 'False'],
    },
    { name: 'transitionMs 0 → True when met, False on the next clear sample', samples: [[0, LOW], [1, OK]], transitionMs: 0, want: ['True', 'False'] },
    { name: 'clear from the start → False, never held', samples: [[0, OK], [1, OK]], want: ['False', 'False'] },
  ];
  test.each(rows)('$name', ({ samples, transitionMs, want }) => {
    expect(run(samples, transitionMs).map((s) => get(s, 'MemoryPressure').status)).toEqual(want);
  });

  test('a held condition says until when', () => {
    const [, held] = run([[0, LOW], [30_000, OK]]);
    const c = get(held as ConditionState, 'MemoryPressure');
    expect(c.reason).toBe('KubeletHasInsufficientMemory');
    expect(c.message).toBe('kubelet has insufficient memory available (memory.available 50Mi < 100Mi); ' +
      'held until 2024-05-01T10:05:00Z unless met again (transition period 5m)');
    expect(c.observed).toEqual([{ signal: 'memory.available', value: '8Gi', threshold: '100Mi' }]);
  });

  test('lastMetMs records the last met sample per condition', () => {
    const states = run([[0, LOW], [2_000, OK], [4_000, LOW], [6_000, OK]]);
    expect(states.map((s) => s.lastMetMs.MemoryPressure)).toEqual([T0, T0, T0 + 4_000, T0 + 4_000]);
    expect(states.at(-1)?.lastMetMs.DiskPressure).toBeUndefined();
  });

  test('a config reload to a longer period does not revive a False condition', () => {
    const [, , cleared] = run([[0, LOW], [1_000, OK], [FIVE_MIN, OK]]);
    const s = evaluateConditions(cleared as ConditionState, OK, DEFAULTS, 3 * FIVE_MIN, T0 + FIVE_MIN + 1_000);
    expect(get(s, 'MemoryPressure').status).toBe('False');
  });

  test('flapping: a signal toggling every 2s for 10m turns True once and False once, 5m after the last met sample', () => {
    let s = initialConditions(T0);
    const transitions: { to: string; at: number }[] = [];
    const step = (m: Measurement, at: number): void => {
      const before = get(s, 'MemoryPressure').status;
      s = evaluateConditions(s, { ...m, atMs: at }, DEFAULTS, FIVE_MIN, at);
      const after = get(s, 'MemoryPressure');
      if (after.status !== before) transitions.push({ to: after.status, at });
      expect(after.lastTransitionTime).toBe(rfc(transitions.at(-1)?.at ?? T0));
    };
    let lastMet = T0;
    for (let dt = 0; dt <= 10 * 60_000; dt += 2_000) {
      const met = (dt / 2_000) % 2 === 0;
      if (met) lastMet = T0 + dt;
      step(met ? LOW : OK, T0 + dt);
    }
    expect(transitions).toEqual([{ to: 'True', at: T0 }]);
    for (let at = lastMet + 2_000; at <= lastMet + 2 * FIVE_MIN; at += 2_000) step(OK, at);
    expect(transitions).toEqual([{ to: 'True', at: T0 }, { to: 'False', at: lastMet + FIVE_MIN }]);
    expect(lastMet).toBe(T0 + 10 * 60_000);
  });
});

describe('times', () => {
  test('lastTransitionTime stays while the status stays; heartbeat and figures move on', () => {
    const a = evaluateConditions(initialConditions(T0), healthy(memory(80 * MI)), DEFAULTS, FIVE_MIN, T0);
    const b = evaluateConditions(a, healthy(memory(60 * MI)), DEFAULTS, FIVE_MIN, T0 + 10_000);
    const [ca, cb] = [get(a, 'MemoryPressure'), get(b, 'MemoryPressure')];
    expect(cb).toMatchObject({ status: 'True', lastTransitionTime: ca.lastTransitionTime, lastHeartbeatTime: '2024-05-01T10:00:10Z' });
    expect(cb.message).toBe('kubelet has insufficient memory available (memory.available 60Mi < 100Mi)');
    expect(get(b, 'Ready')).toMatchObject({ status: 'True', lastTransitionTime: rfc(T0), lastHeartbeatTime: rfc(T0 + 10_000) });
  });

  test('the first evaluation is a transition from Unknown', () => {
    const s = evaluateConditions(initialConditions(T0 - 60_000), healthy(), DEFAULTS, FIVE_MIN, T0);
    expect(s.conditions.every((c) => c.lastTransitionTime === rfc(T0) && c.lastHeartbeatTime === rfc(T0))).toBe(true);
  });

  test('RFC 3339 with seconds precision: milliseconds are dropped, not rounded', () => {
    const s = evaluateConditions(initialConditions(T0), healthy(), DEFAULTS, FIVE_MIN, T0 + 1_999);
    expect(get(s, 'Ready').lastHeartbeatTime).toBe('2024-05-01T10:00:01Z');
  });

  test('a condition missing from a previous state starts Unknown and transitions now', () => {
    const prev: ConditionState = { conditions: [], lastMetMs: {} };
    const s = evaluateConditions(prev, healthy(), DEFAULTS, FIVE_MIN, T0);
    expect(s.conditions).toHaveLength(5);
    expect(get(s, 'MemoryPressure')).toMatchObject({ status: 'False', lastTransitionTime: rfc(T0) });
  });
});

describe('conditionTaints', () => {
  const cond = (type: ConditionType, status: NodeCondition['status'], at = '2024-05-01T09:00:00Z'): NodeCondition =>
    ({ type, status, reason: 'r', message: 'm', lastHeartbeatTime: '2024-05-01T10:00:00Z', lastTransitionTime: at });
  const rows: { name: string; conditions: NodeCondition[]; want: Taint[] }[] = [
    { name: 'MemoryPressure True', conditions: [cond('MemoryPressure', 'True')], want: [{ key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule' }] },
    { name: 'DiskPressure True', conditions: [cond('DiskPressure', 'True')], want: [{ key: 'node.kubernetes.io/disk-pressure', effect: 'NoSchedule' }] },
    { name: 'PIDPressure True', conditions: [cond('PIDPressure', 'True')], want: [{ key: 'node.kubernetes.io/pid-pressure', effect: 'NoSchedule' }] },
    {
      name: 'NetworkUnavailable True', conditions: [cond('NetworkUnavailable', 'True')],
      want: [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }],
    },
    { name: 'False taints nothing', conditions: [cond('MemoryPressure', 'False'), cond('DiskPressure', 'False')], want: [] },
    { name: 'Unknown taints nothing', conditions: [cond('MemoryPressure', 'Unknown'), cond('NetworkUnavailable', 'Unknown')], want: [] },
    { name: 'Ready True taints nothing', conditions: [cond('Ready', 'True')], want: [] },
    {
      name: 'all True → fixed order whatever the input order',
      conditions: [cond('Ready', 'True'), cond('NetworkUnavailable', 'True', 't4'), cond('PIDPressure', 'True', 't3'), cond('DiskPressure', 'True', 't2'), cond('MemoryPressure', 'True', 't1')],
      want: [
        { key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule' },
        { key: 'node.kubernetes.io/disk-pressure', effect: 'NoSchedule' },
        { key: 'node.kubernetes.io/pid-pressure', effect: 'NoSchedule' },
        { key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' },
      ],
    },
  ];
  test.each(rows)('$name', ({ conditions, want }) => {
    expect(conditionTaints(conditions)).toEqual(want);
  });

  test('taints from a held condition stay while it is held', () => {
    const a = evaluateConditions(initialConditions(T0), healthy(memory(50 * MI)), DEFAULTS, FIVE_MIN, T0);
    const b = evaluateConditions(a, healthy(), DEFAULTS, FIVE_MIN, T0 + 60_000);
    expect(conditionTaints(b.conditions)).toEqual(conditionTaints(a.conditions));
    expect(conditionTaints(b.conditions)).toEqual([{ key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule' }]);
  });
});

describe('inputs are never mutated', () => {
  function deepFreeze<T>(v: T): T {
    if (v !== null && typeof v === 'object') {
      for (const x of Object.values(v)) deepFreeze(x);
      Object.freeze(v);
    }
    return v;
  }
  test('evaluateConditions, parseThresholds and conditionTaints work on frozen inputs and return new objects', () => {
    const prev = deepFreeze(evaluateConditions(initialConditions(T0), healthy(memory(50 * MI)), DEFAULTS, FIVE_MIN, T0));
    const m = deepFreeze(healthy({ nodefs: [fs({ availableBytes: GI })] }));
    const thresholds = deepFreeze(thresholdsOf({ ...DEFAULT_CONFIG.evictionHard }));
    const before = JSON.stringify({ prev, m, thresholds });
    const next = evaluateConditions(prev, m, thresholds, FIVE_MIN, T0 + 1_000);
    expect(JSON.stringify({ prev, m, thresholds })).toBe(before);
    expect(next).not.toBe(prev);
    expect(next.lastMetMs).not.toBe(prev.lastMetMs);
    next.conditions.forEach((c, i) => expect(c).not.toBe(prev.conditions[i]));
    expect(get(next, 'DiskPressure').observed?.[0]).not.toBe(m.nodefs?.[0]);
    expect(parseThresholds(deepFreeze({ 'memory.available': '1Gi' })).thresholds).toHaveLength(1);
    expect(conditionTaints(next.conditions)).toHaveLength(2);
  });
});
