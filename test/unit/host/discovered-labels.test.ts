// One table per NFD label family: the names and value formats of node-feature-discovery's
// system, kernel, cpu, storage and memory sources (docs/usage/features.md), its version
// splitting, its sanitizing of the kernel version, and no label for an absent or invalid fact.
import { describe, expect, test } from 'vitest';
import { DISCOVERED_LABEL_PREFIX, discoveredLabels, type DiscoveredFacts } from '../../../src/host/discovered-labels.js';

const P = 'feature.node.kubernetes.io/';

/** Only the labels whose name starts with `family`, without the prefix, to keep rows short. */
function labelsOf(f: DiscoveredFacts, family: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(discoveredLabels(f))) {
    const name = k.slice(P.length);
    if (name.startsWith(family)) out[name] = v;
  }
  return out;
}

describe('prefix', () => {
  test('is NFD’s feature label namespace', () => {
    expect(DISCOVERED_LABEL_PREFIX).toBe('feature.node.kubernetes.io/');
  });

  test('no facts → no labels', () => {
    expect(discoveredLabels({})).toEqual({});
    expect(discoveredLabels({ osRelease: {}, cpu: {} })).toEqual({});
  });
});

describe('system-os_release (system.go: ID, VERSION_ID, VERSION_ID.major/.minor)', () => {
  test.each([
    { name: 'debian 12: major only', os: { ID: 'debian', VERSION_ID: '12' },
      want: { 'system-os_release.ID': 'debian', 'system-os_release.VERSION_ID': '12', 'system-os_release.VERSION_ID.major': '12' } },
    { name: 'ubuntu 22.04: minor keeps its leading zero', os: { ID: 'ubuntu', VERSION_ID: '22.04' },
      want: { 'system-os_release.ID': 'ubuntu', 'system-os_release.VERSION_ID': '22.04', 'system-os_release.VERSION_ID.major': '22', 'system-os_release.VERSION_ID.minor': '04' } },
    { name: 'three parts: the rest is dropped from the split', os: { ID: 'amzn', VERSION_ID: '2023.1.20230825' },
      want: { 'system-os_release.ID': 'amzn', 'system-os_release.VERSION_ID': '2023.1.20230825', 'system-os_release.VERSION_ID.major': '2023', 'system-os_release.VERSION_ID.minor': '1' } },
    { name: 'non-numeric version: no split', os: { ID: 'arch', VERSION_ID: 'rolling' },
      want: { 'system-os_release.ID': 'arch', 'system-os_release.VERSION_ID': 'rolling' } },
    { name: 'non-numeric minor: major only', os: { ID: 'x', VERSION_ID: '3.beta' },
      want: { 'system-os_release.ID': 'x', 'system-os_release.VERSION_ID': '3.beta', 'system-os_release.VERSION_ID.major': '3' } },
    { name: 'ID only (no VERSION_ID, e.g. a rolling distro)', os: { ID: 'opensuse-tumbleweed' },
      want: { 'system-os_release.ID': 'opensuse-tumbleweed' } },
    { name: 'VERSION_ID only', os: { VERSION_ID: '9.4' },
      want: { 'system-os_release.VERSION_ID': '9.4', 'system-os_release.VERSION_ID.major': '9', 'system-os_release.VERSION_ID.minor': '4' } },
    { name: 'invalid values are skipped (nfd-master rejects them), a non-version is not split', os: { ID: 'my distro', VERSION_ID: '10 (buster)' },
      want: {} },
    { name: 'empty values give no label', os: { ID: '', VERSION_ID: '' }, want: {} },
    { name: 'over 63 characters is skipped', os: { ID: 'a'.repeat(64), VERSION_ID: '1.2' },
      want: { 'system-os_release.VERSION_ID': '1.2', 'system-os_release.VERSION_ID.major': '1', 'system-os_release.VERSION_ID.minor': '2' } },
  ])('$name', ({ os, want }) => {
    expect(labelsOf({ osRelease: os }, 'system-')).toEqual(want);
  });
});

