// This host's pressure signals for the node conditions (DESIGN §2): memory, nodefs, PIDs and the
// default route, read from /proc, /sys and statfs(2). The agent calls it every
// nodeStatusUpdateFrequency (10 s), so it reads a few small kernel files, starts no process and
// never throws: a signal that cannot be read is left out, and the pure core decides what that means.
import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

// The shape is the pure core's (conditions.ts), which consumes it.
import type { Measurement } from './conditions.js';
export type { Measurement };
export interface MeasureOptions { nodefsPaths: readonly string[]; procRoot?: string /* default '/proc' */; sysRoot?: string /* default '/sys' */; now?: () => number }

type Memory = NonNullable<Measurement['memory']>;
type Nodefs = NonNullable<Measurement['nodefs']>;
type Pids = NonNullable<Measurement['pids']>;
type Network = NonNullable<Measurement['network']>;
type Roots = { proc: string; sys: string };
/** This process's cgroup per v1 controller, and its v2 (unified) path. */
type Cgroups = { v1: Map<string, string>; v2?: string };

/** cgroup limits at or above 2^62 (v1 reports 2^63 − page size) mean "no limit". */
const UNLIMITED = 2 ** 62;
const RTF_UP = 0x1;
const RTF_REJECT = 0x200;
const IFF_UP = 0x1;

export async function measureHost(opts: MeasureOptions): Promise<Measurement> {
  const atMs = (opts.now ?? Date.now)();
  const roots = rootsOf(opts);
  const cgroups = readCgroups(roots);
  const [memory, nodefs, pids, network] = await Promise.all([
    omitOnError(readMemory(roots, cgroups)),
    omitOnError(readNodefs(opts.nodefsPaths, roots)),
    omitOnError(readPids(roots, cgroups)),
    omitOnError(readNetwork(roots)),
  ]);
  const m: Measurement = { atMs };
  if (memory) m.memory = memory;
  if (nodefs) m.nodefs = nodefs;
  if (pids) m.pids = pids;
  if (network) m.network = network;
  return m;
}

// One signal alone, for benchmarks and callers that need only one; undefined when unreadable.
export const measureMemory = (opts: Partial<MeasureOptions> = {}): Promise<Memory | undefined> =>
  omitOnError(readMemory(rootsOf(opts), readCgroups(rootsOf(opts))));
export const measureNodefs = (opts: MeasureOptions): Promise<Nodefs | undefined> => omitOnError(readNodefs(opts.nodefsPaths, rootsOf(opts)));
export const measurePids = (opts: Partial<MeasureOptions> = {}): Promise<Pids | undefined> =>
  omitOnError(readPids(rootsOf(opts), readCgroups(rootsOf(opts))));
export const measureNetwork = (opts: Partial<MeasureOptions> = {}): Promise<Network | undefined> => omitOnError(readNetwork(rootsOf(opts)));

/** The longest mount point in /proc/self/mountinfo that contains the path, resolved through symlinks (or its nearest existing ancestor). */
export async function mountPointOf(path: string, procRoot = '/proc'): Promise<string> {
  const [existing, mounts] = await Promise.all([nearestExistingRealpath(path), readMountPoints(procRoot)]);
  return longestMountPoint(existing, mounts);
}

const rootsOf = (opts: Partial<MeasureOptions>): Roots => ({ proc: opts.procRoot ?? '/proc', sys: opts.sysRoot ?? '/sys' });
const omitOnError = <T>(p: Promise<T | undefined>): Promise<T | undefined> => p.catch(() => undefined);

// ---- memory --------------------------------------------------------------------------------

const MEM_AVAILABLE = /^MemAvailable:\s+(\d+) kB$/m;
const MEM_TOTAL = /^MemTotal:\s+(\d+) kB$/m;

/** MemAvailable/MemTotal, bounded by this process's memory cgroup when it has a limit. */
async function readMemory(roots: Roots, cgroups: Promise<Cgroups | undefined>): Promise<Memory> {
  const text = await readSmallFile(`${roots.proc}/meminfo`);
  const kB = (re: RegExp): number => {
    const m = re.exec(text);
    if (!m) throw new Error(`meminfo has no ${re.source}`);
    return Number(m[1]) * 1024;
  };
  const memory: Memory = { availableBytes: kB(MEM_AVAILABLE), capacityBytes: kB(MEM_TOTAL), source: 'meminfo' };
  const limited = await omitOnError(readCgroupMemory(roots, await cgroups));
  if (!limited) return memory;
  const cgroupAvailable = Math.max(0, limited.limit - limited.usage);
  return {
    availableBytes: Math.min(memory.availableBytes, cgroupAvailable),
    capacityBytes: Math.min(memory.capacityBytes, limited.limit),
    source: cgroupAvailable < memory.availableBytes ? 'cgroup' : 'meminfo',
  };
}

