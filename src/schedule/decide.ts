// Should this DaemonSet run on this host? The answer of k8s NodeShouldRunDaemonPod
// (pkg/controller/daemon/daemon_controller.go), with one explained result per rule so that
// `hostds why` can answer "why is DESIRED 0?" and name the command that changes it.
import type { NodeView, PodSpec, Taint, Toleration } from '../manifest/types.js';
import { humanDuration } from '../lib/duration.js';
import {
  DEFAULT_TOLERATIONS_ANNOTATION, TAINT_NODE_DISK_PRESSURE, TAINT_NODE_MEMORY_PRESSURE, TAINT_NODE_NETWORK_UNAVAILABLE,
  TAINT_NODE_NOT_READY, TAINT_NODE_PID_PRESSURE, TAINT_NODE_UNREACHABLE, TAINT_NODE_UNSCHEDULABLE,
  effectiveTolerations, hasDefaultTolerationsDisabled,
} from './default-tolerations.js';
import {
  matchRequiredNodeAffinity, type NodeSelectorMapResult, type NodeSelectorResult, type RequirementResult, type TermResult,
} from './node-affinity.js';
import { formatTaint, nodeTaints } from './node-taints.js';
import { isBuiltinLabel } from '../host/builtin-labels.js';
import { findUntoleratedTaints, isNoExecute, isNoScheduleOrNoExecute, minTolerationSeconds } from './tolerate.js';

export type RuleName = 'nodeName' | 'nodeSelector' | 'nodeAffinity' | 'taints' | 'admission';

export type RuleCode =
  | 'NotSet' // the template sets no such constraint
  | 'Matches' // it does, and this host meets it
  | 'NodeNameMismatch'
  | 'NodeSelectorMismatch'
  | 'NodeAffinityMismatch'
  | 'NodeAffinityInvalid' // no term could ever match: all are empty or fail to parse
  | 'NoTaints'
  | 'TaintsTolerated'
  | 'TolerationExpires' // tolerated, but a NoExecute toleration has tolerationSeconds
  | 'TaintNotTolerated' // an untolerated NoSchedule taint: not started, a running one stays
  | 'NoExecuteTaintNotTolerated' // an untolerated NoExecute taint: a running one is evicted
  | 'Admitted' // no disk or PID pressure, or the pod is critical
  | 'NodeUnderPressure'; // DiskPressure or PIDPressure: a pod not yet running is not started

export interface RuleResult {
  rule: RuleName;
  ok: boolean;
  code: RuleCode;
  message: string;
  /** The command or manifest change that would flip a failing rule. */
  fix?: string;
}

export interface PlacementInput {
  /** The template's spec.nodeName; podSpec.nodeName is used when this is absent. */
  nodeName?: string;
  podSpec: PodSpec;
  /** The DaemonSet's metadata.annotations. */
  annotations: Record<string, string>;
  node: NodeView;
  /** Epoch ms; NoExecute tolerationSeconds count from each taint's timeAdded. */
  now: number;
}

/** A tolerated NoExecute taint whose toleration has tolerationSeconds. */
export interface NoExecuteDeadline {
  taint: string;
  /** The taint's timeAdded (epoch ms), or now when it has none. */
  addedMs: number;
  seconds: number;
}

export interface Placement {
  shouldRun: boolean;
  shouldContinueRunning: boolean;
  /** Epoch ms when a tolerated NoExecute taint's tolerationSeconds runs out. */
  evictAt?: number;
  /** Per taint, for counting a pod's own deadline from the later of the taint and its start. */
  noExecuteDeadlines?: NoExecuteDeadline[];
  tolerations: Toleration[];
  rules: RuleResult[];
}

/** Taints a host sets from its own conditions: removing them by hand does not last. */
const CONDITION_TAINTS = new Set([
  TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE, TAINT_NODE_DISK_PRESSURE, TAINT_NODE_MEMORY_PRESSURE,
  TAINT_NODE_PID_PRESSURE, TAINT_NODE_NETWORK_UNAVAILABLE,
]);

function labelCommand(node: string, args: readonly string[], overwrite: boolean): string {
  return `hostds label node ${node} ${args.join(' ')}${overwrite ? ' --overwrite' : ''}`;
}