describe('kernel-version (kernel/version.go: sanitize full, then split)', () => {
  test.each([
    { name: 'distro kernel', release: '6.1.0-18-amd64',
      want: { full: '6.1.0-18-amd64', major: '6', minor: '1', revision: '0' } },
    { name: 'NFD’s documented example', release: '4.5.6-7-g123abcde',
      want: { full: '4.5.6-7-g123abcde', major: '4', minor: '5', revision: '6' } },
    { name: 'no suffix', release: '5.15.0', want: { full: '5.15.0', major: '5', minor: '15', revision: '0' } },
    { name: 'two parts', release: '6.8-rc1', want: { full: '6.8-rc1', major: '6', minor: '8' } },
    { name: '`+` becomes `_`, then trailing `_` is trimmed', release: '5.10.0+',
      want: { full: '5.10.0', major: '5', minor: '10', revision: '0' } },
    { name: 'forbidden characters inside become `_`', release: '5.4.0-1#SMP+x',
      want: { full: '5.4.0-1_SMP_x', major: '5', minor: '4', revision: '0' } },
    { name: 'four numeric parts: no split (as NFD)', release: '6.6.87.2-microsoft-standard-WSL2',
      want: { full: '6.6.87.2-microsoft-standard-WSL2' } },
    { name: 'surrounding whitespace and a newline are dropped', release: ' 6.18.44-fc-v657\n',
      want: { full: '6.18.44-fc-v657', major: '6', minor: '18', revision: '44' } },
    { name: 'nothing left after sanitizing → no label', release: '+++', want: {} },
    { name: 'too long after sanitizing → full skipped, parts kept', release: `5.4.1-${'x'.repeat(60)}`,
      want: { major: '5', minor: '4', revision: '1' } },
  ])('$name', ({ release, want }) => {
    const got = labelsOf({ kernelRelease: release }, 'kernel-version.');
    expect(got).toEqual(Object.fromEntries(Object.entries(want).map(([k, v]) => [`kernel-version.${k}`, v])));
  });
});

describe('cpu-model.vendor_id (klauspost/cpuid vendor names, as NFD prints them)', () => {
  test.each([
    { name: 'Intel', vendorId: 'GenuineIntel', want: 'Intel' },
    { name: 'AMD', vendorId: 'AuthenticAMD', want: 'AMD' },
    { name: 'Hygon', vendorId: 'HygonGenuine', want: 'Hygon' },
    { name: 'VIA (Centaur)', vendorId: 'CentaurHauls', want: 'VIA' },
    { name: 'VIA, trailing space of the CPUID string', vendorId: 'VIA VIA VIA ', want: 'VIA' },
    { name: 'Arm implementer 0x41', vendorId: '0x41', want: 'ARM' },
    { name: 'Ampere implementer 0xc0', vendorId: '0xc0', want: 'Ampere' },
    { name: 'implementer in upper case', vendorId: '0xC0', want: 'Ampere' },
    { name: 'already a vendor name', vendorId: 'Intel', want: 'Intel' },
    { name: 'unknown x86 vendor (Zhaoxin)', vendorId: '  Shanghai  ', want: 'VendorUnknown' },
    { name: 'unknown Arm implementer (Apple)', vendorId: '0x61', want: 'VendorUnknown' },
  ])('$name', ({ vendorId, want }) => {
    expect(labelsOf({ cpu: { vendorId } }, 'cpu-model.vendor_id')).toEqual({ 'cpu-model.vendor_id': want });
  });

  test('empty vendor → no label', () => {
    expect(discoveredLabels({ cpu: { vendorId: ' ' } })).toEqual({});
  });
});

describe('cpu-model.family / cpu-model.id (decimal integers)', () => {
  test.each([
    { name: 'Intel Sapphire Rapids', family: 6, model: 143, want: { 'cpu-model.family': '6', 'cpu-model.id': '143' } },
    { name: 'AMD Zen 4', family: 25, model: 17, want: { 'cpu-model.family': '25', 'cpu-model.id': '17' } },
    { name: 'zero is a value', family: 0, model: 0, want: { 'cpu-model.family': '0', 'cpu-model.id': '0' } },
    { name: 'negative or fractional → no label', family: -1, model: 1.5, want: {} },
    { name: 'NaN → no label', family: Number.NaN, model: undefined, want: {} },
  ])('$name', ({ family, model, want }) => {
    const got = { ...labelsOf({ cpu: { family, model } }, 'cpu-model.family'), ...labelsOf({ cpu: { family, model } }, 'cpu-model.id') };
    expect(got).toEqual(want);
  });
});

