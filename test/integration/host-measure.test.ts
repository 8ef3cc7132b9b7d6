// measureHost against the real kernel: this machine's /proc and /sys, loop-mounted ext4 images
// filled up (space, then inodes), a network namespace whose default route comes and goes, and
// fake /proc and /sys trees for the cgroup rules. Runs as root. Everything a test makes (mounts,
// loop devices, the namespace, processes, temp dirs) is undone in afterAll/afterEach, also when
// the test fails; processes are killed by pid.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { isDeepStrictEqual, promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { measureHost, mountPointOf, type Measurement } from '../../src/host/measure.js';
import { waitFor } from '../helpers/wait.js';

const REPO = resolve(import.meta.dirname, '../..');
const GiB = 1024 ** 3;
type Network = NonNullable<Measurement['network']>;

async function run(cmd: string, ...args: string[]): Promise<string> {
  return (await promisify(execFile)(cmd, args, { timeout: 20_000 })).stdout;
}

async function mountPoints(): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  return text.split('\n').flatMap((l) => l.split(' ')[4] ?? []);
}

/** `df` reads statfs(2) too: its figures for the filesystem holding `path`. */
async function df(path: string): Promise<{ target: string; size: number; avail: number; itotal: number; iavail: number }> {
  const last = (await run('df', '-B1', '--output=target,size,avail,itotal,iavail', path)).trim().split('\n').at(-1) ?? '';
  const [target = '', size, avail, itotal, iavail] = last.trim().split(/\s+/);
  return { target, size: Number(size), avail: Number(avail), itotal: Number(itotal), iavail: Number(iavail) };
}

