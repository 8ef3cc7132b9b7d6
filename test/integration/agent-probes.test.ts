// Issue 6, probes and hooks through the real agent: readiness drives READY and AVAILABLE,
// liveness and startup failures restart the container, a surge waits for readiness, and the
// lifecycle hooks run. The daemons are real processes; the probes hit them for real.
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { FIXTURES, fixtureDs, getPods, isAlive, prepareRoot, startAgent, statePids } from '../helpers/agent.js';
import { runCli, writeManifest } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';
import { waitFor } from '../helpers/wait.js';


async function podRow(root: string, prefix: string): Promise<{ name: string; ready: string; status: string; restarts: string } | undefined> {
  return (await getPods(root)).find((p) => p.name.startsWith(prefix));
}

async function dsRow(root: string, name: string): Promise<string[]> {
  const line = (await runCli(['get', 'ds', name], { root })).stdout.split('\n')[1] ?? '';
  return line.trim().split(/\s+/);
}

async function events(root: string): Promise<{ reason: string; message: string; count: number }[]> {
  return (JSON.parse((await runCli(['get', 'events', '-o', 'json'], { root })).stdout) as { items: { reason: string; message: string; count: number }[] }).items;
}

/** A pod spec block (indented by fixtureDs) giving the container a probe or lifecycle hook. */
function containerExtra(ds: string, extra: string): string {
  return ds.replace(/(        command: .*\n)/, `$1${extra.split('\n').map((l) => `        ${l}`).join('\n')}\n`);
}

describe('readiness', () => {
  test('an exec readiness probe drives READY 0/1 → 1/1 → 0/1, and get ds READY/AVAILABLE, with no restart', async () => {
    const root = await prepareRoot();
    const flag = join(root, 'ready');
    await writeManifest(root, 'r.yaml', containerExtra(fixtureDs('r', 'forever.mjs'),
      `readinessProbe: {exec: {command: [test, -f, ${flag}]}, periodSeconds: 1}`));
    const agent = await startAgent(root);
    await waitFor(async () => (await podRow(root, 'r-'))?.status === 'Running', 10_000, 'r running');
    expect((await podRow(root, 'r-'))!.ready).toBe('0/1');
    expect(await dsRow(root, 'r')).toEqual(expect.arrayContaining(['r', '1', '1', '0', '1', '0']));
    await writeFile(flag, '');
    await waitFor(async () => (await podRow(root, 'r-'))?.ready === '1/1', 10_000, 'ready');
    await waitFor(async () => (await dsRow(root, 'r')).slice(0, 6).join(' ') === 'r 1 1 1 1 1', 5000, 'READY 1 AVAILABLE 1');
    const describe = await runCli(['describe', 'pod', (await podRow(root, 'r-'))!.name], { root });
    expect(describe.stdout).toMatch(new RegExp(`Readiness:\\s+exec \\[test -f ${flag.replace(/\//g, '\\/')}\\] delay=0s timeout=1s period=1s #success=1 #failure=3`));
    await rm(flag);
    await waitFor(async () => (await podRow(root, 'r-'))?.ready === '0/1', 10_000, 'not ready again');
    expect((await podRow(root, 'r-'))!.restarts).toBe('0');
    expect((await events(root)).some((e) => e.reason === 'Unhealthy' && e.message.startsWith('Readiness probe failed'))).toBe(true);
    await agent.stop();
  }, 40_000);
});

