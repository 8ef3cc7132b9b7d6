// The resolved shape of config.yaml and its defaults, apart from the parser so that commands
// without a config file never load the YAML library for it.
import type { Taint } from '../manifest/types.js';

export interface ResolvedConfig {
  nodeName?: string;
  evictionHard: Readonly<Record<string, string>>;
  evictionPressureTransitionPeriodMs: number;
  nodeStatusUpdateFrequencyMs: number;
  nodefsPaths: readonly string[];
  featureLabels: boolean;
  /** sshd's StrictModes: under root, refuse manifests and node.yaml other users can change. */
  strictModes: boolean;
  /** The kubelet's registerWithTaints: taints this host always has, besides node.yaml's. */
  registerWithTaints: readonly Taint[];
  onExit: 'keep' | 'stop';
  restartBackoff: { initialMs: number; maxMs: number; resetMs: number };
  logs: { maxSize: string; maxFiles: number; checkIntervalMs: number };
  api: { address?: string; readOnlyGroup?: string | number };
  metrics: { address?: string };
  /** The kubelet's cgroupRoot: the parent of the containers' cgroups in each hierarchy. */
  cgroupRoot: string;
  /** Where the cgroup filesystems are mounted (v2 unified, or the v1 per-controller mounts below it). */
  cgroupMountPoint: string;
  /** How often the agent gives back pages it no longer uses (docs/memory-trim.md); 0: never. */
  memoryTrimIntervalMs: number;
}

export const DEFAULT_CONFIG: ResolvedConfig = Object.freeze({
  evictionHard: Object.freeze({ 'memory.available': '100Mi', 'nodefs.available': '10%', 'nodefs.inodesFree': '5%' }),
  evictionPressureTransitionPeriodMs: 5 * 60_000,
  nodeStatusUpdateFrequencyMs: 10_000,
  nodefsPaths: Object.freeze([]) as readonly string[],
  featureLabels: true,
  strictModes: true,
  registerWithTaints: Object.freeze([]) as readonly Taint[],
  onExit: 'keep',
  restartBackoff: Object.freeze({ initialMs: 10_000, maxMs: 300_000, resetMs: 600_000 }),
  logs: Object.freeze({ maxSize: '10Mi', maxFiles: 5, checkIntervalMs: 10_000 }),
  api: Object.freeze({}),
  metrics: Object.freeze({}),
  cgroupRoot: '/hostds',
  cgroupMountPoint: '/sys/fs/cgroup',
  memoryTrimIntervalMs: 10 * 60_000,
});

