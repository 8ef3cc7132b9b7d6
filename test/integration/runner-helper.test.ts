// What only the hostds-spawn helper has to get right (native/hostds-spawn.c, docs/spawner.md):
// the state a daemon starts in, failures reported exactly as child_process reports them, and the
// helper's own death (or its agent's) never taking a daemon with it. The behaviour both spawners
// share is in runner.test.ts. Every process started is SIGKILLed by pid in afterEach.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { createSpawnRunner } from '../../src/supervise/runner-spawn.js';
import { SpawnError, type ProcessHandle, type StartSpec } from '../../src/supervise/runner.js';
import { bundleModule } from '../helpers/bundle.js';
import { makeRoot, runCli } from '../helpers/cli.js';
import { HELPER_EXPECTED, HELPER_PATH } from '../helpers/spawners.js';
import { waitFor, waitForValue } from '../helpers/wait.js';
import { isGone, procStat, trackedProcesses } from '../helpers/tracked-processes.js';

const FIXTURES = resolve(import.meta.dirname, '../fixtures');
const isRoot = process.getuid?.() === 0;

const statusField = (pid: number, name: string): string => new RegExp(`^${name}:[ \\t]*(.*)$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]?.trim() ?? '';
const exeOf = (pid: number): string => { try { return readlinkSync(`/proc/${pid}/exe`); } catch { return ''; } };

const processes = trackedProcesses();
const track = processes.track;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hostds-helper-'));
});
afterEach(async () => {
  processes.killAll();
  await rm(dir, { recursive: true, force: true });
});

const marker = { rootId: 'helper-test', pod: 'p', podUid: 'u', container: 'c', daemonSet: 'default/ds', templateHash: 'h' };
function spec(argv: string[], over: Partial<StartSpec> = {}): StartSpec {
  return { argv, env: { PATH: '/usr/bin:/bin' }, logPath: join(dir, 'logs/out.log'), marker, ...over };
}

describe('choosing the spawner', () => {
  test('the agent refuses an unknown HOSTDS_SPAWNER with a clear error, not a stack trace, and starts nothing', async () => {
    const root = await makeRoot();
    const r = await runCli(['agent'], { root, env: { HOSTDS_SPAWNER: 'fast' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`HOSTDS_SPAWNER must be 'node', 'helper' or 'auto', got "fast"`);
    expect(r.stderr).not.toMatch(/this is a bug|\n\s+at /);
  });

  test('auto without the binary (a build without a C compiler) uses child_process; helper without it is an error', async () => {
    const missing = join(dir, 'no-such-helper');
    const auto = createSpawnRunner({ helperPath: missing });
    expect(auto.spawner).toBe('node');
    const h = await auto.start(spec(['/bin/sleep', '100000']));
    track(h.pid);
    expect(procStat(h.pid)!.ppid).toBe(process.pid);
    expect(() => createSpawnRunner({ spawner: 'helper', helperPath: missing })).toThrow(/not an executable file/);
  });
});

describe.skipIf(!HELPER_EXPECTED)('hostds-spawn', () => {
  const helperRunner = createSpawnRunner({ pollMs: 50, spawner: 'helper' });
  const nodeRunner = createSpawnRunner({ pollMs: 50, spawner: 'node' });

  async function startTracked(s: StartSpec, runner = helperRunner): Promise<ProcessHandle> {
    const h = await runner.start(s);
    track(h.pid);
    return h;
  }

  test('the daemon is the helper\'s child, in a clean state: no blocked or ignored signal, only fds 0-2, its own session', async () => {
    const s = spec(['/bin/sleep', '100000']);
    const h = await startTracked(s);
    expect(helperRunner.spawner).toBe('helper');
    const helperPid = procStat(h.pid)!.ppid;
    expect(exeOf(helperPid)).toBe(HELPER_PATH);
    expect(statusField(h.pid, 'SigBlk')).toMatch(/^0+$/);
    expect(statusField(h.pid, 'SigIgn')).toMatch(/^0+$/);
    const fds = readdirSync(`/proc/${h.pid}/fd`).map(Number).sort((a, b) => a - b);
    expect(fds).toEqual([0, 1, 2]);
    expect(readlinkSync(`/proc/${h.pid}/fd/0`)).toBe('/dev/null');
    expect(readlinkSync(`/proc/${h.pid}/fd/1`)).toBe(s.logPath);
    expect(readlinkSync(`/proc/${h.pid}/fd/2`)).toBe(s.logPath);
    expect(procStat(h.pid)).toMatchObject({ pgrp: h.pid, session: h.pid, procStart: h.procStart });
    // The marker is the daemon's alone: the helper must never look like a daemon to findMarked.
    expect(readFileSync(`/proc/${h.pid}/environ`, 'utf8').split('\0')).toContain('HOSTDS_POD_MARKER=helper-test/p/u/c/default%2Fds/h');
    expect(readFileSync(`/proc/${helperPid}/environ`, 'utf8')).not.toContain('HOSTDS_POD_MARKER');
    // And the helper keeps no fd of the daemon's log.
    expect(readdirSync(`/proc/${helperPid}/fd`).map((fd) => readlinkSync(`/proc/${helperPid}/fd/${fd}`))).not.toContain(s.logPath);
  });

  test('an exit status and a signal come back as child_process reports them', async () => {
    const crash = await startTracked(spec(['/bin/sh', '-c', 'exit 7']));
    expect(await helperRunner.waitExit(crash)).toEqual({ exitCode: 7, signal: null, known: true });
    const killed = await startTracked(spec(['/bin/sleep', '100000']));
    const exit = helperRunner.waitExit(killed);
    process.kill(killed.pid, 'SIGKILL');
    expect(await exit).toEqual({ exitCode: null, signal: 'SIGKILL', known: true });
  });

  test('hostile arguments and environment values arrive byte for byte, never as shell text', async () => {
    const hostile = ['$(touch pwned)', '`touch pwned`', '; touch pwned', '"quoted" \'single\'', '*', 'a b  c', '', '--', 'grüße ✓ 日本', 'line\nbreak', '\\'];
    const s = spec([process.execPath, '-e', 'process.stdout.write(JSON.stringify({ argv: process.argv.slice(1), env: process.env.HOSTILE }))', ...hostile],
      { env: { PATH: '/usr/bin:/bin', HOSTILE: hostile.join('|') }, cwd: dir });
    await startTracked(s);
    const out = await waitForValue(async () => (await readFile(s.logPath, 'utf8').catch(() => '')) || undefined, 10_000, 'output');
    expect(JSON.parse(out)).toEqual({ argv: hostile, env: hostile.join('|') });
    await expect(readFile(join(dir, 'pwned'))).rejects.toThrow();
  });

  test('a NUL byte in argv, env or cwd fails as with child_process, and starts nothing', async () => {
    for (const over of [{ argv: ['/bin/echo', 'a\0b'] }, { env: { X: 'a\0b' } }, { cwd: `${dir}\0x` }]) {
      const s = spec(['/bin/echo', 'hi'], over);
      const [a, b] = await Promise.all([helperRunner, nodeRunner].map((r) => r.start(s).then((h) => { track(h.pid); return h; }, (e: unknown) => e)));
      expect(a).toBeInstanceOf(SpawnError);
      expect({ reason: (a as SpawnError).reason, message: (a as SpawnError).message }).toEqual({ reason: (b as SpawnError).reason, message: (b as SpawnError).message });
      expect((a as SpawnError).reason).toBe('other');
    }
  });

  const failures: { name: string; argv: (d: string) => string[]; cwd?: (d: string) => string; logPath?: (d: string) => string; uid?: number; rootOnly?: boolean }[] = [
    { name: 'a command missing from PATH', argv: () => ['no-such-daemon-xyz'] },
    { name: 'a missing absolute path', argv: (d) => [join(d, 'nope/daemon')] },
    { name: 'a file without the executable bit', argv: (d) => [join(d, 'plain.sh')] },
    { name: 'a directory', argv: (d) => [d] },
    { name: 'a missing working directory', argv: () => ['/bin/true'], cwd: (d) => join(d, 'gone') },
    { name: 'a log path that cannot be opened (a directory)', argv: () => ['/bin/true'], logPath: (d) => join(d, 'logdir') },
    { name: 'a command the daemon\'s user may not execute', argv: (d) => [join(d, 'private/daemon.sh')], uid: 65534, rootOnly: true },
  ];
  test.each(failures)('$name: the same error as child_process', async (row) => {
    if (row.rootOnly && !isRoot) return;
    await writeFile(join(dir, 'plain.sh'), '#!/bin/sh\necho hi\n', { mode: 0o644 });
    await writeFile(join(dir, 'noshebang'), `touch ${join(dir, 'ran')}\n`, { mode: 0o755 });
    await mkdir(join(dir, 'logdir'));
    await mkdir(join(dir, 'private'), { mode: 0o700 });
    await writeFile(join(dir, 'private/daemon.sh'), '#!/bin/sh\nexec sleep 100000\n', { mode: 0o755 });
    await chmod(dir, 0o755); // mkdtemp's 0700 would hide even /bin/true's cwd from uid 65534
    const s = spec(row.argv(dir), {
      env: { PATH: join(dir, 'empty-bin') },
      ...(row.cwd ? { cwd: row.cwd(dir) } : {}),
      ...(row.logPath ? { logPath: row.logPath(dir) } : {}),
      ...(row.uid === undefined ? {} : { identity: { uid: row.uid, gid: row.uid } }),
    });
    const outcome = async (r: typeof helperRunner): Promise<unknown> => r.start(s).then((h) => { track(h.pid); return 'started'; }, (e: unknown) => e);
    const viaHelper = await outcome(helperRunner);
    const viaNode = await outcome(nodeRunner);
    expect(viaHelper).toBeInstanceOf(Error);
    const shape = (e: unknown): unknown => ({ type: (e as Error).constructor.name, reason: (e as { reason?: string }).reason, code: (e as { code?: string }).code, message: (e as Error).message });
    expect(shape(viaHelper)).toEqual(shape(viaNode));
    await expect(readFile(join(dir, 'ran'))).rejects.toThrow();
  });

  // Node 20's libuv execs through glibc's execvp, which runs such a file with /bin/sh; newer
  // libuv, and the runner's cgroup path (checkCommand), refuse it. The helper refuses it too.
  test('an executable without #! or ELF header is not run as a shell script', async () => {
    await writeFile(join(dir, 'noshebang'), `touch ${join(dir, 'ran')}\n`, { mode: 0o755 });
    const err = await helperRunner.start(spec([join(dir, 'noshebang')])).then((h) => { track(h.pid); return undefined; }, (e: unknown) => e);
    expect(err).toBeInstanceOf(SpawnError);
    expect((err as SpawnError).reason).toBe('not-executable');
    expect((err as SpawnError).message).toBe(`${join(dir, 'noshebang')} is not an executable file (ENOEXEC)`);
    await expect(readFile(join(dir, 'ran'))).rejects.toThrow();
  });

  test.skipIf(!isRoot)('uid and gid: the daemon runs as 65534 with no supplementary groups', async () => {
    const h = await startTracked(spec(['/bin/sleep', '100000'], { identity: { uid: 65534, gid: 65534 } }));
    expect(statusField(h.pid, 'Uid').split(/\s+/)).toEqual(['65534', '65534', '65534', '65534']);
    expect(statusField(h.pid, 'Gid').split(/\s+/)).toEqual(['65534', '65534', '65534', '65534']);
    expect(statusField(h.pid, 'Groups')).toBe('');
  });

  test('SIGINT, SIGTERM, SIGHUP and SIGQUIT do not end the helper (Ctrl-C reaches the whole terminal group); its daemons start with none ignored', async () => {
    const runner = createSpawnRunner({ pollMs: 50, spawner: 'helper' });
    const a = await startTracked(spec(['/bin/sleep', '100000'], { logPath: join(dir, 'a.log') }), runner);
    const helperPid = procStat(a.pid)!.ppid;
    expect(exeOf(helperPid)).toBe(HELPER_PATH);
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const) process.kill(helperPid, s);
    const b = await startTracked(spec(['/bin/sleep', '100000'], { logPath: join(dir, 'b.log') }), runner);
    expect(procStat(b.pid)!.ppid).toBe(helperPid);
    expect(runner.spawner).toBe('helper');
    expect(isGone(helperPid)).toBe(false);
    expect(statusField(b.pid, 'SigIgn')).toBe('0000000000000000');
  });

  test('the helper killed mid-life: daemons keep running, their exit is still noticed, later starts still work', async () => {
    const runner = createSpawnRunner({ pollMs: 50, spawner: 'helper' });
    const warnings: string[] = [];
    const onWarning = (w: Error & { code?: string }): void => { if (w.code === 'HOSTDS_SPAWNER') warnings.push(w.message); };
    process.on('warning', onWarning);
    try {
      const a = await startTracked(spec(['/bin/sleep', '100000'], { logPath: join(dir, 'a.log') }), runner);
      const helperPid = procStat(a.pid)!.ppid;
      expect(exeOf(helperPid)).toBe(HELPER_PATH);
      const exit = runner.waitExit(a);
      process.kill(helperPid, 'SIGKILL');
      await waitFor(() => runner.spawner === 'node', 10_000, 'the runner to notice the helper is gone');
      expect(await runner.isAlive(a)).toBe(true);
      const b = await startTracked(spec(['/bin/sleep', '100000'], { logPath: join(dir, 'b.log') }), runner);
      expect(procStat(b.pid)!.ppid).toBe(process.pid); // child_process now
      process.kill(a.pid, 'SIGKILL');
      expect(await exit).toEqual({ exitCode: null, signal: null, known: false });
      await waitFor(() => warnings.length > 0, 5_000, 'the warning');
      expect(warnings).toHaveLength(1);
    } finally {
      process.off('warning', onWarning);
    }
  });

  test('a request the helper never answered is not retried, and fails as a SpawnError', async () => {
    const runner = createSpawnRunner({ pollMs: 50, spawner: 'helper' });
    const first = await startTracked(spec(['/bin/sleep', '100000'], { logPath: join(dir, 'a.log') }), runner);
    const helperPid = procStat(first.pid)!.ppid;
    process.kill(helperPid, 'SIGSTOP');
    const pending = runner.start(spec(['/usr/bin/touch', join(dir, 'ran')], { logPath: join(dir, 'b.log') })).then((h) => { track(h.pid); return h; }, (e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    process.kill(helperPid, 'SIGKILL');
    const err = await pending;
    expect(err).toBeInstanceOf(SpawnError);
    expect((err as SpawnError).message).toMatch(/may not have started/);
    await expect(readFile(join(dir, 'ran'))).rejects.toThrow();
  });

  describe('an agent killed with SIGKILL', () => {
    const bundle = join(tmpdir(), `hostds-helper-bundle-${process.pid}.mjs`);
    beforeAll(async () => { await bundleModule('src/supervise/runner-spawn.ts', bundle); });
    afterAll(async () => { await rm(bundle, { force: true }); });

    test('the helper exits with it, and the daemon keeps running', async () => {
      const logPath = join(dir, 'held.log');
      const holder = spawn(process.execPath, [join(FIXTURES, 'hold-with-runner.mjs'), bundle, HELPER_PATH, logPath, join(FIXTURES, 'forever.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
      track(holder.pid!);
      let out = '';
      holder.stdout!.on('data', (c: Buffer) => { out += c.toString(); });
      const { handle } = await waitForValue(() => (out.includes('\n') ? JSON.parse(out) as { handle: ProcessHandle } : undefined), 20_000, 'the holder to start a daemon');
      track(handle.pid);
      const helperPid = procStat(handle.pid)!.ppid;
      expect(exeOf(helperPid)).toBe(HELPER_PATH);
      expect(procStat(helperPid)!.ppid).toBe(holder.pid);
      track(helperPid);
      process.kill(holder.pid!, 'SIGKILL');
      await waitFor(() => isGone(helperPid), 10_000, 'the helper to exit');
      expect(await helperRunner.isAlive(handle)).toBe(true);
      expect(isGone(handle.pid)).toBe(false);
    });
  });
});