async function readCgroupMemory(roots: Roots, cgroups: Cgroups | undefined): Promise<{ limit: number; usage: number } | undefined> {
  const at = cgroups && cgroupDir(cgroups, 'memory', roots.sys);
  if (!at) return undefined;
  const [limitFile, usageFile] = at.v1 ? ['memory.limit_in_bytes', 'memory.usage_in_bytes'] : ['memory.max', 'memory.current'];
  const limit = parseLimit(await readSmallFile(`${at.dir}/${limitFile}`));
  if (limit === Infinity) return undefined; // unlimited: skip reading the usage
  return { limit, usage: parseCount(await readSmallFile(`${at.dir}/${usageFile}`)) };
}

// ---- PIDs ----------------------------------------------------------------------------------

/** pid_max minus the kernel's thread count (what the kubelet's sysinfo().procs counts), bounded by the pids cgroup. */
async function readPids(roots: Roots, cgroups: Promise<Cgroups | undefined>): Promise<Pids> {
  const [pidMaxText, loadavg, cgroup] = await Promise.all([
    readSmallFile(`${roots.proc}/sys/kernel/pid_max`),
    readSmallFile(`${roots.proc}/loadavg`),
    cgroups.then((c) => (c ? omitOnError(readCgroupPidsMax(roots, c)) : undefined)),
  ]);
  const pidMax = parseCount(pidMaxText);
  const threads = parseCount(loadavg.split(' ')[3]?.split('/')[1] ?? '');
  const pids: Pids = { available: Math.max(0, pidMax - threads), max: pidMax, source: 'pid_max' };
  if (!cgroup || cgroup.max >= pidMax) return pids;
  const current = await omitOnError(readSmallFile(`${cgroup.dir}/pids.current`).then(parseCount));
  if (current === undefined) return pids;
  const cgroupAvailable = Math.max(0, cgroup.max - current);
  return {
    available: Math.min(pids.available, cgroupAvailable),
    max: cgroup.max,
    source: cgroupAvailable <= pids.available ? 'cgroup' : 'pid_max',
  };
}

async function readCgroupPidsMax(roots: Roots, cgroups: Cgroups): Promise<{ max: number; dir: string } | undefined> {
  const at = cgroupDir(cgroups, 'pids', roots.sys);
  if (!at) return undefined;
  const max = parseLimit(await readSmallFile(`${at.dir}/pids.max`));
  return max === Infinity ? undefined : { max, dir: at.dir };
}

// ---- cgroups -------------------------------------------------------------------------------

const readCgroups = (roots: Roots): Promise<Cgroups | undefined> =>
  readSmallFile(`${roots.proc}/self/cgroup`).then(parseCgroups, () => undefined);

/** `hierarchy-id:controllers:path` lines; `0::path` is the v2 unified hierarchy. */
function parseCgroups(text: string): Cgroups {
  const cgroups: Cgroups = { v1: new Map() };
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    const [, id, controllers = '', path = '/'] = m;
    if (id === '0' && controllers === '') cgroups.v2 = path;
    else for (const c of controllers.split(',')) cgroups.v1.set(c, path);
  }
  return cgroups;
}

/** Where a controller's files are for this process; undefined in the root cgroup, which has no limits. A v1 controller wins (hybrid hosts). */
function cgroupDir(cgroups: Cgroups, controller: 'memory' | 'pids', sys: string): { dir: string; v1: boolean } | undefined {
  const v1 = cgroups.v1.get(controller);
  if (v1 !== undefined) return v1 === '/' ? undefined : { dir: `${sys}/fs/cgroup/${controller}${v1}`, v1: true };
  if (cgroups.v2 === undefined || cgroups.v2 === '/') return undefined;
  return { dir: `${sys}/fs/cgroup${cgroups.v2}`, v1: false };
}

function parseLimit(text: string): number {
  const t = text.trim();
  if (t === 'max') return Infinity;
  const n = parseCount(t);
  return n >= UNLIMITED ? Infinity : n;
}

function parseCount(text: string): number {
  const t = text.trim();
  if (!/^\d+$/.test(t)) throw new Error(`not a count: ${JSON.stringify(t.slice(0, 40))}`);
  return Number(t);
}

// ---- nodefs --------------------------------------------------------------------------------

