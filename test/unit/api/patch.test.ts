import { describe, expect, test } from 'vitest';
import { applyPatch, jsonPatch, mergePatch, PatchError, strategicMerge, type JsonValue } from '../../../src/api/patch.js';

const ds = (): JsonValue => ({
  metadata: { name: 'x', labels: { app: 'x' } },
  spec: { template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'a', image: 'i1', env: [{ name: 'A', value: '1' }] }, { name: 'b', image: 'i2' }], tolerations: [{ key: 't', operator: 'Exists' }] } } },
});

describe('merge patch (kubectl label, annotate)', () => {
  test.each([
    { name: 'adds a label', patch: { metadata: { labels: { k: 'v' } } }, path: ['metadata', 'labels'], want: { app: 'x', k: 'v' } },
    { name: 'null removes a label', patch: { metadata: { labels: { app: null } } }, path: ['metadata', 'labels'], want: {} },
    { name: 'a list is replaced whole', patch: { spec: { template: { spec: { tolerations: [] } } } }, path: ['spec', 'template', 'spec', 'tolerations'], want: [] },
  ])('$name', ({ patch, path, want }) => {
    let v = mergePatch(ds(), patch) as Record<string, unknown>;
    for (const p of path) v = v[p] as Record<string, unknown>;
    expect(v).toEqual(want);
  });
});

describe('strategic merge patch (cordon, taint, apply, rollout restart|undo)', () => {
  test('containers merge by name: one image changes, the other container stays', () => {
    const out = strategicMerge(ds(), { spec: { template: { spec: { containers: [{ name: 'b', image: 'i3' }] } } } }) as any;
    expect(out.spec.template.spec.containers).toEqual([{ name: 'a', image: 'i1', env: [{ name: 'A', value: '1' }] }, { name: 'b', image: 'i3' }]);
  });
  test('$patch: delete removes one element by its merge key', () => {
    const out = strategicMerge(ds(), { spec: { template: { spec: { containers: [{ name: 'a', $patch: 'delete' }] } } } }) as any;
    expect(out.spec.template.spec.containers.map((c: { name: string }) => c.name)).toEqual(['b']);
  });
  test('$patch: replace on the template (rollout undo) replaces it whole, directive dropped', () => {
    const out = strategicMerge(ds(), { spec: { template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c' }] }, $patch: 'replace' } } }) as any;
    expect(out.spec.template).toEqual({ metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c' }] } });
  });
  test('a list without a merge key (taints, tolerations) is replaced', () => {
    const out = strategicMerge({ spec: { taints: [{ key: 'a', effect: 'NoSchedule' }] } }, { spec: { taints: [{ key: 'b', effect: 'NoExecute' }] } }) as any;
    expect(out.spec.taints).toEqual([{ key: 'b', effect: 'NoExecute' }]);
  });
  test('$setElementOrder orders merged elements; null deletes a key', () => {
    const out = strategicMerge(ds(), { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }], containers: [{ name: 'a', image: null }] } } } }) as any;
    expect(out.spec.template.spec.containers).toEqual([{ name: 'b', image: 'i2' }, { name: 'a', env: [{ name: 'A', value: '1' }] }]);
  });
  test('cordon sets spec.unschedulable', () => {
    expect(applyPatch({ spec: {} }, { spec: { unschedulable: true } }, 'strategic')).toEqual({ spec: { unschedulable: true } });
  });
});

describe('JSON patch', () => {
  test('add, replace, remove, test', () => {
    const out = jsonPatch({ a: { b: [1, 2] }, c: 1 }, [
      { op: 'add', path: '/a/b/-', value: 3 }, { op: 'replace', path: '/c', value: 2 }, { op: 'remove', path: '/a/b/0' }, { op: 'test', path: '/c', value: 2 },
    ]);
    expect(out).toEqual({ a: { b: [2, 3] }, c: 2 });
  });
  test('a failed test or a missing path fails the whole patch', () => {
    expect(() => jsonPatch({ c: 1 }, [{ op: 'test', path: '/c', value: 2 }])).toThrow(PatchError);
    expect(() => jsonPatch({ c: 1 }, [{ op: 'replace', path: '/nope', value: 2 }])).toThrow(/no value at \/nope/);
  });
  test('server-side apply is refused with what to do instead', () => {
    expect(() => applyPatch({}, {}, 'apply')).toThrow(/client-side/);
  });
});
