// Container log files with a real daemon writing through its O_APPEND fd: rotation and
// markRestart copy-truncate under it, and it keeps writing to the live file.
import { readFileSync } from 'node:fs';
import { appendFile, mkdtemp, readFile, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  containerLogPath,
  followLog,
  markRestart,
  parseQuantity,
  readLog,
  rotateIfNeeded,
} from '../../src/observe/log-files.js';
import { createSpawnRunner } from '../../src/supervise/runner-spawn.js';
import type { ProcessHandle } from '../../src/supervise/runner.js';
import { waitFor } from '../helpers/wait.js';

const FIXTURES = resolve(import.meta.dirname, '../fixtures');
const runner = createSpawnRunner();

let dir: string;
const started: ProcessHandle[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hostds-logs-'));
});
afterEach(async () => {
  for (const h of started.splice(0)) {
    let current: string | undefined;
    try {
      const text = readFileSync(`/proc/${h.pid}/stat`, 'utf8');
      current = text.slice(text.lastIndexOf(')') + 2).split(' ')[19];
    } catch {
      continue;
    }
    if (current !== h.procStart) continue;
    try {
      process.kill(-h.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await rm(dir, { recursive: true, force: true });
});

async function startChatty(logPath: string, bytes: number, tickMs: number): Promise<ProcessHandle> {
  const handle = await runner.start({
    argv: [process.execPath, join(FIXTURES, 'chatty.mjs'), String(bytes), String(tickMs)],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    logPath,
    marker: { rootId: 'logs-test', pod: 'p', podUid: 'u', container: 'c', daemonSet: 'default/ds', templateHash: 'h' },
  });
  started.push(handle);
  return handle;
}

const contains = (path: string, text: string) => async () => (await readFile(path, 'utf8').catch(() => '')).includes(text);

describe('paths and sizes', () => {
  test('containerLogPath is <logDir>/pods/<pod>/<container>.log', () => {
    expect(containerLogPath('/r/var/log/hostds', 'agent-x7k2q', 'main')).toBe('/r/var/log/hostds/pods/agent-x7k2q/main.log');
  });

  test.each([
    { pod: 'a/b', container: 'c' }, { pod: '..', container: 'c' }, { pod: 'p', container: '../x' }, { pod: 'p', container: '' },
  ])('containerLogPath refuses pod $pod container $container', ({ pod, container }) => {
    expect(() => containerLogPath('/logs', pod, container)).toThrow(TypeError);
  });

  test.each([
    { raw: '10Mi', bytes: 10 * 1024 * 1024 }, { raw: '512Ki', bytes: 512 * 1024 }, { raw: '1Gi', bytes: 2 ** 30 },
    { raw: '5k', bytes: 5000 }, { raw: '2M', bytes: 2_000_000 }, { raw: '1G', bytes: 1e9 }, { raw: '1000', bytes: 1000 },
    { raw: '1.5Ki', bytes: 1536 }, { raw: 42, bytes: 42 }, { raw: '10MB', bytes: undefined }, { raw: '-1', bytes: undefined },
    { raw: 'ten', bytes: undefined },
  ])('parseQuantity($raw) = $bytes', ({ raw, bytes }) => {
    expect(parseQuantity(raw)).toBe(bytes);
  });
});

describe('rotation', () => {
  test('below maxBytes nothing rotates', async () => {
    const path = join(dir, 'c.log');
    await writeFile(path, 'small\n');
    expect(await rotateIfNeeded(path, { maxBytes: 1024, maxFiles: 3 })).toBe(false);
    expect(await rotateIfNeeded(join(dir, 'missing.log'), { maxBytes: 1, maxFiles: 3 })).toBe(false);
    expect(await readdir(dir)).toEqual(['c.log']);
  });

  test('copy-truncate keeps maxFiles in total and the daemon keeps writing to the live file', async () => {
    const path = containerLogPath(dir, 'p', 'c');
    await startChatty(path, 4096, 20);
    await waitFor(contains(path, 'DONE'), 10_000, 'DONE');
    expect(await rotateIfNeeded(path, { maxBytes: 1024, maxFiles: 3 })).toBe(true);
    expect(await readFile(`${path}.1`, 'utf8')).toContain('DONE');
    await waitFor(contains(path, 'tick'), 10_000, 'a tick in the live file after rotation');
    // O_APPEND: after the truncate the daemon writes at the new end, not at its old offset (no NUL hole).
    const live = await readFile(path);
    expect(live.length).toBeLessThan(4096);
    expect(live.includes(0)).toBe(false);
    for (let i = 0; i < 3; i++) {
      await waitFor(async () => (await stat(path)).size > 0, 10_000, 'new output');
      expect(await rotateIfNeeded(path, { maxBytes: 1, maxFiles: 3 })).toBe(true);
    }
    expect((await readdir(join(dir, 'pods/p'))).sort()).toEqual(['c.log', 'c.log.1', 'c.log.2']);
    await waitFor(contains(path, 'tick'), 10_000, 'ticks keep coming');
  });

  test('maxFiles 1 only truncates', async () => {
    const path = join(dir, 'c.log');
    await writeFile(path, 'x'.repeat(100));
    expect(await rotateIfNeeded(path, { maxBytes: 10, maxFiles: 1 })).toBe(true);
    expect(await readdir(dir)).toEqual(['c.log']);
    expect((await stat(path)).size).toBe(0);
  });
});

describe('reading', () => {
  test('readLog --tail keeps the last lines and the final newline', async () => {
    const path = join(dir, 'c.log');
    await writeFile(path, 'a\nb\nc\n');
    expect(await readLog(path)).toBe('a\nb\nc\n');
    expect(await readLog(path, { tail: 2 })).toBe('b\nc\n');
    expect(await readLog(path, { tail: 10 })).toBe('a\nb\nc\n');
    expect(await readLog(path, { tail: 0 })).toBe('');
    await writeFile(path, 'a\nb\npartial');
    expect(await readLog(path, { tail: 1 })).toBe('partial');
    expect(await readLog(join(dir, 'missing.log'))).toBe('');
  });

  test('markRestart moves the last run to .previous and the daemon keeps writing to the live file', async () => {
    const path = join(dir, 'c.log');
    await startChatty(path, 128, 20);
    await waitFor(contains(path, 'DONE'), 10_000, 'DONE');
    await markRestart(path);
    expect(await readLog(path, { previous: true })).toContain('DONE');
    await waitFor(contains(path, 'tick'), 10_000, 'ticks after markRestart');
    expect(await readLog(path)).not.toContain('DONE');
    expect(await readLog(join(dir, 'never.log'), { previous: true })).toBe('');
  });

  test('markRestart moves a small log inline and a large one through the thread pool, the same way', async () => {
    for (const [name, bytes] of [['small.log', 1000], ['large.log', 600 * 1024]] as const) {
      const path = join(dir, name);
      const old = `${'x'.repeat(99)}\n`.repeat(bytes / 100);
      await writeFile(path, old);
      await writeFile(`${path}.times`, 'times of the last run');
      await writeFile(`${path}.previous.times`, 'times of the run before');
      await markRestart(path);
      expect(await readLog(path, { previous: true }), name).toBe(old);
      expect(await readLog(path), name).toBe('');
      expect(await readFile(`${path}.previous.times`, 'utf8'), name).toBe('times of the last run');
      await expect(readFile(`${path}.times`), name).rejects.toMatchObject({ code: 'ENOENT' });
    }
  });

  test('followLog sees appended lines and rereads from 0 after a truncate', async () => {
    const path = join(dir, 'c.log');
    await writeFile(path, 'old\n');
    const ac = new AbortController();
    let seen = '';
    const done = followLog(path, (chunk) => { seen += chunk; }, ac.signal, { pollMs: 20 });
    try {
      await appendFile(path, 'one\n');
      await waitFor(() => seen.includes('one\n'), 5_000, 'appended line');
      expect(seen).not.toContain('old');
      // Shorter than what was there (8 bytes), so the follower sees the file shrink whenever it polls.
      await truncate(path, 0);
      await appendFile(path, 'two\n');
      await waitFor(() => seen.includes('two\n'), 5_000, 'line after truncate');
    } finally {
      ac.abort();
    }
    await done;
  });
});
