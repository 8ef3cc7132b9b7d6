// What the agent review found, each as a test with real processes: no two daemons during a
// termination, a stop resumed after the agent died mid-stop, editor-style saves, names after a
// lost state file, processes that setsid away, and two agents started at once.
import { describe, expect, test } from 'vitest';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeRoot, manifestPath, runCli, writeManifest } from '../helpers/cli.js';
import { fixtureDs, prepareRoot, isAlive, rootIdOf, startAgent, statePids, waitForRunning, writeTestConfig } from '../helpers/agent.js';
import { listMarkedProcesses } from '../../src/supervise/proc.js';
import { waitFor } from '../helpers/wait.js';

const sleepMs = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('agent robustness', () => {
  test('a replacement never starts while the old pod is still terminating', async () => {
    const root = await prepareRoot({ 'ig.yaml': fixtureDs('ig', 'ignore-sigterm.mjs', [], 'terminationGracePeriodSeconds: 3') });
    const agent = await startAgent(root);
    const [old] = await waitForRunning(root, 1);
    const oldPid = Object.values(await statePids(root))[0]!;
    const del = runCli(['delete', 'pod', old!.name], { root });
    await waitFor(async () => (await runCli(['get', 'pods'], { root })).stdout.includes('Terminating'), 5000, 'Terminating');
    for (let i = 0; i < 5; i++) {
      await writeManifest(root, `other${i}.yaml`, fixtureDs(`other${i}`, 'forever.mjs'));
      await sleepMs(150);
      const ig = (await listMarkedProcesses(rootIdOf(root))).filter((p) => p.marker.daemonSet === 'default/ig');
      if (await isAlive(oldPid)) expect(ig.map((p) => p.pid)).toEqual([oldPid]);
    }
    expect((await del).code).toBe(0);
    await waitFor(async () => (await listMarkedProcesses(rootIdOf(root))).filter((p) => p.marker.daemonSet === 'default/ig').length === 1 && !(await isAlive(oldPid)), 10_000, 'one new ig daemon');
    await agent.stop();
  });

  test('a stop interrupted by kill -9 of the agent is finished by the next agent', async () => {
    const root = await prepareRoot({ 'ig.yaml': fixtureDs('ig', 'ignore-sigterm.mjs', [], 'terminationGracePeriodSeconds: 2') });
    let agent = await startAgent(root);
    const [pod] = await waitForRunning(root, 1);
    const pid = Object.values(await statePids(root))[0]!;
    void runCli(['delete', 'pod', pod!.name], { root });
    await waitFor(async () => JSON.parse(await readFile(join(root, 'var/lib/hostds/state.json'), 'utf8')).pods.some((p: { deletionTimestamp?: string }) => p.deletionTimestamp), 5000, 'the stop to be recorded');
    await agent.stop('SIGKILL');
    expect(await isAlive(pid)).toBe(true);
    agent = await startAgent(root);
    // The new agent resumes the stop on the recorded process: SIGTERM (ignored), SIGKILL after the grace period.
    await waitFor(async () => !(await isAlive(pid)), 10_000, 'the resumed stop to end the old daemon');
    const [fresh] = await waitForRunning(root, 1);
    expect(fresh!.name).not.toBe(pod!.name);
    expect((await listMarkedProcesses(rootIdOf(root))).map((p) => p.pid)).not.toContain(pid);
    await agent.stop('SIGKILL');
  });

  test('saving a manifest by rename (as vim does) or rewriting it in place restarts nothing', async () => {
    const root = await makeRoot();
    await writeTestConfig(root);
    const text = fixtureDs('keep', 'forever.mjs');
    await writeManifest(root, 'keep.yaml', text);
    const agent = await startAgent(root);
    await waitForRunning(root, 1);
    const pid = Object.values(await statePids(root))[0]!;
    const path = manifestPath(root, 'keep.yaml');
    for (let i = 0; i < 5; i++) {
      await rename(path, `${path}~`);
      await sleepMs(20);
      await writeFile(path, text);
      await rm(`${path}~`);
      await writeFile(path, '');
      await writeFile(path, text);
      await sleepMs(60);
    }
    await sleepMs(400);
    expect(Object.values(await statePids(root))).toEqual([pid]);
    expect(await isAlive(pid)).toBe(true);
    await agent.stop();
  });

  test('after the state file is lost, delete pod still gets a replacement with a new name', async () => {
    const root = await prepareRoot({ 'fe.yaml': fixtureDs('fe', 'forever.mjs') });
    let agent = await startAgent(root);
    const [pod] = await waitForRunning(root, 1);
    await agent.stop();
    await rm(join(root, 'var/lib/hostds/state.json'));
    agent = await startAgent(root);
    await waitForRunning(root, 1);
    const del = await runCli(['delete', 'pod', pod!.name], { root });
    expect(del.code).toBe(0);
    const [fresh] = await waitForRunning(root, 1);
    expect(fresh!.name).not.toBe(pod!.name);
    await agent.stop();
  });

  test('a process that setsid-ed away from its pod is stopped with the pod', async () => {
    const root = await makeRoot();
    await writeTestConfig(root);
    await writeManifest(root, 'esc.yaml', [
      'apiVersion: apps/v1', 'kind: DaemonSet', 'metadata: {name: esc}', 'spec:', '  selector: {matchLabels: {app: esc}}', '  template:',
      '    metadata: {labels: {app: esc}}', '    spec:', '      containers:', '      - name: main', '        image: x',
      '        command: ["/bin/sh", "-c", "setsid sleep 991 & exec sleep 992"]', '',
    ].join('\n'));
    const agent = await startAgent(root);
    await waitForRunning(root, 1);
    await waitFor(async () => (await listMarkedProcesses(rootIdOf(root))).length === 2, 5000, 'the escaped process');
    const pids = (await listMarkedProcesses(rootIdOf(root))).map((p) => p.pid);
    await runCli(['delete', 'ds', 'esc'], { root });
    await waitFor(async () => !(await Promise.all(pids.map(isAlive))).some(Boolean), 10_000, 'both processes gone');
    await agent.stop();
  });

  test('two agents started at the same moment: exactly one runs', async () => {
    const root = await makeRoot();
    await writeTestConfig(root);
    const results = await Promise.allSettled([startAgent(root), startAgent(root), startAgent(root)]);
    const ok = results.filter((r) => r.status === 'fulfilled');
    expect(ok).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(String(r.reason)).toMatch(/already running for this root/);
    await (ok[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof startAgent>>>).value.stop();
  });

  test('a second SIGINT during shutdown (Ctrl-C twice, or npm and the agent both told) does not cut the stop short', async () => {
    // The daemon takes a moment to stop, so the second signal lands while the agent is stopping it.
    const root = await prepareRoot({ 'ig.yaml': fixtureDs('ig', 'ignore-sigterm.mjs', [], 'terminationGracePeriodSeconds: 2') });
    const agent = await startAgent(root, ['--stop-daemons-on-exit']);
    await waitForRunning(root, 1);
    const pid = Object.values(await statePids(root))[0]!;
    const exited = agent.stop('SIGINT');
    await waitFor(() => agent.output().includes('"agent stopping"'), 5000, 'the shutdown to begin');
    agent.child.kill('SIGINT');
    agent.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(agent.output()).toContain('already stopping');
    expect(await isAlive(pid)).toBe(false);
  }, 20_000);
});
