// The spawn ProcessRunner against real processes. Every process a test starts is tracked by
// pid + start time and SIGKILLed (with its group) in afterEach, also when the test fails.
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { createSpawnRunner } from '../../src/supervise/runner-spawn.js';
import { decodeMarker, encodeMarker, readBootId } from '../../src/supervise/proc.js';
import { SpawnError, type Marker, type ProcessHandle, type StartSpec } from '../../src/supervise/runner.js';
import { bundleModule } from '../helpers/bundle.js';
import { waitFor, waitForValue } from '../helpers/wait.js';
import { HELPER_PATH, SPAWNERS } from '../helpers/spawners.js';
import { isGone, procStat, trackedProcesses } from '../helpers/tracked-processes.js';

const REPO = resolve(import.meta.dirname, '../..');
const FIXTURES = join(REPO, 'test/fixtures');
const fixture = (name: string): string => join(FIXTURES, name);

const processes = trackedProcesses();
const track = processes.track;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hostds-runner-'));
});
afterEach(async () => {
  processes.killAll();
  await rm(dir, { recursive: true, force: true });
});

const marker = (over: Partial<Marker> = {}): Marker => ({
  rootId: 'root-a', pod: 'agent-x7k2q', podUid: 'uid-1', container: 'main', daemonSet: 'kube-system/agent', templateHash: 'abc123', ...over,
});

function spec(script: string, args: string[] = [], over: Partial<StartSpec> = {}): StartSpec {
  return {
    argv: [process.execPath, fixture(script), ...args],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    logPath: join(dir, 'logs', 'main.log'),
    marker: marker(),
    ...over,
  };
}

/** The pids on the READY line the fixture writes to its log. */
async function ready(logPath: string): Promise<{ pid: number; child?: number }> {
  const m = await waitForValue(async () => {
    const text = await readFile(logPath, 'utf8').catch(() => '');
    return /READY pid=(\d+)(?: child=(\d+))?/.exec(text) ?? undefined;
  }, 10_000, `READY in ${logPath}`);
  return m[2] === undefined ? { pid: Number(m[1]) } : { pid: Number(m[1]), child: Number(m[2]) };
}

