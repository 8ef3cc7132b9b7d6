// `hostds taint node NAME ...` as pure functions mirroring kubectl's pkg/cmd/taint (taint.go,
// utils.go): the same spec grammar, the same validation order and messages, the same verbs
// (`tainted`, `untainted`, `modified`) and the same resulting order of taints.
import { TAINT_EFFECTS, type Taint, type TaintEffect } from '../manifest/types.js';
import { isQualifiedName, isValidLabelValue } from '../manifest/k8s-names.js';
import { formatAggregate, NodeEditError, UsageError } from '../lib/errors.js';
import { isoSeconds } from '../lib/iso-time.js';

/** `k:Effect-` removes that one taint; `k-` (no effect) removes every taint with key k. */
export interface TaintRemoval {
  key: string;
  effect?: TaintEffect;
}

export interface TaintChange {
  add: Taint[];
  remove: TaintRemoval[];
}

export type TaintOperation = 'tainted' | 'untainted' | 'modified';

export interface TaintResult {
  taints: Taint[];
  /** The verb kubectl prints after `node/NAME`; it can be `modified` even when nothing changed. */
  operation: TaintOperation;
  /** Whether the taint list differs from the input, i.e. whether node.yaml needs writing. */
  changed: boolean;
}

function isTaintEffect(s: string): s is TaintEffect {
  return (TAINT_EFFECTS as readonly string[]).includes(s);
}

/** corev1.Taint.ToString: `key=value:effect`, dropping the empty parts. */
export function formatTaint(t: { key: string; value?: string; effect?: TaintEffect | '' }): string {
  const value = t.value === undefined || t.value === '' ? '' : `=${t.value}`;
  const effect = t.effect === undefined || t.effect === '' ? '' : `:${t.effect}`;
  return `${t.key}${value}${effect}`;
}

// What Go's %v prints for a corev1.Taint with no TimeAdded; kubectl puts it in one message.
function formatGoTaint(t: Taint): string {
  return `{${t.key} ${t.value ?? ''} ${t.effect} <nil>}`;
}

interface ParsedSpec {
  key: string;
  value: string;
  effect?: TaintEffect;
}

/** kubectl's parseTaint: `<key>=<value>:<effect>`, `<key>:<effect>` or `<key>`; effect checked first. */
function parseTaintSpec(spec: string): ParsedSpec {
  const parts = spec.split(':');
  let key: string;
  let value = '';
  let effect: TaintEffect | undefined;
  if (parts.length === 1) {
    key = parts[0]!;
  } else if (parts.length === 2) {
    const effectPart = parts[1]!;
    if (!isTaintEffect(effectPart)) throw new UsageError(`invalid taint effect: ${effectPart}, unsupported taint effect`);
    effect = effectPart;
    const kv = parts[0]!.split('=');
    if (kv.length > 2) throw new UsageError(`invalid taint spec: ${spec}`);
    key = kv[0]!;
    if (kv.length === 2) {
      value = kv[1]!;
      const errs = isValidLabelValue(value);
      if (errs.length > 0) throw new UsageError(`invalid taint spec: ${spec}, ${errs.join('; ')}`);
    }
  } else {
    throw new UsageError(`invalid taint spec: ${spec}`);
  }
  const errs = isQualifiedName(key);
  if (errs.length > 0) throw new UsageError(`invalid taint spec: ${spec}, ${errs.join('; ')}`);
  return effect === undefined ? { key, value } : { key, value, effect };
}

function toTaint(p: ParsedSpec & { effect: TaintEffect }): Taint {
  return p.value === '' ? { key: p.key, effect: p.effect } : { key: p.key, value: p.value, effect: p.effect };
}

/** kubectl's Validate: a key cannot be both added and removed (for the same effect, or `k-`). */
function checkAddRemoveConflicts(add: readonly Taint[], remove: readonly TaintRemoval[]): void {
  const conflicts: string[] = [];
  for (const a of add) {
    for (const r of remove) {
      if (a.key === r.key && (r.effect === undefined || r.effect === a.effect)) {
        conflicts.push(`{"${r.key}":"${r.effect ?? ''}"}`);
      }
    }
  }
  if (conflicts.length > 0) {
    throw new UsageError(`can not both modify and remove the following taint(s) in the same command: ${conflicts.join(', ')}`);
  }
}

