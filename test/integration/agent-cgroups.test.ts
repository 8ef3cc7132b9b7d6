// Issue 8, resource limits: containers with limits run in their own cgroup under a test-unique
// parent. On this host's real cgroup v1 hierarchies the limits are read back from the kernel,
// an allocation past limits.memory ends as OOMKilled, and a process that left the daemon's
// process group and environment is still killed at stop. cgroup v2 is checked against a
// directory laid out like a v2 tree; a host without a writable cgroup reports the limits as
// not enforced. Every cgroup made here is removed in afterAll.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { FIXTURES, getPods, isAlive, prepareRoot, startAgent, statePids } from '../helpers/agent.js';
import { runCli } from '../helpers/cli.js';
import { waitFor, waitForValue } from '../helpers/wait.js';
import { parseMountInfo } from '../../src/supervise/cgroup-layout.js';

const CGROUP_ROOT = `/hostds-test-${process.pid}-${randomBytes(3).toString('hex')}`;
const V1 = Object.fromEntries(parseMountInfo(readFileSync('/proc/self/mountinfo', 'utf8'))
  .filter((m) => m.fsType === 'cgroup')
  .flatMap((m) => (['memory', 'cpu', 'pids'] as const).filter((c) => m.superOptions.includes(c)).map((c) => [c, m.mountPoint]))) as Partial<Record<'memory' | 'cpu' | 'pids', string>>;
const HAS_V1 = process.getuid?.() === 0 && V1.memory !== undefined && V1.cpu !== undefined && V1.pids !== undefined;
const tempDirs: string[] = [];
const leftovers = new Set<number>();

function ds(name: string, command: string[], resources: string): string {
  return [
    'apiVersion: apps/v1', 'kind: DaemonSet', `metadata: {name: ${name}}`, 'spec:', `  selector: {matchLabels: {app: ${name}}}`,
    '  template:', `    metadata: {labels: {app: ${name}}}`, '    spec:', '      terminationGracePeriodSeconds: 2',
    '      containers:', '      - name: main', '        image: fixture', `        command: ${JSON.stringify(command)}`,
    `        resources: ${resources}`, '',
  ].join('\n');
}

/**
 * Removes the test parent in a v1 hierarchy, children first (a cgroup directory is removed with
 * rmdir only), killing by pid whatever a failed test left in it.
 */
async function removeTree(dir: string): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) if (e.isDirectory()) await removeTree(join(dir, e.name));
  const pids = (await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => '')).split('\n').filter((x) => x !== '').map(Number);
  for (const pid of pids) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
  await waitFor(async () => (await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => '')) === '', 5_000, `${dir} to empty`);
  await rmdir(dir).catch(() => undefined);
}

afterAll(async () => {
  for (const pid of leftovers) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
  for (const mount of Object.values(V1)) await removeTree(`${mount}${CGROUP_ROOT}`);
  for (const d of tempDirs) await rm(d, { recursive: true, force: true });
});

interface PodStatusJson {
  metadata: { name: string };
  status: { containerStatuses: { name: string; restartCount: number; lastState: { terminated?: { reason: string; exitCode: number } } }[] };
}

async function podJson(root: string, prefix: string): Promise<PodStatusJson | undefined> {
  const r = await runCli(['get', 'pods', '-o', 'json'], { root });
  return (JSON.parse(r.stdout) as { items: PodStatusJson[] }).items.find((p) => p.metadata.name.startsWith(prefix));
}

async function runningPid(root: string, prefix: string): Promise<{ pod: string; pid: number }> {
  return waitForValue(async () => {
    const e = Object.entries(await statePids(root)).find(([k]) => k.startsWith(prefix));
    return e ? { pod: e[0].split('/')[0]!, pid: e[1] } : undefined;
  }, 15_000, `a running ${prefix} container`);
}

const read = (p: string): Promise<string> => readFile(p, 'utf8').then((s) => s.trim());

