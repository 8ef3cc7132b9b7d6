// Issue 8, hostile conditions, each ending with nothing lost: the state disk fills up, the
// configuration directories vanish and come back, a thousand manifests arrive at once, and the
// agent is SIGKILLed at random points while it starts and stops daemons.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rename, rm, statfs, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { fixtureDs, killDaemons, prepareRoot, rootIdOf, startAgent, statePids } from '../helpers/agent.js';
import { runCli, writeManifest } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';
import { listMarkedProcesses } from '../../src/supervise/proc.js';
import { seededRng } from '../../src/agent/pod-factory.js';

const run = promisify(execFile);
const asRoot = process.getuid?.() === 0;

/** Live daemons of a root by DaemonSet, from their markers (the ground truth, not the agent's word). */
async function liveByDs(root: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const p of await listMarkedProcesses(rootIdOf(root))) out[p.marker.daemonSet] = (out[p.marker.daemonSet] ?? 0) + 1;
  return out;
}

describe.skipIf(!asRoot)('the state directory fills up', () => {
  test('ENOSPC: the agent keeps supervising, says so, and saves again once there is room', async () => {
    const root = await prepareRoot({ 'a.yaml': fixtureDs('a', 'forever.mjs') });
    const stateDir = join(root, 'var/lib/hostds');
    await mkdir(stateDir, { recursive: true });
    const img = join(await mkdtemp(join(tmpdir(), 'hostds-enospc-')), 'state.img');
    await run('truncate', ['-s', '2M', img]);
    await run('mkfs.ext4', ['-q', '-F', '-m', '0', img]);
    await run('mount', ['-o', 'loop', img, stateDir]);
    try {
      const agent = await startAgent(root);
      await waitFor(async () => Object.keys(await statePids(root)).length === 1, 10_000, 'a running');
      // Fill the filesystem to the last block.
      // dd stops at the first ENOSPC with some blocks still reserved elsewhere: finer writes take the rest.
      for (const [i, bs] of ['64k', '4k', '1k'].entries()) {
        await run('sh', ['-c', `dd if=/dev/zero of=${join(stateDir, `ballast${i}`)} bs=${bs} 2>/dev/null || true`]);
      }
      await writeManifest(root, 'b.yaml', fixtureDs('b', 'forever.mjs'));
      await waitFor(async () => (await liveByDs(root))['default/b'] === 1, 10_000, 'b started although nothing can be saved');
      await waitFor(() => agent.output().includes('cannot save state'), 10_000, 'the save error logged');
      expect((await runCli(['get', 'pods'], { root })).stdout).toMatch(/^b-\S+\s+1\/1\s+Running/m);
      for (let i = 0; i < 3; i++) await rm(join(stateDir, `ballast${i}`));
      await writeManifest(root, 'c.yaml', fixtureDs('c', 'forever.mjs'));
      await waitFor(async () => Object.keys(await statePids(root)).length === 3, 10_000, 'the state file caught up');
      await agent.stop();
    } finally {
      await run('umount', ['-d', stateDir]).catch(() => run('umount', ['-l', '-d', stateDir]));
      await rm(join(img, '..'), { recursive: true, force: true });
    }
  }, 40_000);
});

