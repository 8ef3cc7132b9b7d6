// The article replayed with the real kubectl against a real agent serving api.address over HTTPS:
// create, get ds -o wide, label, get node --show-labels, get pod -l -o wide, cordon, logs,
// describe, rollout status|restart|history|undo, apply, delete; plus what kubectl must never see
// (a hang, an HTML page): 401 for a wrong token, Status objects for what hostds does not serve.
import { afterEach, describe, expect, test } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, runCli } from '../helpers/cli.js';
import { prepareRoot, startAgent } from '../helpers/agent.js';
import { freePort } from '../helpers/net.js';
import { waitFor } from '../helpers/wait.js';

const KUBECTL = spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).stdout.trim();
const running = new Set<ChildProcess>();
const homes: string[] = [];

afterEach(async () => {
  for (const c of running) if (c.pid !== undefined && c.exitCode === null) process.kill(c.pid, 'SIGKILL');
  running.clear();
  await Promise.all(homes.splice(0).map((h) => rm(h, { recursive: true, force: true })));
});

interface Run { code: number; stdout: string; stderr: string }

/** kubectl with its own HOME (discovery cache) and a deadline, so a hang fails instead of stalling. */
function kubectl(kubeconfig: string, home: string, args: string[]): Promise<Run> {
  const child = spawn(KUBECTL, ['--kubeconfig', kubeconfig, '--request-timeout=20s', ...args], {
    env: { ...process.env, HOME: home, KUBECACHEDIR: join(home, 'cache') }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  return new Promise((resolve) => child.on('close', (code) => {
    clearTimeout(timer);
    running.delete(child);
    resolve({ code: code ?? 137, stdout, stderr });
  }));
}

function raw(port: number, method: string, path: string, token: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, rejectUnauthorized: false, headers: { authorization: `Bearer ${token}`, accept: 'application/json' } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => { body += d; }).on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function setUp(): Promise<{ root: string; port: number; k: (...a: string[]) => Promise<Run>; manifest: string }> {
  const port = await freePort();
  const root = await prepareRoot({}, `api: {address: "127.0.0.1:${port}"}\n`);
  await startAgent(root);
  const cfg = await runCli(['kubeconfig'], { root });
  expect(cfg.code).toBe(0);
  const home = await mkdtemp(join(tmpdir(), 'hostds-kubectl-'));
  homes.push(home);
  const kubeconfig = join(home, 'kubeconfig');
  await writeFile(kubeconfig, cfg.stdout, { mode: 0o600 });
  const text = (await readFile(join(REPO, 'examples/ssd-monitor-daemonset.yaml'), 'utf8')).replaceAll('/usr/share/hostds/examples', join(REPO, 'examples'));
  const manifest = join(root, 'ssd-monitor-daemonset.yaml');
  await writeFile(manifest, text);
  return { root, port, k: (...a) => kubectl(kubeconfig, home, a), manifest };
}

const WIDE_HEADER = /^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR$/m;
const dsRow = (n: number): RegExp =>
  new RegExp(`^ssd-monitor\\s+${n}\\s+${n}\\s+${n}\\s+${n}\\s+${n}\\s+k8s\\.51reboot\\.com/disk=ssd\\s+\\d+[sm]\\s+main\\s+luksa/ssd-monitor\\s+app=ssd-monitor$`, 'm');

describe.runIf(KUBECTL !== '')(`kubectl against the agent's API${KUBECTL ? '' : ' (skipped: kubectl is not installed; CI installs Debian\'s kubernetes-client)'}`, () => {
  test('the article: create, get ds -o wide, label, get node --show-labels, get pod -l -o wide, cordon, logs, describe, rollout, delete', async () => {
    const { root, k, manifest } = await setUp();
    expect(await k('create', '-f', manifest)).toMatchObject({ code: 0, stdout: 'daemonset.apps/ssd-monitor created\n' });
    expect(await readFile(join(root, 'etc/hostds/manifests.d/ssd-monitor.yaml'), 'utf8')).toMatch(/name: ssd-monitor/);
    let r = await k('get', 'ds', '-o', 'wide');
    expect(r.stdout).toMatch(WIDE_HEADER);
    expect(r.stdout).toMatch(dsRow(0));

    r = await k('get', 'node', '--show-labels');
    expect(r.stdout).toMatch(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\s+LABELS$/m);
    expect(r.stdout).not.toMatch(/k8s\.51reboot\.com\/disk/);
    expect(await k('label', 'node', 'h1', 'k8s.51reboot.com/disk=ssd')).toMatchObject({ code: 0, stdout: 'node/h1 labeled\n' });
    expect(await readFile(join(root, 'etc/hostds/node.yaml'), 'utf8')).toMatch(/k8s\.51reboot\.com\/disk: ssd/);
    r = await k('get', 'node', '--show-labels');
    expect(r.stdout).toMatch(/^h1\s+Ready\s+<none>\s+\S+\s+v\S+-hostds\s+\S*k8s\.51reboot\.com\/disk=ssd,kubernetes\.io\/arch=\w+,kubernetes\.io\/hostname=h1,kubernetes\.io\/os=linux$/m);

    await waitFor(async () => dsRow(1).test((await k('get', 'ds', '-o', 'wide')).stdout), 20_000, 'DESIRED 1 and the pod ready');
    r = await k('get', 'pod', '-l', 'app=ssd-monitor', '-o', 'wide');
    expect(r.stdout).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/m);
    const pod = /^(ssd-monitor-\w{5})\s+1\/1\s+Running\s+0\s+\S+\s+\S+\s+h1\s+<none>\s+<none>$/m.exec(r.stdout)?.[1];
    expect(pod, r.stdout).toBeDefined();
    expect((await k('get', 'pod', '-l', 'app=other')).stderr).toMatch(/No resources found in default namespace\./);

    expect(await k('cordon', 'h1')).toMatchObject({ code: 0, stdout: 'node/h1 cordoned\n' });
    expect((await k('get', 'node')).stdout).toMatch(/^h1\s+Ready,SchedulingDisabled\s+/m);
    expect(await readFile(join(root, 'etc/hostds/node.yaml'), 'utf8')).toMatch(/unschedulable: true/);
    expect((await k('get', 'ds', '-o', 'wide')).stdout).toMatch(dsRow(1));

    await waitFor(async () => /watching disks on h1/.test((await k('logs', pod!)).stdout), 10_000, 'kubectl logs');
    r = await k('describe', 'ds', 'ssd-monitor');
    expect(r.stdout).toMatch(/^Name:\s+ssd-monitor$/m);
    expect(r.stdout).toMatch(/^Pods Status:\s+1 Running \/ 0 Waiting \/ 0 Succeeded \/ 0 Failed$/m);
    expect(r.stdout).toMatch(new RegExp(`Normal\\s+SuccessfulCreate\\s+\\S+\\s+hostds\\s+Created pod: ${pod}`));
    r = await k('describe', 'node', 'h1');
    expect(r.stdout).toMatch(/^Taints:\s+node\.kubernetes\.io\/unschedulable:NoSchedule$/m);
    expect(r.stdout).toMatch(/^Unschedulable:\s+true$/m);
    // The node's Lease, renewed at the agent's heartbeat, as the kubelet's.
    expect(r.stdout).toMatch(/^Lease:\n\s+HolderIdentity:\s+h1\n\s+AcquireTime:\s+<unset>\n\s+RenewTime:\s+\w{3}, \d{2} \w{3} \d{4}/m);
    expect(r.stdout + r.stderr).not.toContain('Failed to get lease');
    expect(await k('rollout', 'status', 'ds/ssd-monitor', '--timeout=30s')).toMatchObject({ code: 0, stdout: 'daemon set "ssd-monitor" successfully rolled out\n' });

    expect(await k('delete', 'ds', 'ssd-monitor')).toMatchObject({ code: 0, stdout: 'daemonset.apps "ssd-monitor" deleted\n' });
    await expect(stat(join(root, 'etc/hostds/manifests.d/ssd-monitor.yaml'))).rejects.toThrow(/ENOENT/);
    expect((await k('get', 'ds')).stderr).toMatch(/No resources found in default namespace\./);
    expect(await k('uncordon', 'h1')).toMatchObject({ code: 0, stdout: 'node/h1 uncordoned\n' });
  }, 180_000);

  test('rollout restart, history and undo; apply, annotate and taint write the same files as hostds', async () => {
    const { root, k, manifest } = await setUp();
    expect((await k('label', 'node', 'h1', 'k8s.51reboot.com/disk=ssd')).code).toBe(0);
    expect((await k('apply', '-f', manifest)).stdout).toBe('daemonset.apps/ssd-monitor created\n');
    expect((await k('apply', '-f', manifest)).stdout).toBe('daemonset.apps/ssd-monitor unchanged\n');
    const file = join(root, 'etc/hostds/manifests.d/ssd-monitor.yaml');
    expect(await k('annotate', 'ds', 'ssd-monitor', 'team=storage')).toMatchObject({ code: 0, stdout: 'daemonset.apps/ssd-monitor annotated\n' });
    expect(await readFile(file, 'utf8')).toMatch(/team: storage/);
    expect(await k('rollout', 'status', 'ds/ssd-monitor', '--timeout=30s')).toMatchObject({ code: 0 });
    expect(await k('rollout', 'restart', 'ds/ssd-monitor')).toMatchObject({ code: 0, stdout: 'daemonset.apps/ssd-monitor restarted\n' });
    expect(await readFile(file, 'utf8')).toMatch(/kubectl\.kubernetes\.io\/restartedAt: /);
    expect((await k('rollout', 'status', 'ds/ssd-monitor', '--timeout=30s')).stdout).toMatch(/daemon set "ssd-monitor" successfully rolled out\n$/);
    await waitFor(async () => /^2\s+<none>$/m.test((await k('rollout', 'history', 'ds/ssd-monitor')).stdout), 10_000, 'two revisions');
    expect(await k('rollout', 'undo', 'ds/ssd-monitor')).toMatchObject({ code: 0, stdout: 'daemonset.apps/ssd-monitor rolled back\n' });
    expect(await readFile(file, 'utf8')).not.toMatch(/restartedAt/);
    expect(await readFile(file, 'utf8')).toMatch(/team: storage/);

    expect(await k('taint', 'node', 'h1', 'dedicated=db:NoSchedule')).toMatchObject({ code: 0, stdout: 'node/h1 tainted\n' });
    const hostds = await runCli(['get', 'node', 'h1', '-o', 'json'], { root });
    expect(JSON.parse(hostds.stdout).spec.taints).toEqual([{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]);
    expect(await k('taint', 'node', 'h1', 'dedicated-')).toMatchObject({ code: 0, stdout: 'node/h1 untainted\n' });
    const r = await k('label', 'node', 'h1', 'kubernetes.io/hostname=other', '--overwrite');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Forbidden.*set by hostds/);
  }, 180_000);

  test('no token, a wrong token, unknown paths and methods: Status objects, and the credentials are private', async () => {
    const { root, port, k } = await setUp();
    const token = (await readFile(join(root, 'etc/hostds/pki/token'), 'utf8')).trim();
    expect((await k('--token', 'wrong', 'get', 'ds')).stderr).toMatch(/You must be logged in to the server/);
    const anon = await raw(port, 'GET', '/version', '');
    expect(anon.status).toBe(401);
    expect(JSON.parse(anon.body)).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    const missing = await raw(port, 'GET', '/apis/batch/v1/jobs', token);
    expect(missing).toMatchObject({ status: 404, type: 'application/json' });
    expect(JSON.parse(missing.body)).toMatchObject({ kind: 'Status', reason: 'NotFound' });
    const post = await raw(port, 'POST', '/api/v1/nodes', token);
    expect(JSON.parse(post.body)).toMatchObject({ kind: 'Status', reason: 'MethodNotAllowed', code: 405 });
    expect((await k('get', 'pod', 'nope')).stderr).toMatch(/Error from server \(NotFound\): pods "nope" not found/);
    expect((await k('delete', 'node', 'h1')).stderr).toMatch(/MethodNotAllowed/);
    const pki = join(root, 'etc/hostds/pki');
    expect((await stat(pki)).mode & 0o777).toBe(0o700);
    for (const f of ['apiserver.crt', 'apiserver.key', 'token']) expect((await stat(join(pki, f))).mode & 0o777).toBe(0o600);
  }, 60_000);
});
