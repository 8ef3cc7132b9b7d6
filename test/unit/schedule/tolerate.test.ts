// Ports k8s staging/src/k8s.io/api/core/v1/toleration_test.go (TestTolerationToleratesTaint),
// staging/src/k8s.io/component-helpers/scheduling/corev1/helpers_test.go
// (TestFindMatchingUntoleratedTaint) and the getMinTolerationTime behaviour of
// pkg/controller/tainteviction (taint_eviction.go), rewritten as hostds tables.
import { describe, expect, test } from 'vitest';
import type { Taint, Toleration } from '../../../src/manifest/types.js';
import {
  findToleratingToleration, findUntoleratedTaint, findUntoleratedTaints, isNoExecute, isNoScheduleOrNoExecute,
  minTolerationSeconds, toleratesTaint, tolerationsTolerateTaint, type TaintFilter,
} from '../../../src/schedule/tolerate.js';

describe('toleratesTaint', () => {
  const rows: { name: string; toleration: Toleration; taint: Taint; want: boolean }[] = [
    {
      name: 'Exists with same key and effect tolerates a taint without value',
      toleration: { key: 'foo', operator: 'Exists', effect: 'NoSchedule' },
      taint: { key: 'foo', effect: 'NoSchedule' },
      want: true,
    },
    {
      name: 'Exists with same key and effect tolerates a taint with any value',
      toleration: { key: 'foo', operator: 'Exists', effect: 'NoSchedule' },
      taint: { key: 'foo', value: 'bar', effect: 'NoSchedule' },
      want: true,
    },
    {
      name: 'Exists with empty key tolerates every taint of that effect',
      toleration: { key: '', operator: 'Exists', effect: 'NoSchedule' },
      taint: { key: 'foo', value: 'bar', effect: 'NoSchedule' },
      want: true,
    },
    {
      name: 'Exists with empty key and empty effect tolerates every taint',
      toleration: { operator: 'Exists' },
      taint: { key: 'anything', value: 'at-all', effect: 'NoExecute' },
      want: true,
    },
    {
      name: 'Equal with same key, value and effect tolerates',
      toleration: { key: 'foo', operator: 'Equal', value: 'bar', effect: 'NoSchedule' },
      taint: { key: 'foo', value: 'bar', effect: 'NoSchedule' },
      want: true,
    },
    {
      name: 'Equal with a different value does not tolerate',
      toleration: { key: 'foo', operator: 'Equal', value: 'value1', effect: 'NoSchedule' },
      taint: { key: 'foo', value: 'value2', effect: 'NoSchedule' },
      want: false,
    },
    {
      name: 'Equal with a different effect does not tolerate',
      toleration: { key: 'foo', operator: 'Equal', value: 'bar', effect: 'NoSchedule' },
      taint: { key: 'foo', value: 'bar', effect: 'NoExecute' },
      want: false,
    },
    {
      name: 'Exists with a different key does not tolerate',
      toleration: { key: 'foo', operator: 'Exists', effect: 'NoSchedule' },
      taint: { key: 'other', effect: 'NoSchedule' },
      want: false,
    },
    {
      name: 'empty effect matches every effect',
      toleration: { key: 'foo', operator: 'Exists', effect: '' },
      taint: { key: 'foo', effect: 'PreferNoSchedule' },
      want: true,
    },
    {
      name: 'absent operator means Equal and compares values',
      toleration: { key: 'foo', value: 'bar', effect: 'NoSchedule' },
      taint: { key: 'foo', value: 'bar', effect: 'NoSchedule' },
      want: true,
    },
    {
      name: "operator '' means Equal and rejects another value",
      toleration: { key: 'foo', operator: '', value: 'bar', effect: 'NoSchedule' },
      taint: { key: 'foo', value: 'baz', effect: 'NoSchedule' },
      want: false,
    },
    {
      name: 'Equal without a value tolerates a taint without a value',
      toleration: { key: 'foo', operator: 'Equal', effect: 'NoSchedule' },
      taint: { key: 'foo', effect: 'NoSchedule' },
      want: true,
    },
    {
      name: 'Equal without a value does not tolerate a taint with a value',
      toleration: { key: 'foo', operator: 'Equal' },
      taint: { key: 'foo', value: 'bar', effect: 'NoSchedule' },
      want: false,
    },
    {
      name: 'Equal with empty key matches any key whose taint value is equal (k8s quirk)',
      toleration: { key: '', operator: 'Equal', value: '' },
      taint: { key: 'whatever', effect: 'NoSchedule' },
      want: true,
    },
    {
      name: 'alpha Gt operator tolerates nothing while its feature gate is off',
      toleration: { key: 'node.kubernetes.io/sla', operator: 'Gt', value: '750', effect: 'NoSchedule' } as unknown as Toleration,
      taint: { key: 'node.kubernetes.io/sla', value: '950', effect: 'NoSchedule' },
      want: false,
    },
    {
      name: 'alpha Lt operator tolerates nothing while its feature gate is off',
      toleration: { key: 'node.kubernetes.io/sla', operator: 'Lt', value: '950', effect: 'NoSchedule' } as unknown as Toleration,
      taint: { key: 'node.kubernetes.io/sla', value: '800', effect: 'NoSchedule' },
      want: false,
    },
  ];
  test.each(rows)('$name', ({ toleration, taint, want }) => {
    expect(toleratesTaint(toleration, taint)).toBe(want);
  });
});