describe('the configuration comes and goes', () => {
  test('manifests.d removed and recreated, node.yaml deleted, a symlink loop: explained, no crash, nothing lost', async () => {
    const root = await prepareRoot({ 'a.yaml': fixtureDs('a', 'forever.mjs') });
    expect((await runCli(['label', 'node', 'h1', 'x=y'], { root })).code).toBe(0);
    const agent = await startAgent(root);
    await waitFor(async () => (await liveByDs(root))['default/a'] === 1, 10_000, 'a running');
    const dir = join(root, 'etc/hostds/manifests.d');
    await symlink('loop', join(dir, 'loop.yaml'));
    await symlink(join(dir, 'loop.yaml'), join(dir, 'loop')); // loop → loop.yaml → loop (dangling chain)
    const v = await runCli(['validate'], { root });
    expect(v.stdout + v.stderr).toMatch(/loop\.yaml:1:1: is a symlink loop/);
    await rm(join(root, 'etc/hostds/node.yaml'));
    // The whole directory goes away (with a's manifest), then comes back.
    await rm(dir, { recursive: true });
    await waitFor(async () => (await liveByDs(root))['default/a'] === undefined, 10_000, 'a stopped once its manifest is gone');
    await mkdir(dir);
    await writeManifest(root, 'a.yaml', fixtureDs('a', 'forever.mjs'));
    await waitFor(async () => (await liveByDs(root))['default/a'] === 1, 10_000, 'a running again');
    // Well after the directory came back (past the 250 ms second look): the new directory itself
    // is watched, so a file saved into it starts at once, not at the 30 s resync.
    await new Promise((r) => setTimeout(r, 500));
    await writeManifest(root, 'b.yaml', fixtureDs('b', 'forever.mjs'));
    await waitFor(async () => (await liveByDs(root))['default/b'] === 1, 5_000, 'b, saved into the new manifests.d, running');
    expect(agent.child.exitCode).toBeNull();
    await agent.stop();
  }, 40_000);

  test('a thousand manifests at once: all run, each exactly once', async () => {
    const root = await prepareRoot();
    const agent = await startAgent(root);
    // Written to a sibling directory and moved in with one rename: they appear at once.
    const staging = join(root, 'etc/hostds/staging');
    await mkdir(staging);
    for (let i = 0; i < 1000; i++) {
      await writeFile(join(staging, `d${i}.yaml`), fixtureDs(`d${i}`, 'forever.mjs').replace(/command: .*/, 'command: [sleep, "100000"]'));
    }
    await rm(join(root, 'etc/hostds/manifests.d'), { recursive: true });
    await rename(staging, join(root, 'etc/hostds/manifests.d'));
    await waitFor(async () => Object.keys(await liveByDs(root)).length === 1000, 60_000, 'a thousand daemons', 250);
    expect(Object.values(await liveByDs(root)).every((n) => n === 1)).toBe(true);
    const r = await runCli(['get', 'ds', '--no-headers'], { root });
    expect(r.stdout.trim().split('\n')).toHaveLength(1000);
    await agent.stop();
  }, 120_000);
});

describe('the agent is SIGKILLed at random points', () => {
  test('while starting and while stopping, many times: afterwards each daemon that should run runs exactly once, none that should not', async () => {
    const names = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5'];
    const root = await prepareRoot(Object.fromEntries(names.map((n) => [`${n}.yaml`, fixtureDs(n, 'forever.mjs')])));
    const rng = seededRng('sigkill');
    for (let round = 0; round < 12; round++) {
      // Odd rounds: half of the DaemonSets are deleted before the kill, so stops get cut short too.
      if (round % 2 === 1) for (const n of names.slice(0, 3)) await rm(join(root, 'etc/hostds/manifests.d', `${n}.yaml`), { force: true });
      else for (const n of names.slice(0, 3)) await writeManifest(root, `${n}.yaml`, fixtureDs(n, 'forever.mjs'));
      const agent = await startAgent(root);
      await new Promise((r) => setTimeout(r, Math.floor(rng() * 400)));
      await agent.stop('SIGKILL');
    }
    // Round 11 deleted k0-k2: a final agent must settle to exactly k3-k5, once each.
    const agent = await startAgent(root);
    await waitFor(async () => {
      const live = await liveByDs(root);
      return JSON.stringify(live) === JSON.stringify({ 'default/k3': 1, 'default/k4': 1, 'default/k5': 1 })
        || JSON.stringify(Object.entries(live).sort()) === JSON.stringify([['default/k3', 1], ['default/k4', 1], ['default/k5', 1]]);
    }, 20_000, 'k3-k5 once each, k0-k2 gone');
    const pods = (await runCli(['get', 'pods', '--no-headers'], { root })).stdout.trim().split('\n').filter(Boolean);
    expect(pods).toHaveLength(3);
    await agent.stop();
  }, 120_000);
});

