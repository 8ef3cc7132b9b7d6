// The host's Node edits (`hostds label|cordon|uncordon node NAME ...`) as pure functions that
// behave and word their errors exactly as kubectl does (staging/src/k8s.io/kubectl/pkg/cmd/label,
// cmd/drain's cordon helper, cmdutil.GetResourcesAndPairs), so the article's commands work with
// `kubectl` replaced by `hostds`. Taints live in node-edit-taints.ts and are re-exported here.
// No fs, no clock, no randomness: the CLI reads node.yaml, calls these, and writes the result.
import { isQualifiedName, isValidLabelValue } from '../manifest/k8s-names.js';
import { formatAggregate, NodeEditError, NotFoundError, UsageError } from '../lib/errors.js';

export {
  applyTaints,
  parseTaintArgs,
  formatTaint,
  type TaintChange,
  type TaintOperation,
  type TaintRemoval,
  type TaintResult,
} from './node-edit-taints.js';

/** `k=v` pairs to set and `k-` keys to remove, as given on the command line. */
export interface LabelChange {
  set: Record<string, string>;
  remove: string[];
}

/** kubectl's label verbs: `node/NAME labeled`, ... (`label(s) changed` when both added and removed). */
export type LabelOperation = 'labeled' | 'unlabeled' | 'not labeled' | 'label(s) changed';

export interface LabelResult {
  labels: Record<string, string>;
  /** False when the edit is a no-op (same values, absent removals): nothing needs writing. */
  changed: boolean;
  operation: LabelOperation;
  /** `label "k" not found.` for each removal of an absent label; kubectl prints these and goes on. */
  warnings: string[];
}

export type CordonOperation = 'cordoned' | 'already cordoned' | 'uncordoned' | 'already uncordoned';

// Go's %q for the strings kubectl quotes; JSON escaping agrees with it on printable text.
function quote(s: string): string {
  return JSON.stringify(s);
}

function hasOwn(record: Readonly<Record<string, string>>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(record, key);
}

/**
 * Splits `label|taint node NAME k=v k2-` arguments into resources and edits the way kubectl does
 * (cmdutil.GetResourcesAndPairs for labels; taint.go's Complete, which also counts `:`), so a
 * stray resource after the first edit is the same error as in kubectl.
 */
export function splitEditArgs(args: readonly string[], kind: 'label' | 'taint'): { resources: string[]; edits: string[] } {
  const resources: string[] = [];
  const edits: string[] = [];
  for (const arg of args) {
    const isEdit = kind === 'label'
      ? (arg.includes('=') && !arg.startsWith('=')) || (arg.endsWith('-') && arg !== '-')
      : arg.includes('=') || arg.includes(':') || arg.endsWith('-');
    if (isEdit) edits.push(arg);
    else if (edits.length === 0) resources.push(arg);
    else throw new UsageError(`all resources must be specified before ${kind} changes: ${arg}`);
  }
  return { resources, edits };
}

/**
 * kubectl's parseLabels: `k=v` sets, `k-` removes. kubectl leaves key validation to the API
 * server; with no server here, keys are checked client-side with the server's rules and a
 * message shaped like the value one.
 */
export function parseLabelArgs(args: readonly string[]): LabelChange {
  const set: Record<string, string> = {};
  const remove: string[] = [];
  for (const spec of args) {
    if (spec.includes('=')) {
      const parts = spec.split('=');
      if (parts.length !== 2) throw new UsageError(`invalid label spec: ${spec}`);
      const [key, value] = parts as [string, string];
      const valueErrs = isValidLabelValue(value);
      if (valueErrs.length > 0) throw new UsageError(`invalid label value: ${quote(spec)}: ${valueErrs.join(';')}`);
      const keyErrs = isQualifiedName(key);
      if (keyErrs.length > 0) throw new UsageError(`invalid label key: ${quote(spec)}: ${keyErrs.join(';')}`);
      set[key] = value;
    } else if (spec.endsWith('-')) {
      remove.push(spec.slice(0, -1));
    } else {
      throw new UsageError(`unknown label spec: ${spec}`);
    }
  }
  if (remove.some((key) => hasOwn(set, key))) {
    throw new UsageError('can not both modify and remove a label in the same command');
  }
  if (Object.keys(set).length === 0 && remove.length === 0) {
    throw new UsageError('at least one label update is required');
  }
  return { set, remove };
}

