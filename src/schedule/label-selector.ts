// Label selectors as k8s.io/apimachinery/pkg/labels implements them: the structured form of
// `spec.selector`, the string form of `-l`, and the string kubectl prints in SELECTOR columns.
import type { LabelSelector } from '../manifest/types.js';
import { isQualifiedName, isValidLabelValue } from '../manifest/k8s-names.js';

export type SelectorOp = 'Equals' | 'NotEquals' | 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';

export interface Requirement {
  key: string;
  op: SelectorOp;
  values: string[];
}

export type Labels = Readonly<Record<string, string>>;

function has(labels: Labels, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(labels, key);
}

export function matchesRequirement(req: Requirement, labels: Labels): boolean {
  const present = has(labels, req.key);
  const value = present ? labels[req.key]! : '';
  switch (req.op) {
    case 'Equals':
    case 'In':
      return present && req.values.includes(value);
    case 'NotEquals':
    case 'NotIn':
      return !present || !req.values.includes(value);
    case 'Exists':
      return present;
    case 'DoesNotExist':
      return !present;
    case 'Gt':
    case 'Lt': {
      if (!present || !/^-?\d+$/.test(value) || req.values.length !== 1) return false;
      const have = Number(value);
      const want = Number(req.values[0]);
      return req.op === 'Gt' ? have > want : have < want;
    }
  }
}

export function matchesAll(reqs: readonly Requirement[], labels: Labels): boolean {
  return reqs.every((r) => matchesRequirement(r, labels));
}

/** metav1.LabelSelectorAsSelector: matchLabels become Equals, expressions keep their operator. */
export function requirementsOf(sel: LabelSelector): Requirement[] {
  const reqs: Requirement[] = [];
  for (const [key, value] of Object.entries(sel.matchLabels ?? {})) reqs.push({ key, op: 'Equals', values: [value] });
  for (const e of sel.matchExpressions ?? []) {
    reqs.push({ key: e.key, op: e.operator, values: [...(e.values ?? [])] });
  }
  return reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** An empty LabelSelector matches everything (as in the API); hostds validation forbids it for DaemonSets. */
export function matchesLabelSelector(sel: LabelSelector, labels: Labels): boolean {
  return matchesAll(requirementsOf(sel), labels);
}

export function formatRequirement(r: Requirement): string {
  const vals = [...r.values].sort();
  switch (r.op) {
    case 'Equals': return `${r.key}=${vals[0] ?? ''}`;
    case 'NotEquals': return `${r.key}!=${vals[0] ?? ''}`;
    case 'In': return `${r.key} in (${vals.join(',')})`;
    case 'NotIn': return `${r.key} notin (${vals.join(',')})`;
    case 'Exists': return r.key;
    case 'DoesNotExist': return `!${r.key}`;
    case 'Gt': return `${r.key}>${vals[0] ?? ''}`;
    case 'Lt': return `${r.key}<${vals[0] ?? ''}`;
  }
}

/** metav1.FormatLabelSelector: the SELECTOR column. */
export function formatLabelSelector(sel: LabelSelector | undefined): string {
  if (!sel) return '<none>';
  const s = requirementsOf(sel).map(formatRequirement).join(',');
  return s === '' ? '<none>' : s;
}

/** labels.SelectorFromSet(m).String(): the NODE SELECTOR column. */
export function formatSet(m: Record<string, string> | undefined): string {
  const keys = Object.keys(m ?? {}).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${m![k]}`).join(',');
}

export class SelectorParseError extends Error {}

const OPS = ['!=', '==', '=', '>', '<'] as const;

/**
 * Parses kubectl's `-l` syntax: `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`,
 * `k>1`, `k<1`, separated by commas. Throws SelectorParseError with kubectl-like wording.
 */
export function parseSelector(text: string): Requirement[] {
  const reqs: Requirement[] = [];
  let i = 0;
  const s = text;
  const skipWs = (): void => { while (i < s.length && /\s/.test(s[i]!)) i++; };
  const readWord = (): string => {
    const start = i;
    while (i < s.length && !/[\s,()!=<>]/.test(s[i]!)) i++;
    return s.slice(start, i);
  };
  skipWs();
  if (i >= s.length) return reqs;
  for (;;) {
    skipWs();
    let negate = false;
    if (s[i] === '!') { negate = true; i++; skipWs(); }
    const key = readWord();
    if (key === '') throw new SelectorParseError(`unable to parse requirement: found '${s[i] ?? 'end of string'}', expected: identifier`);
    checkKey(key);
    skipWs();
    if (negate) {
      reqs.push({ key, op: 'DoesNotExist', values: [] });
    } else if (i >= s.length || s[i] === ',') {
      reqs.push({ key, op: 'Exists', values: [] });
    } else {
      const op = OPS.find((o) => s.startsWith(o, i));
      if (op) {
        i += op.length;
        skipWs();
        const value = readWord();
        if (op === '>' || op === '<') {
          if (!/^-?\d+$/.test(value)) throw new SelectorParseError(`for 'Gt', 'Lt' operators, the value must be an integer, got "${value}"`);
        } else checkValue(value);
        const kind: SelectorOp = op === '!=' ? 'NotEquals' : op === '>' ? 'Gt' : op === '<' ? 'Lt' : 'Equals';
        reqs.push({ key, op: kind, values: [value] });
      } else {
        const word = readWord();
        if (word !== 'in' && word !== 'notin') {
          throw new SelectorParseError(`unable to parse requirement: found '${word || s[i]}', expected: in, notin, =, ==, !=, gt, lt`);
        }
        skipWs();
        if (s[i] !== '(') throw new SelectorParseError(`found '${s[i] ?? 'end of string'}', expected: '('`);
        i++;
        const values: string[] = [];
        for (;;) {
          skipWs();
          const v = readWord();
          checkValue(v);
          values.push(v);
          skipWs();
          if (s[i] === ',') { i++; continue; }
          if (s[i] === ')') { i++; break; }
          throw new SelectorParseError(`found '${s[i] ?? 'end of string'}', expected: ',' or ')'`);
        }
        reqs.push({ key, op: word === 'in' ? 'In' : 'NotIn', values });
      }
    }
    skipWs();
    if (i >= s.length) break;
    if (s[i] !== ',') throw new SelectorParseError(`found '${s[i]}', expected: ',' or 'end of string'`);
    i++;
  }
  return reqs;
}

function checkKey(key: string): void {
  const errs = isQualifiedName(key);
  if (errs.length > 0) throw new SelectorParseError(`key: Invalid value: "${key}": ${errs.join('; ')}`);
}

function checkValue(value: string): void {
  const errs = isValidLabelValue(value);
  if (errs.length > 0) throw new SelectorParseError(`values[0]: Invalid value: "${value}": ${errs.join('; ')}`);
}
