// Host facts → node labels named as Kubernetes node-feature-discovery (NFD) names them, so a
// nodeSelector written for an NFD-labelled cluster (`feature.node.kubernetes.io/...`) picks the
// same hosts here. Pure: host/discover.ts reads the facts once; this only names and formats them.
//
// Sources (kubernetes-sigs/node-feature-discovery): docs/usage/features.md for the names;
// source/system/system.go (os_release, VERSION_ID split), source/kernel/version.go (kernel
// version sanitize and split), source/cpu/cpu.go (cpu-model.*, hardware_multithreading,
// hypervisor), source/storage/storage.go, source/memory/memory.go, and
// pkg/apis/nfd/validate/validate.go (nfd-master drops a label whose value is invalid).
import { isValidLabelValue } from '../manifest/k8s-names.js';

export const DISCOVERED_LABEL_PREFIX = 'feature.node.kubernetes.io/';

export interface DiscoveredFacts {
  /** ID and VERSION_ID of os-release(5), as written (quotes stripped). */
  osRelease?: { ID?: string; VERSION_ID?: string };
  /** The kernel release, as `uname -r` prints it. */
  kernelRelease?: string;
  cpu?: {
    /** /proc/cpuinfo `vendor_id` on x86 (`GenuineIntel`), or `CPU implementer` on Arm (`0x41`). */
    vendorId?: string;
    /** x86 `cpu family` and `model` of /proc/cpuinfo (decimal, extended bits folded in). */
    family?: number;
    model?: number;
    /** Logical CPUs per core; above 1 means SMT is on. */
    threadsPerCore?: number;
    /** The x86 CPUID "running under a hypervisor" bit; undefined where the CPU has no such bit. */
    hypervisor?: boolean;
  };
  /** Some block device reports `queue/rotational` 0 (NFD counts every device, loop and zram too). */
  nonRotationalDisk?: boolean;
  /** Number of NUMA nodes the kernel shows. */
  numaNodes?: number;
  /** Hypervisor vendor in the words of NFD's `cpu-model.hypervisor` (`kvm`, `vmware`, `msvm`, `xenhvm`, …). */
  virtualization?: string;
}

/**
 * NFD's `cpu-model.vendor_id` is not the raw CPUID string but klauspost/cpuid's `Vendor` name:
 * its table of x86 vendor strings, and of Arm MIDR implementer codes. Anything else is
 * `VendorUnknown`, as NFD prints it.
 */
const CPU_VENDOR: Readonly<Record<string, string>> = {
  GenuineIntel: 'Intel', AuthenticAMD: 'AMD', 'AMDisbetter!': 'AMD', HygonGenuine: 'Hygon',
  CentaurHauls: 'VIA', 'VIA VIA VIA': 'VIA', TransmetaCPU: 'Transmeta', GenuineTMx86: 'Transmeta',
  'Geode by NSC': 'NSC', 'Vortex86 SoC': 'SiS', 'SiS SiS SiS': 'SiS', RiseRiseRise: 'SiS', 'Genuine  RDC': 'RDC',
  '0x41': 'ARM', '0x42': 'Broadcom', '0x43': 'Cavium', '0x44': 'DEC', '0x46': 'Fujitsu', '0x49': 'Infineon',
  '0x4d': 'Motorola', '0x4e': 'NVIDIA', '0x50': 'AMCC', '0x51': 'Qualcomm', '0x56': 'Marvell', '0x69': 'Intel',
  '0xc0': 'Ampere',
};
const VENDOR_NAMES = new Set(Object.values(CPU_VENDOR));

/** kernel/version.go: `major[.minor][.revision][-anything]`, matched on the sanitized value. */
const KERNEL_VERSION_RE = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-.*)?$/;
/** system/system.go splitVersion: `major[.minor][.anything]`, numeric parts only. */
const OS_VERSION_RE = /^(\d+)(?:\.(\d+))?(?:\..*)?$/;