function decideNodeName(pinned: string, node: string): RuleResult {
  const rule = 'nodeName';
  if (pinned === '') return { rule, ok: true, code: 'NotSet', message: 'nodeName: not set' };
  if (pinned === node) return { rule, ok: true, code: 'Matches', message: `nodeName: pinned to this host (${node})` };
  return {
    rule, ok: false, code: 'NodeNameMismatch',
    message: `nodeName: the template is pinned to node "${pinned}", and this host is "${node}"`,
    fix: `set spec.template.spec.nodeName to "${node}", or remove it`,
  };
}

function decideNodeSelector(result: NodeSelectorMapResult, node: string): RuleResult {
  const rule = 'nodeSelector';
  if (result.pairs.length === 0) return { rule, ok: true, code: 'NotSet', message: 'nodeSelector: none' };
  const all = result.pairs.map((p) => `${p.key}=${p.want}`).join(',');
  if (result.ok) return { rule, ok: true, code: 'Matches', message: `nodeSelector ${all}: matches` };
  const failed = result.pairs.filter((p) => !p.ok);
  const message = failed.map((p) => `nodeSelector ${p.key}=${p.want}: ` +
    (p.labelPresent ? `this host has ${p.key}=${p.labelValue}` : `this host has no label ${p.key}`)).join('; ');
  // Built-in labels describe the host itself (its OS, its arch): the manifest is what is wrong.
  const builtin = failed.filter((p) => isBuiltinLabel(p.key));
  const fix = builtin.length > 0
    ? `${builtin.map((p) => p.key).join(', ')} ${builtin.length === 1 ? 'is' : 'are'} set by hostds from the host and cannot be relabelled: this DaemonSet is not meant for this host, or change spec.template.spec.nodeSelector`
    : labelCommand(node, failed.map((p) => `${p.key}=${p.want}`), failed.some((p) => p.labelPresent));
  return { rule, ok: false, code: 'NodeSelectorMismatch', message, fix };
}

function describeRequirement(r: RequirementResult): string {
  const { key, operator, values = [] } = r.requirement;
  const subject = r.kind === 'matchFields' ? `matchFields ${key}` : key;
  if (operator === 'In' || operator === 'NotIn') return `${subject} ${operator} (${values.join(',')})`;
  if (operator === 'Gt' || operator === 'Lt') return `${subject} ${operator} ${values[0] ?? ''}`;
  return `${subject} ${operator}`;
}

function describeFailure(r: RequirementResult): string {
  const { key, values = [] } = r.requirement;
  const has = `this host has ${key}=${r.labelValue ?? ''}`;
  switch (r.reason) {
    case 'LabelMissing': return `this host has no label ${key}`;
    case 'ValueNotListed': return has;
    case 'ValueExcluded': return `${has}, which is excluded`;
    case 'LabelPresent': return `${has}, and the label must be absent`;
    case 'NotAnInteger': return `${has}, which is not an integer`;
    case 'NotGreater': return `${has}, which is not greater than ${values[0] ?? ''}`;
    case 'NotLess': return `${has}, which is not less than ${values[0] ?? ''}`;
    case 'NameMismatch': return `this host is named "${r.labelValue ?? ''}"`;
    case 'NameExcluded': return `this host is named "${r.labelValue ?? ''}", which is excluded`;
    case 'Matched': return 'matches';
  }
}

/** A `hostds label` argument that satisfies the requirement, when a single label change can. */
function labelFixFor(r: RequirementResult): { arg: string; overwrite: boolean } | undefined {
  const { key, operator, values = [] } = r.requirement;
  if (r.kind === 'matchFields' || isBuiltinLabel(key)) return undefined;
  if (r.reason === 'ValueExcluded' || r.reason === 'LabelPresent') return { arg: `${key}-`, overwrite: false };
  if (operator === 'In') return { arg: `${key}=${values[0] ?? ''}`, overwrite: r.labelPresent };
  // An empty value is a valid label value and satisfies Exists.
  if (operator === 'Exists') return { arg: `${key}=`, overwrite: false };
  return undefined;
}

function manualFixFor(r: RequirementResult, node: string): string {
  const { key, operator, values = [] } = r.requirement;
  if (r.kind === 'matchFields') {
    return r.reason === 'NameExcluded'
      ? `remove "${node}" from the matchFields ${key} NotIn values`
      : `set the matchFields ${key} In value to "${node}"`;
  }
  if (isBuiltinLabel(key)) return `${key} is set by hostds from the host and cannot be relabelled: change the ${key} ${operator} requirement`;
  const side = operator === 'Gt' ? 'greater' : 'less';
  return `give this host a label ${key} with an integer ${side} than ${values[0] ?? ''} ` +
    `(hostds label node ${node} ${key}=<integer>${r.labelPresent ? ' --overwrite' : ''}), or change the ${key} ${operator} requirement`;
}

