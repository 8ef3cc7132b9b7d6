// The spawn runner's cgroup join: the process writes its own pid into the cgroup.procs files
// (plain files here) before it execs the command, the command's arguments are never shell text,
// the user switch happens after the join, and a command that cannot be exec'd fails as a direct
// spawn would. Every process started is killed by pid in afterEach.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createSpawnRunner } from '../../src/supervise/runner-spawn.js';
import { SpawnError, type StartSpec } from '../../src/supervise/runner.js';
import { waitForValue } from '../helpers/wait.js';

const runner = createSpawnRunner();
const started: number[] = [];
let dir = '';

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hostds-runner-cg-'));
});

afterEach(async () => {
  for (const pid of started.splice(0)) {
    try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ }
  }
  await rm(dir, { recursive: true, force: true });
});

function spec(argv: string[], extra: Partial<StartSpec> = {}): StartSpec {
  return {
    argv, env: { PATH: '/usr/bin:/bin' }, logPath: join(dir, 'out.log'),
    marker: { rootId: 'cg', pod: 'p', podUid: 'u', container: 'c', daemonSet: 'default/d', templateHash: 'h' },
    cgroupProcs: [join(dir, 'a.procs'), join(dir, 'b.procs')], ...extra,
  };
}

const logOf = (): Promise<string> => waitForValue(async () => (await readFile(join(dir, 'out.log'), 'utf8').catch(() => '')) || undefined, 5_000, 'output');

describe('joining a cgroup before exec', () => {
  test('the daemon\'s own pid is in every procs file, and arguments arrive verbatim', async () => {
    const hostile = ['$(touch pwned)', '; touch pwned', '"quoted" \'single\'', '*', '--', ''];
    const h = await runner.start(spec(['/usr/bin/printf', '%s|', ...hostile]));
    started.push(h.pid);
    expect(await logOf()).toBe(`${hostile.join('|')}|`);
    for (const f of ['a.procs', 'b.procs']) expect((await readFile(join(dir, f), 'utf8')).trim()).toBe(String(h.pid));
    await expect(readFile(join(dir, 'pwned'))).rejects.toThrow();
  });

  test.skipIf(process.getuid?.() !== 0)('the user switch comes after the join (root writes the pid), and no root groups remain', async () => {
    const h = await runner.start(spec(['/bin/sh', '-c', 'id -u; id -G; exec sleep 100'], { identity: { uid: 65534, gid: 65534, groups: [] } }));
    started.push(h.pid);
    expect((await logOf()).split('\n').slice(0, 2)).toEqual(['65534', '65534']);
    expect((await readFile(join(dir, 'a.procs'), 'utf8')).trim()).toBe(String(h.pid));
  });

  test('a procs file that cannot be written: the command does not run, exit 125 with a message', async () => {
    const h = await runner.start(spec(['/usr/bin/touch', join(dir, 'ran')], { cgroupProcs: [join(dir, 'missing-dir/cgroup.procs')] }));
    started.push(h.pid);
    expect(await runner.waitExit(h)).toMatchObject({ exitCode: 125 });
    expect(await logOf()).toContain(`hostds: cannot join cgroup ${join(dir, 'missing-dir/cgroup.procs')}`);
    await expect(readFile(join(dir, 'ran'))).rejects.toThrow();
  });

  test.each([
    { name: 'a command missing from PATH', argv: () => ['no-such-daemon-xyz'], reason: 'not-found' },
    { name: 'a file without the executable bit', argv: (d: string) => [join(d, 'plain.sh')], reason: 'not-executable' },
    { name: 'an executable without #! or ELF header (sh would run it as a script)', argv: (d: string) => [join(d, 'noshebang')], reason: 'not-executable' },
    { name: 'a missing working directory', argv: () => ['/bin/true'], cwd: (d: string) => join(d, 'gone'), reason: 'not-found' },
  ])('$name → SpawnError $reason, as without the cgroup', async (row) => {
    await writeFile(join(dir, 'plain.sh'), '#!/bin/sh\necho hi\n', { mode: 0o644 });
    await writeFile(join(dir, 'noshebang'), `touch ${join(dir, 'ran')}\n`, { mode: 0o755 });
    const err = await runner.start(spec(row.argv(dir), row.cwd ? { cwd: row.cwd(dir) } : {})).then((h) => { started.push(h.pid); return undefined; }, (e: unknown) => e);
    expect(err).toBeInstanceOf(SpawnError);
    expect((err as SpawnError).reason).toBe(row.reason);
    await expect(readFile(join(dir, 'ran'))).rejects.toThrow();
  });
});
