// The whole article with the real agent and real processes: create (DESIRED 0), label (the
// daemon starts), unlabel (it stops), cordon (it keeps running), delete and recreate while
// cordoned (it starts), stop the agent and recreate (Pending), start the agent (it runs, under
// the same name). Pids are checked in /proc.
import { describe, expect, test } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeRoot, REPO, runCli } from '../helpers/cli.js';
import { getPods, isAlive, startAgent, statePids, waitForRunning, writeTestConfig } from '../helpers/agent.js';
import { waitFor } from '../helpers/wait.js';

async function exampleManifest(root: string): Promise<string> {
  const text = (await readFile(join(REPO, 'examples/ssd-monitor-daemonset.yaml'), 'utf8')).replaceAll('/usr/share/hostds/examples', join(REPO, 'examples'));
  const path = join(root, 'ssd-monitor-daemonset.yaml');
  await writeFile(path, text);
  return path;
}

async function cmdline(pid: number): Promise<string> {
  return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replaceAll('\0', ' ');
}

describe('the article with the agent', () => {
  test('every step, with real daemons', async () => {
    const root = await makeRoot();
    await writeTestConfig(root);
    const manifest = await exampleManifest(root);
    const hostds = (...args: string[]) => runCli(args, { root });
    let agent = await startAgent(root);

    expect((await hostds('create', '-f', manifest)).stdout).toBe('daemonset.apps/ssd-monitor created\n');
    await waitFor(async () => /^ssd-monitor\s+0\s+0\s+0\s+0\s+0\s/m.test((await hostds('get', 'ds')).stdout), 5000, 'DESIRED 0');
    expect(await getPods(root)).toEqual([]);

    // Label the host: the daemon starts.
    expect((await hostds('label', 'nodes', 'h1', 'k8s.51reboot.com/disk=ssd')).stdout).toBe('node/h1 labeled\n');
    const [first] = await waitForRunning(root, 1);
    expect(first!.name).toMatch(/^ssd-monitor-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect((await hostds('get', 'ds')).stdout).toMatch(/^ssd-monitor\s+1\s+1\s+1\s+1\s+1\s+k8s\.51reboot\.com\/disk=ssd\s/m);
    const pid1 = (await statePids(root))[`${first!.name}/main`]!;
    expect(await cmdline(pid1)).toContain('examples/bin/ssd-monitor');
    const wide = await hostds('get', 'pods', '-o', 'wide');
    expect(wide.stdout).toMatch(new RegExp(`^${first!.name}\\s+1/1\\s+Running\\s+0\\s+\\S+\\s+\\S+\\s+h1\\s+<none>\\s+<none>$`, 'm'));
    await waitFor(async () => (await hostds('logs', first!.name)).stdout.includes('type='), 10_000, 'ssd-monitor output');

    // Remove the label: it stops.
    await hostds('label', 'nodes', 'h1', 'k8s.51reboot.com/disk-');
    await waitFor(async () => !(await isAlive(pid1)), 10_000, 'the daemon to stop');
    await waitFor(async () => (await getPods(root)).length === 0, 5000, 'no pods');
    expect((await hostds('get', 'ds')).stdout).toMatch(/^ssd-monitor\s+0\s+0\s+0\s+0\s+0\s/m);

    // Label again, then cordon: it keeps running, same process.
    await hostds('label', 'nodes', 'h1', 'k8s.51reboot.com/disk=ssd');
    const [second] = await waitForRunning(root, 1);
    const pid2 = (await statePids(root))[`${second!.name}/main`]!;
    expect((await hostds('cordon', 'h1')).stdout).toBe('node/h1 cordoned\n');
    expect((await hostds('get', 'node')).stdout).toMatch(/^h1\s+Ready,SchedulingDisabled\s/m);
    await new Promise((r) => setTimeout(r, 300)); // let a (wrong) reaction to the cordon show itself
    expect(await isAlive(pid2)).toBe(true);
    expect((await getPods(root)).map((p) => p.name)).toEqual([second!.name]);

    // Delete and recreate while cordoned: a new pod starts.
    expect((await hostds('delete', 'ds', 'ssd-monitor')).stdout).toBe('daemonset.apps "ssd-monitor" deleted\n');
    await waitFor(async () => !(await isAlive(pid2)), 10_000, 'the daemon to stop after delete');
    await hostds('create', '-f', manifest);
    const [third] = await waitForRunning(root, 1);
    expect(third!.name).not.toBe(second!.name);

    // Stop the agent (stopping its daemons), recreate: the pod is Pending, on no node.
    await agent.stop();
    agent = await startAgent(root, ['--stop-daemons-on-exit']);
    await agent.stop();
    await hostds('delete', 'ds', 'ssd-monitor');
    await hostds('create', '-f', manifest);
    const pending = await hostds('get', 'pods', '-o', 'wide');
    expect(pending.stderr).toMatch(/agent is not running/);
    const m = /^(ssd-monitor-\w{5})\s+0\/1\s+Pending\s+0\s+\S+\s+<none>\s+<none>\s+<none>\s+<none>$/m.exec(pending.stdout);
    expect(m, pending.stdout).not.toBeNull();
    expect((await hostds('get', 'ds')).stdout).toMatch(/^ssd-monitor\s+1\s+0\s+0\s+0\s+0\s/m);

    // Start the agent: the Pending pod runs, under the same name.
    agent = await startAgent(root);
    const [fourth] = await waitForRunning(root, 1);
    expect(fourth!.name).toBe(m![1]);
    await agent.stop();
  });
});
