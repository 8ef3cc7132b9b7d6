// Where a container's cgroup lives and what is written into it, as functions of the detected
// cgroup mode, the configured parent and the container's limits. Pure: cgroups.ts reads
// /proc/self/mountinfo and the files, then carries the plan out.
import type { ContainerLimits } from '../pods/resources.js';

export type CgroupController = 'memory' | 'cpu' | 'pids';
const CONTROLLERS: readonly CgroupController[] = ['memory', 'cpu', 'pids'];

export type CgroupMode =
  | { kind: 'v2'; mount: string; controllers: readonly string[] }
  | { kind: 'v1'; mounts: Readonly<Partial<Record<CgroupController, string>>> }
  | { kind: 'none'; reason: string };

export interface MountEntry {
  mountPoint: string;
  fsType: string;
  superOptions: string[];
}

/** CFS period for cpu limits, the kubelet's (100 ms). */
export const CPU_PERIOD_US = 100_000;
/** The kernel refuses a quota below 1 ms; the kubelet raises smaller ones to it. */
const MIN_CPU_QUOTA_US = 1000;

/** mountinfo escapes space, tab, newline and backslash as octal. */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** The cgroup mounts of /proc/self/mountinfo (proc(5): fields, then " - ", fstype, source, super options). */
export function parseMountInfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const head = line.slice(0, sep).split(' ');
    const [fsType = '', , superOpts = ''] = line.slice(sep + 3).split(' ');
    if ((fsType !== 'cgroup' && fsType !== 'cgroup2') || head[4] === undefined) continue;
    out.push({ mountPoint: unescapeMount(head[4]), fsType, superOptions: superOpts.split(',') });
  }
  return out;
}

export interface DetectInput {
  /** Where the cgroup filesystems are (config cgroupMountPoint, default /sys/fs/cgroup). */
  mountPoint: string;
  mounts: readonly MountEntry[];
  /** `<mountPoint>/cgroup.controllers`, when that file exists. */
  v2Controllers?: string;
  /** Controllers that have a directory `<mountPoint>/<name>` (a tree that is not mounted, e.g. a test's). */
  v1Dirs?: readonly CgroupController[];
}

/**
 * Pure v2 when a cgroup2 filesystem is mounted at the mount point (or the directory has a
 * cgroup.controllers file); otherwise v1, one mount per controller (hybrid hosts keep a
 * controller-less cgroup2 at <mountPoint>/unified, which cannot limit anything and is ignored).
 */
export function detectCgroupMode(input: DetectInput): CgroupMode {
  const { mountPoint } = input;
  const atPoint = input.mounts.find((m) => m.mountPoint === mountPoint && m.fsType === 'cgroup2');
  if (atPoint || input.v2Controllers !== undefined) {
    return { kind: 'v2', mount: mountPoint, controllers: (input.v2Controllers ?? '').split(/\s+/).filter((x) => x !== '') };
  }
  const mounts: Partial<Record<CgroupController, string>> = {};
  for (const m of input.mounts) {
    if (m.fsType !== 'cgroup' || !(m.mountPoint === mountPoint || m.mountPoint.startsWith(`${mountPoint}/`))) continue;
    for (const c of CONTROLLERS) if (m.superOptions.includes(c)) mounts[c] ??= m.mountPoint;
  }
  for (const c of input.v1Dirs ?? []) mounts[c] ??= `${mountPoint}/${c}`;
  if (Object.keys(mounts).length === 0) return { kind: 'none', reason: `no cgroup filesystem with a memory, cpu or pids controller at ${mountPoint}` };
  return { kind: 'v1', mounts };
}