// Every behaviour below holds for both ways of forking: child_process.spawn and hostds-spawn.
describe.each(SPAWNERS)('%s spawner', (spawnerKind) => {
  const runner = createSpawnRunner({ pollMs: 50, spawner: spawnerKind });

  async function startTracked(s: StartSpec): Promise<ProcessHandle> {
    const handle = await runner.start(s);
    track(handle.pid);
    return handle;
  }

  describe('start and stop', () => {
    test('start returns the pid with its /proc start time and boot id', async () => {
      const s = spec('forever.mjs');
      const handle = await startTracked(s);
      expect((await ready(s.logPath)).pid).toBe(handle.pid);
      expect(handle.procStart).toBe(procStat(handle.pid)?.procStart);
      expect(handle.bootId).toBe(readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
      expect(await runner.isAlive(handle)).toBe(true);
    });

    test('running → stopped: SIGTERM ends a daemon, waitExit reports the signal', async () => {
      const s = spec('forever.mjs');
      const handle = await startTracked(s);
      await ready(s.logPath);
      const exit = runner.waitExit(handle);
      await runner.stop(handle, 5_000);
      expect(await exit).toEqual({ exitCode: null, signal: 'SIGTERM', known: true });
      expect(await runner.isAlive(handle)).toBe(false);
      expect(isGone(handle.pid)).toBe(true);
    });

    test('stop SIGKILLs the group after graceMs when SIGTERM is ignored', async () => {
      const s = spec('ignore-sigterm.mjs');
      const handle = await startTracked(s);
      await ready(s.logPath);
      const exit = runner.waitExit(handle);
      const t0 = performance.now();
      await runner.stop(handle, 300);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
      expect(await exit).toEqual({ exitCode: null, signal: 'SIGKILL', known: true });
      expect(isGone(handle.pid)).toBe(true);
    });

    test('stop waits for a grandchild in the group, not just the leader', async () => {
      const s = spec('grandchild.mjs');
      const handle = await startTracked(s);
      const { child } = await ready(s.logPath);
      expect(child).toBeDefined();
      track(child ?? 0);
      expect(isGone(child ?? 0)).toBe(false);
      await runner.stop(handle, 300);
      expect(isGone(handle.pid)).toBe(true);
      expect(isGone(child ?? 0)).toBe(true);
    });

    test('waitExit of our own child reports its exit code', async () => {
      const handle = await startTracked(spec('crash.mjs', ['3', '50']));
      expect(await runner.waitExit(handle)).toEqual({ exitCode: 3, signal: null, known: true });
    });

    test('stop of a process that already exited resolves at once', async () => {
      const handle = await startTracked(spec('crash.mjs', ['0', '0']));
      await runner.waitExit(handle);
      const t0 = performance.now();
      await runner.stop(handle, 10_000);
      expect(performance.now() - t0).toBeLessThan(1_000);
    });

    test('stdout and stderr both go to the log file', async () => {
      const s = spec('forever.mjs');
      const handle = await startTracked(s);
      await waitFor(async () => (await readFile(s.logPath, 'utf8')).includes(`STDERR pid=${handle.pid}`), 10_000, 'stderr line');
      expect(await readFile(s.logPath, 'utf8')).toContain(`READY pid=${handle.pid}`);
    });
  });

  describe('spawn', () => {
    test('argv[0] without a slash is found through the PATH of env; cwd and env are exactly as given', async () => {
      const bin = join(dir, 'bin');
      const work = join(dir, 'work');
      await mkdir(bin, { recursive: true });
      await mkdir(work);
      await writeFile(join(bin, 'mydaemon'), '#!/bin/sh\necho "cwd=$(pwd) leak=${HOSTDS_TEST_LEAK:-none}"\nexec "$NODE_BIN" "$FOREVER"\n');
      await chmod(join(bin, 'mydaemon'), 0o755);
      process.env.HOSTDS_TEST_LEAK = 'yes';
      try {
        const s = spec('forever.mjs', [], {
          argv: ['mydaemon'], cwd: work,
          env: { PATH: `${bin}:/usr/bin:/bin`, NODE_BIN: process.execPath, FOREVER: fixture('forever.mjs') },
        });
        await startTracked(s);
        await ready(s.logPath);
        expect(await readFile(s.logPath, 'utf8')).toContain(`cwd=${work} leak=none`);
      } finally {
        delete process.env.HOSTDS_TEST_LEAK;
      }
    });

    const rows: { name: string; argv: (d: string) => string[]; cwd?: (d: string) => string; reason: string; names: (d: string) => string }[] = [
      { name: 'a command missing from PATH', argv: () => ['no-such-daemon-xyz'], reason: 'not-found', names: () => 'no-such-daemon-xyz' },
      { name: 'a missing absolute path', argv: (d) => [join(d, 'nope/daemon')], reason: 'not-found', names: (d) => join(d, 'nope/daemon') },
      { name: 'a file without the executable bit', argv: (d) => [join(d, 'plain.sh')], reason: 'not-executable', names: (d) => join(d, 'plain.sh') },
      { name: 'a directory', argv: (d) => [d], reason: 'not-executable', names: (d) => d },
      { name: 'a missing working directory', argv: () => [process.execPath], cwd: (d) => join(d, 'gone'), reason: 'not-found', names: (d) => join(d, 'gone') },
    ];
    test.each(rows)('$name → SpawnError $reason naming the path', async (row) => {
      await writeFile(join(dir, 'plain.sh'), '#!/bin/sh\necho hi\n', { mode: 0o644 });
      const s = spec('forever.mjs', [], { argv: row.argv(dir), env: { PATH: join(dir, 'empty-bin') }, ...(row.cwd ? { cwd: row.cwd(dir) } : {}) });
      const err = await runner.start(s).then((h) => { track(h.pid); return undefined; }, (e: unknown) => e);
      expect(err).toBeInstanceOf(SpawnError);
      expect((err as SpawnError).reason).toBe(row.reason);
      expect((err as SpawnError).message).toContain(row.names(dir));
    });

    test('the directories above the log file are made on the first start, and an existing log is appended to', async () => {
      const logPath = join(dir, 'pods', 'default_agent-x7k2q_uid-1', 'main', '0.log');
      const first = await startTracked(spec('forever.mjs', [], { logPath }));
      expect((await ready(logPath)).pid).toBe(first.pid);
      // With the mode node's mkdir gives (0777 less the umask), whichever spawner starts it.
      mkdirSync(join(dir, 'made-by-node'));
      const nodeMode = statSync(join(dir, 'made-by-node')).mode & 0o7777;
      for (const made of [join(dir, 'pods'), dirname(dirname(logPath)), dirname(logPath)]) {
        expect(statSync(made).mode & 0o7777).toBe(nodeMode);
      }
      processes.killAll();
      await waitFor(() => isGone(first.pid), 5_000, 'first daemon gone');
      const second = await startTracked(spec('forever.mjs', [], { logPath }));
      await waitFor(async () => (await readFile(logPath, 'utf8')).includes(`READY pid=${second.pid}`), 10_000, 'second READY');
      expect(await readFile(logPath, 'utf8')).toContain(`READY pid=${first.pid}`);
    });

    test('a log path under a regular file: an error naming the log, and nothing runs', async () => {
      await writeFile(join(dir, 'blocker'), 'not a directory\n');
      const logPath = join(dir, 'blocker', 'main', '0.log');
      const tag = `blocked-${process.pid}-${Date.now()}`;
      const err = await runner.start(spec('forever.mjs', [tag], { logPath })).then((h) => { track(h.pid); return undefined; }, (e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as NodeJS.ErrnoException).code).toBe('ENOTDIR');
      expect((err as Error).message).toContain(join(dir, 'blocker'));
      const running = readdirSync('/proc').filter((e) => /^\d+$/.test(e)).filter((e) => {
        try { return readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(tag); } catch { return false; }
      });
      expect(running).toEqual([]);
    });
  });

  describe('adoption', () => {
    test('the marker round-trips, daemonSet slash included', () => {
      const m = marker({ pod: 'a/b%c' });
      expect(encodeMarker(m).split('/')).toHaveLength(6);
      expect(decodeMarker(encodeMarker(m))).toEqual(m);
      expect(decodeMarker('too/few')).toBeUndefined();
    });

    test('findMarked finds the daemons of its rootId only, with their markers', async () => {
      const mine = await startTracked(spec('forever.mjs', [], { marker: marker({ container: 'mine' }), logPath: join(dir, 'a.log') }));
      const other = await startTracked(spec('forever.mjs', [], { marker: marker({ rootId: 'root-b' }), logPath: join(dir, 'b.log') }));
      await ready(join(dir, 'a.log'));
      const found = await runner.findMarked('root-a');
      const hit = found.find((p) => p.pid === mine.pid);
      expect(hit).toEqual({ ...mine, marker: marker({ container: 'mine' }) });
      expect(found.some((p) => p.pid === other.pid)).toBe(false);
      expect((await runner.findMarked('root-b')).map((p) => p.pid)).toContain(other.pid);
    });

    test('a handle whose procStart does not match is not alive and is never signalled', async () => {
      const s = spec('forever.mjs');
      const handle = await startTracked(s);
      await ready(s.logPath);
      const reused = { ...handle, procStart: String(Number(handle.procStart) + 1) };
      expect(await runner.isAlive(reused)).toBe(false);
      await runner.stop(reused, 100);
      expect(await runner.isAlive({ ...handle, bootId: 'another-boot' })).toBe(false);
      await runner.stop({ ...handle, bootId: 'another-boot' }, 100);
      expect(await runner.isAlive(handle)).toBe(true);
      expect(isGone(handle.pid)).toBe(false);
    });

    test('waitExit of an adopted handle resolves known:false once the process is killed', async () => {
      const s = spec('forever.mjs');
      const handle = await startTracked(s);
      await ready(s.logPath);
      const adopter = createSpawnRunner({ pollMs: 50 });
      let settled = false;
      const exit = adopter.waitExit({ ...handle }).finally(() => { settled = true; });
      await new Promise((r) => setImmediate(r));
      expect(settled).toBe(false);
      process.kill(handle.pid, 'SIGKILL');
      expect(await exit).toEqual({ exitCode: null, signal: null, known: false });
    });
  });

  describe('the daemon outlives its starter', () => {
    const bundle = join(tmpdir(), `hostds-runner-bundle-${process.pid}-${spawnerKind}.mjs`);
    beforeAll(async () => {
      // The starter is plain node: it runs the module bundled.
      await bundleModule('src/supervise/runner-spawn.ts', bundle);
    });
    afterAll(async () => {
      await rm(bundle, { force: true });
    });

    test('the starter exits by itself and the daemon keeps running, reparented', async () => {
      const logPath = join(dir, 'owner.log');
      const { stdout } = await promisify(execFile)(process.execPath,
        [fixture('run-with-runner.mjs'), bundle, logPath, fixture('forever.mjs'), JSON.stringify({ spawner: spawnerKind, helperPath: HELPER_PATH })], { timeout: 20_000 });
      const { handle, ownerPid } = JSON.parse(stdout.trim()) as { handle: ProcessHandle; ownerPid: number };
      track(handle.pid);
      expect(handle.bootId).toBe(readBootId());
      await ready(logPath);
      expect(await runner.isAlive(handle)).toBe(true);
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${handle.pid}/status`, 'utf8'))?.[1]);
      expect(ppid).not.toBe(ownerPid);
      expect(ppid).not.toBe(process.pid);
      expect(isGone(ownerPid)).toBe(true);
      await runner.stop(handle, 2_000);
      expect(isGone(handle.pid)).toBe(true);
    });
  });

  describe('processes in another pid namespace are never ours', () => {
    test.skipIf(process.getuid?.() !== 0)('a marked group leader inside `unshare --pid` (a hostds in a container on its own /) is not listed', async () => {
      const rootId = `ns-${process.pid}`;
      const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOSTDS_POD_MARKER: encodeMarker(marker({ rootId })) };
      // The same marker in our namespace, for contrast.
      const ours = await runner.start({ ...spec('forever.mjs'), marker: marker({ rootId }) });
      track(ours.pid);
      const { spawn } = await import('node:child_process');
      const outer = spawn('unshare', ['--pid', '--fork', '--mount-proc', 'setsid', 'sleep', '100000'], { env, detached: true, stdio: 'ignore' });
      track(outer.pid!);
      // The sleep inside: a child of unshare, leader of its own session and group.
      const inner = await waitForValue(() => {
        const kids = readFileSync(`/proc/${outer.pid}/task/${outer.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
        return kids.find((k) => readFileSync(`/proc/${k}/cmdline`, 'utf8').startsWith('sleep'));
      }, 5000, 'the namespaced sleep');
      track(inner);
      await waitFor(() => procStat(inner)?.pgrp === inner, 5000, 'setsid in the namespace');
      const { listMarkedProcesses } = await import('../../src/supervise/proc.js');
      const listed = (await listMarkedProcesses(rootId)).map((p) => p.pid);
      expect(listed).toContain(ours.pid);
      expect(listed).not.toContain(inner);
    });
  });
});
