// units/hostds.service under a real systemd (test/helpers/nspawn.ts boots one in a container over
// an overlay of this host's root). hostds is installed as the .deb would (/usr/bin/hostds, the unit
// in /etc/systemd/system), with one DaemonSet running `sleep 100000`, and the unit must: report
// ready only once the control socket is up, and keep that daemon's process (same pid, same start
// time) across `systemctl restart`, `stop` + `start`, and a kill -9 of the agent.
// The tests run in order: each starts from the state the one before left.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cp, mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { REPO } from '../helpers/cli.js';
import { bootContainer, nspawnSkipReason, type Container, type ExecResult, CONTAINER_SLEEPER } from '../helpers/nspawn.js';
import { waitFor } from '../helpers/wait.js';

const SLEEPER = CONTAINER_SLEEPER;

// CI sets HOSTDS_REQUIRE_NSPAWN=1 where containers must work: then a skip is a failure.
const required = process.env['HOSTDS_REQUIRE_NSPAWN'] === '1';
const skipReason = nspawnSkipReason();
if (skipReason && required) throw new Error(`HOSTDS_REQUIRE_NSPAWN=1 but: ${skipReason}`);
if (skipReason) process.stderr.write(`systemd-unit tests skipped: ${skipReason}\n`);

/** A snapshot of dist/bundle (names, sizes, times) to notice a rebuild that raced the copy. */
async function bundleListing(): Promise<string> {
  const dir = join(REPO, 'dist/bundle');
  const names = (await readdir(dir)).sort();
  const stats = await Promise.all(names.map(async (n) => { const s = await stat(join(dir, n)); return `${n}:${s.size}:${s.mtimeMs}`; }));
  return stats.join('\n');
}

/** bin/, dist/bundle/ and package.json copied aside once: a concurrent rebuild (which empties
 * dist/bundle first) makes the copy fail or the listing change, and then it is tried again. */
async function stageHostds(): Promise<string> {
  const stage = await mkdtemp(join(tmpdir(), 'hostds-stage-'));
  for (let attempt = 1; ; attempt++) {
    try {
      const before = await bundleListing();
      await rm(join(stage, 'lib'), { recursive: true, force: true });
      await cp(join(REPO, 'bin'), join(stage, 'lib/bin'), { recursive: true });
      await cp(join(REPO, 'dist/bundle'), join(stage, 'lib/dist/bundle'), { recursive: true });
      await cp(join(REPO, 'package.json'), join(stage, 'lib/package.json'));
      if (before.includes('hostds.cjs:') && (await bundleListing()) === before) return stage;
    } catch { /* dist/bundle is being rebuilt */ }
    if (attempt === 15) {
      await rm(stage, { recursive: true, force: true });
      throw new Error('no stable dist/bundle/hostds.cjs to install: run `npm run build` first');
    }
    await sleep(2_000);
  }
}

/** Installs hostds into the container's root the way the .deb lays it out. */
async function installHostds(root: string, stage: string): Promise<void> {
  // A leftover install on the host (a .deb) must not leak in: these rm's only write whiteouts.
  for (const p of ['usr/lib/hostds', 'usr/bin/hostds', 'etc/hostds', 'var/lib/hostds', 'var/log/hostds', 'etc/systemd/system/hostds.service.d']) {
    await rm(join(root, p), { recursive: true, force: true });
  }
  await cp(join(stage, 'lib'), join(root, 'usr/lib/hostds'), { recursive: true });
  await symlink('../lib/hostds/bin/hostds', join(root, 'usr/bin/hostds'));
  await cp(join(REPO, 'units/hostds.service'), join(root, 'etc/systemd/system/hostds.service'));
  await mkdir(join(root, 'etc/hostds/manifests.d'), { recursive: true });
  await writeFile(join(root, 'etc/hostds/manifests.d/sleeper.yaml'), SLEEPER);
}