const SEGMENT_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Why `root` (config cgroupRoot) is not a safe parent path, or undefined when it is. */
export function checkCgroupRoot(root: string): string | undefined {
  if (!root.startsWith('/') || root === '/') return `cgroupRoot must be an absolute path below the hierarchy's root, like /hostds, got ${JSON.stringify(root)}`;
  const bad = root.slice(1).split('/').find((s) => !SEGMENT_RE.test(s) || s === '..' || s.length > 200);
  return bad === undefined ? undefined : `cgroupRoot segment ${JSON.stringify(bad)} is not a plain name (letters, digits, '.', '_', '-'; no '..')`;
}

const POD_RE = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const CONTAINER_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * `<pod>_<container>`, only from names that cannot leave the parent: a DNS subdomain without
 * `..` and a DNS label. The names normally passed validation already; pods rebuilt from a
 * process's environment marker did not, so this is checked again here.
 */
export function cgroupLeafName(pod: string, container: string): { ok: true; name: string } | { ok: false; reason: string } {
  if (pod.length > 253 || !POD_RE.test(pod) || pod.includes('..')) return { ok: false, reason: `pod name ${JSON.stringify(pod)} cannot name a cgroup` };
  if (container.length > 63 || !CONTAINER_RE.test(container)) return { ok: false, reason: `container name ${JSON.stringify(container)} cannot name a cgroup` };
  return { ok: true, name: `${pod}_${container}` };
}

/** The pod a leaf cgroup belongs to (pod names have no '_'), for sweeping leftovers. */
export function podOfLeaf(leaf: string): string | undefined {
  const i = leaf.indexOf('_');
  return i > 0 ? leaf.slice(0, i) : undefined;
}

export interface CgroupWrite {
  file: string;
  value: string;
  /** Files some kernels or hosts lack (swap accounting): skipped when absent. */
  optional?: boolean;
}

export interface CgroupPlan {
  /** The cgroup's path inside each hierarchy, e.g. /hostds/web-x2bz9_main. */
  path: string;
  /** The leaf directory in each hierarchy the process joins. */
  dirs: string[];
  /** Written in order after the directories exist (parents' subtree_control first on v2). */
  writes: CgroupWrite[];
  /** The cgroup.procs files the process writes its pid into before it execs. */
  procs: string[];
  /** The limits this mode cannot enforce, and why. */
  notEnforced?: string;
}

export function cpuQuotaUs(cpuMillis: number): number {
  return Math.max(MIN_CPU_QUOTA_US, Math.ceil((cpuMillis * CPU_PERIOD_US) / 1000));
}

function missing(limits: ContainerLimits, has: (c: CgroupController) => boolean, where: string): string | undefined {
  const lacking = [limits.memoryBytes !== undefined && !has('memory') ? 'memory' : '', limits.cpuMillis !== undefined && !has('cpu') ? 'cpu' : ''].filter((x) => x !== '');
  return lacking.length === 0 ? undefined : `no ${lacking.join(' or ')} controller in ${where}`;
}

function planV2(mode: Extract<CgroupMode, { kind: 'v2' }>, root: string, leaf: string, limits: ContainerLimits): CgroupPlan {
  const has = (c: CgroupController): boolean => mode.controllers.includes(c);
  const wanted = (['memory', 'cpu'] as const).filter(has);
  const dir = `${mode.mount}${root}/${leaf}`;
  // Controllers reach a leaf only when every ancestor enables them for its children.
  const ancestors = root.slice(1).split('/').reduce<string[]>((acc, seg) => [...acc, `${acc.at(-1)}/${seg}`], [mode.mount]);
  const writes: CgroupWrite[] = wanted.length === 0 ? [] : ancestors.map((a) => ({ file: `${a}/cgroup.subtree_control`, value: wanted.map((c) => `+${c}`).join(' ') }));
  if (limits.memoryBytes !== undefined && has('memory')) {
    writes.push({ file: `${dir}/memory.max`, value: String(limits.memoryBytes) }, { file: `${dir}/memory.swap.max`, value: '0', optional: true });
  }
  if (limits.cpuMillis !== undefined && has('cpu')) writes.push({ file: `${dir}/cpu.max`, value: `${cpuQuotaUs(limits.cpuMillis)} ${CPU_PERIOD_US}` });
  const notEnforced = missing(limits, has, `${mode.mount}/cgroup.controllers`);
  return { path: `${root}/${leaf}`, dirs: [dir], writes, procs: [`${dir}/cgroup.procs`], ...(notEnforced ? { notEnforced } : {}) };
}