describe('a hundred daemons crash at once, in a loop', () => {
  test('the agent stays responsive, restarts follow the backoff, and it does not spin', async () => {
    const root = await prepareRoot(Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`c${i}.yaml`, fixtureDs(`c${i}`, 'crash.mjs')])));
    await writeFile(join(root, 'etc/hostds/config.yaml'), 'restartBackoff: {initial: 2s, max: 4s, reset: 10m}\n');
    const agent = await startAgent(root);
    const cpu = async (): Promise<number> => {
      const { readFile } = await import('node:fs/promises');
      const f = (await readFile(`/proc/${agent.pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
      return Number(f[11]) + Number(f[12]); // utime + stime, in clock ticks
    };
    await new Promise((r) => setTimeout(r, 1000));
    const c0 = await cpu();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 5000));
    const used = (await cpu()) - c0;
    const wall = performance.now() - t0;
    // Every pod answered for, and no pod restarted more than the backoff allows: the first restart
    // is immediate, then 2 s, then 4 s, so at most 3 restarts in the ~6 s since the start.
    const r = await runCli(['get', 'pods', '-o', 'json'], { root });
    expect(r.code).toBe(0);
    const pods = (JSON.parse(r.stdout) as { items: { status: { containerStatuses: { restartCount: number }[] } }[] }).items;
    expect(pods).toHaveLength(100);
    const restarts = pods.map((p) => p.status.containerStatuses[0]?.restartCount ?? 0);
    expect(Math.max(...restarts)).toBeLessThanOrEqual(4);
    expect(Math.min(...restarts)).toBeGreaterThanOrEqual(1);
    // Not a speed check: a generous bound that only a busy loop would break (100 ticks = 1 CPU-second).
    expect(used / 100, `agent CPU over ${(wall / 1000).toFixed(1)} s`).toBeLessThan(0.8 * wall / 1000);
    await agent.stop();
  }, 60_000);
});

describe.skipIf(!asRoot)('a daemon writes as fast as it can', () => {
  test('its logs stay within the rotation bounds, the agent answers and does not spin', async () => {
    // `yes` with a long line: a few hundred MB/s to GB/s into its log, forever.
    const ds = ['apiVersion: apps/v1', 'kind: DaemonSet', 'metadata: {name: flood}', 'spec:', '  selector: {matchLabels: {app: flood}}',
      '  template:', '    metadata: {labels: {app: flood}}', '    spec:', '      containers:', '      - name: main', '        image: x',
      `        command: [/usr/bin/yes, "${'x'.repeat(1000)}"]`, ''].join('\n');
    // The rotation interval is left at its default of 10 s: the bound must hold between ticks.
    const root = await prepareRoot({ 'flood.yaml': ds }, 'logs: {maxSize: 1Mi, maxFiles: 3}\n');
    const logDir = join(root, 'var/log/hostds');
    await mkdir(logDir, { recursive: true });
    // A tmpfs of its own: without the bound the flood fills it in about a second (then yes dies of ENOSPC).
    const fsBytes = 1024 * 2 ** 20;
    await run('mount', ['-t', 'tmpfs', '-o', `size=${fsBytes}`, 'hostds-flood', logDir]);
    try {
      const agent = await startAgent(root);
      const cpu = async (): Promise<number> => {
        const f = (await readFile(`/proc/${agent.pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
        return Number(f[11]) + Number(f[12]);
      };
      await waitFor(async () => (await liveByDs(root))['default/flood'] === 1, 10_000, 'the flood running');
      const c0 = await cpu();
      const t0 = performance.now();
      let maxUsed = 0;
      let answered = 0;
      while (performance.now() - t0 < 6000) {
        const st = await statfs(logDir);
        maxUsed = Math.max(maxUsed, (st.blocks - st.bfree) * st.bsize);
        if (answered < 3 && performance.now() - t0 > 1500 * (answered + 1)) {
          const r = await runCli(['get', 'pods'], { root });
          expect(r.stdout).toMatch(/^flood-\S+\s+1\/1\s+Running\s+0\s/m);
          answered++;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      const used = (await cpu()) - c0;
      const wall = performance.now() - t0;
      expect(answered).toBe(3);
      // While it floods, the logs exceed 3 x 1 MiB by what the writer adds before the agent looks
      // again: GB/s times ~10 ms alone, times tens of ms on a loaded machine (150 MiB seen with the
      // whole suite running). The property is that this never approaches a full disk.
      expect(maxUsed, `bytes used on the log filesystem at most (${(maxUsed / 2 ** 20).toFixed(0)} MiB)`).toBeLessThan(fsBytes / 2);
      // Still the same process: it never hit ENOSPC.
      expect((await liveByDs(root))['default/flood']).toBe(1);
      expect(used / 100, `agent CPU over ${(wall / 1000).toFixed(1)} s`).toBeLessThan(0.8 * wall / 1000);
      // Said once, not per truncation.
      const r = await runCli(['describe', 'pods'], { root });
      expect(r.stdout).toMatch(/Warning\s+LogFlood\s.*writes its log faster than it can be rotated/);
      // Once the writer pauses, what is left settles within the rotation bounds: 3 files of 1 MiB
      // (plus line-time indexes and tmpfs rounding).
      const [yes] = (await listMarkedProcesses(rootIdOf(root))).filter((p) => p.marker.daemonSet === 'default/flood');
      process.kill(yes!.pid, 'SIGSTOP');
      await waitFor(async () => { const st = await statfs(logDir); return (st.blocks - st.bfree) * st.bsize <= 4 * 2 ** 20; }, 15_000, 'the logs within 3 x 1 MiB');
      await agent.stop();
    } finally {
      await killDaemons(root);
      await run('umount', [logDir]).catch(() => run('umount', ['-l', logDir]));
    }
  }, 40_000);
});