describe('liveness and startup', () => {
  test('an HTTP liveness probe failing failureThreshold times restarts the container: Unhealthy, then Killing', async () => {
    const root = await prepareRoot();
    const port = await freePort();
    const sick = join(root, 'sick');
    const ds = fixtureDs('l', 'probe-server.mjs', ['--http', String(port), '--tcp', '0', '--unhealthy', sick]);
    await writeManifest(root, 'l.yaml', containerExtra(ds, `livenessProbe: {httpGet: {path: /healthz, port: ${port}}, periodSeconds: 1, failureThreshold: 2}`));
    const agent = await startAgent(root);
    await waitFor(async () => (await podRow(root, 'l-'))?.status === 'Running', 10_000, 'l running');
    const before = Object.values(await statePids(root))[0]!;
    await new Promise((r) => setTimeout(r, 2500)); // healthy probes: no restart
    expect((await podRow(root, 'l-'))!.restarts).toBe('0');
    await writeFile(sick, '');
    await waitFor(async () => /^1\b/.test((await podRow(root, 'l-'))?.restarts ?? ''), 15_000, 'a liveness restart');
    await rm(sick);
    expect(await isAlive(before)).toBe(false);
    const ev = await events(root);
    expect(ev.some((e) => e.reason === 'Unhealthy' && e.message === 'Liveness probe failed: HTTP probe failed with statuscode: 500')).toBe(true);
    expect(ev.some((e) => e.reason === 'Killing' && e.message === 'Container main failed liveness probe, will be restarted')).toBe(true);
    await waitFor(async () => (await podRow(root, 'l-'))?.ready === '1/1', 10_000, 'running again');
    await agent.stop();
  }, 40_000);

  test('a startup probe holds liveness back, and restarts the container when it never passes', async () => {
    const root = await prepareRoot();
    const port = await freePort(); // nothing listens there
    await writeManifest(root, 's.yaml', containerExtra(fixtureDs('s', 'forever.mjs'), [
      `startupProbe: {tcpSocket: {port: ${port}}, periodSeconds: 1, failureThreshold: 2}`,
      'livenessProbe: {exec: {command: ["false"]}, periodSeconds: 1, failureThreshold: 1}',
    ].join('\n')));
    const agent = await startAgent(root);
    await waitFor(async () => /^1\b/.test((await podRow(root, 's-'))?.restarts ?? ''), 15_000, 'a startup-probe restart');
    const ev = await events(root);
    expect(ev.some((e) => e.reason === 'Killing' && e.message === 'Container main failed startup probe, will be restarted')).toBe(true);
    expect(ev.some((e) => e.message.startsWith('Startup probe failed'))).toBe(true);
    expect(ev.some((e) => e.message.startsWith('Liveness probe failed'))).toBe(false);
    expect((await podRow(root, 's-'))!.ready).toBe('0/1');
    await agent.stop();
  }, 40_000);
});

describe('a surge waits for readiness', () => {
  test('maxSurge 1: the old pod stays until the new one passes its readiness probe', async () => {
    const root = await prepareRoot();
    const strategy = '  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}\n';
    const make = (v: string) => containerExtra(fixtureDs('u', 'forever.mjs', [v]).replace('spec:\n', `spec:\n${strategy}`),
      `readinessProbe: {exec: {command: [test, -f, ${join(root, `ready-${v}`)}]}, periodSeconds: 1}`);
    await writeFile(join(root, 'ready-v1'), '');
    await writeManifest(root, 'u.yaml', make('v1'));
    const agent = await startAgent(root);
    await waitFor(async () => (await podRow(root, 'u-'))?.ready === '1/1', 10_000, 'v1 ready');
    const oldPid = Object.values(await statePids(root))[0]!;
    await writeManifest(root, 'u.yaml', make('v2'));
    await waitFor(async () => Object.keys(await statePids(root)).length === 2, 10_000, 'the new pod beside the old');
    await new Promise((r) => setTimeout(r, 2000)); // not ready: the old one must stay
    expect(await isAlive(oldPid)).toBe(true);
    await writeFile(join(root, 'ready-v2'), '');
    await waitFor(async () => !(await isAlive(oldPid)), 10_000, 'the old pod stopped once the new one is ready');
    await waitFor(async () => Object.keys(await statePids(root)).length === 1, 5000, 'one pod left in the state');
    await agent.stop();
  }, 40_000);
});

describe('lifecycle hooks', () => {
  test('preStop runs before the container is stopped; a failing postStart restarts it', async () => {
    const root = await prepareRoot();
    const stopped = join(root, 'prestop');
    await writeManifest(root, 'h.yaml', containerExtra(fixtureDs('h', 'forever.mjs'),
      `lifecycle: {preStop: {exec: {command: [sh, -c, "echo stopping $HOSTNAME > ${stopped}"]}}}`));
    await writeManifest(root, 'p.yaml', containerExtra(fixtureDs('p', 'forever.mjs'),
      'lifecycle: {postStart: {exec: {command: [sh, -c, "exit 3"]}}}'));
    const agent = await startAgent(root);
    await waitFor(async () => (await podRow(root, 'h-'))?.status === 'Running', 10_000, 'h running');
    const hPod = (await podRow(root, 'h-'))!.name;
    const hPid = Object.entries(await statePids(root)).find(([k]) => k.startsWith('h-'))![1];
    expect((await runCli(['delete', 'pod', hPod], { root })).code).toBe(0);
    expect(existsSync(stopped)).toBe(true);
    expect(await readFile(stopped, 'utf8')).toMatch(/^stopping \S+\n$/);
    expect(await isAlive(hPid)).toBe(false);

    await waitFor(async () => (await events(root)).some((e) => e.reason === 'FailedPostStartHook'), 10_000, 'FailedPostStartHook');
    await waitFor(async () => Number.parseInt((await podRow(root, 'p-'))?.restarts ?? '0', 10) >= 1, 15_000, 'a restart after the failed postStart');
    await agent.stop();
  }, 40_000);
});

test('the probe fixture exists', () => {
  expect(existsSync(join(FIXTURES, 'probe-server.mjs'))).toBe(true);
});