/** Labels for the facts that are present; an absent fact or an invalid value gives no label. */
export function discoveredLabels(f: DiscoveredFacts): Record<string, string> {
  const out: Record<string, string> = {};
  const put = (name: string, value: string | undefined): void => {
    if (value !== undefined && isLabelValue(value)) out[DISCOVERED_LABEL_PREFIX + name] = value;
  };
  addOsRelease(put, f.osRelease);
  addKernelVersion(put, f.kernelRelease);
  addCpu(put, f.cpu, f.virtualization);
  if (f.nonRotationalDisk === true) put('storage-nonrotationaldisk', 'true');
  if (f.numaNodes !== undefined && f.numaNodes > 1) put('memory-numa', 'true');
  return out;
}

type Put = (name: string, value: string | undefined) => void;

function addOsRelease(put: Put, os: DiscoveredFacts['osRelease']): void {
  if (os === undefined) return;
  put('system-os_release.ID', os.ID);
  if (os.VERSION_ID === undefined) return;
  put('system-os_release.VERSION_ID', os.VERSION_ID);
  const m = OS_VERSION_RE.exec(os.VERSION_ID);
  put('system-os_release.VERSION_ID.major', m?.[1]);
  put('system-os_release.VERSION_ID.minor', m?.[2]);
}

function addKernelVersion(put: Put, release: string | undefined): void {
  if (release === undefined) return;
  // NFD mends the full version (forbidden characters → `_`, then trims `-_.` at both ends)
  // and splits the mended string; the parts are digits or absent.
  const full = sanitizeKernelVersion(release.trim());
  put('kernel-version.full', full);
  const m = KERNEL_VERSION_RE.exec(full);
  put('kernel-version.major', m?.[1]);
  put('kernel-version.minor', m?.[2]);
  put('kernel-version.revision', m?.[3]);
}

function addCpu(put: Put, cpu: DiscoveredFacts['cpu'], virtualization: string | undefined): void {
  if (cpu?.vendorId !== undefined) put('cpu-model.vendor_id', cpuVendorName(cpu.vendorId));
  put('cpu-model.family', nonNegativeInt(cpu?.family));
  put('cpu-model.id', nonNegativeInt(cpu?.model));
  const tpc = cpu?.threadsPerCore;
  if (tpc !== undefined && Number.isFinite(tpc) && tpc > 0) put('cpu-hardware_multithreading', String(tpc > 1));
  if (cpu?.hypervisor === true) put('cpu-cpuid.HYPERVISOR', 'true');
  put('cpu-model.hypervisor', hypervisorName(cpu?.hypervisor, virtualization));
}

/** klauspost/cpuid's vendor name for a /proc/cpuinfo vendor string or Arm implementer code. */
function cpuVendorName(raw: string): string | undefined {
  const key = raw.trim();
  if (key === '') return undefined;
  if (VENDOR_NAMES.has(key)) return key;
  return CPU_VENDOR[key] ?? CPU_VENDOR[key.toLowerCase()] ?? 'VendorUnknown';
}

/**
 * cpu.go getHypervisor: a known vendor by name, `none` when the CPU says there is no hypervisor.
 * Where the CPU says there is one but the vendor was not found, NFD would print CPUID's raw
 * vendor string, which needs an instruction Node cannot run: `unknown` (NFD's word for an empty one).
 */
function hypervisorName(cpuSaysVm: boolean | undefined, vendor: string | undefined): string | undefined {
  if (vendor !== undefined && vendor.trim() !== '') return vendor.trim().replace(/[^-A-Za-z0-9_.]+/g, '_');
  if (cpuSaysVm === true) return 'unknown';
  if (cpuSaysVm === false) return 'none';
  return undefined;
}

function sanitizeKernelVersion(raw: string): string {
  return raw.replace(/[^-A-Za-z0-9_.]/g, '_').replace(/^[-_.]+|[-_.]+$/g, '');
}

function nonNegativeInt(n: number | undefined): string | undefined {
  return n !== undefined && Number.isSafeInteger(n) && n >= 0 ? String(n) : undefined;
}

/** A non-empty Kubernetes label value (NFD never publishes an empty one from these sources). */
function isLabelValue(v: string): boolean {
  return v !== '' && isValidLabelValue(v).length === 0;
}