/**
 * kubectl's parseTaints plus the argument checks of Complete/Validate. Every taint to add needs
 * an effect and must be unique by key+effect; `-` suffixed specs are removals (value ignored).
 */
export function parseTaintArgs(args: readonly string[]): TaintChange {
  if (args.length === 0) throw new UsageError('at least one taint update is required');
  const add: Taint[] = [];
  const remove: TaintRemoval[] = [];
  for (const spec of args) {
    if (spec.endsWith('-')) {
      const p = parseTaintSpec(spec.slice(0, -1));
      remove.push(p.effect === undefined ? { key: p.key } : { key: p.key, effect: p.effect });
      continue;
    }
    const p = parseTaintSpec(spec);
    if (p.effect === undefined) throw new UsageError(`invalid taint spec: ${spec}`);
    const taint = toTaint({ ...p, effect: p.effect });
    if (add.some((t) => t.key === taint.key && t.effect === taint.effect)) {
      throw new UsageError(`duplicated taints with the same key and effect: ${formatGoTaint(taint)}`);
    }
    add.push(taint);
  }
  checkAddRemoveConflicts(add, remove);
  return { add, remove };
}

function sameKeyEffect(a: Taint, b: Taint): boolean {
  return a.key === b.key && a.effect === b.effect;
}

function sameTaint(a: Taint, b: Taint): boolean {
  return sameKeyEffect(a, b) && (a.value ?? '') === (b.value ?? '') && a.timeAdded === b.timeAdded;
}

// Go's metav1.Time marshals as RFC 3339 with whole seconds.
function formatRfc3339(now: Date): string {
  return isoSeconds(now.getTime());
}

/**
 * NoExecute taints carry timeAdded so tolerationSeconds can be counted from it. Re-applying an
 * identical taint (an idempotent Ansible run with --overwrite) keeps the old time, so the
 * eviction countdown of tolerating daemons does not restart.
 */
function stampTimeAdded(taint: Taint, current: readonly Taint[], now: Date): Taint {
  if (taint.effect !== 'NoExecute') return taint;
  const same = current.find((o) => sameKeyEffect(o, taint) && (o.value ?? '') === (taint.value ?? ''));
  return { ...taint, timeAdded: same?.timeAdded ?? formatRfc3339(now) };
}

/**
 * kubectl's updateTaints + reorganizeTaints: without --overwrite, re-adding any key+effect
 * already present is refused (even with the same value); added taints come first, then the
 * untouched old ones; every removal must match something. The verb is kubectl's, quirks
 * included: `modified` whenever --overwrite is set, or when the list both grew and lost taints.
 */
export function applyTaints(
  taints: readonly Taint[],
  change: TaintChange,
  overwrite: boolean,
  now: Date,
  nodeName: string,
): TaintResult {
  if (!overwrite) {
    const existing = change.add.flatMap((t) => taints.filter((o) => sameKeyEffect(o, t)).map(() => t.key));
    if (existing.length > 0) {
      throw new NodeEditError('taint-exists',
        `node ${nodeName} already has ${existing.join(',')} taint(s) with same effect(s) and --overwrite is false`);
    }
  }
  const added = change.add.map((t) => stampTimeAdded(t, taints, now));
  let next: Taint[] = [...added, ...taints.filter((o) => !added.some((a) => sameKeyEffect(a, o)))];
  const grew = next.length !== taints.length;
  const notFound: string[] = [];
  for (const r of change.remove) {
    const kept = next.filter((t) => !(t.key === r.key && (r.effect === undefined || t.effect === r.effect)));
    if (kept.length === next.length) notFound.push(`taint ${JSON.stringify(formatTaint(r))} not found`);
    next = kept;
  }
  if (notFound.length > 0) throw new NodeEditError('taint-not-found', formatAggregate(notFound));
  const deleted = change.remove.length > 0;
  const operation: TaintOperation = (grew && deleted) || overwrite ? 'modified' : grew ? 'tainted' : 'untainted';
  const changed = next.length !== taints.length || next.some((t) => !taints.some((o) => sameTaint(o, t)));
  return { taints: next, operation, changed };
}