describe('cpu-hardware_multithreading (cpu.go: "true" or "false")', () => {
  test.each([
    { name: 'two threads per core', threadsPerCore: 2, want: 'true' },
    { name: 'hybrid CPU: some cores with SMT', threadsPerCore: 1.6, want: 'true' },
    { name: 'one thread per core', threadsPerCore: 1, want: 'false' },
    { name: 'unknown (0) → no label', threadsPerCore: 0, want: undefined },
    { name: 'unknown (Infinity) → no label', threadsPerCore: Number.POSITIVE_INFINITY, want: undefined },
  ])('$name', ({ threadsPerCore, want }) => {
    expect(discoveredLabels({ cpu: { threadsPerCore } })[`${P}cpu-hardware_multithreading`]).toBe(want);
  });
});

describe('cpu-model.hypervisor and cpu-cpuid.HYPERVISOR (cpu.go getHypervisor, CPUID flag)', () => {
  test.each([
    { name: 'bare metal x86: none, no flag label', hypervisor: false, virtualization: undefined,
      want: { 'cpu-model.hypervisor': 'none' } },
    { name: 'KVM guest', hypervisor: true, virtualization: 'kvm',
      want: { 'cpu-model.hypervisor': 'kvm', 'cpu-cpuid.HYPERVISOR': 'true' } },
    { name: 'VM of unknown vendor', hypervisor: true, virtualization: undefined,
      want: { 'cpu-model.hypervisor': 'unknown', 'cpu-cpuid.HYPERVISOR': 'true' } },
    { name: 'no CPUID bit known (Arm), vendor known', hypervisor: undefined, virtualization: 'kvm',
      want: { 'cpu-model.hypervisor': 'kvm' } },
    { name: 'nothing known → no label', hypervisor: undefined, virtualization: undefined, want: {} },
    { name: 's390x control program, runs of forbidden characters → one `_`', hypervisor: undefined, virtualization: 'z/VM 7.3.0',
      want: { 'cpu-model.hypervisor': 'z_VM_7.3.0' } },
    { name: 'a vendor that stays invalid is skipped', hypervisor: undefined, virtualization: '(x)', want: {} },
  ])('$name', ({ hypervisor, virtualization, want }) => {
    const f: DiscoveredFacts = { cpu: { hypervisor } };
    if (virtualization !== undefined) f.virtualization = virtualization;
    expect({ ...labelsOf(f, 'cpu-model.hypervisor'), ...labelsOf(f, 'cpu-cpuid.') }).toEqual(want);
  });
});

describe('storage-nonrotationaldisk and memory-numa (only ever "true")', () => {
  test.each([
    { name: 'SSD present', facts: { nonRotationalDisk: true }, want: { 'storage-nonrotationaldisk': 'true' } },
    { name: 'only rotational disks', facts: { nonRotationalDisk: false }, want: {} },
    { name: 'two NUMA nodes', facts: { numaNodes: 2 }, want: { 'memory-numa': 'true' } },
    { name: 'one NUMA node', facts: { numaNodes: 1 }, want: {} },
    { name: 'no NUMA nodes shown', facts: { numaNodes: 0 }, want: {} },
  ])('$name', ({ facts, want }) => {
    expect({ ...labelsOf(facts, 'storage-'), ...labelsOf(facts, 'memory-') }).toEqual(want);
  });
});

describe('a whole host', () => {
  test('every name carries the prefix and every value is a valid, non-empty label value', () => {
    const labels = discoveredLabels({
      osRelease: { ID: 'debian', VERSION_ID: '12' },
      kernelRelease: '6.1.0-18-amd64',
      cpu: { vendorId: 'GenuineIntel', family: 6, model: 207, threadsPerCore: 1, hypervisor: true },
      nonRotationalDisk: true,
      numaNodes: 1,
      virtualization: 'kvm',
    });
    expect(labels).toEqual({
      [`${P}system-os_release.ID`]: 'debian',
      [`${P}system-os_release.VERSION_ID`]: '12',
      [`${P}system-os_release.VERSION_ID.major`]: '12',
      [`${P}kernel-version.full`]: '6.1.0-18-amd64',
      [`${P}kernel-version.major`]: '6',
      [`${P}kernel-version.minor`]: '1',
      [`${P}kernel-version.revision`]: '0',
      [`${P}cpu-model.vendor_id`]: 'Intel',
      [`${P}cpu-model.family`]: '6',
      [`${P}cpu-model.id`]: '207',
      [`${P}cpu-hardware_multithreading`]: 'false',
      [`${P}cpu-cpuid.HYPERVISOR`]: 'true',
      [`${P}cpu-model.hypervisor`]: 'kvm',
      [`${P}storage-nonrotationaldisk`]: 'true',
    });
    for (const v of Object.values(labels)) expect(v).toMatch(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/);
  });
});