function describeTerm(t: TermResult): string {
  if (t.isEmpty) return `term ${t.index} is empty and selects no host`;
  const firstError = t.parseErrors[0];
  if (firstError) return `term ${t.index} is invalid (${firstError.path}: ${firstError.message})`;
  return t.requirements.filter((r) => !r.ok)
    .map((r) => `term ${t.index} ${describeRequirement(r)}: ${describeFailure(r)}`).join('; ');
}

/** The parsed term with the fewest failing requirements: the cheapest to satisfy. */
function pickClosestTerm(terms: readonly TermResult[]): TermResult | undefined {
  const failing = (t: TermResult): number => t.requirements.filter((r) => !r.ok).length;
  return terms.filter((t) => !t.isEmpty && t.parseErrors.length === 0)
    .reduce<TermResult | undefined>((best, t) => (best === undefined || failing(t) < failing(best) ? t : best), undefined);
}

function fixAffinity(term: TermResult, node: string): string {
  const failed = term.requirements.filter((r) => !r.ok);
  const fixes = failed.map(labelFixFor);
  if (fixes.every((f) => f !== undefined)) {
    return labelCommand(node, fixes.map((f) => f!.arg), fixes.some((f) => f!.overwrite));
  }
  return failed.map((r, i) => {
    const f = fixes[i];
    return f === undefined ? manualFixFor(r, node) : labelCommand(node, [f.arg], f.overwrite);
  }).join('; ');
}

function decideNodeAffinity(result: NodeSelectorResult | undefined, node: string): RuleResult {
  const rule = 'nodeAffinity';
  if (result === undefined) return { rule, ok: true, code: 'NotSet', message: 'nodeAffinity: none' };
  const matched = result.terms.find((t) => t.ok);
  if (matched) {
    const reqs = matched.requirements.map(describeRequirement).join(', ');
    return { rule, ok: true, code: 'Matches', message: `nodeAffinity: term ${matched.index} matches (${reqs})` };
  }
  const field = 'spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution';
  if (result.terms.length === 0) {
    return { rule, ok: false, code: 'NodeAffinityInvalid', message: 'nodeAffinity: no nodeSelectorTerms, so no host is selected', fix: `add a term to ${field}.nodeSelectorTerms, or remove ${field}` };
  }
  const message = `nodeAffinity: no term matches this host: ${result.terms.map(describeTerm).join('; ')}`;
  const closest = pickClosestTerm(result.terms);
  if (closest === undefined) {
    return { rule, ok: false, code: 'NodeAffinityInvalid', message, fix: `correct or remove the terms of ${field}.nodeSelectorTerms` };
  }
  return { rule, ok: false, code: 'NodeAffinityMismatch', message, fix: fixAffinity(closest, node) };
}

function fixTaint(taint: Taint, node: string, defaultsDisabled: boolean): string {
  if (taint.key === TAINT_NODE_UNSCHEDULABLE && taint.effect === 'NoSchedule') {
    return defaultsDisabled ? `hostds uncordon ${node}, or remove the annotation ${DEFAULT_TOLERATIONS_ANNOTATION}` : `hostds uncordon ${node}`;
  }
  const toleration = `add a toleration {key: ${taint.key}, operator: Exists, effect: ${taint.effect}} to spec.template.spec.tolerations`;
  if (CONDITION_TAINTS.has(taint.key)) {
    // Removing the taint by hand does not last: the agent sets it again while the condition holds.
    const annotation = defaultsDisabled ? `remove the annotation ${DEFAULT_TOLERATIONS_ANNOTATION}, or ` : '';
    return `${annotation}${toleration} (this host sets ${taint.key} itself while the condition lasts)`;
  }
  return `hostds taint node ${node} ${taint.key}:${taint.effect}-, or ${toleration}`;
}

