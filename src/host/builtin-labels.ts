// The labels a kubelet puts on its Node from the host itself. hostds sets them the same way so
// that nodeSelectors such as kubernetes.io/os=linux or beta.kubernetes.io/arch=amd64 just work.

/** Node's process.arch → GOARCH, the value Kubernetes uses in kubernetes.io/arch. */
const GOARCH: Record<string, string> = {
  x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64', mips: 'mips', mipsel: 'mipsle',
};

export function goArch(nodeArch: string): string {
  return GOARCH[nodeArch] ?? nodeArch;
}

export const BUILTIN_LABEL_KEYS = [
  'beta.kubernetes.io/arch', 'beta.kubernetes.io/os', 'kubernetes.io/arch', 'kubernetes.io/hostname', 'kubernetes.io/os',
] as const;

export function builtinLabels(nodeName: string, os: string, arch: string): Record<string, string> {
  return {
    'beta.kubernetes.io/arch': arch,
    'beta.kubernetes.io/os': os,
    'kubernetes.io/arch': arch,
    'kubernetes.io/hostname': nodeName,
    'kubernetes.io/os': os,
  };
}

export function isBuiltinLabel(key: string): boolean {
  return (BUILTIN_LABEL_KEYS as readonly string[]).includes(key);
}
