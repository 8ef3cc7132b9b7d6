// recordRevision against the DaemonSet controller's history rules (constructHistory,
// dedupCurHistories, cleanupHistory), findRevision against kubectl's findHistory, and the locked
// store on a temporary directory.
import { afterEach, describe, expect, test } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRevision, readRevisions, recordRevision, revisionsPath, updateRevisions, type Revision, type RevisionInput } from '../../../src/state/revisions.js';

const T0 = '2024-01-01T00:00:00Z';
const NOW = '2024-06-01T12:00:00Z';

/** A revision of template `hash` (the template is just a marker of it). */
function rev(revision: number, hash: string, extra: Partial<Revision> = {}): Revision {
  return { revision, hash, template: { t: hash }, createdAt: T0, ...extra };
}

function input(hash: string, changeCause?: string): RevisionInput {
  return { hash, template: { t: hash }, ...(changeCause ? { changeCause } : {}) };
}

/** The history as `revision:hash` strings, oldest first. */
function short(list: readonly Revision[]): string[] {
  return list.map((r) => `${r.revision}:${r.hash}`);
}

describe('recordRevision', () => {
  test.each([
    { name: 'first template → revision 1', list: [], current: 'A', limit: 10, want: ['1:A'] },
    { name: 'repeat of the newest → unchanged', list: [rev(1, 'A'), rev(2, 'B')], current: 'B', limit: 10, want: ['1:A', '2:B'] },
    { name: 'new template → max+1', list: [rev(1, 'A'), rev(2, 'B')], current: 'C', limit: 10, want: ['1:A', '2:B', '3:C'] },
    { name: 'new template after gaps → max+1, not count+1', list: [rev(4, 'A'), rev(7, 'B')], current: 'C', limit: 10, want: ['4:A', '7:B', '8:C'] },
    { name: 'undo to an older template → it is renumbered to max+1', list: [rev(1, 'A'), rev(2, 'B')], current: 'A', limit: 10, want: ['2:B', '3:A'] },
    { name: 'undo to the middle one → renumbered, others kept', list: [rev(1, 'A'), rev(2, 'B'), rev(3, 'C')], current: 'B', limit: 10, want: ['1:A', '3:C', '4:B'] },
    { name: 'duplicates of the current template → the highest is kept', list: [rev(1, 'A'), rev(2, 'B'), rev(3, 'A')], current: 'A', limit: 10, want: ['2:B', '3:A'] },
    { name: 'duplicates below an old max → kept one renumbered', list: [rev(1, 'A'), rev(2, 'A'), rev(5, 'B')], current: 'A', limit: 10, want: ['5:B', '6:A'] },
    { name: 'more old revisions than the limit → the oldest go', list: [rev(1, 'A'), rev(2, 'B'), rev(3, 'C')], current: 'D', limit: 2, want: ['2:B', '3:C', '4:D'] },
    { name: 'exactly the limit of old ones → all kept', list: [rev(1, 'A'), rev(2, 'B')], current: 'C', limit: 2, want: ['1:A', '2:B', '3:C'] },
    { name: 'limit 0 → only the current one', list: [rev(1, 'A'), rev(2, 'B')], current: 'C', limit: 0, want: ['3:C'] },
    { name: 'limit 0 after an undo → only the renumbered current', list: [rev(1, 'A'), rev(2, 'B')], current: 'A', limit: 0, want: ['3:A'] },
    { name: 'a negative limit counts as 0', list: [rev(1, 'A')], current: 'B', limit: -3, want: ['2:B'] },
    { name: 'unsorted input → sorted output', list: [rev(2, 'B'), rev(1, 'A')], current: 'C', limit: 10, want: ['1:A', '2:B', '3:C'] },
  ])('$name', ({ list, current, limit, want }) => {
    expect(short(recordRevision(list, input(current), NOW, limit))).toEqual(want);
  });

  test.each([
    { name: 'a revision a live pod runs is skipped, newer ones go instead', live: ['A'], want: ['1:A', '4:D'] },
    { name: 'every old one live → none dropped', live: ['A', 'B', 'C'], want: ['1:A', '2:B', '3:C', '4:D'] },
    { name: 'no live pods → plain limit', live: [], want: ['3:C', '4:D'] },
  ])('cleanup: $name', ({ live, want }) => {
    const list = [rev(1, 'A'), rev(2, 'B'), rev(3, 'C')];
    expect(short(recordRevision(list, input('D'), NOW, 1, new Set(live)))).toEqual(want);
  });

  test('the default limit is 10 old revisions', () => {
    const list = Array.from({ length: 12 }, (_, i) => rev(i + 1, `H${i + 1}`));
    const out = recordRevision(list, input('NEW'), NOW);
    expect(out).toHaveLength(11);
    expect(short(out).slice(0, 2)).toEqual(['3:H3', '4:H4']);
    expect(short(out).at(-1)).toBe('13:NEW');
  });

  test('a new revision takes the template, now and the change cause', () => {
    const [r] = recordRevision([], input('A', 'kubectl set image ds/a main=x:2'), NOW, 10);
    expect(r).toEqual({ revision: 1, hash: 'A', template: { t: 'A' }, createdAt: NOW, changeCause: 'kubectl set image ds/a main=x:2' });
    expect(recordRevision([], input('A'), NOW, 10)[0]).not.toHaveProperty('changeCause');
  });

  test('a renumbered revision keeps its creation time and change cause (the controller only bumps the number)', () => {
    const list = [rev(1, 'A', { changeCause: 'first' }), rev(2, 'B', { changeCause: 'second' })];
    const out = recordRevision(list, input('A', 'cause now on the DaemonSet'), NOW, 10);
    expect(out.at(-1)).toEqual({ revision: 3, hash: 'A', template: { t: 'A' }, createdAt: T0, changeCause: 'first' });
  });

  test('idempotent: recording the same template twice changes nothing', () => {
    const list = [rev(1, 'A'), rev(2, 'B'), rev(3, 'C')];
    const once = recordRevision(list, input('A'), NOW, 1);
    expect(recordRevision(once, input('A'), NOW, 1)).toEqual(once);
  });

  test('the input list is not changed', () => {
    const list = [rev(1, 'A'), rev(2, 'B')];
    const copy = structuredClone(list);
    recordRevision(list, input('A'), NOW, 0);
    expect(list).toEqual(copy);
  });
});