describe('the real /proc and /sys of this machine', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hostds-measure-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('memory: MemAvailable and MemTotal, bounded by our memory cgroup when it is limited', async () => {
    const { memory } = await measureHost({ nodefsPaths: [] });
    const meminfo = await readFile('/proc/meminfo', 'utf8');
    const total = Number(/^MemTotal:\s+(\d+) kB/m.exec(meminfo)?.[1]) * 1024;
    const available = Number(/^MemAvailable:\s+(\d+) kB/m.exec(meminfo)?.[1]) * 1024;
    expect(memory).toBeDefined();
    expect(memory!.availableBytes).toBeGreaterThan(0);
    expect(memory!.availableBytes).toBeLessThanOrEqual(memory!.capacityBytes);
    expect(memory!.capacityBytes).toBeLessThanOrEqual(total);
    // This machine is cgroup v1 with the memory controller at a limit of 2^63 − 4096: unlimited.
    const v1 = /^\d+:(?:[^:]*,)?memory(?:,[^:]*)?:(.*)$/m.exec(await readFile('/proc/self/cgroup', 'utf8'))?.[1];
    const limitFile = v1 === undefined ? undefined : `/sys/fs/cgroup/memory${v1 === '/' ? '' : v1}/memory.limit_in_bytes`;
    const limit = limitFile === undefined ? undefined : Number(await readFile(limitFile, 'utf8').catch(() => 'NaN'));
    if (limit !== undefined && limit >= 2 ** 62) {
      expect(memory!.source).toBe('meminfo');
      expect(memory!.capacityBytes).toBe(total);
      expect(Math.abs(memory!.availableBytes - available)).toBeLessThan(total * 0.05);
    }
  });

  test('pids: pid_max minus the threads counted in /proc/*/task', async () => {
    const { pids } = await measureHost({ nodefsPaths: [] });
    const pidMax = Number(await readFile('/proc/sys/kernel/pid_max', 'utf8'));
    let threads = 0;
    for (const entry of await readdir('/proc')) {
      if (/^\d+$/.test(entry)) threads += (await readdir(`/proc/${entry}/task`).catch(() => [])).length;
    }
    expect(pids).toBeDefined();
    expect(pids!.max).toBeLessThanOrEqual(pidMax);
    expect(pids!.available).toBeGreaterThan(0);
    expect(pids!.available).toBeLessThan(pids!.max);
    if (pids!.source === 'pid_max') expect(Math.abs(pids!.available - (pidMax - threads))).toBeLessThan(64);
  });

  test('nodefs: "/" and a temp dir, deduplicated by mount point, as df reports them', async () => {
    const paths = ['/', dir, join(dir, 'not/there/yet')];
    const { nodefs } = await measureHost({ nodefsPaths: paths });
    const expected = await Promise.all([df('/'), df(dir), df(dir)]);
    const byMount = new Map<string, (typeof expected)[number] & { path: string }>();
    expected.forEach((d, i) => byMount.has(d.target) || byMount.set(d.target, { ...d, path: paths[i]! }));
    expect(nodefs?.map((e) => [e.path, e.mountPoint])).toEqual([...byMount.values()].map((d) => [d.path, d.target]));
    for (const e of nodefs ?? []) {
      const d = byMount.get(e.mountPoint)!;
      expect(e.capacityBytes).toBe(d.size);
      expect(e.inodesTotal).toBe(d.itotal);
      expect(Math.abs(e.availableBytes - d.avail)).toBeLessThan(256 * 1024 ** 2); // other writers
      expect(Math.abs(e.inodesFree - d.iavail)).toBeLessThan(10_000);
    }
  });

  test('mountPointOf resolves symlinks and walks up to the nearest existing ancestor', async () => {
    const link = join(dir, 'to-shm');
    await symlink('/dev/shm', link);
    expect(await mountPointOf(join(link, 'a/b'))).toBe((await df('/dev/shm')).target);
    expect(await mountPointOf(join(dir, 'x/y/z'))).toBe((await df(dir)).target);
    expect(await mountPointOf('/proc/self/status')).toBe('/proc');
    expect(await mountPointOf('/sys/fs/cgroup/memory/x')).toBe('/sys/fs/cgroup/memory');
  });

  test('network: what `ip route show default` says', async () => {
    const routes = [...(await run('ip', 'route', 'show', 'default')).split('\n'), ...(await run('ip', '-6', 'route', 'show', 'default')).split('\n')];
    const devs = routes.filter((l) => /^default\b/.test(l)).flatMap((l) => /\bdev (\S+)/.exec(l)?.[1] ?? []);
    const isUp = async (dev: string): Promise<boolean> => {
      const link = await run('ip', '-o', 'link', 'show', 'dev', dev);
      return /<[^>]*\bUP\b[^>]*>/.test(link) && /\bstate (UP|UNKNOWN)\b/.test(link);
    };
    let expected: Network = devs[0] === undefined ? { defaultRoute: false, ifaceUp: false } : { defaultRoute: true, iface: devs[0], ifaceUp: false };
    for (const dev of devs) {
      if (await isUp(dev)) {
        expected = { defaultRoute: true, iface: dev, ifaceUp: true };
        break;
      }
    }
    expect((await measureHost({ nodefsPaths: [] })).network).toEqual(expected);
  });

  test('repeated calls (kept file handles) keep measuring, and the injected clock stamps them', async () => {
    let t = 1000;
    const first = await measureHost({ nodefsPaths: ['/'], now: () => t });
    t = 11_000;
    const second = await measureHost({ nodefsPaths: ['/'], now: () => t });
    expect([first.atMs, second.atMs]).toEqual([1000, 11_000]);
    expect(Object.keys(second).sort()).toEqual(['atMs', 'memory', 'network', 'nodefs', 'pids']);
    expect(second.pids?.max).toBe(first.pids?.max);
    expect(second.memory?.capacityBytes).toBe(first.memory?.capacityBytes);
  });

  test('concurrent and repeated calls reuse the kept handles: the open fd count stays flat', async () => {
    const fds = async (): Promise<number> => (await readdir('/proc/self/fd')).length;
    await Promise.all(Array.from({ length: 20 }, () => measureHost({ nodefsPaths: ['/', dir] })));
    const before = await fds();
    const results = await Promise.all(Array.from({ length: 50 }, () => measureHost({ nodefsPaths: ['/', dir] })));
    for (let i = 0; i < 50; i++) await measureHost({ nodefsPaths: ['/', dir] });
    expect(await fds()).toBe(before);
    expect(new Set(results.map((r) => JSON.stringify([r.pids?.max, r.memory?.capacityBytes, r.network, r.nodefs?.map((e) => e.mountPoint)]))).size).toBe(1);
  });
});