/** statfs of each path's filesystem, one entry per mount point (the first path that names it). */
async function readNodefs(paths: readonly string[], roots: Roots): Promise<Nodefs | undefined> {
  if (paths.length === 0) return undefined;
  const [mounts, existing] = await Promise.all([
    readMountPoints(roots.proc),
    Promise.all(paths.map((p) => omitOnError(nearestExistingRealpath(p)))),
  ]);
  const byMount = new Map<string, { path: string; existing: string }>();
  paths.forEach((path, i) => {
    const e = existing[i];
    if (e === undefined) return;
    const mountPoint = longestMountPoint(e, mounts);
    if (!byMount.has(mountPoint)) byMount.set(mountPoint, { path, existing: e });
  });
  const entries = await Promise.all([...byMount].map(async ([mountPoint, { path, existing: e }]) => {
    const s = await omitOnError(fsp.statfs(e));
    return s && { path, mountPoint, availableBytes: s.bavail * s.bsize, capacityBytes: s.blocks * s.bsize, inodesFree: s.ffree, inodesTotal: s.files };
  }));
  const measured = entries.filter((e) => e !== undefined);
  return measured.length > 0 ? measured : undefined;
}

/** A path that does not exist yet belongs to the filesystem of its nearest existing ancestor. */
async function nearestExistingRealpath(path: string): Promise<string> {
  for (let p = resolve(path); ; p = dirname(p)) {
    try {
      return await fsp.realpath(p);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || p === '/') throw err;
    }
  }
}

async function readMountPoints(procRoot: string): Promise<string[]> {
  const text = await readSmallFile(`${procRoot}/self/mountinfo`, Infinity);
  // Field 5 is the mount point, with space, tab, newline and backslash escaped as \ooo.
  return text.split('\n').flatMap((line) => {
    const field = line.split(' ')[4];
    return field ? [field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)))] : [];
  });
}

/** Ties go to the later line: a mount stacked on the same directory hides the earlier one. */
function longestMountPoint(path: string, mounts: readonly string[]): string {
  let best: string | undefined;
  for (const m of mounts) {
    const contains = m === '/' || path === m || path.startsWith(`${m}/`);
    if (contains && (best === undefined || m.length >= best.length)) best = m;
  }
  if (best === undefined) throw new Error(`no mount point contains ${path}`);
  return best;
}

// ---- network -------------------------------------------------------------------------------

type Route = { iface: string; metric: number };
/** The kernel pads /proc/net/route lines to 128 bytes; /proc/net/ipv6_route lines are 150 (fixed-width fields). */
const ROUTE4_LINE = 128;
const ROUTE6_LINE = 150;

/** A default route whose interface is up; IPv6 is read only when no IPv4 default route is up. */
async function readNetwork(roots: Roots): Promise<Network | undefined> {
  const v4 = await omitOnError(readSmallFile(`${roots.proc}/net/route`, ROUTE4_LINE).then(parseRoutes4));
  const up4 = await firstUp(v4 ?? [], roots.sys);
  if (up4) return { defaultRoute: true, iface: up4, ifaceUp: true };
  const v6 = await omitOnError(readSmallFile(`${roots.proc}/net/ipv6_route`, ROUTE6_LINE).then(parseRoutes6));
  if (v4 === undefined && v6 === undefined) return undefined;
  const up6 = await firstUp(v6 ?? [], roots.sys);
  if (up6) return { defaultRoute: true, iface: up6, ifaceUp: true };
  const first = v4?.[0] ?? v6?.[0];
  return first ? { defaultRoute: true, iface: first.iface, ifaceUp: false } : { defaultRoute: false, ifaceUp: false };
}

/** /proc/net/route: Iface Destination Gateway Flags RefCnt Use Metric Mask … (hex, one header line). */
function parseRoutes4(text: string): Route[] {
  return byMetric(text.split('\n').slice(1).flatMap((line) => {
    const [iface, dest, , flags, , , metric, mask] = line.trim().split(/\s+/);
    const isDefault = dest === '00000000' && mask === '00000000' && iface !== undefined && iface !== '*';
    return isDefault && isUsable(flags) ? [{ iface, metric: Number(metric) }] : [];
  }));
}

/** /proc/net/ipv6_route: dest plen src plen next-hop metric refcnt use flags iface (hex). The `lo` reject entry is not a route out. */
function parseRoutes6(text: string): Route[] {
  return byMetric(text.split('\n').flatMap((line) => {
    const [dest, plen, , , , metric, , , flags, iface] = line.trim().split(/\s+/);
    const isDefault = dest !== undefined && /^0{32}$/.test(dest) && plen === '00' && iface !== undefined && iface !== 'lo';
    return isDefault && isUsable(flags) ? [{ iface, metric: parseInt(metric ?? '', 16) }] : [];
  }));
}