describe.runIf(HAS_V1)('cgroup v1 (this host\'s real hierarchies)', () => {
  test('limits are written to the kernel, the daemon is in the cgroup from its start, and an adopted pod keeps it', async () => {
    const root = await prepareRoot({ 'lim.yaml': ds('lim', ['/bin/sleep', '100000'], '{limits: {memory: 64Mi, cpu: 250m}, requests: {memory: 32Mi, cpu: 100m}}') }, `cgroupRoot: ${CGROUP_ROOT}\n`);
    // A leftover of a pod that no longer exists (an agent that crashed mid-stop): swept at start.
    await mkdir(`${V1.memory}${CGROUP_ROOT}/gone-x2bz9_main`, { recursive: true });
    let agent = await startAgent(root);
    const { pod, pid } = await runningPid(root, 'lim-');
    const leaf = `${CGROUP_ROOT}/${pod}_main`;
    expect(await read(`${V1.memory}${leaf}/memory.limit_in_bytes`)).toBe('67108864');
    expect(await read(`${V1.cpu}${leaf}/cpu.cfs_quota_us`)).toBe('25000');
    expect(await read(`${V1.cpu}${leaf}/cpu.cfs_period_us`)).toBe('100000');
    for (const c of ['memory', 'cpu', 'pids'] as const) expect((await read(`${V1[c]}${leaf}/cgroup.procs`)).split('\n')).toEqual([String(pid)]);
    // The pid is the daemon's own (sleep), not a wrapper's: it joined before it exec'd.
    expect(await read(`/proc/${pid}/comm`)).toBe('sleep');
    await waitFor(async () => !(await readdir(`${V1.memory}${CGROUP_ROOT}`)).includes('gone-x2bz9_main'), 5_000, 'the leftover cgroup to be swept');

    const d = (await runCli(['describe', 'pod', pod], { root })).stdout;
    expect(d).toMatch(/Limits:\n\s+cpu:\s+250m\n\s+memory:\s+64Mi\n\s+\(enforced by cgroup \/hostds-test-[^)]+_main\)/);
    expect(d).toMatch(/Requests:\n\s+cpu:\s+100m\n\s+memory:\s+32Mi\n\s+\(requests are not enforced\)/);

    await agent.stop('SIGKILL');
    agent = await startAgent(root);
    expect((await statePids(root))[`${pod}/main`]).toBe(pid);
    expect((await read(`${V1.memory}${leaf}/cgroup.procs`)).split('\n')).toEqual([String(pid)]);

    expect((await runCli(['delete', 'pod', pod], { root })).code).toBe(0);
    await waitFor(async () => !(await isAlive(pid)), 10_000, 'the daemon to stop');
    await waitFor(async () => !(await readdir(`${V1.memory}${CGROUP_ROOT}`)).includes(`${pod}_main`), 10_000, 'its cgroup to be removed');
    await agent.stop();
  }, 60_000);

  test('an allocation past limits.memory ends as OOMKilled (exit 137) in lastState and describe', async () => {
    const root = await prepareRoot({ 'hog.yaml': ds('hog', [join(FIXTURES, 'oom.sh')], '{limits: {memory: 32Mi}}') }, `cgroupRoot: ${CGROUP_ROOT}\n`);
    const agent = await startAgent(root);
    const pod = await waitForValue(async () => {
      const p = await podJson(root, 'hog-');
      return p?.status.containerStatuses[0]?.lastState.terminated ? p : undefined;
    }, 20_000, 'the first termination of hog');
    expect(pod.status.containerStatuses[0]!.lastState.terminated).toMatchObject({ reason: 'OOMKilled', exitCode: 137 });
    const d = (await runCli(['describe', 'pod', pod.metadata.name], { root })).stdout;
    expect(d).toMatch(/Last State:\s+Terminated\n\s+Reason:\s+OOMKilled\n\s+Exit Code:\s+137/);
    await agent.stop();
  }, 60_000);

  test('stop kills a process that left the process group and cleared its environment, through the cgroup', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hostds-straggler-'));
    tempDirs.push(dir);
    const pidFile = join(dir, 'straggler.pid');
    const root = await prepareRoot({ 'strag.yaml': ds('strag', [join(FIXTURES, 'straggler.sh'), pidFile], '{limits: {memory: 64Mi}}') }, `cgroupRoot: ${CGROUP_ROOT}\n`);
    const agent = await startAgent(root);
    const { pod, pid } = await runningPid(root, 'strag-');
    const straggler = Number(await waitForValue(async () => (await readFile(pidFile, 'utf8').catch(() => '')).trim() || undefined, 10_000, 'the straggler pid'));
    leftovers.add(straggler);
    // Neither the process group, nor the session, nor the marker leads to it: only the cgroup does.
    const stat = await read(`/proc/${straggler}/stat`);
    const [, , , pgrp, session] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    expect([Number(pgrp), Number(session)]).not.toContain(pid);
    expect(await readFile(`/proc/${straggler}/environ`, 'utf8')).not.toContain('HOSTDS_POD_MARKER');
    expect((await read(`${V1.memory}${CGROUP_ROOT}/${pod}_main/cgroup.procs`)).split('\n')).toContain(String(straggler));

    // The DaemonSet, not the pod: a replacement pod would leave a straggler of its own.
    expect((await runCli(['delete', 'ds', 'strag'], { root })).code).toBe(0);
    await waitFor(async () => !(await isAlive(pid)), 10_000, 'the daemon to stop');
    await waitFor(async () => !(await isAlive(straggler)), 10_000, 'the straggler to be killed');
    await agent.stop();
  }, 60_000);
});