describe('a loop-mounted ext4 filesystem', () => {
  const made: { img: string; mnt: string }[] = [];
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hostds-measure-loop-'));
  });
  afterAll(async () => {
    for (const { img, mnt } of made) {
      if ((await mountPoints()).includes(mnt)) await run('umount', mnt).catch(() => run('umount', '-l', mnt));
      const loops = (await run('losetup', '-j', img).catch(() => '')).split('\n').flatMap((l) => l.split(':')[0] || []);
      for (const dev of loops) await run('losetup', '-d', dev).catch(() => undefined);
    }
    await rm(dir, { recursive: true, force: true });
  });

  async function mountExt4(name: string, ...mkfsArgs: string[]): Promise<string> {
    const img = join(dir, `${name}.img`);
    const mnt = join(dir, name);
    made.push({ img, mnt });
    await run('truncate', '-s', '64M', img);
    await run('mkfs.ext4', '-q', '-F', ...mkfsArgs, img);
    await mkdir(mnt);
    await run('mount', '-o', 'loop', img, mnt);
    return mnt;
  }

  test('filled to ~95%: available < 10% of capacity, mount point = the mount dir', async () => {
    const mnt = await mountExt4('space');
    const before = (await measureHost({ nodefsPaths: [join(mnt, 'data')] })).nodefs?.[0];
    expect(before?.mountPoint).toBe(mnt);
    expect(before!.availableBytes).toBeGreaterThan(before!.capacityBytes * 0.8);
    const fill = before!.availableBytes - Math.ceil(before!.capacityBytes * 0.05);
    await run('fallocate', '-l', String(fill - (fill % 4096)), join(mnt, 'fill'));

    const paths = [join(mnt, 'data/not/yet'), join(mnt, 'fill'), '/'];
    const { nodefs } = await measureHost({ nodefsPaths: paths });
    expect(nodefs?.map((e) => [e.path, e.mountPoint])).toEqual([[paths[0]!, mnt], ['/', (await df('/')).target]]);
    const [e] = nodefs!;
    expect(e!.availableBytes).toBeGreaterThan(0);
    expect(e!.availableBytes).toBeLessThan(e!.capacityBytes * 0.1);
    const d = await df(mnt);
    expect([e!.availableBytes, e!.capacityBytes, e!.inodesFree, e!.inodesTotal]).toEqual([d.avail, d.size, d.iavail, d.itotal]);
    expect(await mountPointOf(join(mnt, 'data/not/yet'))).toBe(mnt);
  });

  test('out of inodes (mkfs.ext4 -N 64): inodesFree < 5% of inodesTotal', async () => {
    const mnt = await mountExt4('inodes', '-N', '64');
    const total = (await measureHost({ nodefsPaths: [mnt] })).nodefs?.[0]?.inodesTotal ?? 0;
    expect(total).toBeGreaterThanOrEqual(64);
    let created = 0;
    for (; created <= total; created++) {
      const ok = await writeFile(join(mnt, `f${created}`), '').then(() => true, (err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOSPC') throw err;
        return false;
      });
      if (!ok) break;
    }
    const e = (await measureHost({ nodefsPaths: [join(mnt, 'f0')] })).nodefs?.[0];
    expect(created).toBeGreaterThan(0);
    expect(e?.mountPoint).toBe(mnt);
    expect(e!.inodesFree).toBeLessThan(e!.inodesTotal * 0.05);
    expect(e!.inodesFree).toBe((await df(mnt)).iavail);
    expect(e!.availableBytes).toBeGreaterThan(e!.capacityBytes * 0.5); // space is not the problem
  });
});

