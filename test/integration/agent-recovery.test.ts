// The agent survives itself: kill -9 with 20 daemons running, start it again, and the same 20
// processes are adopted (no restart, no duplicate); then the same with the state file deleted.
import { describe, expect, test } from 'vitest';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { makeRoot, writeManifest } from '../helpers/cli.js';
import { fixtureDs, prepareRoot, isAlive, podsJson, rootIdOf, startAgent, statePids, waitForRunning, writeTestConfig } from '../helpers/agent.js';
import { listMarkedProcesses } from '../../src/supervise/proc.js';
import { waitFor } from '../helpers/wait.js';

const N = 20;

describe('agent restarts never restart or duplicate daemons', () => {
  test(`kill -9 with ${N} daemons, then again without the state file`, async () => {
    const root = await makeRoot();
    await writeTestConfig(root);
    for (let i = 0; i < N; i++) await writeManifest(root, `d${i}.yaml`, fixtureDs(`d${i}`, 'forever.mjs'));
    let agent = await startAgent(root);
    await waitForRunning(root, N, 30_000);
    // The state file follows the live view by up to one save interval.
    await waitFor(async () => Object.keys(await statePids(root)).length === N, 5000, 'state written');
    const before = await statePids(root);

    for (const round of ['state kept', 'state deleted']) {
      await agent.stop('SIGKILL');
      for (const pid of Object.values(before)) expect(await isAlive(pid), `${round}: pid ${pid} survives the agent`).toBe(true);
      if (round === 'state deleted') await rm(join(root, 'var/lib/hostds/state.json'));
      agent = await startAgent(root);
      await waitForRunning(root, N, 30_000);
      await waitFor(async () => Object.keys(await statePids(root)).length === N, 5000, 'state written');
      expect(await statePids(root), round).toEqual(before);
      const marked = await listMarkedProcesses(rootIdOf(root));
      expect(marked.map((m) => m.pid).sort(), `${round}: exactly the original processes`).toEqual(Object.values(before).sort());
      for (const p of await podsJson(root)) expect(p.status.containerStatuses[0]!.restartCount, round).toBe(0);
    }
    await agent.stop();
  });

  test('an adopted daemon that dies is noticed and restarted, its exit status reported unknown', async () => {
    const root = await prepareRoot({ 'a.yaml': fixtureDs('a', 'forever.mjs') });
    let agent = await startAgent(root);
    const [pod] = await waitForRunning(root, 1);
    const pid = Object.values(await statePids(root))[0]!;
    await agent.stop('SIGKILL');
    agent = await startAgent(root);
    process.kill(-pid, 'SIGKILL');
    await waitFor(async () => {
      const p = (await podsJson(root))[0];
      return p !== undefined && p.status.containerStatuses[0]!.restartCount === 1 && Object.values(await statePids(root))[0] !== pid;
    }, 15_000, 'the adopted daemon to be restarted');
    const json = (await podsJson(root))[0] as unknown as { metadata: { name: string }; status: { containerStatuses: { lastState: { terminated?: { message?: string } } }[] } };
    expect(json.metadata.name).toBe(pod!.name);
    expect(json.status.containerStatuses[0]!.lastState.terminated?.message).toMatch(/exit status is not known/);
    await agent.stop();
  });

  test('a pod whose DaemonSet vanished while the agent was down is stopped', async () => {
    const root = await prepareRoot({ 'gone.yaml': fixtureDs('gone', 'forever.mjs') });
    let agent = await startAgent(root);
    await waitForRunning(root, 1);
    const pid = Object.values(await statePids(root))[0]!;
    await agent.stop();
    expect(await isAlive(pid)).toBe(true);
    await rm(join(root, 'etc/hostds/manifests.d/gone.yaml'));
    agent = await startAgent(root);
    await waitFor(async () => !(await isAlive(pid)), 10_000, 'the orphaned daemon to be stopped');
    await agent.stop();
  });
});