describe.skipIf(skipReason !== undefined)('units/hostds.service under systemd', () => {
  let c: Container | undefined;
  let stage = '';
  let bootError = '';

  beforeAll(async () => {
    stage = await stageHostds();
    try {
      c = await bootContainer({ prepare: (root) => installHostds(root, stage) });
    } catch (err) {
      if (required) throw err;
      bootError = (err as Error).message;
      process.stderr.write(`systemd-unit tests skipped: ${bootError}\n`);
    }
  }, 120_000);

  afterAll(async () => {
    if (stage) await rm(stage, { recursive: true, force: true });
    const left = await c?.stop();
    expect(left ?? [], 'what the container left on the host').toEqual([]);
  }, 60_000);

  /** The running container, or skips the test when it could not boot. */
  function box(skip: (note?: string) => void): Container {
    if (!c) skip(`no container: ${bootError}`);
    return c!;
  }

  async function sh(argv: string[]): Promise<string> {
    const r: ExecResult = await c!.exec(argv);
    if (r.code !== 0) throw new Error(`${argv.join(' ')} exited ${r.code}: ${r.stderr.trim()}\n${await journal()}`);
    return r.stdout.trim();
  }
  const journal = async (): Promise<string> => (await c!.exec(['journalctl', '-u', 'hostds', '--no-pager', '-n', '40', '-o', 'cat'])).stdout;
  const show = (prop: string): Promise<string> => sh(['systemctl', 'show', '-p', prop, '--value', 'hostds']);
  const mainPid = async (): Promise<number> => Number(await show('MainPID'));
  const isActive = async (): Promise<string> => (await c!.exec(['systemctl', 'is-active', 'hostds'])).stdout.trim();
  const hasSocket = async (): Promise<boolean> => (await c!.exec(['test', '-S', '/run/hostds/hostds.sock'])).code === 0;

  /** `pid@starttime` of the one `sleep 100000` in the container: a reused pid would differ. */
  async function daemon(): Promise<string> {
    const rows = (await sh(['ps', '-eo', 'pid=,args='])).split('\n').map((l) => l.trim().split(/\s+(.*)/) as [string, string?]);
    const pids = rows.filter(([, args]) => args === 'sleep 100000').map(([pid]) => pid);
    expect(pids, 'sleep 100000 processes').toHaveLength(1);
    const st = await sh(['cat', `/proc/${pids[0]}/stat`]);
    return `${pids[0]}@${st.slice(st.lastIndexOf(')') + 2).split(' ')[19]}`;
  }

  async function podStatus(): Promise<{ phase: string; restarts: number }> {
    const items = (JSON.parse(await sh(['hostds', 'get', 'pods', '-o', 'json'])) as {
      items: { status: { phase: string; containerStatuses: { restartCount: number }[] } }[];
    }).items;
    expect(items).toHaveLength(1);
    return { phase: items[0]!.status.phase, restarts: items[0]!.status.containerStatuses[0]!.restartCount };
  }

  let first = '';

  test('systemd-analyze verify has nothing to say about the installed unit', async ({ skip }) => {
    const r = await box(skip).exec(['systemd-analyze', 'verify', '/etc/systemd/system/hostds.service']);
    expect({ code: r.code, stderr: r.stderr, stdout: r.stdout }).toEqual({ code: 0, stderr: '', stdout: '' });
  });

  test('systemctl start returns once the agent is ready, and the daemon runs', async ({ skip }) => {
    box(skip);
    await sh(['systemctl', 'start', 'hostds']);
    // ExecStartPost: by the time start returns, the control socket is up.
    expect(await isActive()).toBe('active');
    expect(await hasSocket(), 'control socket right after start').toBe(true);
    await waitFor(async () => (await c!.exec(['pgrep', '-xf', 'sleep 100000'])).code === 0, 15_000, 'the daemon to start', 100);
    first = await daemon();
    expect(await podStatus()).toEqual({ phase: 'Running', restarts: 0 });
  });

  test('systemctl restart and reload keep the daemon', async ({ skip }) => {
    box(skip);
    const agent = await mainPid();
    await sh(['systemctl', 'restart', 'hostds']);
    expect(await isActive()).toBe('active');
    expect(await hasSocket()).toBe(true);
    const restarted = await mainPid();
    expect(restarted).not.toBe(agent);
    expect(await daemon()).toBe(first);
    await sh(['systemctl', 'reload', 'hostds']);
    expect(await mainPid()).toBe(restarted);
    expect(await daemon()).toBe(first);
  });

  test('systemctl stop leaves the daemon running, and start adopts it', async ({ skip }) => {
    box(skip);
    await sh(['systemctl', 'stop', 'hostds']);
    expect(await isActive()).toBe('inactive');
    expect(await daemon()).toBe(first);
    await sh(['systemctl', 'start', 'hostds']);
    expect(await isActive()).toBe('active');
    expect(await daemon()).toBe(first);
    expect(await podStatus()).toEqual({ phase: 'Running', restarts: 0 });
    expect(await sh(['hostds', 'get', 'pods'])).toMatch(/^sleeper-\S+\s+1\/1\s+Running\s+0\s/m);
  });

  test('kill -9 of the agent: systemd starts a new one, the daemon is untouched', async ({ skip }) => {
    box(skip);
    const agent = await mainPid();
    const restartsBefore = Number(await show('NRestarts'));
    await sh(['kill', '-9', String(agent)]);
    // RestartSec=2s, then ExecStartPost: active again means the new agent is ready.
    let next = 0;
    await waitFor(async () => {
      next = await mainPid();
      return next !== 0 && next !== agent && (await isActive()) === 'active';
    }, 20_000, 'systemd to restart the agent', 100);
    expect(Number(await show('NRestarts'))).toBe(restartsBefore + 1);
    expect(await hasSocket()).toBe(true);
    expect(await daemon()).toBe(first);
    await waitFor(async () => (await podStatus()).phase === 'Running', 5_000, 'the pod to show Running');
    expect(await podStatus()).toEqual({ phase: 'Running', restarts: 0 });
  });
});