describe('a network namespace', () => {
  const netns = `hostds-test-${process.pid}`;
  const live = new Set<ChildProcess>();
  let dir: string;
  let bundle: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hostds-measure-netns-'));
    bundle = join(dir, 'measure.mjs');
    // The fixture is plain node, so it gets measure.ts bundled to one ESM file (rolldown ships with vite).
    await promisify(execFile)(join(REPO, 'node_modules/.bin/rolldown'),
      ['src/host/measure.ts', '--format', 'esm', '--platform', 'node', '--file', bundle], { cwd: REPO });
    await run('ip', 'netns', 'add', netns);
    await run('ip', '-n', netns, 'link', 'set', 'lo', 'up');
  });
  afterEach(() => {
    for (const child of live) if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
    live.clear();
  });
  afterAll(async () => {
    if ((await run('ip', 'netns', 'list')).split('\n').some((l) => l.split(' ')[0] === netns)) await run('ip', 'netns', 'del', netns);
    await rm(dir, { recursive: true, force: true });
  });

  /** The fixture inside the namespace; `ip netns exec` execs node, so the child's pid is node's. */
  function startMeasurer(): { measure(): Promise<Measurement> } {
    const child = spawn('ip', ['netns', 'exec', netns, process.execPath, join(REPO, 'test/fixtures/measure-run.mjs'), bundle], { stdio: ['pipe', 'pipe', 'pipe'] });
    live.add(child);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const waiting: ((line: string) => void)[] = [];
    createInterface({ input: child.stdout }).on('line', (line) => waiting.shift()?.(line));
    const measure = (): Promise<Measurement> => new Promise((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`no measurement within 10 s; stderr: ${stderr}`)), 10_000);
      waiting.push((line) => {
        clearTimeout(timer);
        res(JSON.parse(line) as Measurement);
      });
      child.stdin.write('\n');
    });
    return { measure };
  }

  /** Link state reaches operstate through the kernel's linkwatch, asynchronously: wait with a deadline. */
  async function expectNetwork(m: { measure(): Promise<Measurement> }, expected: Network, what: string): Promise<void> {
    let last: Network | undefined;
    await waitFor(async () => isDeepStrictEqual((last = (await m.measure()).network), expected), 5_000, what, 50).catch(() => undefined);
    expect(last, what).toEqual(expected);
  }

  const ipn = (...args: string[]): Promise<string> => run('ip', '-n', netns, ...args);

  test('no default route (only lo, whose IPv6 reject entry does not count)', async () => {
    // The kernel lists its null entry (::/0, reject, on lo) in /proc/net/ipv6_route, not in `ip -6 route`.
    expect(await run('ip', 'netns', 'exec', netns, 'cat', '/proc/net/ipv6_route')).toMatch(/^0{32} 00 .* 00200200\s+lo$/m);
    const m = await startMeasurer().measure();
    expect(m.network).toEqual({ defaultRoute: false, ifaceUp: false });
    expect(m.memory?.availableBytes).toBeGreaterThan(0);
  });

  test('default route via a veth: up, carrier lost, back, admin down; then IPv6 only', async () => {
    const m = startMeasurer();
    await ipn('link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb');
    await ipn('addr', 'add', '10.213.0.2/24', 'dev', 'va');
    await ipn('link', 'set', 'vb', 'up');
    await ipn('link', 'set', 'va', 'up');
    await ipn('route', 'add', 'default', 'via', '10.213.0.1', 'dev', 'va');
    await expectNetwork(m, { defaultRoute: true, iface: 'va', ifaceUp: true }, 'up');

    // The peer going down takes va's carrier: the kernel keeps the route (marked linkdown) and
    // va stays IFF_UP, but its operstate becomes lowerlayerdown.
    await ipn('link', 'set', 'vb', 'down');
    await expectNetwork(m, { defaultRoute: true, iface: 'va', ifaceUp: false }, 'carrier lost');
    expect(await ipn('route', 'show', 'default')).toMatch(/default via 10\.213\.0\.1 dev va .*linkdown/);

    await ipn('link', 'set', 'vb', 'up');
    await expectNetwork(m, { defaultRoute: true, iface: 'va', ifaceUp: true }, 'carrier back');

    // Setting va itself down makes the kernel delete its IPv4 routes.
    await ipn('link', 'set', 'va', 'down');
    await expectNetwork(m, { defaultRoute: false, ifaceUp: false }, 'admin down');
    expect((await ipn('route', 'show', 'default')).trim()).toBe('');

    await ipn('link', 'set', 'va', 'up');
    await ipn('-6', 'addr', 'add', 'fd00:db8:213::2/64', 'dev', 'va', 'nodad');
    await ipn('-6', 'route', 'add', 'default', 'via', 'fd00:db8:213::1', 'dev', 'va');
    await expectNetwork(m, { defaultRoute: true, iface: 'va', ifaceUp: true }, 'IPv6 only');
    expect((await ipn('route', 'show', 'default')).trim()).toBe('');
  });
});