/** Every tolerated NoExecute taint whose toleration runs out after tolerationSeconds. */
function findDeadlines(taints: readonly Taint[], tolerations: readonly Toleration[], now: number): NoExecuteDeadline[] {
  const out: NoExecuteDeadline[] = [];
  for (const taint of taints.filter(isNoExecute)) {
    const seconds = minTolerationSeconds(taint, tolerations);
    if (seconds === null) continue;
    // Without a timeAdded the taint counts as added now, as the taint manager does on first sight.
    const added = taint.timeAdded === undefined ? NaN : Date.parse(taint.timeAdded);
    out.push({ taint: formatTaint(taint), addedMs: Number.isNaN(added) ? now : added, seconds });
  }
  return out;
}

/**
 * When a pod started at `startMs` is evicted: the earliest deadline, each counted from the later
 * of its taint's timeAdded and the pod's start (the taint manager times a pod from when it sees
 * it, so a replacement gets its full tolerationSeconds rather than being evicted at once).
 */
export function podEvictAt(deadlines: readonly NoExecuteDeadline[], startMs: number): number | undefined {
  let at: number | undefined;
  for (const d of deadlines) {
    const t = Math.max(d.addedMs, Number.isFinite(startMs) ? startMs : d.addedMs) + d.seconds * 1000;
    at = at === undefined ? t : Math.min(at, t);
  }
  return at;
}

/** The pressure conditions under which the kubelet admits critical pods only. */
const ADMISSION_CONDITIONS = ['DiskPressure', 'PIDPressure'];
const CRITICAL_PRIORITY_CLASSES = new Set(['system-node-critical', 'system-cluster-critical']);

/**
 * The kubelet's admission (eviction manager Admit): under disk or PID pressure a pod that is not
 * running yet is rejected unless it is critical. A running pod is not touched by this rule.
 */
function decideAdmission(node: NodeView, podSpec: PodSpec): RuleResult {
  const rule = 'admission';
  const active = (node.conditions ?? []).filter((c) => ADMISSION_CONDITIONS.includes(c.type) && c.status === 'True');
  if (active.length === 0) return { rule, ok: true, code: 'Admitted', message: 'admission: no disk or PID pressure on this host' };
  const what = active.map((c) => `${c.type} (${c.message})`).join('; ');
  const priority = podSpec.priorityClassName ?? '';
  if (CRITICAL_PRIORITY_CLASSES.has(priority)) {
    return { rule, ok: true, code: 'Admitted', message: `admission: this host has ${what}, but priorityClassName ${priority} is critical and admitted` };
  }
  const relief = active.map((c) => c.type === 'DiskPressure' ? 'free disk space or inodes (hostds describe node shows where)' : 'end processes (PIDs are short)').join('; ');
  return {
    rule, ok: false, code: 'NodeUnderPressure',
    message: `admission: this host has ${what}: a pod not yet running is not started unless it is critical (a running one keeps running)`,
    fix: `${relief}; or set spec.template.spec.priorityClassName: system-node-critical`,
  };
}

/** What a condition taint stands for, from the condition itself: `MemoryPressure: kubelet has insufficient ...`. */
function conditionDetail(taint: Taint, node: NodeView): string {
  if (!CONDITION_TAINTS.has(taint.key)) return '';
  const type = CONDITION_OF_TAINT[taint.key];
  const c = (node.conditions ?? []).find((x) => x.type === type && x.status === 'True');
  return c ? ` (${c.type}: ${c.message})` : '';
}

const CONDITION_OF_TAINT: Record<string, string> = {
  [TAINT_NODE_MEMORY_PRESSURE]: 'MemoryPressure',
  [TAINT_NODE_DISK_PRESSURE]: 'DiskPressure',
  [TAINT_NODE_PID_PRESSURE]: 'PIDPressure',
  [TAINT_NODE_NETWORK_UNAVAILABLE]: 'NetworkUnavailable',
};