function isUsable(flagsHex: string | undefined): boolean {
  const flags = parseInt(flagsHex ?? '', 16);
  return (flags & RTF_UP) !== 0 && (flags & RTF_REJECT) === 0;
}

const byMetric = (routes: Route[]): Route[] => routes.sort((a, b) => a.metric - b.metric);

async function firstUp(routes: readonly Route[], sys: string): Promise<string | undefined> {
  for (const { iface } of routes) if (await isIfaceUp(iface, sys)) return iface;
  return undefined;
}

/** Administratively up (IFF_UP) and operationally up; `unknown` is what lo, tun and dummy report. */
async function isIfaceUp(iface: string, sys: string): Promise<boolean> {
  if (iface.includes('/') || iface.startsWith('.')) return false;
  const flags = await omitOnError(readSmallFile(`${sys}/class/net/${iface}/flags`).then((t) => parseInt(t.trim(), 16)));
  if (flags === undefined || (flags & IFF_UP) === 0) return false;
  const state = await omitOnError(readSmallFile(`${sys}/class/net/${iface}/operstate`));
  return state?.trim() === 'up' || state?.trim() === 'unknown';
}

// ---- reading kernel files ------------------------------------------------------------------

// Why kept handles: fs.readFile costs ~100 µs of CPU for one /proc file (open, fstat, reads and
// close are each a thread-pool round trip); re-reading a kept handle at offset 0 costs one. The
// kernel regenerates a /proc or /sys file on every read from offset 0, so a kept handle never
// serves stale text; one whose object is gone (interface or cgroup removed) fails with ENODEV and
// is opened again. Other files (fake roots in tests) are read afresh each time.
type KeptHandle = { handle: Promise<FileHandle>; sizeHint: number };
const handles = new Map<string, KeptHandle>();
const MAX_HANDLES = 64;
const PAGE = 4096;

/**
 * `recordBytes` describes how the kernel hands the file out: undefined for a one-record file
 * (meminfo, a sysfs or cgroup value), which comes whole in one read; else a seq_file that comes
 * about a page per read, so a read that leaves room for another record of at most that size was
 * the last one (Infinity: read on to EOF).
 */
async function readSmallFile(path: string, recordBytes?: number): Promise<string> {
  if (!path.startsWith('/proc/') && !path.startsWith('/sys/')) return fsp.readFile(path, 'utf8');
  const kept = handles.get(path);
  if (kept) {
    try {
      return await readFromStart(kept, recordBytes);
    } catch {
      forgetHandle(path, kept.handle);
    }
  }
  const fresh = handles.get(path) ?? keepHandle(path); // a concurrent call may have reopened it
  try {
    return await readFromStart(fresh, recordBytes);
  } catch (err) {
    forgetHandle(path, fresh.handle);
    throw err;
  }
}

function keepHandle(path: string): KeptHandle {
  const kept = { handle: fsp.open(path, 'r'), sizeHint: 1024 };
  handles.set(path, kept);
  if (handles.size > MAX_HANDLES) {
    const [oldest, entry] = handles.entries().next().value as [string, KeptHandle];
    forgetHandle(oldest, entry.handle);
  }
  return kept;
}

function forgetHandle(path: string, handle: Promise<FileHandle>): void {
  if (handles.get(path)?.handle !== handle) return; // already forgotten by a concurrent call
  handles.delete(path);
  handle.then((h) => h.close()).catch(() => undefined);
}

async function readFromStart(kept: KeptHandle, recordBytes: number | undefined): Promise<string> {
  const handle = await kept.handle;
  let buf = Buffer.allocUnsafe(kept.sizeHint);
  let length = 0;
  for (;;) {
    if (length === buf.length) buf = Buffer.concat([buf, Buffer.allocUnsafe(buf.length)]);
    const wanted = buf.length - length;
    const { bytesRead } = await handle.read(buf, length, wanted, length);
    length += bytesRead;
    const isLast = bytesRead === 0 || (bytesRead < wanted && (recordBytes === undefined || bytesRead < PAGE - recordBytes));
    if (isLast) {
      kept.sizeHint = Math.max(kept.sizeHint, length + 256); // room to grow, and one read next time
      return buf.toString('utf8', 0, length);
    }
  }
}
