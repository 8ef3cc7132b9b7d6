import { describe, expect, test } from 'vitest';
import {
  cgroupLeafName, checkCgroupRoot, cpuQuotaUs, detectCgroupMode, isInCgroup, parseMountInfo, parseOomKills, planCgroup,
  type CgroupMode,
} from '../../../src/supervise/cgroup-layout.js';
import { readLimits } from '../../../src/pods/resources.js';

const HYBRID = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
22 1 0:5 / /proc rw - proc proc rw`;
const PURE_V2 = `29 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot`;

const V1: CgroupMode = { kind: 'v1', mounts: { memory: '/sys/fs/cgroup/memory', cpu: '/sys/fs/cgroup/cpu,cpuacct', pids: '/sys/fs/cgroup/pids' } };
const V2: CgroupMode = { kind: 'v2', mount: '/sys/fs/cgroup', controllers: ['cpuset', 'cpu', 'io', 'memory', 'pids'] };

describe('detectCgroupMode', () => {
  test.each([
    { name: 'hybrid (v1 controllers, controller-less unified): v1', mounts: HYBRID, v2: undefined, dirs: [], want: V1 },
    { name: 'pure v2 (Debian 12): v2 with cgroup.controllers', mounts: PURE_V2, v2: 'cpuset cpu io memory pids\n', dirs: [], want: V2 },
    { name: 'a directory laid out like v2 (not mounted): v2', mounts: '', v2: 'cpu memory\n', dirs: [], want: { kind: 'v2', mount: '/sys/fs/cgroup', controllers: ['cpu', 'memory'] } },
    { name: 'a directory laid out like v1: v1 from its subdirectories', mounts: '', v2: undefined, dirs: ['memory' as const], want: { kind: 'v1', mounts: { memory: '/sys/fs/cgroup/memory' } } },
    { name: 'nothing there: none, with the reason', mounts: '22 1 0:5 / /proc rw - proc proc rw', v2: undefined, dirs: [], want: { kind: 'none', reason: 'no cgroup filesystem with a memory, cpu or pids controller at /sys/fs/cgroup' } },
  ])('$name', ({ mounts, v2, dirs, want }) => {
    expect(detectCgroupMode({ mountPoint: '/sys/fs/cgroup', mounts: parseMountInfo(mounts), ...(v2 === undefined ? {} : { v2Controllers: v2 }), v1Dirs: dirs })).toEqual(want);
  });

  test('mount points with escaped spaces are read back', () => {
    expect(parseMountInfo('1 2 0:1 / /a\\040b rw - cgroup2 cgroup2 rw')).toEqual([{ mountPoint: '/a b', fsType: 'cgroup2', superOptions: ['rw'] }]);
  });
});

describe('readLimits: quantities as the kubelet rounds them', () => {
  test.each([
    { name: 'Mi and m', limits: { memory: '32Mi', cpu: '500m' }, want: { memoryBytes: 33554432, cpuMillis: 500 } },
    { name: 'a plain cpu number', limits: { cpu: '0.1' }, want: { cpuMillis: 100 } },
    { name: 'decimal memory suffix', limits: { memory: '1G' }, want: { memoryBytes: 1e9 } },
    { name: 'fractions round up', limits: { cpu: '1500u', memory: '0.5' }, want: { cpuMillis: 2, memoryBytes: 1 } },
    { name: 'zero is no limit', limits: { memory: '0', cpu: '0' }, want: {} },
    { name: 'requests are not limits', limits: undefined, want: {} },
  ])('$name', ({ limits, want }) => {
    expect(readLimits({ name: 'c', resources: { ...(limits ? { limits } : {}), requests: { cpu: '1', memory: '1Gi' } } })).toEqual(want);
  });
});

describe('planCgroup', () => {
  test('v1: one directory per hierarchy, limit_in_bytes then memsw, period then quota', () => {
    const r = planCgroup(V1, '/hostds', 'web-x2bz9', 'main', { memoryBytes: 33554432, cpuMillis: 250 });
    expect(r).toEqual({ ok: true, plan: {
      path: '/hostds/web-x2bz9_main',
      dirs: ['/sys/fs/cgroup/memory/hostds/web-x2bz9_main', '/sys/fs/cgroup/cpu,cpuacct/hostds/web-x2bz9_main', '/sys/fs/cgroup/pids/hostds/web-x2bz9_main'],
      writes: [
        { file: '/sys/fs/cgroup/memory/hostds/web-x2bz9_main/memory.limit_in_bytes', value: '33554432' },
        { file: '/sys/fs/cgroup/memory/hostds/web-x2bz9_main/memory.memsw.limit_in_bytes', value: '33554432', optional: true },
        { file: '/sys/fs/cgroup/cpu,cpuacct/hostds/web-x2bz9_main/cpu.cfs_period_us', value: '100000' },
        { file: '/sys/fs/cgroup/cpu,cpuacct/hostds/web-x2bz9_main/cpu.cfs_quota_us', value: '25000' },
      ],
      procs: ['/sys/fs/cgroup/memory/hostds/web-x2bz9_main/cgroup.procs', '/sys/fs/cgroup/cpu,cpuacct/hostds/web-x2bz9_main/cgroup.procs', '/sys/fs/cgroup/pids/hostds/web-x2bz9_main/cgroup.procs'],
    } });
  });

  test('v2: every ancestor enables the controllers for its children, then memory.max, swap off, cpu.max', () => {
    const r = planCgroup(V2, '/hostds/test', 'web-x2bz9', 'main', { memoryBytes: 67108864, cpuMillis: 1500 });
    expect(r.ok && r.plan).toEqual({
      path: '/hostds/test/web-x2bz9_main',
      dirs: ['/sys/fs/cgroup/hostds/test/web-x2bz9_main'],
      writes: [
        { file: '/sys/fs/cgroup/cgroup.subtree_control', value: '+memory +cpu' },
        { file: '/sys/fs/cgroup/hostds/cgroup.subtree_control', value: '+memory +cpu' },
        { file: '/sys/fs/cgroup/hostds/test/cgroup.subtree_control', value: '+memory +cpu' },
        { file: '/sys/fs/cgroup/hostds/test/web-x2bz9_main/memory.max', value: '67108864' },
        { file: '/sys/fs/cgroup/hostds/test/web-x2bz9_main/memory.swap.max', value: '0', optional: true },
        { file: '/sys/fs/cgroup/hostds/test/web-x2bz9_main/cpu.max', value: '150000 100000' },
      ],
      procs: ['/sys/fs/cgroup/hostds/test/web-x2bz9_main/cgroup.procs'],
    });
  });

  test.each([
    { name: 'v2 without the memory controller', mode: { kind: 'v2', mount: '/cg', controllers: ['cpu'] } as CgroupMode, want: 'no memory controller in /cg/cgroup.controllers' },
    { name: 'v1 with only pids', mode: { kind: 'v1', mounts: { pids: '/cg/pids' } } as CgroupMode, want: 'no memory or cpu controller in the cgroup v1 mounts' },
  ])('a missing controller is reported, not dropped: $name', ({ mode, want }) => {
    const r = planCgroup(mode, '/hostds', 'p', 'c', { memoryBytes: 1 << 20, ...(mode.kind === 'v1' ? { cpuMillis: 100 } : {}) });
    expect(r.ok && r.plan.notEnforced).toBe(want);
  });

  test('no cgroup filesystem: refused with the detection\'s reason', () => {
    expect(planCgroup({ kind: 'none', reason: 'no cgroup filesystem at /x' }, '/hostds', 'p', 'c', { cpuMillis: 1 })).toEqual({ ok: false, reason: 'no cgroup filesystem at /x' });
  });

  test.each([
    { name: 'a tiny cpu limit is raised to the kernel minimum', millis: 1, want: 1000 },
    { name: 'one cpu is a full period', millis: 1000, want: 100000 },
  ])('cpuQuotaUs: $name', ({ millis, want }) => {
    expect(cpuQuotaUs(millis)).toBe(want);
  });
});

describe('names never become paths unchecked', () => {
  test.each([
    { name: 'parent directory', pod: '..', container: 'c' },
    { name: 'a path in the pod name', pod: '../../etc', container: 'c' },
    { name: 'a slash', pod: 'a/b', container: 'c' },
    { name: 'dots inside a subdomain', pod: 'a..b', container: 'c' },
    { name: 'a slash in the container', pod: 'p', container: 'x/../../y' },
    { name: 'a dot in the container (labels have none)', pod: 'p', container: '..' },
    { name: 'empty', pod: '', container: 'c' },
    { name: 'an underscore (the separator)', pod: 'a_b', container: 'c' },
  ])('refused: $name', ({ pod, container }) => {
    expect(cgroupLeafName(pod, container).ok).toBe(false);
    const r = planCgroup(V2, '/hostds', pod, container, { memoryBytes: 1 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/cannot name a cgroup/);
  });

  test('valid names join with an underscore', () => {
    expect(cgroupLeafName('kube-proxy.v1-abcde', 'main')).toEqual({ ok: true, name: 'kube-proxy.v1-abcde_main' });
  });

  test.each([
    { root: 'hostds', ok: false },
    { root: '/', ok: false },
    { root: '/hostds/../x', ok: false },
    { root: '/hostds//x', ok: false },
    { root: '/hostds/', ok: false },
    { root: '/hostds', ok: true },
    { root: '/system.slice/hostds.service/daemons', ok: true },
  ])('cgroupRoot $root: ok=$ok', ({ root, ok }) => {
    expect(checkCgroupRoot(root) === undefined).toBe(ok);
    if (!ok) expect(planCgroup(V1, root, 'p', 'c', { memoryBytes: 1 }).ok).toBe(false);
  });
});

describe('kernel files', () => {
  test.each([
    { name: 'v1 memory.oom_control', text: 'oom_kill_disable 0\nunder_oom 0\noom_kill 2\n', want: 2 },
    { name: 'v2 memory.events', text: 'low 0\nhigh 0\nmax 31\noom 1\noom_kill 1\noom_group_kill 0\n', want: 1 },
    { name: 'an old kernel without oom_kill', text: 'oom_kill_disable 0\nunder_oom 0\n', want: 0 },
  ])('parseOomKills: $name', ({ text, want }) => {
    expect(parseOomKills(text)).toBe(want);
  });

  test.each([
    { name: 'v1 line', text: '4:memory:/hostds/p_c\n1:cpu:/\n', want: true },
    { name: 'v2 line', text: '0::/hostds/p_c\n', want: true },
    { name: 'a child cgroup is not the cgroup', text: '0::/hostds/p_c/sub\n', want: false },
    { name: 'elsewhere', text: '0::/user.slice\n', want: false },
  ])('isInCgroup: $name', ({ text, want }) => {
    expect(isInCgroup(text, '/hostds/p_c')).toBe(want);
  });
});