function planV1(mode: Extract<CgroupMode, { kind: 'v1' }>, root: string, leaf: string, limits: ContainerLimits): CgroupPlan {
  const at = (c: CgroupController): string | undefined => (mode.mounts[c] === undefined ? undefined : `${mode.mounts[c]}${root}/${leaf}`);
  const dirs = CONTROLLERS.map(at).filter((d): d is string => d !== undefined);
  const writes: CgroupWrite[] = [];
  const mem = at('memory');
  if (limits.memoryBytes !== undefined && mem) {
    // memsw (memory+swap) must not be below the memory limit, so it is set after it; equal means no swap.
    writes.push({ file: `${mem}/memory.limit_in_bytes`, value: String(limits.memoryBytes) },
      { file: `${mem}/memory.memsw.limit_in_bytes`, value: String(limits.memoryBytes), optional: true });
  }
  const cpu = at('cpu');
  if (limits.cpuMillis !== undefined && cpu) {
    writes.push({ file: `${cpu}/cpu.cfs_period_us`, value: String(CPU_PERIOD_US) }, { file: `${cpu}/cpu.cfs_quota_us`, value: String(cpuQuotaUs(limits.cpuMillis)) });
  }
  const notEnforced = missing(limits, (c) => mode.mounts[c] !== undefined, 'the cgroup v1 mounts');
  return { path: `${root}/${leaf}`, dirs, writes, procs: dirs.map((d) => `${d}/cgroup.procs`), ...(notEnforced ? { notEnforced } : {}) };
}

/** The cgroup for one container, or why there can be none. */
export function planCgroup(mode: CgroupMode, root: string, pod: string, container: string, limits: ContainerLimits): { ok: true; plan: CgroupPlan } | { ok: false; reason: string } {
  if (mode.kind === 'none') return { ok: false, reason: mode.reason };
  const rootProblem = checkCgroupRoot(root);
  if (rootProblem) return { ok: false, reason: rootProblem };
  const leaf = cgroupLeafName(pod, container);
  if (!leaf.ok) return leaf;
  const plan = mode.kind === 'v2' ? planV2(mode, root, leaf.name, limits) : planV1(mode, root, leaf.name, limits);
  return plan.dirs.length === 0 ? { ok: false, reason: 'no cgroup hierarchy to create the container\'s cgroup in' } : { ok: true, plan };
}

/** The directories of the cgroup at `path` (from a record) in each hierarchy of the mode. */
export function cgroupDirs(mode: CgroupMode, path: string): string[] {
  if (mode.kind === 'none') return [];
  if (mode.kind === 'v2') return [`${mode.mount}${path}`];
  return CONTROLLERS.map((c) => mode.mounts[c]).filter((m): m is string => m !== undefined).map((m) => `${m}${path}`);
}

/**
 * How many processes of the cgroup the kernel OOM-killed: `oom_kill` of v2 memory.events or of
 * v1 memory.oom_control (Linux 4.13+). 0 when the file has no such line.
 */
export function parseOomKills(text: string): number {
  const m = /^oom_kill (\d+)$/m.exec(text);
  return m ? Number(m[1]) : 0;
}

/** Whether /proc/PID/cgroup places the process in the cgroup at `path` (any hierarchy). */
export function isInCgroup(procCgroup: string, path: string): boolean {
  return procCgroup.split('\n').some((line) => {
    const parts = line.split(':');
    return parts.length >= 3 && parts.slice(2).join(':') === path;
  });
}