function describeTolerated(taints: readonly Taint[], evictAt: number | undefined, now: number): RuleResult {
  const rule = 'taints';
  if (taints.length === 0) return { rule, ok: true, code: 'NoTaints', message: 'taints: none on this host' };
  const counted = taints.filter(isNoScheduleOrNoExecute).map(formatTaint);
  const ignored = taints.filter((t) => !isNoScheduleOrNoExecute(t)).map(formatTaint);
  const parts = [counted.length > 0 ? `taints: all tolerated (${counted.join(', ')})` : 'taints: none that block scheduling'];
  if (ignored.length > 0) parts.push(`PreferNoSchedule ignored (${ignored.join(', ')})`);
  if (evictAt === undefined) return { rule, ok: true, code: 'TaintsTolerated', message: parts.join('; ') };
  const left = evictAt - now;
  // DaemonSets ignore tolerationSeconds when deciding; eviction is the taint manager's, and the
  // controller then creates the pod again: say so rather than promise a clean stop.
  parts.push(left > 0
    ? `a NoExecute taint is tolerated only for tolerationSeconds: a pod here is evicted in ${humanDuration(left)} (at ${new Date(evictAt).toISOString()}) and then created again`
    : `a NoExecute taint is tolerated only for tolerationSeconds, which ran out ${humanDuration(-left)} ago: a pod here is evicted, created again, and evicted again`);
  return { rule, ok: true, code: 'TolerationExpires', message: parts.join('; ') };
}

function decideTaints(untolerated: readonly Taint[], node: NodeView, defaultsDisabled: boolean): RuleResult {
  const noExecute = untolerated.some(isNoExecute);
  const consequence = noExecute
    ? 'the daemon is not started here, and a running one is stopped'
    : 'the daemon is not started here (one already running keeps running)';
  const names = untolerated.map((t) => `taint ${formatTaint(t)}${conditionDetail(t, node)} is not tolerated`).join('; ');
  return {
    rule: 'taints', ok: false, code: noExecute ? 'NoExecuteTaintNotTolerated' : 'TaintNotTolerated',
    message: `${names}: ${consequence}`,
    fix: untolerated.map((t) => fixTaint(t, node.name, defaultsDisabled)).join('; '),
  };
}

/**
 * A template's tolerations with the DaemonSet defaults, once per parsed template: the agent
 * decides every DaemonSet on every pass, and merging the seven defaults was a third of a pass
 * over 500 unchanged DaemonSets. The parse cache hands back the same objects while the file is
 * unchanged; the array is frozen, as a shared one must be.
 */
const tolerationsMemo = new WeakMap<object, { disabled: boolean; tolerations: Toleration[] }>();
function tolerationsOf(podSpec: PlacementInput['podSpec'], annotations: PlacementInput['annotations']): Toleration[] {
  const disabled = hasDefaultTolerationsDisabled(annotations);
  const hit = tolerationsMemo.get(podSpec);
  if (hit !== undefined && hit.disabled === disabled) return hit.tolerations;
  const tolerations = Object.freeze(effectiveTolerations(podSpec, annotations)) as Toleration[];
  tolerationsMemo.set(podSpec, { disabled, tolerations });
  return tolerations;
}

/** NodeShouldRunDaemonPod, with every rule evaluated so that all reasons are reported. */
export function decidePlacement(input: PlacementInput): Placement {
  const { podSpec, node, now } = input;
  const tolerations = tolerationsOf(podSpec, input.annotations);
  const taints = nodeTaints(node);
  const affinity = matchRequiredNodeAffinity(podSpec, node);
  const untolerated = findUntoleratedTaints(taints, tolerations, isNoScheduleOrNoExecute);
  const pinned = input.nodeName ?? podSpec.nodeName ?? '';
  const placeable = (pinned === '' || pinned === node.name) && affinity.ok;
  const admission = decideAdmission(node, podSpec);
  const deadlines = placeable && !untolerated.some(isNoExecute) ? findDeadlines(taints, tolerations, now) : [];
  // tolerationSeconds 0 evicts at once: a replacement would be evicted as soon as started, so none is.
  const evictsAtOnce = deadlines.some((d) => d.seconds <= 0);
  const shouldRun = placeable && untolerated.length === 0 && admission.ok && !evictsAtOnce;
  const shouldContinueRunning = placeable && !untolerated.some(isNoExecute);
  const evictAt = shouldContinueRunning ? podEvictAt(deadlines, Number.NaN) : undefined;
  const rules = [
    decideNodeName(pinned, node.name),
    decideNodeSelector(affinity.nodeSelector, node.name),
    decideNodeAffinity(affinity.affinity, node.name),
    untolerated.length === 0
      ? describeTolerated(taints, evictAt, now)
      : decideTaints(untolerated, node, hasDefaultTolerationsDisabled(input.annotations)),
    admission,
  ];
  return {
    shouldRun, shouldContinueRunning, ...(evictAt === undefined ? {} : { evictAt }),
    ...(deadlines.length > 0 ? { noExecuteDeadlines: deadlines } : {}), tolerations, rules,
  };
}