describe.runIf(process.getuid?.() === 0)('cgroup v2 (a directory laid out like a v2 tree) and hosts without cgroups', () => {
  test('v2: controllers enabled down the tree, memory.max, swap off and cpu.max written, the pid in cgroup.procs', async () => {
    const fake = await mkdtemp(join(tmpdir(), 'hostds-cgv2-'));
    tempDirs.push(fake);
    await writeFile(join(fake, 'cgroup.controllers'), 'cpuset cpu io memory hugetlb pids rdma misc\n');
    const root = await prepareRoot({ 'v2.yaml': ds('v2', ['/bin/sleep', '100000'], '{limits: {memory: 32Mi, cpu: 1500m}}') }, `cgroupRoot: /hostds/test\ncgroupMountPoint: ${fake}\n`);
    const agent = await startAgent(root);
    const { pod, pid } = await runningPid(root, 'v2-');
    const leaf = join(fake, 'hostds/test', `${pod}_main`);
    for (const dir of [fake, join(fake, 'hostds'), join(fake, 'hostds/test')]) expect(await read(join(dir, 'cgroup.subtree_control'))).toBe('+memory +cpu');
    expect(await read(join(leaf, 'memory.max'))).toBe('33554432');
    expect(await read(join(leaf, 'memory.swap.max'))).toBe('0');
    expect(await read(join(leaf, 'cpu.max'))).toBe('150000 100000');
    expect(await read(join(leaf, 'cgroup.procs'))).toBe(String(pid));
    expect((await runCli(['describe', 'pod', pod], { root })).stdout).toContain(`(enforced by cgroup /hostds/test/${pod}_main)`);
    await agent.stop();
  }, 30_000);

  test('no cgroup filesystem: the pod runs, and describe, why and an event say the limits are not enforced', async () => {
    const absent = join(tmpdir(), `hostds-no-cgroup-${randomBytes(4).toString('hex')}`);
    const root = await prepareRoot({ 'free.yaml': ds('free', ['/bin/sleep', '100000'], '{limits: {memory: 64Mi, cpu: 500m}}') }, `cgroupMountPoint: ${absent}\n`);
    const agent = await startAgent(root);
    const { pod } = await runningPid(root, 'free-');
    await waitFor(async () => (await getPods(root)).some((p) => p.name === pod && p.status === 'Running'), 10_000, 'free running');
    const reason = `no cgroup filesystem with a memory, cpu or pids controller at ${absent}`;
    const d = (await runCli(['describe', 'pod', pod], { root })).stdout;
    expect(d).toContain(`(not enforced: ${reason})`);
    expect(d).toContain(`LimitsNotEnforced`);
    const why = (await runCli(['why', 'ds', 'free'], { root })).stdout;
    expect(why).toContain(`limits: memory 64Mi, cpu 500m of container main (pod ${pod}) not enforced: ${reason}`);
    await agent.stop();
  }, 30_000);
});