describe('tolerationsTolerateTaint', () => {
  const taint: Taint = { key: 'dedicated', value: 'user1', effect: 'NoSchedule' };
  const rows: { name: string; tolerations: Toleration[]; want: boolean }[] = [
    { name: 'no tolerations tolerate nothing', tolerations: [], want: false },
    {
      name: 'one matching toleration among others is enough',
      tolerations: [{ key: 'other', operator: 'Exists' }, { key: 'dedicated', value: 'user1', effect: 'NoSchedule' }],
      want: true,
    },
    {
      name: 'no matching toleration does not tolerate',
      tolerations: [{ key: 'dedicated', value: 'user2', effect: 'NoSchedule' }, { key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }],
      want: false,
    },
  ];
  test.each(rows)('$name', ({ tolerations, want }) => {
    expect(tolerationsTolerateTaint(tolerations, taint)).toBe(want);
  });
});

describe('findUntoleratedTaint', () => {
  const acceptAll: TaintFilter = () => true;
  const rejectAll: TaintFilter = () => false;
  const rows: {
    name: string; tolerations: Toleration[]; taints: Taint[]; filter?: TaintFilter; want: Taint | undefined;
  }[] = [
    { name: 'empty tolerations tolerate empty taints', tolerations: [], taints: [], filter: acceptAll, want: undefined },
    {
      name: 'non-empty tolerations tolerate empty taints',
      tolerations: [{ key: 'foo', operator: 'Exists', effect: 'NoSchedule' }], taints: [], filter: acceptAll, want: undefined,
    },
    {
      name: 'tolerations matching all taints leave none untolerated',
      tolerations: [{ key: 'foo', operator: 'Exists', effect: 'NoSchedule' }],
      taints: [{ key: 'foo', effect: 'NoSchedule' }], filter: acceptAll, want: undefined,
    },
    {
      name: 'a taint the filter excludes is not reported even if untolerated',
      tolerations: [{ key: 'foo', operator: 'Exists', effect: 'NoSchedule' }],
      taints: [{ key: 'bar', effect: 'NoSchedule' }], filter: rejectAll, want: undefined,
    },
    {
      name: 'no filter means every taint counts',
      tolerations: [{ key: 'foo', operator: 'Exists', effect: 'NoSchedule' }],
      taints: [{ key: 'bar', effect: 'NoSchedule' }], want: { key: 'bar', effect: 'NoSchedule' },
    },
    {
      name: 'NoExecute filter ignores an untolerated NoSchedule taint',
      tolerations: [{ key: 'foo', operator: 'Exists', effect: 'NoExecute' }],
      taints: [{ key: 'foo', effect: 'NoExecute' }, { key: 'bar', effect: 'NoSchedule' }], filter: isNoExecute, want: undefined,
    },
    {
      name: 'the first untolerated taint in node order is returned',
      tolerations: [],
      taints: [{ key: 'soft', effect: 'PreferNoSchedule' }, { key: 'a', effect: 'NoExecute' }, { key: 'b', effect: 'NoSchedule' }],
      filter: isNoScheduleOrNoExecute, want: { key: 'a', effect: 'NoExecute' },
    },
  ];
  test.each(rows)('$name', ({ tolerations, taints, filter, want }) => {
    expect(findUntoleratedTaint(taints, tolerations, filter)).toEqual(want);
  });

  test('findUntoleratedTaints lists every untolerated taint in node order', () => {
    const taints: Taint[] = [{ key: 'a', effect: 'NoSchedule' }, { key: 'b', effect: 'PreferNoSchedule' }, { key: 'c', effect: 'NoExecute' }];
    expect(findUntoleratedTaints(taints, [], isNoScheduleOrNoExecute).map((t) => t.key)).toEqual(['a', 'c']);
  });
});

describe('minTolerationSeconds', () => {
  const taint: Taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' };
  const key = taint.key;
  const rows: { name: string; tolerations: Toleration[]; want: number | null }[] = [
    { name: 'no tolerations means evict at once', tolerations: [], want: 0 },
    { name: 'no matching toleration means evict at once', tolerations: [{ key: 'other', operator: 'Exists' }], want: 0 },
    { name: 'a matching toleration without seconds tolerates forever', tolerations: [{ key, operator: 'Exists' }], want: null },
    { name: 'tolerationSeconds is used as given', tolerations: [{ key, operator: 'Exists', tolerationSeconds: 300 }], want: 300 },
    { name: 'zero tolerationSeconds means evict at once', tolerations: [{ key, operator: 'Exists', tolerationSeconds: 0 }], want: 0 },
    { name: 'negative tolerationSeconds count as zero', tolerations: [{ key, operator: 'Exists', tolerationSeconds: -5 }], want: 0 },
    {
      name: 'only the first matching toleration counts, even if a later one is forever',
      tolerations: [{ key, operator: 'Exists', tolerationSeconds: 60 }, { operator: 'Exists' }],
      want: 60,
    },
    {
      name: 'a non-matching toleration with seconds is ignored',
      tolerations: [{ key: 'other', operator: 'Exists', tolerationSeconds: 5 }, { key, operator: 'Exists', effect: 'NoExecute' }],
      want: null,
    },
  ];
  test.each(rows)('$name', ({ tolerations, want }) => {
    expect(minTolerationSeconds(taint, tolerations)).toBe(want);
  });

  test('findToleratingToleration returns the first toleration that matches', () => {
    const tolerations: Toleration[] = [{ key: 'x', operator: 'Exists' }, { operator: 'Exists', tolerationSeconds: 7 }, { key, operator: 'Exists' }];
    expect(findToleratingToleration(taint, tolerations)).toBe(tolerations[1]);
  });
});
