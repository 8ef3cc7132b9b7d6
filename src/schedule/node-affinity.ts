// Required node affinity and nodeSelector as k8s component-helpers
// nodeaffinity.GetRequiredNodeAffinity(pod).Match(node) decides them, returning the evidence
// (which term, which requirement, what the host has) so `hostds why` can explain a mismatch.
import type { NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, PodSpec } from '../manifest/types.js';
import { isQualifiedName, isValidLabelValue } from '../manifest/k8s-names.js';

/** The only node field Kubernetes lets matchFields select on. */
export const NODE_NAME_FIELD = 'metadata.name';

export interface NodeFacts {
  name: string;
  labels: Readonly<Record<string, string>>;
}

export type RequirementReason =
  | 'Matched'
  | 'LabelMissing' // In, Exists, Gt, Lt: the host has no such label
  | 'ValueNotListed' // In: the host's value is not among the values
  | 'ValueExcluded' // NotIn: the host's value is among the values
  | 'LabelPresent' // DoesNotExist: the host has the label
  | 'NotAnInteger' // Gt, Lt: the host's value is not a 64-bit integer
  | 'NotGreater' // Gt: the host's value is not above the bound
  | 'NotLess' // Lt: the host's value is not below the bound
  | 'NameMismatch' // matchFields In: the host has another name
  | 'NameExcluded'; // matchFields NotIn: the host has that name

export interface RequirementResult {
  kind: 'matchExpressions' | 'matchFields';
  /** Position in the term's matchExpressions or matchFields list. */
  index: number;
  requirement: NodeSelectorRequirement;
  ok: boolean;
  reason: RequirementReason;
  /** For matchFields: whether the node has a name (k8s ignores matchFields when it has none). */
  labelPresent: boolean;
  labelValue?: string;
}

export interface TermParseError {
  /** k8s field path below the NodeSelector, e.g. `nodeSelectorTerms[1].matchExpressions[0].values`. */
  path: string;
  message: string;
}

export interface TermResult {
  index: number;
  ok: boolean;
  /** No matchExpressions and no matchFields: selects nothing. */
  isEmpty: boolean;
  /** A term that fails to parse matches nothing; the other terms still count. */
  parseErrors: TermParseError[];
  /** Every requirement of a parsed term, evaluated without short-circuit. */
  requirements: RequirementResult[];
}

export interface NodeSelectorResult {
  ok: boolean;
  terms: TermResult[];
}

export interface SelectorPairResult {
  key: string;
  want: string;
  ok: boolean;
  labelPresent: boolean;
  labelValue?: string;
}

export interface NodeSelectorMapResult {
  ok: boolean;
  /** Sorted by key, like labels.SelectorFromSet. */
  pairs: SelectorPairResult[];
}

export interface RequiredAffinityResult {
  ok: boolean;
  nodeSelector: NodeSelectorMapResult;
  /** Absent when the template has no requiredDuringSchedulingIgnoredDuringExecution. */
  affinity?: NodeSelectorResult;
}

const LABEL_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'];
const FIELD_OPERATORS = ['In', 'NotIn'];
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** strconv.ParseInt(s, 10, 64): optional sign, decimal digits, in int64 range. */
export function parseInt64(text: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(text)) return undefined;
  const value = BigInt(text);
  return value < INT64_MIN || value > INT64_MAX ? undefined : value;
}

function hasLabel(labels: Readonly<Record<string, string>>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(labels, key);
}

function quoteList(values: readonly string[]): string {
  return values.map((v) => `"${v}"`).join(', ');
}

/** The checks of labels.NewRequirement plus the operator switch of nodeaffinity. */
function checkLabelRequirement(req: NodeSelectorRequirement, path: string): TermParseError[] {
  const op = req.operator as string;
  if (!LABEL_OPERATORS.includes(op)) {
    return [{ path: `${path}.operator`, message: `Unsupported value: "${op}": supported values: ${quoteList(LABEL_OPERATORS)}` }];
  }
  const errs: TermParseError[] = [];
  const keyErrs = isQualifiedName(req.key);
  if (keyErrs.length > 0) errs.push({ path: `${path}.key`, message: `Invalid value: "${req.key}": ${keyErrs.join('; ')}` });
  const values = req.values ?? [];
  const bad = (message: string, at = `${path}.values`): void => { errs.push({ path: at, message }); };
  if ((op === 'In' || op === 'NotIn') && values.length === 0) bad("for 'in', 'notin' operators, values set can't be empty");
  if ((op === 'Exists' || op === 'DoesNotExist') && values.length !== 0) bad('values set must be empty for exists and does not exist');
  if (op === 'Gt' || op === 'Lt') {
    if (values.length !== 1) bad("for 'Gt', 'Lt' operators, exactly one value is required");
    values.forEach((v, i) => {
      if (parseInt64(v) === undefined) bad(`Invalid value: "${v}": for 'Gt', 'Lt' operators, the value must be an integer`, `${path}.values[${i}]`);
    });
  }
  values.forEach((v, i) => {
    const valueErrs = isValidLabelValue(v);
    if (valueErrs.length > 0) bad(`Invalid value: "${v}": ${valueErrs.join('; ')}`, `${path}.values[${i}]`);
  });
  return errs;
}

/**
 * nodeSelectorRequirementsAsFieldSelector, plus the API-validation rule that metadata.name is
 * the only field (k8s would compare any other key against an empty field set).
 */