describe('fake /proc and /sys trees', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'hostds-measure-fake-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const ROUTE_HEADER = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT';
  const route4 = (iface: string, flags: string, metric = 0): string => `${iface}\t00000000\t0102000A\t${flags}\t0\t0\t${metric}\t00000000\t0\t0\t0`;
  const route6 = (iface: string, flags: string): string =>
    `${'0'.repeat(32)} 00 ${'0'.repeat(32)} 00 ${'0'.repeat(32)} 00000400 00000001 00000000 ${flags} ${iface.padStart(8)}`;
  const LO_REJECT6 = route6('lo', '00200200');
  const BASE: Record<string, string> = {
    'proc/meminfo': 'MemTotal:        8388608 kB\nMemFree:         1048576 kB\nMemAvailable:    6291456 kB\n',
    'proc/loadavg': '0.00 0.01 0.05 2/345 6789\n',
    'proc/sys/kernel/pid_max': '4194304\n',
    'proc/net/route': `${ROUTE_HEADER}\n${route4('eth9', '0003')}\n`,
    'proc/net/ipv6_route': `${LO_REJECT6}\n`,
    'sys/class/net/eth9/flags': '0x1003\n',
    'sys/class/net/eth9/operstate': 'up\n',
    'proc/self/cgroup': '0::/\n',
  };

  type Files = Record<string, string | null>;
  let n = 0;
  /** A fresh tree of BASE overlaid with `files` (null deletes a BASE file). */
  async function fakeRoots(files: Files = {}): Promise<{ procRoot: string; sysRoot: string }> {
    const top = join(root, String(n++));
    for (const [rel, text] of Object.entries({ ...BASE, ...files })) {
      if (text === null) continue;
      await mkdir(dirname(join(top, rel)), { recursive: true });
      await writeFile(join(top, rel), text);
    }
    await mkdir(join(top, 'proc'), { recursive: true });
    await mkdir(join(top, 'sys'), { recursive: true });
    return { procRoot: join(top, 'proc'), sysRoot: join(top, 'sys') };
  }
  const measureFake = async (files: Files): Promise<Measurement> =>
    measureHost({ nodefsPaths: [], now: () => 42, ...(await fakeRoots(files)) });

  const MEMINFO = { availableBytes: 6 * GiB, capacityBytes: 8 * GiB, source: 'meminfo' } as const;
  test.each<{ name: string; files: Files; memory: Measurement['memory'] }>([
    { name: 'no cgroup limit (root cgroup)', files: {}, memory: MEMINFO },
    {
      name: 'cgroup v2 limited: available = limit − usage',
      files: { 'proc/self/cgroup': '0::/system.slice/hostds.service\n', 'sys/fs/cgroup/system.slice/hostds.service/memory.max': `${GiB / 2}\n`, 'sys/fs/cgroup/system.slice/hostds.service/memory.current': `${GiB / 8}\n` },
      memory: { availableBytes: GiB / 2 - GiB / 8, capacityBytes: GiB / 2, source: 'cgroup' },
    },
    {
      name: 'cgroup v1 limited (hybrid: the v1 memory controller wins over 0::)',
      files: { 'proc/self/cgroup': '5:pids:/\n4:memory:/process_api/abc\n1:cpu,cpuacct:/\n0::/x\n', 'sys/fs/cgroup/memory/process_api/abc/memory.limit_in_bytes': `${GiB}\n`, 'sys/fs/cgroup/memory/process_api/abc/memory.usage_in_bytes': '1000000000\n', 'sys/fs/cgroup/x/memory.max': '1\n', 'sys/fs/cgroup/x/memory.current': '0\n' },
      memory: { availableBytes: GiB - 1e9, capacityBytes: GiB, source: 'cgroup' },
    },
    {
      name: 'cgroup v1 unlimited (2^63 − 4096, as on this machine); usage not even read',
      files: { 'proc/self/cgroup': '4:memory:/process_api/abc\n0::/\n', 'sys/fs/cgroup/memory/process_api/abc/memory.limit_in_bytes': '9223372036854771712\n' },
      memory: MEMINFO,
    },
    { name: "cgroup v2 'max'", files: { 'proc/self/cgroup': '0::/a\n', 'sys/fs/cgroup/a/memory.max': 'max\n', 'sys/fs/cgroup/a/memory.current': '5\n' }, memory: MEMINFO },
    {
      name: 'cgroup limit below MemTotal but with more room than MemAvailable: meminfo binds',
      files: { 'proc/self/cgroup': '0::/a\n', 'sys/fs/cgroup/a/memory.max': `${7 * GiB}\n`, 'sys/fs/cgroup/a/memory.current': `${GiB / 2}\n` },
      memory: { availableBytes: 6 * GiB, capacityBytes: 7 * GiB, source: 'meminfo' },
    },
    {
      name: 'usage above the limit: nothing available',
      files: { 'proc/self/cgroup': '0::/a\n', 'sys/fs/cgroup/a/memory.max': `${GiB}\n`, 'sys/fs/cgroup/a/memory.current': `${GiB + 4096}\n` },
      memory: { availableBytes: 0, capacityBytes: GiB, source: 'cgroup' },
    },
    { name: 'limited cgroup whose usage file is missing: meminfo', files: { 'proc/self/cgroup': '0::/a\n', 'sys/fs/cgroup/a/memory.max': `${GiB}\n` }, memory: MEMINFO },
    { name: 'unreadable /proc/self/cgroup: meminfo', files: { 'proc/self/cgroup': null }, memory: MEMINFO },
    { name: 'meminfo without MemAvailable: left out', files: { 'proc/meminfo': 'MemTotal:        8388608 kB\n' }, memory: undefined },
    { name: 'no meminfo: left out', files: { 'proc/meminfo': null }, memory: undefined },
  ])('memory: $name', async ({ files, memory }) => {
    expect((await measureFake(files)).memory).toEqual(memory);
  });

  test.each<{ name: string; files: Files; pids: Measurement['pids'] }>([
    { name: 'pid_max minus nr_threads from loadavg', files: {}, pids: { available: 4194304 - 345, max: 4194304, source: 'pid_max' } },
    {
      name: 'v2 pids cgroup lower than pid_max',
      files: { 'proc/self/cgroup': '0::/a\n', 'sys/fs/cgroup/a/pids.max': '1000\n', 'sys/fs/cgroup/a/pids.current': '250\n' },
      pids: { available: 750, max: 1000, source: 'cgroup' },
    },
    {
      name: 'v1 pids cgroup lower than pid_max',
      files: { 'proc/self/cgroup': '8:pids:/b\n0::/\n', 'sys/fs/cgroup/pids/b/pids.max': '500\n', 'sys/fs/cgroup/pids/b/pids.current': '499\n' },
      pids: { available: 1, max: 500, source: 'cgroup' },
    },
    {
      name: 'pids cgroup lower than pid_max but with more room than the host: the host binds',
      files: { 'proc/loadavg': '0.00 0.01 0.05 2/4194000 6789\n', 'proc/self/cgroup': '0::/a\n', 'sys/fs/cgroup/a/pids.max': '1000\n', 'sys/fs/cgroup/a/pids.current': '10\n' },
      pids: { available: 304, max: 1000, source: 'pid_max' },
    },
    { name: "pids.max 'max'", files: { 'proc/self/cgroup': '0::/a\n', 'sys/fs/cgroup/a/pids.max': 'max\n' }, pids: { available: 4194304 - 345, max: 4194304, source: 'pid_max' } },
    { name: 'pids.max above pid_max', files: { 'proc/self/cgroup': '0::/a\n', 'sys/fs/cgroup/a/pids.max': '99999999\n', 'sys/fs/cgroup/a/pids.current': '1\n' }, pids: { available: 4194304 - 345, max: 4194304, source: 'pid_max' } },
    { name: 'no pid_max: left out', files: { 'proc/sys/kernel/pid_max': null }, pids: undefined },
    { name: 'garbled loadavg: left out', files: { 'proc/loadavg': '0.00 0.01\n' }, pids: undefined },
  ])('pids: $name', async ({ files, pids }) => {
    expect((await measureFake(files)).pids).toEqual(pids);
  });

  const UP = { defaultRoute: true, iface: 'eth9', ifaceUp: true };
  const NO_ROUTE = { defaultRoute: false, ifaceUp: false };
  test.each<{ name: string; files: Files; network: Measurement['network'] }>([
    { name: 'IPv4 default route, interface up', files: {}, network: UP },
    { name: "operstate 'unknown' (tun, dummy) counts as up", files: { 'sys/class/net/eth9/operstate': 'unknown\n' }, network: UP },
    { name: "operstate 'lowerlayerdown' (no carrier)", files: { 'sys/class/net/eth9/operstate': 'lowerlayerdown\n' }, network: { ...UP, ifaceUp: false } },
    { name: 'operstate up but IFF_UP clear', files: { 'sys/class/net/eth9/flags': '0x1002\n' }, network: { ...UP, ifaceUp: false } },
    { name: 'interface missing from /sys', files: { 'sys/class/net/eth9/flags': null, 'sys/class/net/eth9/operstate': null }, network: { ...UP, ifaceUp: false } },
    { name: 'route not RTF_UP', files: { 'proc/net/route': `${ROUTE_HEADER}\n${route4('eth9', '0002')}\n` }, network: NO_ROUTE },
    { name: 'unreachable default (RTF_REJECT, iface *)', files: { 'proc/net/route': `${ROUTE_HEADER}\n${route4('*', '0201')}\n` }, network: NO_ROUTE },
    {
      name: 'two defaults: the lower metric is down, the other up',
      files: { 'proc/net/route': `${ROUTE_HEADER}\n${route4('eth9', '0003', 200)}\n${route4('wlan0', '0003', 100)}\n`, 'sys/class/net/wlan0/flags': '0x1002\n', 'sys/class/net/wlan0/operstate': 'down\n' },
      network: UP,
    },
    {
      name: 'no IPv4 default, IPv6 default up',
      files: { 'proc/net/route': `${ROUTE_HEADER}\n`, 'proc/net/ipv6_route': `${route6('eth9', '00000003')}\n${LO_REJECT6}\n` },
      network: UP,
    },
    { name: 'only the lo IPv6 reject entry', files: { 'proc/net/route': `${ROUTE_HEADER}\n` }, network: NO_ROUTE },
    { name: 'only IPv6 readable, no default', files: { 'proc/net/route': null }, network: NO_ROUTE },
    { name: 'no route tables: left out', files: { 'proc/net/route': null, 'proc/net/ipv6_route': null }, network: undefined },
  ])('network: $name', async ({ files, network }) => {
    expect((await measureFake(files)).network).toEqual(network);
  });

  test('nodefs: the mount points come from procRoot/self/mountinfo (octal escapes decoded)', async () => {
    const roots = await fakeRoots();
    const spaced = join(root, 'a dir');
    await mkdir(spaced, { recursive: true });
    const escaped = spaced.replace(/ /g, '\\040');
    await writeFile(join(roots.procRoot, 'self/mountinfo'),
      `1 0 8:1 / / rw - ext4 /dev/sda1 rw\n2 1 0:5 / ${escaped} rw - tmpfs tmpfs rw\n3 1 0:6 / ${escaped} rw - tmpfs tmpfs rw\n`);
    const { nodefs } = await measureHost({ nodefsPaths: [join(spaced, 'x/y'), spaced, '/'], ...roots });
    expect(nodefs?.map((e) => [e.path, e.mountPoint])).toEqual([[join(spaced, 'x/y'), spaced], ['/', '/']]);
    expect(await mountPointOf(join(spaced, 'new'), roots.procRoot)).toBe(spaced);
    expect(await mountPointOf(`${spaced}x`, roots.procRoot)).toBe('/');
  });

  test('everything missing: only atMs, no throw; mountPointOf rejects', async () => {
    const empty = join(root, 'empty');
    await mkdir(empty, { recursive: true });
    expect(await measureHost({ nodefsPaths: ['/'], procRoot: empty, sysRoot: empty, now: () => 7 })).toEqual({ atMs: 7 });
    await expect(mountPointOf('/', empty)).rejects.toThrow();
  });

  test('a path below a regular file counts as its filesystem; a symlink loop is left out', async () => {
    const roots = await fakeRoots({ 'proc/self/mountinfo': '1 0 8:1 / / rw - ext4 /dev/sda1 rw\n' });
    const file = join(root, 'plain-file');
    const loop = join(root, 'loop');
    await writeFile(file, '');
    await symlink(loop, loop);
    const { nodefs } = await measureHost({ nodefsPaths: [join(loop, 'x'), join(file, 'below/a/file'), '/'], ...roots });
    expect(nodefs?.map((e) => [e.path, e.mountPoint])).toEqual([[join(file, 'below/a/file'), '/']]);
    expect((await measureHost({ nodefsPaths: [], ...roots })).nodefs).toBeUndefined();
    expect((await measureHost({ nodefsPaths: [join(loop, 'x')], ...roots })).nodefs).toBeUndefined();
  });
});