/** kubectl's updateDataChangeMsg: the verb is decided by comparing labels before and after. */
function describeLabelChange(before: Readonly<Record<string, string>>, after: Readonly<Record<string, string>>): LabelOperation {
  let isLabeled = false;
  let isUnlabeled = false;
  for (const [key, old] of Object.entries(before)) {
    if (!hasOwn(after, key)) isUnlabeled = true;
    else if (after[key] !== old) isLabeled = true;
  }
  for (const key of Object.keys(after)) if (!hasOwn(before, key)) isLabeled = true;
  if (isLabeled && isUnlabeled) return 'label(s) changed';
  if (isLabeled) return 'labeled';
  if (isUnlabeled) return 'unlabeled';
  return 'not labeled';
}

/**
 * kubectl's labelFunc + validateNoOverwrites: without --overwrite, setting a label to a
 * *different* value is refused, all conflicts in one aggregate error (sorted, where Go's map
 * order would be random); setting the same value is allowed and is no change.
 */
export function applyLabels(
  labels: Readonly<Record<string, string>>,
  change: LabelChange,
  overwrite: boolean,
): LabelResult {
  const warnings = change.remove.filter((key) => !hasOwn(labels, key)).map((key) => `label ${quote(key)} not found.`);
  if (!overwrite) {
    const conflicts = Object.keys(change.set)
      .sort()
      .filter((key) => hasOwn(labels, key) && labels[key] !== change.set[key])
      .map((key) => `'${key}' already has a value (${labels[key]}), and --overwrite is false`);
    if (conflicts.length > 0) throw new NodeEditError('label-exists', formatAggregate(conflicts));
  }
  const next: Record<string, string> = { ...labels, ...change.set };
  for (const key of change.remove) delete next[key];
  const operation = describeLabelChange(labels, next);
  return { labels: next, changed: operation !== 'not labeled', operation, warnings };
}

/** kubectl cordon/uncordon: the verb printed after `node/NAME`; the new value is simply `want`. */
export function applyCordon(unschedulable: boolean, want: boolean): CordonOperation {
  if (want) return unschedulable ? 'already cordoned' : 'cordoned';
  return unschedulable ? 'uncordoned' : 'already uncordoned';
}

const NODE_RESOURCE_NAMES = new Set(['node', 'nodes', 'no']);

/**
 * hostds manages exactly one Node, this host. Accepts `NAME`, `node/NAME`, `nodes/NAME`,
 * `no/NAME` and returns NAME; any other name is kubectl's NotFound plus a hint naming this host,
 * because the usual cause is a name copied from another machine's docs or inventory.
 */
export function checkNodeName(given: string, actual: string): string {
  if (given === '') throw new UsageError('resource name may not be empty');
  let name = given;
  const slash = given.indexOf('/');
  if (slash !== -1) {
    const type = given.slice(0, slash);
    name = given.slice(slash + 1);
    if (type === '' || name === '' || name.includes('/')) {
      throw new UsageError('arguments in resource/name form must have a single resource and name');
    }
    if (!NODE_RESOURCE_NAMES.has(type.toLowerCase())) {
      throw new UsageError(`invalid resource type ${type}, only node types are supported`);
    }
  }
  if (name !== actual) {
    throw new NotFoundError('nodes', name,
      `this host is ${quote(actual)} (hostds manages only this host; use its name or set --node-name)`);
  }
  return name;
}
