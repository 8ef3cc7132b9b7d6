// The deletion journal (src/state/store.ts) on a filesystem that fills up: a tmpfs of one page.
// A line written in part must not count as written, and must not swallow the next line.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { DeletionJournal } from '../../src/state/store.js';

const isRoot = process.getuid?.() === 0;
if (!isRoot) process.stderr.write('state-journal: the full-disk test skipped: mounting a tmpfs needs root\n');

let mountPoint: string | undefined;
afterEach(async () => {
  if (mountPoint === undefined) return;
  execFileSync('umount', [mountPoint]);
  await rm(mountPoint, { recursive: true, force: true });
  mountPoint = undefined;
});

describe.skipIf(!isRoot)('the deletion journal on a full disk', () => {
  test('a short write throws and stops the journal until a save empties it; then it records again', async () => {
    mountPoint = await mkdtemp(join(tmpdir(), 'hostds-journal-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4k,mode=0700', 'tmpfs', mountPoint]);
    const file = join(mountPoint, 'state.journal');
    // 4 KiB minus 10 bytes: the next line only partly fits in the filesystem's one page.
    await writeFile(file, 'x'.repeat(4086) + '\n');
    const j = new DeletionJournal(file, true);
    try {
      // 9 bytes fit in the page: a short write, which the kernel reports as a success.
      expect(() => j.record('0f0e-uid-a', '2026-11-29T10:00:00Z')).toThrow(/9 of 32 bytes written/);
      expect(() => j.record('0f0e-uid-b', '2026-11-29T10:00:01Z')).toThrow(/ends in a partial line/);
      j.saved(j.mark - 1); // a save that began before the failed records covers none of them
      expect(() => j.record('0f0e-uid-c', '2026-11-29T10:00:02Z')).toThrow(/ends in a partial line/);
      j.saved(j.mark); // the whole state is on disk: the journal has nothing left to say
      expect(await readFile(file, 'utf8')).toBe('');
      j.record('0f0e-uid-d', '2026-11-29T10:00:03Z');
      expect(await readFile(file, 'utf8')).toBe('0f0e-uid-d 2026-11-29T10:00:03Z\n');
    } finally { j.close(); }
  });
});
