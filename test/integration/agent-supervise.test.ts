// Supervision with real processes under the real agent: stopping what ignores SIGTERM or forks,
// CrashLoopBackOff delays, log rotation, a manifest edited into something invalid, `delete pod`,
// init containers and the environment a container gets.
import { describe, expect, test } from 'vitest';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeRoot, manifestPath, runCli, writeManifest } from '../helpers/cli.js';
import { fixtureDs, prepareRoot, getPods, isAlive, podsJson, startAgent, statePids, waitForRunning, writeTestConfig, FIXTURES } from '../helpers/agent.js';
import { waitFor, waitForValue } from '../helpers/wait.js';

async function logOf(root: string, pod: string): Promise<string> {
  return readFile(join(root, 'var/log/hostds/pods', pod, 'main.log'), 'utf8').catch(() => '');
}

describe('supervision', () => {
  test('deleting a DaemonSet stops a daemon that ignores SIGTERM and one whose child does: nothing remains', async () => {
    const root = await prepareRoot({ 'stubborn.yaml': fixtureDs('stubborn', 'ignore-sigterm.mjs', [], 'terminationGracePeriodSeconds: 1') });
    await writeManifest(root, 'forker.yaml', fixtureDs('forker', 'grandchild.mjs', [], 'terminationGracePeriodSeconds: 1'));
    const agent = await startAgent(root);
    const pods = await waitForRunning(root, 2);
    const forker = pods.find((p) => p.name.startsWith('forker'))!;
    const child = Number(/child=(\d+)/.exec(await waitForValue(async () => {
      const l = await logOf(root, forker.name);
      return l.includes('child=') ? l : undefined;
    }, 10_000, 'the grandchild'))![1]);
    const leaders = Object.values(await statePids(root));
    expect(leaders).toHaveLength(2);
    expect(await isAlive(child)).toBe(true);
    await runCli(['delete', 'ds', 'stubborn', 'forker'], { root });
    await waitFor(async () => !(await isAlive(child)) && !(await Promise.all(leaders.map(isAlive))).some(Boolean), 15_000, 'every process to be gone');
    await waitFor(async () => (await getPods(root)).length === 0, 5000, 'no pods');
    await agent.stop();
  });

  test('CrashLoopBackOff: first restart at once, then the configured delay doubling to the cap', async () => {
    const root = await makeRoot();
    await writeTestConfig(root); // initial 200ms, max 800ms
    const stamps = join(root, 'starts.txt');
    await writeManifest(root, 'crash.yaml', fixtureDs('crash', 'stamp-crash.mjs', [stamps, '50']));
    const agent = await startAgent(root);
    const starts = await waitForValue(async () => {
      const lines = (await readFile(stamps, 'utf8').catch(() => '')).trim().split('\n').filter(Boolean).map(Number);
      return lines.length >= 6 ? lines : undefined;
    }, 30_000, 'six starts');
    // Gaps between starts, less the 50 ms each run lasts: the restart delays.
    const delays = starts.slice(1).map((t, i) => t - starts[i]! - 50);
    expect(delays[0]!).toBeLessThan(delays[1]!);
    expect(delays[1]!).toBeGreaterThanOrEqual(200);
    expect(delays[2]!).toBeGreaterThanOrEqual(400);
    expect(delays[3]!).toBeGreaterThanOrEqual(800);
    expect(delays[4]!).toBeGreaterThanOrEqual(800);
    expect(delays[4]!).toBeLessThan(1600); // capped at max, not doubled again
    const row = await waitForValue(async () => (await getPods(root)).find((p) => p.status === 'CrashLoopBackOff'), 10_000, 'CrashLoopBackOff in STATUS');
    expect(Number(row.restarts.split(' ')[0])).toBeGreaterThanOrEqual(4);
    expect(row.restarts).toMatch(/^\d+ \(\S+ ago\)$/);
    const events = await runCli(['get', 'events'], { root });
    expect(events.stdout).toMatch(/Warning\s+BackOff\s+pod\/crash-\w{5}\s+Back-off restarting failed container/);
    const prev = await runCli(['logs', row.name, '--previous'], { root });
    expect(prev.stdout).toMatch(/^READY pid=\d+$/m);
    await agent.stop();
  });

  test('log files rotate by size and keep maxFiles', async () => {
    const root = await prepareRoot({ 'chatty.yaml': fixtureDs('chatty', 'chatty.mjs', ['2000', '5']) }, 'logs: {maxSize: 4Ki, maxFiles: 3, checkInterval: 100ms}\n');
    const agent = await startAgent(root);
    const [pod] = await waitForRunning(root, 1);
    const dir = join(root, 'var/log/hostds/pods', pod!.name);
    await waitFor(async () => (await readdir(dir)).includes('main.log.2'), 20_000, 'two rotations');
    await new Promise((r) => setTimeout(r, 500));
    const files = (await readdir(dir)).filter((f) => f.startsWith('main.log') && !f.endsWith('.previous') && !f.endsWith('.times')).sort();
    expect(files).toEqual(['main.log', 'main.log.1', 'main.log.2']);
    const tail = await runCli(['logs', pod!.name, '--tail', '2'], { root });
    expect(tail.stdout.trimEnd().split('\n')).toHaveLength(2);
    expect(tail.stdout).toMatch(/tick \d+/);
    await agent.stop();
  });

  test('a manifest edited into an invalid one keeps the daemon running and says why', async () => {
    const root = await prepareRoot({ 'keep.yaml': fixtureDs('keep', 'forever.mjs') });
    const agent = await startAgent(root);
    await waitForRunning(root, 1);
    const pid = Object.values(await statePids(root))[0]!;
    for (const broken of ['apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: keep\n', fixtureDs('keep', 'forever.mjs').replace('command:', 'args:')]) {
      await writeFile(manifestPath(root, 'keep.yaml'), broken);
      await waitFor(async () => (await runCli(['get', 'events'], { root })).stdout.includes('InvalidManifest'), 5000, 'an InvalidManifest event');
      await new Promise((r) => setTimeout(r, 300));
      expect(await isAlive(pid)).toBe(true);
      const g = await runCli(['get', 'ds'], { root });
      expect(g.stdout).toMatch(/^keep\s+1\s+1\s+1\s+1\s+1\s/m);
      expect(g.stderr).toMatch(/keep\.yaml/);
      expect((await runCli(['describe', 'ds', 'keep'], { root })).stdout).toMatch(/Manifest Status:\s+INVALID now; this is the last valid version, still in effect/);
    }
    await writeFile(manifestPath(root, 'keep.yaml'), fixtureDs('keep', 'forever.mjs'));
    await new Promise((r) => setTimeout(r, 500));
    expect(Object.values(await statePids(root))).toEqual([pid]);
    await agent.stop();
  });

  test('delete pod: the agent replaces it under a new name', async () => {
    const root = await prepareRoot({ 'a.yaml': fixtureDs('a', 'forever.mjs', [], 'terminationGracePeriodSeconds: 5') });
    const agent = await startAgent(root);
    const [old] = await waitForRunning(root, 1);
    const pid = Object.values(await statePids(root))[0]!;
    expect((await runCli(['delete', 'pod', old!.name], { root })).stdout).toBe(`pod "${old!.name}" deleted\n`);
    expect(await isAlive(pid)).toBe(false);
    const [fresh] = await waitForRunning(root, 1);
    expect(fresh!.name).not.toBe(old!.name);
    expect(fresh!.name).toMatch(/^a-\w{5}$/);
    await agent.stop();
  });

  test('init containers run in order first; env gets fieldRefs and $(VAR) expansion', async () => {
    const root = await makeRoot();
    await writeTestConfig(root);
    const node = process.execPath;
    const out = join(root, 'order.txt');
    const step = (n: string): string => `{name: ${n}, image: x, command: ["${node}", "-e", "require('fs').appendFileSync('${out}', '${n}\\\\n')"]}`;
    await writeManifest(root, 'init.yaml', [
      'apiVersion: apps/v1', 'kind: DaemonSet', 'metadata: {name: init}', 'spec:', '  selector: {matchLabels: {app: init}}', '  template:',
      '    metadata: {labels: {app: init}}', '    spec:', `      initContainers: [${step('one')}, ${step('two')}]`, '      containers:',
      '      - name: main', '        image: x', `        command: ["${node}", "${join(FIXTURES, 'forever.mjs')}", "$(GREETING)-$(MY_NODE)"]`,
      '        env:', '        - {name: MY_NODE, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}', '        - {name: GREETING, value: "hi-$(MY_NODE)"}', '',
    ].join('\n'));
    const agent = await startAgent(root);
    const [pod] = await waitForRunning(root, 1);
    expect(await readFile(out, 'utf8')).toBe('one\ntwo\n');
    const pid = Object.values(await statePids(root))[0]!;
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    expect(cmdline).toContain('hi-h1-h1');
    const environ = (await readFile(`/proc/${pid}/environ`, 'utf8')).split('\0');
    expect(environ).toContain('MY_NODE=h1');
    expect(environ).toContain('GREETING=hi-h1');
    const json = (await podsJson(root))[0] as unknown as { status: { initContainerStatuses: { state: { terminated?: { reason: string } } }[] } };
    expect(json.status.initContainerStatuses.map((s) => s.state.terminated?.reason)).toEqual(['Completed', 'Completed']);
    expect(pod!.ready).toBe('1/1');
    await agent.stop();
  });
});
