// Kubernetes has no unit test of its own for util.AddOrUpdateDaemonPodTolerations
// (pkg/controller/daemon/util/daemonset_util.go); these tables pin its behaviour and that of
// v1helper.AddOrUpdateTolerationInPodSpec and core/v1 Toleration.MatchToleration, plus the
// hostds opt-out annotation.
import { describe, expect, test } from 'vitest';
import type { PodSpec, Toleration } from '../../../src/manifest/types.js';
import {
  DEFAULT_TOLERATIONS_ANNOTATION, addOrUpdateToleration, effectiveTolerations, listDefaultTolerations, matchesToleration,
} from '../../../src/schedule/default-tolerations.js';

const NOT_READY: Toleration = { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' };
const UNREACHABLE: Toleration = { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' };
const DISK: Toleration = { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' };
const MEMORY: Toleration = { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' };
const PID: Toleration = { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' };
const UNSCHEDULABLE: Toleration = { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' };
const NETWORK: Toleration = { key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' };
const DEFAULTS = [NOT_READY, UNREACHABLE, DISK, MEMORY, PID, UNSCHEDULABLE];

describe('effectiveTolerations', () => {
  const rows: { name: string; spec: Pick<PodSpec, 'tolerations' | 'hostNetwork'>; annotations?: Record<string, string>; want: Toleration[] }[] = [
    { name: 'a pod without tolerations gets the six defaults in controller order', spec: {}, want: DEFAULTS },
    { name: 'hostNetwork adds network-unavailable last', spec: { hostNetwork: true }, want: [...DEFAULTS, NETWORK] },
    { name: 'hostNetwork false does not add network-unavailable', spec: { hostNetwork: false }, want: DEFAULTS },
    {
      name: 'user tolerations come first and defaults are appended',
      spec: { tolerations: [{ key: 'dedicated', value: 'user1', effect: 'NoSchedule' }] },
      want: [{ key: 'dedicated', value: 'user1', effect: 'NoSchedule' }, ...DEFAULTS],
    },
    {
      name: 'a user not-ready toleration with tolerationSeconds is replaced in place by the forever default',
      spec: { tolerations: [{ key: 'a', operator: 'Exists' }, { ...NOT_READY, tolerationSeconds: 300 }] },
      want: [{ key: 'a', operator: 'Exists' }, NOT_READY, UNREACHABLE, DISK, MEMORY, PID, UNSCHEDULABLE],
    },
    {
      name: 'a user toleration equal to a default is kept once, not duplicated',
      spec: { tolerations: [UNSCHEDULABLE] },
      want: [UNSCHEDULABLE, NOT_READY, UNREACHABLE, DISK, MEMORY, PID],
    },
    {
      name: 'a user toleration with another operator is not the same entry, so both stay',
      spec: { tolerations: [{ key: NOT_READY.key, operator: 'Equal', value: '', effect: 'NoExecute', tolerationSeconds: 5 }] },
      want: [{ key: NOT_READY.key, operator: 'Equal', value: '', effect: 'NoExecute', tolerationSeconds: 5 }, ...DEFAULTS],
    },
    {
      name: 'a tolerate-everything toleration does not stop the defaults being added',
      spec: { tolerations: [{ operator: 'Exists' }] },
      want: [{ operator: 'Exists' }, ...DEFAULTS],
    },
    {
      name: 'the opt-out annotation keeps only the user tolerations',
      spec: { tolerations: [{ key: 'x', operator: 'Exists' }], hostNetwork: true },
      annotations: { [DEFAULT_TOLERATIONS_ANNOTATION]: 'none' },
      want: [{ key: 'x', operator: 'Exists' }],
    },
    {
      name: 'the opt-out annotation with no user tolerations leaves none',
      spec: {}, annotations: { [DEFAULT_TOLERATIONS_ANNOTATION]: 'none' }, want: [],
    },
    {
      name: 'another annotation value keeps the defaults',
      spec: {}, annotations: { [DEFAULT_TOLERATIONS_ANNOTATION]: 'all' }, want: DEFAULTS,
    },
  ];
  test.each(rows)('$name', ({ spec, annotations, want }) => {
    expect(effectiveTolerations(spec, annotations ?? {})).toEqual(want);
  });

  test('the pod spec is not mutated', () => {
    const spec: Pick<PodSpec, 'tolerations'> = { tolerations: [{ ...NOT_READY, tolerationSeconds: 30 }] };
    effectiveTolerations(spec, {});
    expect(spec.tolerations).toEqual([{ ...NOT_READY, tolerationSeconds: 30 }]);
  });

  test('the annotation name is the documented one', () => {
    expect(DEFAULT_TOLERATIONS_ANNOTATION).toBe('hostds.io/default-tolerations');
  });

  test('listDefaultTolerations carries no tolerationSeconds: defaults last forever', () => {
    expect(listDefaultTolerations(true).every((t) => t.tolerationSeconds === undefined)).toBe(true);
  });
});

describe('matchesToleration', () => {
  const base: Toleration = { key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule' };
  const rows: { name: string; other: Toleration; want: boolean }[] = [
    { name: 'identical tolerations match', other: { ...base }, want: true },
    { name: 'tolerationSeconds does not count', other: { ...base, tolerationSeconds: 10 }, want: true },
    { name: 'another key does not match', other: { ...base, key: 'x' }, want: false },
    { name: 'another value does not match', other: { ...base, value: 'x' }, want: false },
    { name: 'another effect does not match', other: { ...base, effect: 'NoExecute' }, want: false },
    { name: "operator '' is not the same as Equal", other: { ...base, operator: '' }, want: false },
  ];
  test.each(rows)('$name', ({ other, want }) => {
    expect(matchesToleration(base, other)).toBe(want);
  });

  test('an absent field equals an empty one', () => {
    expect(matchesToleration({ operator: 'Exists' }, { key: '', operator: 'Exists', value: '', effect: '' })).toBe(true);
  });
});

describe('addOrUpdateToleration', () => {
  const rows: { name: string; list: Toleration[]; add: Toleration; want: Toleration[] }[] = [
    { name: 'an empty list gets the toleration appended', list: [], add: NOT_READY, want: [NOT_READY] },
    {
      name: 'every matching entry is replaced',
      list: [{ ...NOT_READY, tolerationSeconds: 1 }, DISK, { ...NOT_READY, tolerationSeconds: 2 }],
      add: NOT_READY, want: [NOT_READY, DISK, NOT_READY],
    },
    {
      name: 'an exactly equal entry leaves the list as it was, even after an earlier match (k8s returns early)',
      list: [{ ...NOT_READY, tolerationSeconds: 1 }, NOT_READY],
      add: NOT_READY, want: [{ ...NOT_READY, tolerationSeconds: 1 }, NOT_READY],
    },
  ];
  test.each(rows)('$name', ({ list, add, want }) => {
    expect(addOrUpdateToleration(list, add)).toEqual(want);
  });
});
