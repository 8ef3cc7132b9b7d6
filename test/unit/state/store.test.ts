// The state file and its deletion journal (src/state/store.ts) on real files in a scratch dir.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { scratchDir } from '../../helpers/cli.js';
import { applyJournal, DeletionJournal, emptyState, journalPath, loadState, saveState, type AgentState } from '../../../src/state/store.js';
import type { PodRecord } from '../../../src/pods/types.js';

const stateDir = (): Promise<string> => scratchDir('hostds-store-');

const pod = (uid: string, deletionTimestamp?: string): PodRecord => ({ uid, name: `p-${uid}`, ...(deletionTimestamp ? { deletionTimestamp } : {}) }) as unknown as PodRecord;
const stateWith = (...pods: PodRecord[]): AgentState => ({ ...emptyState(), pods });
const deleting = (s: AgentState): Record<string, string | undefined> => Object.fromEntries(s.pods.map((p) => [p.uid, p.deletionTimestamp]));

describe('applyJournal', () => {
  const T1 = '2026-11-29T10:00:00Z';
  const T2 = '2026-11-29T10:00:01.250Z';
  test.each([
    { name: 'marks the pods it names', journal: `a ${T1}\n`, want: { a: T1, b: undefined } },
    { name: 'several lines, any order', journal: `b ${T2}\na ${T1}\n`, want: { a: T1, b: T2 } },
    { name: 'keeps a deletion state.json has', journal: `c ${T2}\n`, want: { a: undefined, b: undefined, c: T1 }, extra: pod('c', T1) },
    { name: 'a pod state.json no longer has changes nothing', journal: `gone ${T1}\n`, want: { a: undefined, b: undefined } },
    { name: 'a line cut short by a crash is skipped', journal: `a ${T1}\nb 2026-11-2`, want: { a: T1, b: undefined } },
    { name: 'garbage is skipped', journal: `\n\na\n a ${T1}\na  ${T1}\nb ${T1} x\n`, want: { a: undefined, b: undefined } },
    { name: 'empty', journal: '', want: { a: undefined, b: undefined } },
  ])('$name', ({ journal, want, extra }) => {
    const s = stateWith(pod('a'), pod('b'), ...(extra ? [extra] : []));
    applyJournal(s, journal);
    expect(deleting(s)).toEqual(want);
  });
});

describe('DeletionJournal', () => {
  test('a record is in the file when record() returns, and loadState applies it to an older state.json', async () => {
    const dir = await stateDir();
    await saveState(dir, stateWith(pod('a'), pod('b')));
    const j = new DeletionJournal(journalPath(dir));
    try {
      j.record('b', '2026-11-29T10:00:00Z');
      expect(await readFile(journalPath(dir), 'utf8')).toBe('b 2026-11-29T10:00:00Z\n');
      expect(deleting((await loadState(dir)).state)).toEqual({ a: undefined, b: '2026-11-29T10:00:00Z' });
    } finally { j.close(); }
  });

  test('a save that covers every record empties it; one that does not, leaves it', async () => {
    const dir = await stateDir();
    const j = new DeletionJournal(journalPath(dir));
    try {
      j.record('a', '2026-11-29T10:00:00Z');
      const mark = j.mark;
      j.record('b', '2026-11-29T10:00:01Z'); // after the save serialised the state
      j.saved(mark);
      expect(await readFile(journalPath(dir), 'utf8')).toBe('a 2026-11-29T10:00:00Z\nb 2026-11-29T10:00:01Z\n');
      j.saved(j.mark);
      expect(await readFile(journalPath(dir), 'utf8')).toBe('');
      j.record('c', '2026-11-29T10:00:02Z'); // appends after the truncation, from offset 0
      expect(await readFile(journalPath(dir), 'utf8')).toBe('c 2026-11-29T10:00:02Z\n');
    } finally { j.close(); }
  });

  test('nothing recorded: no file is made; a journal left by a killed agent is read', async () => {
    const dir = await stateDir();
    const j = new DeletionJournal(journalPath(dir));
    j.saved(j.mark);
    j.close();
    await expect(readFile(journalPath(dir))).rejects.toMatchObject({ code: 'ENOENT' });
    await saveState(dir, stateWith(pod('a')));
    await writeFile(journalPath(dir), 'a 2026-11-29T10:00:00Z\n');
    expect(deleting((await loadState(dir)).state)).toEqual({ a: '2026-11-29T10:00:00Z' });
  });

  test('a journal left by a killed agent is emptied by the next agent\'s first save, and is handed back even when state.json is unreadable', async () => {
    const dir = await stateDir();
    await writeFile(journalPath(dir), 'a 2026-11-29T10:00:00Z\n');
    await writeFile(join(dir, 'state.json'), '{"version":1,"pods":[');
    const loaded = await loadState(dir);
    expect(loaded.problem).toMatch(/corrupt/);
    expect(loaded.journal).toBe('a 2026-11-29T10:00:00Z\n');
    const j = new DeletionJournal(journalPath(dir), loaded.journal !== '');
    try {
      j.saved(j.mark);
      expect(await readFile(journalPath(dir), 'utf8')).toBe('');
    } finally { j.close(); }
  });

  test('a journal that cannot be written throws, so the agent saves the whole state instead', async () => {
    const dir = await stateDir();
    const j = new DeletionJournal(join(dir, 'missing-dir', 'state.journal'));
    expect(() => j.record('a', '2026-11-29T10:00:00Z')).toThrow(/ENOENT/);
    j.close();
  });
});