function checkFieldRequirement(req: NodeSelectorRequirement, path: string): TermParseError[] {
  const op = req.operator as string;
  const errs: TermParseError[] = [];
  if (req.key !== NODE_NAME_FIELD) {
    errs.push({ path: `${path}.key`, message: `Unsupported value: "${req.key}": supported values: "${NODE_NAME_FIELD}"` });
  }
  if (!FIELD_OPERATORS.includes(op)) {
    errs.push({ path: `${path}.operator`, message: `Unsupported value: "${op}": supported values: ${quoteList(FIELD_OPERATORS)}` });
  } else if ((req.values ?? []).length !== 1) {
    errs.push({ path: `${path}.values`, message: 'must have one element' });
  }
  return errs;
}

function compareInteger(req: NodeSelectorRequirement, have: string): RequirementReason {
  const value = parseInt64(have);
  const bound = parseInt64(req.values?.[0] ?? '');
  if (value === undefined || bound === undefined) return 'NotAnInteger';
  if (req.operator === 'Gt') return value > bound ? 'Matched' : 'NotGreater';
  return value < bound ? 'Matched' : 'NotLess';
}

/** labels.Requirement.Matches for a requirement that parsed. */
function evaluateLabelRequirement(req: NodeSelectorRequirement, labels: NodeFacts['labels']): RequirementReason {
  const present = hasLabel(labels, req.key);
  const have = present ? labels[req.key]! : '';
  const listed = (req.values ?? []).includes(have);
  switch (req.operator) {
    case 'In': return !present ? 'LabelMissing' : listed ? 'Matched' : 'ValueNotListed';
    case 'NotIn': return present && listed ? 'ValueExcluded' : 'Matched';
    case 'Exists': return present ? 'Matched' : 'LabelMissing';
    case 'DoesNotExist': return present ? 'LabelPresent' : 'Matched';
    case 'Gt':
    case 'Lt': return present ? compareInteger(req, have) : 'LabelMissing';
  }
}

function evaluateFieldRequirement(req: NodeSelectorRequirement, nodeName: string): RequirementReason {
  // k8s skips matchFields entirely for a node without a name (an empty field set).
  if (nodeName === '') return 'Matched';
  const equal = req.values?.[0] === nodeName;
  if (req.operator === 'In') return equal ? 'Matched' : 'NameMismatch';
  return equal ? 'NameExcluded' : 'Matched';
}

function parseTerm(term: NodeSelectorTerm, path: string): TermParseError[] {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  return [
    ...exprs.flatMap((r, i) => checkLabelRequirement(r, `${path}.matchExpressions[${i}]`)),
    ...fields.flatMap((r, i) => checkFieldRequirement(r, `${path}.matchFields[${i}]`)),
  ];
}

/** One term: its expressions ANDed with its fields; an empty or unparsable term selects nothing. */
export function matchNodeSelectorTerm(term: NodeSelectorTerm, index: number, node: NodeFacts): TermResult {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  const isEmpty = exprs.length === 0 && fields.length === 0;
  const parseErrors = isEmpty ? [] : parseTerm(term, `nodeSelectorTerms[${index}]`);
  if (isEmpty || parseErrors.length > 0) return { index, ok: false, isEmpty, parseErrors, requirements: [] };
  const requirements: RequirementResult[] = [
    ...exprs.map((requirement, i): RequirementResult => {
      const reason = evaluateLabelRequirement(requirement, node.labels);
      const labelPresent = hasLabel(node.labels, requirement.key);
      const labelValue = labelPresent ? node.labels[requirement.key] : undefined;
      return { kind: 'matchExpressions', index: i, requirement, ok: reason === 'Matched', reason, labelPresent, labelValue };
    }),
    ...fields.map((requirement, i): RequirementResult => {
      const reason = evaluateFieldRequirement(requirement, node.name);
      const labelPresent = node.name !== '';
      return { kind: 'matchFields', index: i, requirement, ok: reason === 'Matched', reason, labelPresent, labelValue: node.name };
    }),
  ];
  return { index, ok: requirements.every((r) => r.ok), isEmpty, parseErrors, requirements };
}

/** nodeaffinity.LazyErrorNodeSelector.Match: terms ORed; no terms selects nothing. */
export function matchNodeSelector(selector: NodeSelector, node: NodeFacts): NodeSelectorResult {
  const terms = (selector.nodeSelectorTerms ?? []).map((t, i) => matchNodeSelectorTerm(t, i, node));
  return { ok: terms.some((t) => t.ok), terms };
}

/** labels.SelectorFromSet(spec.nodeSelector): every pair must be on the host, value for value. */
export function matchNodeSelectorMap(
  nodeSelector: Readonly<Record<string, string>> | undefined,
  labels: NodeFacts['labels'],
): NodeSelectorMapResult {
  const pairs = Object.keys(nodeSelector ?? {}).sort().map((key): SelectorPairResult => {
    const want = nodeSelector![key]!;
    const labelPresent = hasLabel(labels, key);
    const labelValue = labelPresent ? labels[key] : undefined;
    return { key, want, ok: labelPresent && labelValue === want, labelPresent, labelValue };
  });
  return { ok: pairs.every((p) => p.ok), pairs };
}

/** GetRequiredNodeAffinity(pod).Match(node): nodeSelector AND required node affinity. */
export function matchRequiredNodeAffinity(
  podSpec: Pick<PodSpec, 'nodeSelector' | 'affinity'>,
  node: NodeFacts,
): RequiredAffinityResult {
  const nodeSelector = matchNodeSelectorMap(podSpec.nodeSelector, node.labels);
  const required = podSpec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required === undefined || required === null) return { ok: nodeSelector.ok, nodeSelector };
  const affinity = matchNodeSelector(required, node);
  return { ok: nodeSelector.ok && affinity.ok, nodeSelector, affinity };
}
