// What the agent review found, each as a test with real processes: no two daemons during a
// termination, a stop resumed after the agent died mid-stop, editor-style saves, names after a
// lost state file, processes that setsid away, and two agents started at once.
import { describe, expect, test } from 'vitest';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { BIN, makeRoot, manifestPath, NODE, REPO, runCli, writeManifest } from '../helpers/cli.js';
import { fixtureDs, prepareRoot, isAlive, killDaemons, rootIdOf, startAgent, statePids, waitForRunning, writeTestConfig } from '../helpers/agent.js';
import { listMarkedProcesses } from '../../src/supervise/proc.js';
import { waitFor } from '../helpers/wait.js';
import { freePort } from '../helpers/net.js';

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

  test('a stop only the deletion journal knows of (the agent killed before its save) is finished by the next agent', async () => {
    const root = await prepareRoot({ 'ig.yaml': fixtureDs('ig', 'ignore-sigterm.mjs', [], 'terminationGracePeriodSeconds: 2') });
    const statePath = join(root, 'var/lib/hostds/state.json');
    const journalPath = join(root, 'var/lib/hostds/state.journal');
    let agent = await startAgent(root);
    const [pod] = await waitForRunning(root, 1);
    const pid = Object.values(await statePids(root))[0]!;
    const before = await readFile(statePath, 'utf8');
    const uid = (JSON.parse(before) as { pods: { uid: string; deletionTimestamp?: string }[] }).pods[0]!.uid;
    void runCli(['delete', 'pod', pod!.name], { root });
    await waitFor(async () => (await readFile(journalPath, 'utf8').catch(() => '')).startsWith(`${uid} `), 5000, 'the stop in the journal');
    await agent.stop('SIGKILL');
    // state.json as the killed agent may have left it: written before the stop.
    await writeFile(statePath, before);
    expect(await isAlive(pid)).toBe(true);
    agent = await startAgent(root);
    expect(agent.output()).toContain('resuming an interrupted stop');
    await waitFor(async () => !(await isAlive(pid)), 10_000, 'the resumed stop to end the old daemon');
    const [fresh] = await waitForRunning(root, 1);
    expect(fresh!.name).not.toBe(pod!.name);
    // Once the state is saved, the journal has nothing left to say.
    await waitFor(async () => (await readFile(journalPath, 'utf8')) === '', 5000, 'the journal emptied by a save');
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

  test('pods stopped together and one after another: each one\'s escaped process goes with it, the other pods\' stay', async () => {
    // The scan for escaped processes is shared by stops that end close together and looks only for
    // the pods stopping when it starts: a stop that begins 30 ms after another's scan must scan again.
    const root = await makeRoot();
    await writeTestConfig(root);
    const esc = (name: string, n: number): string => [
      'apiVersion: apps/v1', 'kind: DaemonSet', `metadata: {name: ${name}}`, 'spec:', `  selector: {matchLabels: {app: ${name}}}`, '  template:',
      `    metadata: {labels: {app: ${name}}}`, '    spec:', '      containers:', '      - name: main', '        image: x',
      `        command: ["/bin/sh", "-c", "setsid sleep 99${n}1 & exec sleep 99${n}2"]`, '',
    ].join('\n');
    for (const [name, n] of [['e1', 1], ['e2', 2], ['e3', 3], ['e4', 4]] as const) await writeManifest(root, `${name}.yaml`, esc(name, n));
    const agent = await startAgent(root);
    await waitForRunning(root, 4);
    await waitFor(async () => (await listMarkedProcesses(rootIdOf(root))).length === 8, 5000, 'the escaped processes');
    const byPod = new Map<string, number[]>();
    for (const p of await listMarkedProcesses(rootIdOf(root))) byPod.set(p.marker.pod, [...(byPod.get(p.marker.pod) ?? []), p.pid]);
    const pod = (ds: string): string => [...byPod.keys()].find((k) => k.startsWith(`${ds}-`))!;
    const socket = join(root, 'run/hostds/hostds.sock');
    const del = (name: string): Promise<number> => new Promise((resolve, reject) => {
      const req = http.request({ socketPath: socket, method: 'DELETE', path: `/api/v1/namespaces/default/pods/${name}` }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
      req.on('error', reject);
      req.end();
    });
    // e1 and e2 together, e3 30 ms later (within the 100 ms a scan is shared), e4 left running.
    const first = Promise.all([del(pod('e1')), del(pod('e2'))]);
    await new Promise((r) => setTimeout(r, 30));
    const codes = [...await first, await del(pod('e3'))];
    expect(codes).toEqual([200, 200, 200]);
    const gone = async (ds: string): Promise<boolean> => !(await Promise.all(byPod.get(pod(ds))!.map(isAlive))).some(Boolean);
    await waitFor(async () => (await gone('e1')) && (await gone('e2')) && (await gone('e3')), 10_000, 'e1, e2 and e3 with their escaped processes gone');
    expect((await Promise.all(byPod.get(pod('e4'))!.map(isAlive))).every(Boolean)).toBe(true);
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
  test('SIGTERM while the agent is still starting its daemons: start-up completes, then every daemon is stopped', async () => {
    // 60 daemons, so that the signal sent when the first one appears lands among the starts, and an
    // HTTPS API (its first start makes a certificate with openssl) after them. Before the handlers
    // were installed ahead of start-up, the signal's default action killed the agent and left the
    // daemons running despite --stop-daemons-on-exit.
    const sleepDs = (i: number): string => ['apiVersion: apps/v1', 'kind: DaemonSet', `metadata: {name: s${i}}`, 'spec:',
      `  selector: {matchLabels: {app: s${i}}}`, '  template:', `    metadata: {labels: {app: s${i}}}`, '    spec:',
      '      containers:', '      - name: main', '        image: none', `        command: ["/bin/sleep", "1000${i}"]`, ''].join('\n');
    const root = await prepareRoot(Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`s${i}.yaml`, sleepDs(i)])), `api: {address: "127.0.0.1:${await freePort()}"}\n`);
    const child = spawn(process.execPath, [BIN, '--root', root, '--node-name', NODE, 'agent', '--stop-daemons-on-exit'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { out += d; });
    const exited = new Promise<{ code: number | null; signal: string | null }>((res) => child.on('exit', (code, signal) => res({ code, signal })));
    const seen = new Set<number>();
    try {
      await waitFor(async () => {
        for (const p of await listMarkedProcesses(rootIdOf(root))) seen.add(p.pid);
        return seen.size > 0 || child.exitCode !== null;
      }, 20_000, 'the first daemon');
      child.kill('SIGTERM');
      expect(await exited, out).toEqual({ code: 0, signal: null });
      expect(out).toContain('signal during start-up');
      expect(out).toContain('"agent ready"');
      expect(out).toContain('"agent stopped"');
      expect(await listMarkedProcesses(rootIdOf(root))).toEqual([]);
      for (const pid of seen) expect(await isAlive(pid)).toBe(false);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await killDaemons(root);
    }
  }, 30_000);
});