describe('findRevision (kubectl findHistory)', () => {
  const list = [rev(2, 'B'), rev(5, 'E'), rev(3, 'C')];
  test.each([
    { name: '0 → the second highest', to: 0, want: '3:C' },
    { name: 'an exact number', to: 2, want: '2:B' },
    { name: 'the current one by number', to: 5, want: '5:E' },
    { name: 'an unknown number → none', to: 4, want: undefined },
  ])('$name', ({ to, want }) => {
    const r = findRevision(list, to);
    expect(r ? `${r.revision}:${r.hash}` : undefined).toBe(want);
  });

  test('0 with a single revision → none (no last revision to roll back to)', () => {
    expect(findRevision([rev(1, 'A')], 0)).toBeUndefined();
    expect(findRevision([], 0)).toBeUndefined();
  });
});

describe('the revisions store', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });
  async function stateDir(): Promise<string> {
    const d = await mkdtemp(join(tmpdir(), 'hostds-revisions-'));
    dirs.push(d);
    return join(d, 'var/lib/hostds');
  }

  test('missing or damaged file reads as empty', async () => {
    const dir = await stateDir();
    expect(await readRevisions(dir)).toEqual({});
    await updateRevisions(dir, 'default/a', () => [rev(1, 'A')]);
    await writeFile(revisionsPath(dir), '{not json');
    expect(await readRevisions(dir)).toEqual({});
  });

  test('updateRevisions records, keeps other keys, and an empty list removes the key', async () => {
    const dir = await stateDir();
    await updateRevisions(dir, 'default/a', (l) => recordRevision(l, input('A'), NOW, 10));
    await updateRevisions(dir, 'kube-system/b', (l) => recordRevision(l, input('X'), NOW, 10));
    const stored = await updateRevisions(dir, 'default/a', (l) => recordRevision(l, input('B'), NOW, 10));
    expect(short(stored)).toEqual(['1:A', '2:B']);
    expect(Object.keys(await readRevisions(dir)).sort()).toEqual(['default/a', 'kube-system/b']);
    await updateRevisions(dir, 'default/a', () => []);
    expect(Object.keys(await readRevisions(dir))).toEqual(['kube-system/b']);
  });

  test('an unchanged list does not rewrite the file', async () => {
    const dir = await stateDir();
    await updateRevisions(dir, 'default/a', (l) => recordRevision(l, input('A'), NOW, 10));
    await writeFile(revisionsPath(dir), (await readFile(revisionsPath(dir), 'utf8')).replace('\n', ' \n'));
    await updateRevisions(dir, 'default/a', (l) => recordRevision(l, input('A'), '2030-01-01T00:00:00Z', 10));
    expect(await readFile(revisionsPath(dir), 'utf8')).toMatch(/ \n$/);
  });

  test('concurrent updates of different DaemonSets lose nothing (the lock)', async () => {
    const dir = await stateDir();
    const keys = Array.from({ length: 8 }, (_, i) => `default/ds${i}`);
    await Promise.all(keys.map((k) => updateRevisions(dir, k, (l) => recordRevision(l, input(k), NOW, 10))));
    expect(Object.keys(await readRevisions(dir)).sort()).toEqual(keys.sort());
  });

  test('entries of the wrong shape are dropped on read', async () => {
    const dir = await stateDir();
    await updateRevisions(dir, 'default/a', () => [rev(1, 'A')]);
    const good = JSON.parse(await readFile(revisionsPath(dir), 'utf8')) as Record<string, unknown[]>;
    good['default/a']!.push({ revision: 'two', hash: 'B' }, { revision: 0, hash: 'C', createdAt: T0 });
    good['default/b'] = 'nope' as unknown as unknown[];
    await writeFile(revisionsPath(dir), JSON.stringify(good));
    expect(await readRevisions(dir)).toEqual({ 'default/a': [rev(1, 'A')] });
  });
});
