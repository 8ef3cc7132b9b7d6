// The node's live status (DESIGN §2): conditions measured every nodeStatusUpdateFrequency with the
// kubelet's hysteresis, the taints they imply, config's registerWithTaints, and the labels
// discovered from host facts. The decisions are conditions.ts (pure); this holds the state between
// measurements and does the reading.
import type { ResolvedConfig } from '../config/defaults.js';
import type { Taint } from '../manifest/types.js';
import type { Paths } from '../state/paths.js';
import {
  conditionTaints, evaluateConditions, initialConditions, parseThresholds,
  type ConditionState, type Measurement, type NodeCondition, type Threshold,
} from './conditions.js';
import { discoverFacts } from './discover.js';
import { discoveredLabels } from './discovered-labels.js';
import { measureHost } from './measure.js';

export interface NodeStatus {
  conditions: NodeCondition[];
  /** One taint per True condition, then config's registerWithTaints. */
  derivedTaints: Taint[];
  /** What each derived taint stands for, by `key:effect` (for `describe node`). */
  derivedFrom: Record<string, string>;
  discoveredLabels: Record<string, string>;
  measurement?: Measurement;
  thresholds: Threshold[];
  transitionPeriodMs: number;
}

/** The filesystems that count as nodefs: the configured paths, else those of `/` and the state dir. */
export function nodefsPathsFor(config: ResolvedConfig, paths: Pick<Paths, 'stateDir'>): string[] {
  return config.nodefsPaths.length > 0 ? [...config.nodefsPaths] : ['/', paths.stateDir];
}

const CONDITION_OF: Record<string, string> = {
  'node.kubernetes.io/memory-pressure': 'MemoryPressure',
  'node.kubernetes.io/disk-pressure': 'DiskPressure',
  'node.kubernetes.io/pid-pressure': 'PIDPressure',
  'node.kubernetes.io/network-unavailable': 'NetworkUnavailable',
};

export class NodeStatusTracker {
  private state: ConditionState;
  private labels: Record<string, string> = {};
  private last: Measurement | undefined;
  /** When each registerWithTaints taint was first seen: tolerationSeconds count from it. */
  private readonly configTaintSince = new Map<string, string>();

  constructor(private readonly now: () => number) {
    this.state = initialConditions(now());
  }

  /** Reads host facts once (at start and on SIGHUP): they do not change while the host runs. */
  async discover(enabled: boolean): Promise<void> {
    this.labels = enabled ? discoveredLabels(await discoverFacts()) : {};
  }

  /** Measures and re-evaluates; true when a condition changed status (the decisions may change). */
  async refresh(config: ResolvedConfig, paths: Pick<Paths, 'stateDir'>): Promise<boolean> {
    const m = await measureHost({ nodefsPaths: nodefsPathsFor(config, paths), now: this.now });
    const before = statusKey(this.state.conditions);
    this.state = evaluateConditions(this.state, m, parseThresholds(config.evictionHard).thresholds, config.evictionPressureTransitionPeriodMs, this.now());
    this.last = m;
    return statusKey(this.state.conditions) !== before;
  }

  status(config: ResolvedConfig): NodeStatus {
    const fromConditions = conditionTaints(this.state.conditions);
    const derivedFrom: Record<string, string> = {};
    for (const t of fromConditions) derivedFrom[`${t.key}:${t.effect}`] = `condition ${CONDITION_OF[t.key] ?? t.key}`;
    const configured = config.registerWithTaints.map((t) => this.stamp(t));
    for (const t of configured) derivedFrom[`${t.key}:${t.effect}`] ??= 'config registerWithTaints';
    const seen = new Set(configured.map((t) => `${t.key}:${t.effect}`));
    for (const k of [...this.configTaintSince.keys()]) if (!seen.has(k)) this.configTaintSince.delete(k);
    return {
      conditions: this.state.conditions,
      derivedTaints: [...fromConditions, ...configured],
      derivedFrom,
      discoveredLabels: this.labels,
      ...(this.last ? { measurement: this.last } : {}),
      thresholds: parseThresholds(config.evictionHard).thresholds,
      transitionPeriodMs: config.evictionPressureTransitionPeriodMs,
    };
  }

  /** NoExecute taints need a timeAdded, or their tolerationSeconds would restart at every pass. */
  private stamp(t: Taint): Taint {
    if (t.effect !== 'NoExecute' || t.timeAdded !== undefined) return { ...t };
    const key = `${t.key}:${t.effect}`;
    let since = this.configTaintSince.get(key);
    if (since === undefined) {
      since = new Date(this.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
      this.configTaintSince.set(key, since);
    }
    return { ...t, timeAdded: since };
  }
}

function statusKey(conditions: readonly NodeCondition[]): string {
  return conditions.map((c) => `${c.type}=${c.status}`).join(',');
}

/**
 * The status a command shows while no agent runs: measured once, now, without hysteresis, and
 * Ready Unknown, since nothing acts on it.
 */
export async function oneShotNodeStatus(config: ResolvedConfig, paths: Pick<Paths, 'stateDir'>, now: () => number = Date.now): Promise<NodeStatus> {
  const tracker = new NodeStatusTracker(now);
  await Promise.all([tracker.discover(config.featureLabels), tracker.refresh(config, paths)]);
  const status = tracker.status(config);
  status.conditions = status.conditions.map((c) => c.type !== 'Ready' ? c : {
    ...c, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'the hostds agent is not running: conditions were measured once, just now, and nothing acts on them',
  });
  return status;
}
