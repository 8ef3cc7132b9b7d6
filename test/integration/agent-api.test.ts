// The control API on the unix socket (mode 0600, Kubernetes paths and shapes), and `logs` forms.
import { describe, expect, test } from 'vitest';
import { stat } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { BIN, REPO, runCli } from '../helpers/cli.js';
import { fixtureDs, getPods, prepareRoot, startAgent, waitForRunning } from '../helpers/agent.js';
import { requestSocket } from '../../src/api/client.js';
import { waitFor } from '../helpers/wait.js';

describe('control API', () => {
  test('serves DaemonSets, pods, nodes and logs at Kubernetes paths; 0600; Status objects for the rest', async () => {
    const root = await prepareRoot({ 'a.yaml': fixtureDs('a', 'forever.mjs') });
    const agent = await startAgent(root);
    const [pod] = await waitForRunning(root, 1);
    const sock = join(root, 'run/hostds/hostds.sock');
    expect((await stat(sock)).mode & 0o777).toBe(0o600);
    const get = async (path: string) => {
      const r = await requestSocket(sock, 'GET', path);
      return { status: r!.status, body: r!.body.startsWith('{') ? JSON.parse(r!.body) : r!.body };
    };
    const dsList = await get('/apis/apps/v1/namespaces/default/daemonsets');
    expect(dsList.status).toBe(200);
    expect(dsList.body).toMatchObject({ kind: 'DaemonSetList', apiVersion: 'apps/v1' });
    expect(dsList.body.items[0]).toMatchObject({ kind: 'DaemonSet', metadata: { name: 'a' }, status: { desiredNumberScheduled: 1, currentNumberScheduled: 1, numberReady: 1 } });
    const pods = await get('/api/v1/pods');
    expect(pods.body.items[0]).toMatchObject({ kind: 'Pod', metadata: { name: pod!.name, ownerReferences: [{ kind: 'DaemonSet', name: 'a' }] }, spec: { nodeName: 'h1' }, status: { phase: 'Running' } });
    const nodeObj = (await get('/api/v1/nodes/h1')).body as { kind: string; status: { conditions: { type: string; status: string }[] } };
    expect(nodeObj.kind).toBe('Node');
    expect(nodeObj.status.conditions.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True', reason: 'KubeletReady' });
    expect(nodeObj.status.conditions.find((c) => c.type === 'MemoryPressure')).toMatchObject({ status: 'False', reason: 'KubeletHasSufficientMemory' });
    await waitFor(async () => (await get(`/api/v1/namespaces/default/pods/${pod!.name}/log`)).body.includes('READY pid='), 5000, 'log over the API');
    const missing = await get('/api/v1/namespaces/default/pods/nope');
    expect(missing).toMatchObject({ status: 404, body: { kind: 'Status', reason: 'NotFound', code: 404 } });
    expect((await get('/apis/batch/v1/jobs')).body).toMatchObject({ kind: 'Status', reason: 'NotFound' });
    const post = await requestSocket(sock, 'POST', '/api/v1/nodes');
    expect(JSON.parse(post!.body)).toMatchObject({ kind: 'Status', reason: 'MethodNotAllowed', code: 405 });
    expect((await runCli(['get', 'nodes'], { root })).stdout).toMatch(/^h1\s+Ready\s/m);
    await agent.stop();
  });

  test('logs ds/NAME, -c, --tail, and -f following new output', async () => {
    const root = await prepareRoot({ 'tick.yaml': fixtureDs('tick', 'chatty.mjs', ['0', '50']) });
    const agent = await startAgent(root);
    await waitForRunning(root, 1);
    await waitFor(async () => /tick 3/.test((await runCli(['logs', 'ds/tick'], { root })).stdout), 10_000, 'ticks');
    expect((await runCli(['logs', 'ds/tick', '-c', 'main', '--tail', '1'], { root })).stdout).toMatch(/^tick \d+\n$/);
    expect((await runCli(['logs', 'ds/tick', '-c', 'nope'], { root })).stderr).toMatch(/container nope is not valid/);
    const follow = spawn(process.execPath, [BIN, '--root', root, '--node-name', 'h1', 'logs', '-f', 'ds/tick', '--tail', '0'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      follow.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
      await waitFor(() => (out.match(/tick \d+/g) ?? []).length >= 3, 10_000, 'followed ticks');
    } finally {
      follow.kill('SIGKILL');
    }
    await agent.stop();
  });

  test('logs --timestamps: each line carries the time it was written, within the agent\'s sight', async () => {
    const root = await prepareRoot({ 'tick.yaml': fixtureDs('tick', 'chatty.mjs', ['0', '200']) });
    const agent = await startAgent(root);
    await waitForRunning(root, 1);
    await waitFor(async () => /tick 5/.test((await runCli(['logs', 'ds/tick'], { root })).stdout), 10_000, 'ticks');
    const r = await runCli(['logs', 'ds/tick', '--timestamps'], { root });
    const lines = r.stdout.trimEnd().split('\n');
    const ticks = lines.filter((l) => / tick \d+$/.test(l)).map((l) => ({ t: Date.parse(l.split(' ')[0]!), n: Number(l.split(' ').pop()) }));
    expect(ticks.length).toBeGreaterThanOrEqual(5);
    for (const l of lines) expect(l).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z /);
    // Ticks are 200 ms apart: their recorded times must step forward, not all share one time.
    for (let i = 1; i < ticks.length; i++) expect(ticks[i]!.t).toBeGreaterThan(ticks[i - 1]!.t);
    expect(ticks.at(-1)!.t - ticks[0]!.t).toBeGreaterThanOrEqual((ticks.at(-1)!.n - ticks[0]!.n) * 200 * 0.5);
    await agent.stop();
  });
});

describe('api.readOnlyGroup: a second socket, GET only, for one group', () => {
  test.skipIf(process.getuid?.() !== 0)('the group reads through it, cannot delete, and never gets the control socket', async () => {
    const { chmod } = await import('node:fs/promises');
    const root = await prepareRoot({ 'ro.yaml': fixtureDs('ro', 'forever.mjs') }, 'api: {readOnlyGroup: nogroup}\n');
    await chmod(root, 0o755); // nobody must be able to reach the root at all
    const agent = await startAgent(root);
    await waitForRunning(root, 1);
    const control = join(root, 'run/hostds/hostds.sock');
    const ro = join(root, 'run/hostds/hostds-ro.sock');
    expect((await stat(control)).mode & 0o777).toBe(0o600);
    const st = await stat(ro);
    expect([st.mode & 0o777, st.uid, st.gid]).toEqual([0o660, 0, 65534]);
    const nobody = { uid: 65534, gid: 65534 };
    const pods = await runCli(['get', 'pods'], { root, user: nobody });
    expect(pods.stdout).toMatch(/^ro-\S+\s+1\/1\s+Running/m);
    expect(pods.stderr).not.toContain('not running'); // the agent answered, not the files
    const name = pods.stdout.split('\n')[1]!.split(/\s+/)[0]!;
    const del = await runCli(['delete', 'pod', name], { root, user: nobody });
    expect(del.code).not.toBe(0);
    expect((await getPods(root)).find((p) => p.name === name)?.status).toBe('Running');
    await agent.stop();
  }, 30_000);
});
