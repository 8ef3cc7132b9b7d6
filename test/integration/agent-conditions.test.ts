// Issue 5 end to end: the real agent measures the real host, turns conditions into taints with
// the kubelet's hysteresis, and acts on them. Each condition is produced for real: a memory
// threshold above what the machine has, a loop-mounted ext4 filled to 95%, a network namespace
// with no default route. Mounts, loop devices, namespaces and processes are removed pass or fail.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fixtureDs, getPods, prepareRoot, startAgent, statePids, waitForRunning, writeTestConfig, isAlive } from '../helpers/agent.js';
import { NODE, runCli, writeManifest } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';

const run = promisify(execFile);
const NONE = 'hostds.io/default-tolerations: "none"';

/** A DaemonSet whose pod template opts out of the default tolerations. */
function strictDs(name: string): string {
  return fixtureDs(name, 'forever.mjs').replace(`metadata: {labels: {app: ${name}}}`, `metadata: {labels: {app: ${name}}, annotations: {${NONE}}}`)
    .replace(`metadata: {name: ${name}}`, `metadata: {name: ${name}, annotations: {${NONE}}}`);
}

async function conditionOf(root: string, type: string): Promise<{ status: string; reason: string; message: string } | undefined> {
  const r = await runCli(['get', 'node', NODE, '-o', 'json'], { root });
  const node = JSON.parse(r.stdout) as { status: { conditions: { type: string; status: string; reason: string; message: string }[] } };
  return node.status.conditions.find((c) => c.type === type);
}

async function runningNames(root: string): Promise<string[]> {
  return (await getPods(root)).filter((p) => p.status === 'Running').map((p) => p.name.replace(/-[a-z0-9]{5}$/, ''));
}

async function eventCount(root: string, reason: string): Promise<number> {
  const r = await runCli(['get', 'events', '-o', 'json'], { root });
  return (JSON.parse(r.stdout) as { items: { reason: string; count: number }[] }).items
    .filter((e) => e.reason === reason).reduce((n, e) => n + e.count, 0);
}

const FAST = 'nodeStatusUpdateFrequency: 200ms\nevictionPressureTransitionPeriod: 2s\n';

describe('MemoryPressure: a threshold above what the machine has', () => {
  test('the condition, its taint, the decision, why, describe node, and the hysteresis', async () => {
    const root = await prepareRoot({ 'plain.yaml': fixtureDs('plain', 'forever.mjs'), 'strict.yaml': strictDs('strict') },
      `${FAST}evictionHard: {memory.available: 100000Gi}\n`);
    const agent = await startAgent(root);
    await waitForRunning(root, 1);
    expect(await runningNames(root)).toEqual(['plain']);
    const c = await conditionOf(root, 'MemoryPressure');
    expect(c).toMatchObject({ status: 'True', reason: 'KubeletHasInsufficientMemory' });
    expect(c!.message).toMatch(/^kubelet has insufficient memory available \(memory\.available [\d.]+[KMGT]i < 100000Gi\)$/);

    const why = await runCli(['why', 'ds', 'strict'], { root });
    expect(why.stdout).toContain('DESIRED 0');
    expect(why.stdout).toMatch(/taint node\.kubernetes\.io\/memory-pressure:NoSchedule \(MemoryPressure: kubelet has insufficient memory available \(memory\.available [\d.]+[KMGT]i < 100000Gi\)\) is not tolerated/);
    const describe = await runCli(['describe', 'node', NODE], { root });
    expect(describe.stdout).toContain('node.kubernetes.io/memory-pressure:NoSchedule  (set by hostds: condition MemoryPressure)');
    expect(describe.stdout).toMatch(/MemoryPressure\s+True\s+\S+\s+\S+\s+KubeletHasInsufficientMemory/);
    expect(describe.stdout).toMatch(/memory\.available\s+[\d.]+[KMGT]i\s+100000Gi\s+MemoryPressure/);
    expect((await runCli(['get', 'nodes'], { root })).stdout).toMatch(new RegExp(`^${NODE}\\s+Ready\\s`, 'm'));

    // The threshold drops below what the machine has: the condition holds for the transition
    // period (2s) after it was last met, then clears, and only then does strict start.
    await writeTestConfig(root, `${FAST}evictionHard: {memory.available: 1Mi}\n`);
    await waitFor(async () => (await conditionOf(root, 'MemoryPressure'))?.message.includes('held until') === true, 5000, 'MemoryPressure held by the transition period');
    expect(await runningNames(root)).toEqual(['plain']);
    await waitFor(async () => (await conditionOf(root, 'MemoryPressure'))?.status === 'False', 10_000, 'MemoryPressure to clear');
    await waitForRunning(root, 2);
    expect(await eventCount(root, 'NodeHasInsufficientMemory')).toBe(1);
    expect(await eventCount(root, 'NodeHasSufficientMemory')).toBe(1);
    await agent.stop();
  }, 40_000);

  test('a condition toggling every half second produces no start/stop storm', async () => {
    const root = await prepareRoot({ 'plain.yaml': fixtureDs('plain', 'forever.mjs'), 'strict.yaml': strictDs('strict') },
      'nodeStatusUpdateFrequency: 100ms\nevictionPressureTransitionPeriod: 3s\nevictionHard: {memory.available: 1Mi}\n');
    const agent = await startAgent(root);
    await waitForRunning(root, 2);
    const pids = await statePids(root);
    // Toggle the measured condition for 5 s: met, not met, met, ...
    for (let i = 0; i < 10; i++) {
      await writeTestConfig(root, `nodeStatusUpdateFrequency: 100ms\nevictionPressureTransitionPeriod: 3s\nevictionHard: {memory.available: ${i % 2 === 0 ? '100000Gi' : '1Mi'}}\n`);
      await new Promise((r) => setTimeout(r, 500));
      expect((await conditionOf(root, 'MemoryPressure'))?.status).toBe('True');
    }
    // NoSchedule taints never stop a running daemon: the same processes, no restarts, one transition.
    expect(await statePids(root)).toEqual(pids);
    for (const pid of Object.values(pids)) expect(await isAlive(pid)).toBe(true);
    expect(await eventCount(root, 'NodeHasInsufficientMemory')).toBe(1);
    await waitFor(async () => (await conditionOf(root, 'MemoryPressure'))?.status === 'False', 10_000, 'MemoryPressure to clear after the toggling');
    expect(await eventCount(root, 'NodeHasSufficientMemory')).toBe(2); // at start, and once at the end
    expect(await statePids(root)).toEqual(pids);
    await agent.stop();
  }, 40_000);
});

