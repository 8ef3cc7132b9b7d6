// Reads the host facts that become NFD-named node labels (host/discovered-labels.ts), once at
// agent start and again on SIGHUP. Cheap files only and no child process (systeminformation
// would spawn some): well under a few milliseconds. Never throws; a fact that cannot be read is
// left out, and its label with it.
//
// procfs and sysfs files are generated in memory by the kernel, so they are read synchronously:
// a read is a few microseconds of syscall, far less than a thread-pool round trip (all of them
// take ~0.3 ms synchronously against ~2-3 ms, 7-10 ms cold, through fs/promises). Only
// os-release, a file on disk, is read asynchronously, meanwhile.
import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join } from 'node:path';
import type { DiscoveredFacts } from './discovered-labels.js';

export interface DiscoverOptions {
  /** Where procfs is mounted (default `/proc`); a container sees the host's at e.g. `/host/proc`. */
  procRoot: string;
  /** Where sysfs is mounted (default `/sys`). */
  sysRoot: string;
  /** The host's /etc (default `/etc`); os-release's fallback is `<etcRoot>/../usr/lib/os-release`. */
  etcRoot: string;
}

type ResolvedDiscoverOptions = Readonly<DiscoverOptions>;
type Cpu = NonNullable<DiscoveredFacts['cpu']>;
/** What /proc/cpuinfo says about the hypervisor bit: x86 has it, other architectures do not. */
type CpuArch = 'x86' | 'other' | undefined;

/** /proc/cpuinfo is generated per CPU on read: its head holds the first CPU's block, all we need. */
const CPUINFO_HEAD_BYTES = 32 * 1024;

export async function discoverFacts(opts: Partial<DiscoverOptions> = {}): Promise<DiscoveredFacts> {
  const r = resolveOptions(opts);
  const pendingOsRelease = readOsRelease(r);
  const { cpu, arch } = parseCpuinfo(readHead(join(r.procRoot, 'cpuinfo'), CPUINFO_HEAD_BYTES));
  const siblings = readText(join(r.sysRoot, 'devices/system/cpu/cpu0/topology/thread_siblings_list'));
  const nonRotationalDisk = hasNonRotationalDisk(r);
  const numaNodes = countNumaNodes(r);
  const hv = readHypervisorEvidence(r);
  const facts: DiscoveredFacts = { kernelRelease: os.release() };
  const osRelease = await pendingOsRelease;
  if (osRelease !== undefined) facts.osRelease = osRelease;
  const threads = cpu.threadsPerCore ?? countCpuList(siblings);
  if (threads !== undefined) cpu.threadsPerCore = threads;
  if (Object.keys(cpu).length > 0) facts.cpu = cpu;
  if (nonRotationalDisk !== undefined) facts.nonRotationalDisk = nonRotationalDisk;
  if (numaNodes !== undefined) facts.numaNodes = numaNodes;
  const virtualization = decideHypervisor(hv, cpu.hypervisor, arch);
  if (virtualization !== undefined) facts.virtualization = virtualization;
  return facts;
}

function resolveOptions(o: Partial<DiscoverOptions>): ResolvedDiscoverOptions {
  return Object.freeze({ procRoot: o.procRoot ?? '/proc', sysRoot: o.sysRoot ?? '/sys', etcRoot: o.etcRoot ?? '/etc' });
}

