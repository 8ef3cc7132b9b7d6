import { describe, expect, test } from 'vitest';
import { computeEffective, sameEffective } from '../../../src/agent/desired.js';
import type { LoadResult } from '../../../src/manifest/load.js';
import type { DaemonSet } from '../../../src/manifest/types.js';

const ds = (name: string): DaemonSet => ({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name },
  spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'x' }] } } } } as DaemonSet);
const source = (file: string) => ({ path: `/m/${file}`, file, line: 1, col: 1, docIndex: 0, namePos: { line: 1, col: 1 } });
const load = (...items: [DaemonSet, string][]): LoadResult =>
  ({ daemonSets: items.map(([d, f]) => ({ ds: d, source: source(f) })), rejected: [], issues: [], files: items.map(([, f]) => f) }) as unknown as LoadResult;

describe('sameEffective: an unchanged pass is recognised, so the agent writes nothing', () => {
  const a = ds('a');
  const b = ds('b');
  const base = computeEffective(load([a, 'a.yaml'], [b, 'b.yaml']), {}, new Set());
  test.each([
    { name: 'the same parsed objects', next: load([a, 'a.yaml'], [b, 'b.yaml']), want: true },
    { name: 'a re-parsed (new object, even if equal)', next: load([ds('a'), 'a.yaml'], [b, 'b.yaml']), want: false },
    { name: 'one DaemonSet gone', next: load([a, 'a.yaml']), want: false },
    { name: 'one added', next: load([a, 'a.yaml'], [b, 'b.yaml'], [ds('c'), 'c.yaml']), want: false },
    { name: 'moved to another file', next: load([a, 'a.yaml'], [b, 'z.yaml']), want: false },
  ])('$name', ({ next, want }) => {
    expect(sameEffective(base.inEffect, computeEffective(next, base.inEffect, new Set()).inEffect)).toBe(want);
  });
  test('empty against empty', () => expect(sameEffective({}, {})).toBe(true));
});