describe('DiskPressure: a loop-mounted ext4 filled to 95%', () => {
  let dir = '';
  let mnt = '';
  let mounted = false;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hostds-disk-'));
    mnt = join(dir, 'mnt');
    await run('truncate', ['-s', '64M', join(dir, 'fs.img')]);
    await run('mkfs.ext4', ['-q', '-F', '-m', '0', join(dir, 'fs.img')]);
    await run('mkdir', ['-p', mnt]);
    await run('mount', ['-o', 'loop', join(dir, 'fs.img'), mnt]);
    mounted = true;
  });
  afterAll(async () => {
    // umount -d also frees the loop device mount set up.
    if (mounted) await run('umount', ['-d', mnt]).catch(() => run('umount', ['-l', '-d', mnt]));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function fill(percent: number): Promise<void> {
    await rm(join(mnt, 'ballast'), { force: true });
    const { stdout } = await run('df', ['-B1', '--output=size,avail', mnt]);
    const [size, avail] = stdout.trim().split('\n')[1]!.trim().split(/\s+/).map(Number) as [number, number];
    const want = Math.floor(size * percent / 100) - (size - avail);
    if (want > 0) await run('fallocate', ['-l', String(want), join(mnt, 'ballast')]);
  }

  test('a new pod is not admitted unless critical; a running one keeps running; it clears after the transition period', async () => {
    await fill(0);
    const root = await prepareRoot({ 'old.yaml': fixtureDs('old', 'forever.mjs') }, `${FAST}nodefsPaths: [${mnt}]\n`);
    const agent = await startAgent(root);
    await waitForRunning(root, 1);
    const oldPids = await statePids(root);

    await fill(95);
    await waitFor(async () => (await conditionOf(root, 'DiskPressure'))?.status === 'True', 5000, 'DiskPressure');
    const c = await conditionOf(root, 'DiskPressure');
    expect(c!.message).toMatch(new RegExp(`^kubelet has disk pressure \\(nodefs\\.available [\\d.]+% < 10% on ${mnt.replace(/\//g, '\\/')}\\)`));
    await writeManifest(root, 'new.yaml', fixtureDs('new', 'forever.mjs'));
    await writeManifest(root, 'crit.yaml', fixtureDs('crit', 'forever.mjs', [], 'priorityClassName: system-node-critical'));
    await waitForRunning(root, 2);
    expect((await runningNames(root)).sort()).toEqual(['crit', 'old']);
    expect(Object.entries(await statePids(root)).filter(([k]) => k.startsWith('old-'))).toEqual(Object.entries(oldPids));

    const why = await runCli(['why', 'ds', 'new'], { root });
    expect(why.stdout).toContain('DESIRED 0');
    expect(why.stdout).toMatch(/admission\s+FAIL\s+this host has DiskPressure \(kubelet has disk pressure \(nodefs\.available [\d.]+% < 10%/);
    expect(why.stdout).toContain('priorityClassName: system-node-critical');
    const describe = await runCli(['describe', 'node', NODE], { root });
    expect(describe.stdout).toContain('node.kubernetes.io/disk-pressure:NoSchedule  (set by hostds: condition DiskPressure)');
    expect(describe.stdout).toMatch(new RegExp(`nodefs\\.available\\s+[\\d.]+%\\s+10%\\s+${mnt.replace(/\//g, '\\/')}\\s+DiskPressure`));

    await fill(0);
    await waitFor(async () => (await conditionOf(root, 'DiskPressure'))?.status === 'False', 10_000, 'DiskPressure to clear');
    await waitForRunning(root, 3);
    await agent.stop();
  }, 40_000);

  test('inodes: free inodes below 5% is disk pressure too', async () => {
    const idir = await mkdtemp(join(tmpdir(), 'hostds-inodes-'));
    const imnt = join(idir, 'mnt');
    let imounted = false;
    try {
      await run('truncate', ['-s', '16M', join(idir, 'fs.img')]);
      await run('mkfs.ext4', ['-q', '-F', '-N', '64', join(idir, 'fs.img')]);
      await run('mkdir', ['-p', imnt]);
      await run('mount', ['-o', 'loop', join(idir, 'fs.img'), imnt]);
      imounted = true;
      const { stdout } = await run('stat', ['-f', '-c', '%d', imnt]); // free inodes
      const free = Number(stdout.trim());
      for (let i = 0; i < free - 1; i++) await writeFile(join(imnt, `f${i}`), '');
      const root = await prepareRoot({}, `${FAST}nodefsPaths: [${imnt}]\n`);
      const agent = await startAgent(root);
      await waitFor(async () => (await conditionOf(root, 'DiskPressure'))?.status === 'True', 5000, 'DiskPressure from inodes');
      expect((await conditionOf(root, 'DiskPressure'))!.message).toMatch(/nodefs\.inodesFree [\d.]+% < 5%/);
      await agent.stop();
    } finally {
      if (imounted) await run('umount', ['-d', imnt]).catch(() => run('umount', ['-l', '-d', imnt]));
      await rm(idir, { recursive: true, force: true });
    }
  }, 30_000);
});

describe('NetworkUnavailable: the agent in a network namespace with no default route', () => {
  const ns = `hostds-test-${process.pid}`;
  beforeAll(async () => {
    await run('ip', ['netns', 'add', ns]);
    await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  });
  afterAll(async () => {
    await run('ip', ['netns', 'del', ns]).catch(() => undefined);
  });

  test('a non-hostNetwork DaemonSet waits for the network; a hostNetwork one runs; a default route clears it', async () => {
    const root = await prepareRoot({ 'web.yaml': fixtureDs('web', 'forever.mjs'), 'hn.yaml': fixtureDs('hn', 'forever.mjs', [], 'hostNetwork: true') }, FAST);
    const agent = await startAgent(root, [], ['ip', 'netns', 'exec', ns]);
    await waitForRunning(root, 1);
    expect(await runningNames(root)).toEqual(['hn']);
    expect(await conditionOf(root, 'NetworkUnavailable')).toMatchObject({ status: 'True', reason: 'NoDefaultRoute' });
    const why = await runCli(['why', 'ds', 'web'], { root });
    expect(why.stdout).toMatch(/taint node\.kubernetes\.io\/network-unavailable:NoSchedule \(NetworkUnavailable: [^)]*no default route\) is not tolerated/);

    // A veth pair inside the namespace (this kernel has no dummy links): both ends up, so it has carrier.
    await run('ip', ['-n', ns, 'link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb']);
    await run('ip', ['-n', ns, 'addr', 'add', '10.251.0.1/24', 'dev', 'va']);
    await run('ip', ['-n', ns, 'link', 'set', 'vb', 'up']);
    await run('ip', ['-n', ns, 'link', 'set', 'va', 'up']);
    await run('ip', ['-n', ns, 'route', 'add', 'default', 'via', '10.251.0.2', 'dev', 'va']);
    await waitFor(async () => (await conditionOf(root, 'NetworkUnavailable'))?.status === 'False', 10_000, 'NetworkUnavailable to clear');
    await waitForRunning(root, 2);
    await agent.stop();
  }, 40_000);
});

describe('NoExecute taints and tolerationSeconds', () => {
  const tolerating = (seconds?: number) => [
    'tolerations:',
    `- {key: maint, operator: Exists, effect: NoExecute${seconds === undefined ? '' : `, tolerationSeconds: ${seconds}`}}`,
  ].join('\n');

  test('untolerated: stopped at once; tolerated for 2s: evicted then and created again; tolerated forever: untouched', async () => {
    const root = await prepareRoot({
      'plain.yaml': fixtureDs('plain', 'forever.mjs'),
      'brief.yaml': fixtureDs('brief', 'forever.mjs', [], tolerating(2)),
      'always.yaml': fixtureDs('always', 'forever.mjs', [], tolerating()),
    });
    const agent = await startAgent(root);
    await waitForRunning(root, 3);
    const before = await statePids(root);
    const briefPod = Object.keys(before).find((k) => k.startsWith('brief-'))!;

    expect((await runCli(['taint', 'node', NODE, 'maint=now:NoExecute'], { root })).code).toBe(0);
    await waitFor(async () => !(await runningNames(root)).includes('plain'), 5000, 'plain to be stopped');
    // The 2 s have not run out when the untolerated one is gone: brief still runs the same process.
    const after = await statePids(root);
    expect(after[briefPod]).toBe(before[briefPod]);
    // Then it is evicted, and the DaemonSet (which tolerates the taint) gets a new pod.
    await waitFor(async () => !(briefPod in (await statePids(root))), 10_000, 'brief to be evicted');
    await waitFor(async () => (await runningNames(root)).includes('brief'), 10_000, 'brief to be created again');
    const evicted = await runCli(['get', 'events', '-o', 'json'], { root });
    expect(evicted.stdout).toContain('tolerationSeconds ran out');
    const alwaysPod = Object.keys(before).find((k) => k.startsWith('always-'))!;
    expect((await statePids(root))[alwaysPod]).toBe(before[alwaysPod]);
    await agent.stop();
  }, 40_000);

  test('the eviction is cancelled when the taint goes away first', async () => {
    const root = await prepareRoot({ 'slow.yaml': fixtureDs('slow', 'forever.mjs', [], tolerating(3)) });
    const agent = await startAgent(root);
    await waitForRunning(root, 1);
    const before = await statePids(root);
    expect((await runCli(['taint', 'node', NODE, 'maint=now:NoExecute'], { root })).code).toBe(0);
    expect((await runCli(['taint', 'node', NODE, 'maint:NoExecute-'], { root })).code).toBe(0);
    // Past the 3 s it had: the same process still runs.
    await new Promise((r) => setTimeout(r, 4000));
    expect(await statePids(root)).toEqual(before);
    for (const pid of Object.values(before)) expect(await isAlive(pid)).toBe(true);
    await agent.stop();
  }, 30_000);
});

describe('registerWithTaints and discovered labels', () => {
  test('a config taint is the host\'s own; an NFD label selects the host; featureLabels: false drops them', async () => {
    const osId = /^ID=(?:"([^"]*)"|(.*))$/m.exec(await readFile('/etc/os-release', 'utf8'));
    const id = (osId?.[1] ?? osId?.[2] ?? '').trim();
    const nfd = fixtureDs('nfd', 'forever.mjs', [], `nodeSelector: {feature.node.kubernetes.io/system-os_release.ID: "${id}"}`);
    const root = await prepareRoot({ 'nfd.yaml': nfd, 'plain.yaml': fixtureDs('plain', 'forever.mjs') },
      'registerWithTaints:\n- {key: dedicated, value: infra, effect: NoSchedule}\n');
    const agent = await startAgent(root);
    // The agent is ready once its first pass is done. Both wait: dedicated=infra:NoSchedule is tolerated by neither.
    const describe = await runCli(['describe', 'node', NODE], { root });
    expect(describe.stdout).toContain('dedicated=infra:NoSchedule  (set by hostds: config registerWithTaints)');
    expect(describe.stdout).toContain(`feature.node.kubernetes.io/system-os_release.ID=${id}`);
    expect(await runningNames(root)).toEqual([]);

    await writeTestConfig(root, '');
    await waitForRunning(root, 2);
    await writeTestConfig(root, 'featureLabels: false\n');
    // As the DaemonSet controller does when a node loses a selected label: the pod is deleted.
    await waitFor(async () => (await runningNames(root)).join() === 'plain', 5000, 'nfd to stop without its label');
    const why = await runCli(['why', 'ds', 'nfd'], { root });
    expect(why.stdout).toContain('DESIRED 0');
    expect(why.stdout).toContain('this host has no label feature.node.kubernetes.io/system-os_release.ID');
    await agent.stop();
  }, 30_000);
});

test('no agent: get and describe measure once and say that nothing acts on it', async () => {
  const root = await prepareRoot({}, 'evictionHard: {memory.available: 100000Gi}\n');
  const r = await runCli(['describe', 'node', NODE], { root });
  expect(r.stdout).toMatch(/MemoryPressure\s+True/);
  expect(r.stdout).toMatch(/Ready\s+Unknown\s+\S+\s+\S+\s+NodeStatusUnknown\s+hostds agent is not running/);
  expect((await runCli(['get', 'nodes'], { root })).stdout).toMatch(new RegExp(`^${NODE}\\s+NotReady\\s`, 'm'));
});