/** A procfs or sysfs file, synchronously (see the head of this file). */
function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function readHead(path: string, bytes: number): string | undefined {
  try {
    const fd = openSync(path, 'r');
    try {
      const buf = Buffer.alloc(bytes);
      return buf.toString('utf8', 0, readSync(fd, buf, 0, bytes, 0));
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

async function readDiskText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** os-release(5): /etc/os-release, else /usr/lib/os-release. Parsed as NFD's system source does. */
async function readOsRelease(r: ResolvedDiscoverOptions): Promise<DiscoveredFacts['osRelease']> {
  const text = (await readDiskText(join(r.etcRoot, 'os-release')))
    ?? (await readDiskText(join(dirname(r.etcRoot), 'usr/lib/os-release')));
  if (text === undefined) return undefined;
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^(\w+)=(.+)/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) fields.set(m[1], m[2].replace(/^["']+|["']+$/g, ''));
  }
  const out: NonNullable<DiscoveredFacts['osRelease']> = {};
  const id = fields.get('ID');
  const versionId = fields.get('VERSION_ID');
  if (id !== undefined) out.ID = id;
  if (versionId !== undefined) out.VERSION_ID = versionId;
  return out;
}

/** The first processor block of /proc/cpuinfo: vendor, family/model, SMT, the hypervisor flag. */
function parseCpuinfo(text: string | undefined): { cpu: Cpu; arch: CpuArch } {
  const cpu: Cpu = {};
  if (text === undefined) return { cpu, arch: undefined };
  const fields = new Map<string, string>();
  for (const line of (text.split(/\n[ \t]*\n/)[0] ?? '').split('\n')) {
    const i = line.indexOf(':');
    const key = line.slice(0, i).trim();
    if (i > 0 && !fields.has(key)) fields.set(key, line.slice(i + 1).trim());
  }
  const vendor = fields.get('vendor_id') ?? fields.get('CPU implementer');
  if (vendor !== undefined && vendor !== '') cpu.vendorId = vendor;
  const flags = fields.get('flags');
  if (fields.has('cpu family')) {
    const family = decimal(fields.get('cpu family'));
    const model = decimal(fields.get('model'));
    if (family !== undefined) cpu.family = family;
    if (model !== undefined) cpu.model = model;
  }
  const siblings = decimal(fields.get('siblings'));
  const cores = decimal(fields.get('cpu cores'));
  if (siblings !== undefined && cores !== undefined && siblings > 0 && cores > 0) cpu.threadsPerCore = siblings / cores;
  if (flags !== undefined) cpu.hypervisor = flags.split(/\s+/).includes('hypervisor');
  return { cpu, arch: flags !== undefined ? 'x86' : 'other' };
}

function decimal(s: string | undefined): number | undefined {
  return s !== undefined && /^\d+$/.test(s) ? Number(s) : undefined;
}

/** The number of CPUs in a sysfs cpu list such as `0-1` or `0,64`. */
function countCpuList(list: string | undefined): number | undefined {
  if (list === undefined || !/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(list.trim())) return undefined;
  let n = 0;
  for (const part of list.trim().split(',')) {
    const [a, b] = part.split('-').map(Number);
    n += b === undefined || a === undefined ? 1 : b - a + 1;
  }
  return n > 0 ? n : undefined;
}

/** storage.go: any /sys/block device whose queue reports rotational 0 (none skipped, as NFD). */
function hasNonRotationalDisk(r: ResolvedDiscoverOptions): boolean | undefined {
  let devices: string[];
  try {
    devices = readdirSync(join(r.sysRoot, 'block'));
  } catch {
    return undefined;
  }
  return devices.some((d) => readText(join(r.sysRoot, 'block', d, 'queue/rotational'))?.trim() === '0');
}

/** memory.go counts the kernel's NUMA node devices; nodeN under devices/system/node are the same. */
function countNumaNodes(r: ResolvedDiscoverOptions): number | undefined {
  try {
    return readdirSync(join(r.sysRoot, 'devices/system/node')).filter((e) => /^node\d+$/.test(e)).length;
  } catch {
    return undefined;
  }
}

interface HypervisorEvidence {
  sysinfo?: string;
  clocksources?: string;
  xenType?: string;
  dmiVendor?: string;
  dmiProduct?: string;
}

function readHypervisorEvidence(r: ResolvedDiscoverOptions): HypervisorEvidence {
  return {
    sysinfo: readText(join(r.procRoot, 'sysinfo')),
    clocksources: readText(join(r.sysRoot, 'devices/system/clocksource/clocksource0/available_clocksource')),
    xenType: readText(join(r.sysRoot, 'hypervisor/type')),
    dmiVendor: readText(join(r.sysRoot, 'class/dmi/id/sys_vendor')),
    dmiProduct: readText(join(r.sysRoot, 'class/dmi/id/product_name')),
  };
}

/**
 * The hypervisor vendor in NFD's `cpu-model.hypervisor` words (klauspost/cpuid vendor names, lower
 * case). NFD asks CPUID leaf 0x40000000, which Node cannot; the kernel's paravirtual clocksources
 * and the DMI strings name the same vendor. An x86 CPU without the hypervisor bit gives nothing
 * here (discoveredLabels says `none`), as NFD; off x86 with no evidence, `none` as NFD says too.
 */
function decideHypervisor(e: HypervisorEvidence, cpuSaysVm: boolean | undefined, arch: CpuArch): string | undefined {
  const controlProgram = /Control Program:[ \t]*(.*)/.exec(e.sysinfo ?? '')?.[1]?.trim();
  if (controlProgram) return controlProgram; // s390x, read first by NFD too
  if (cpuSaysVm === false) return undefined;
  const found = hypervisorFromClocksources(e.clocksources)
    ?? (e.xenType?.trim() === 'xen' ? 'xenhvm' : undefined)
    ?? hypervisorFromDmi(e.dmiVendor?.trim() ?? '', e.dmiProduct?.trim() ?? '');
  return found ?? (arch === 'other' ? 'none' : undefined);
}

/** Guest clocksources registered only once the kernel found that hypervisor's CPUID signature. */
function hypervisorFromClocksources(list: string | undefined): string | undefined {
  const names = new Set((list ?? '').split(/\s+/));
  if (names.has('hyperv_clocksource_tsc_page') || names.has('hyperv_clocksource_msr')) return 'msvm';
  if (names.has('xen')) return 'xenhvm';
  if (names.has('kvm-clock')) return 'kvm';
  return undefined;
}

function hypervisorFromDmi(vendor: string, product: string): string | undefined {
  if (/^VMware/i.test(vendor) || /^VMware/i.test(product)) return 'vmware';
  if (vendor === 'Microsoft Corporation' && product === 'Virtual Machine') return 'msvm';
  if (vendor === 'Xen') return 'xenhvm';
  if (/^BHYVE$/i.test(product) || /^bhyve$/i.test(vendor)) return 'bhyve';
  // QEMU is almost always KVM-accelerated; EC2 (Nitro, but not its *.metal) and GCE present KVM's signature.
  if (vendor === 'Amazon EC2') return product.endsWith('.metal') ? undefined : 'kvm';
  if (vendor === 'QEMU' || /^KVM/.test(product) || vendor === 'Google') return 'kvm';
  return undefined;
}
