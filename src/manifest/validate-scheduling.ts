// The pod fields that decide whether a DaemonSet belongs on this host: nodeSelector, node
// affinity and tolerations, as core validation (ValidateNodeSelector, ValidateTolerations) checks them.
import { isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from './k8s-names.js';
import { KNOWN } from './known-fields.js';
import { msg, type Field } from './shape.js';
import { hasWrongElements, validateRequirementKey } from './validate-meta.js';

const NODE_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'] as const;
const TOLERATION_OPERATORS = ['Equal', 'Exists'] as const;
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;
const INTEGER_RE = /^[-+]?[0-9]+$/;

export function validateNodeSelectorMap(sel: Field): void {
  for (const [key, value] of sel.stringMap() ?? []) {
    const f = sel.entry(key);
    const keyErrs = isQualifiedName(key);
    if (keyErrs.length > 0) f.report('invalid-label', msg.invalid(key, keyErrs.join('; ')), { atKey: true });
    const valueErrs = isValidLabelValue(value);
    if (valueErrs.length > 0) f.error('invalid-label', msg.invalid(value, valueErrs.join('; ')));
  }
}

export function validateTolerations(tolerations: Field): void {
  for (const t of tolerations.items()) validateToleration(t);
}

/** core validation's ValidateTolerations, rule by rule. */
function validateToleration(t: Field): void {
  if (!t.map()) return;
  t.checkKnown(KNOWN.toleration);
  const keyField = t.get('key');
  const key = keyField.str() ?? '';
  const opField = t.get('operator');
  const op = opField.str() ?? '';
  const valueField = t.get('value');
  const value = valueField.str() ?? '';
  const effectField = t.get('effect');
  const effect = effectField.str() ?? '';
  const seconds = t.get('tolerationSeconds').int();
  if (key !== '') {
    const errs = isQualifiedName(key);
    if (errs.length > 0) keyField.error('invalid-label', msg.invalid(key, errs.join('; ')));
  }
  if (key === '' && op !== 'Exists') {
    opField.error('invalid-value', msg.invalid(op, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
  }
  if (seconds !== undefined && effect !== 'NoExecute') {
    effectField.error('invalid-value', msg.invalid(effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
  }
  if (op === '' || op === 'Equal') {
    const errs = isValidLabelValue(value);
    if (errs.length > 0) valueField.error('invalid-label', msg.invalid(value, errs.join('; ')));
  } else if (op === 'Exists') {
    if (value !== '') valueField.error('invalid-value', msg.invalid(value, "value must be empty when `operator` is 'Exists'"));
  } else {
    opField.error('unsupported-value', msg.unsupported(op, TOLERATION_OPERATORS));
  }
  if (effect !== '' && !(TAINT_EFFECTS as readonly string[]).includes(effect)) {
    effectField.error('unsupported-value', msg.unsupported(effect, TAINT_EFFECTS));
  }
}

export function validateAffinity(affinity: Field): void {
  if (!affinity.map()) return;
  affinity.checkKnown(KNOWN.affinity);
  const node = affinity.get('nodeAffinity');
  if (node.map()) {
    node.checkKnown(KNOWN.nodeAffinity);
    const required = node.get('requiredDuringSchedulingIgnoredDuringExecution');
    if (required.map()) validateNodeSelector(required);
    validatePreferred(node.get('preferredDuringSchedulingIgnoredDuringExecution'));
  }
  for (const kind of ['podAffinity', 'podAntiAffinity']) {
    const f = affinity.get(kind);
    if (f.setKeys().length > 0 || (f.isSet && !f.map())) {
      f.report('ignored-field', `${kind} is ignored by hostds: there are no other pods on a single host to place against`,
        { warn: true, atKey: true });
    }
  }
}

function validateNodeSelector(sel: Field): void {
  sel.checkKnown(KNOWN.nodeSelector);
  const terms = sel.get('nodeSelectorTerms');
  const items = terms.items();
  if (items.length === 0 && !hasWrongElements(terms)) {
    terms.error('required', msg.required('must have at least one node selector term'));
  }
  for (const term of items) validateNodeSelectorTerm(term);
}

function validateNodeSelectorTerm(term: Field): void {
  if (!term.map()) return;
  term.checkKnown(KNOWN.nodeSelectorTerm);
  for (const req of term.get('matchExpressions').items()) validateNodeRequirement(req);
  for (const req of term.get('matchFields').items()) validateFieldRequirement(req);
}

/** ValidateNodeSelectorRequirement: label keys, six operators, value counts per operator. */
function validateNodeRequirement(req: Field): void {
  if (!req.map()) return;
  req.checkKnown(KNOWN.selectorRequirement);
  validateRequirementKey(req);
  const values = req.get('values');
  const items = values.stringItems();
  const count = values.list()?.length ?? 0;
  const op = req.get('operator');
  const o = op.str();
  if (o === 'In' || o === 'NotIn') {
    if (count === 0) values.error('required', msg.required("must be specified when `operator` is 'In' or 'NotIn'"));
  } else if (o === 'Exists' || o === 'DoesNotExist') {
    if (count > 0) values.error('forbidden', msg.forbidden("may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
  } else if (o === 'Gt' || o === 'Lt') {
    if (count !== 1) values.error('required', msg.required("must be specified single value when `operator` is 'Lt' or 'Gt'"));
    for (const [f, v] of items) if (!INTEGER_RE.test(v)) f.error('invalid-value', msg.invalid(v, 'must be an integer'));
  } else if (o === undefined) {
    if (!op.isSet) op.error('required', msg.required());
  } else {
    op.error('unsupported-value', msg.unsupported(o, NODE_OPERATORS));
  }
}

/** ValidateNodeFieldSelectorRequirement: only metadata.name, In/NotIn, exactly one node name. */
function validateFieldRequirement(req: Field): void {
  if (!req.map()) return;
  req.checkKnown(KNOWN.selectorRequirement);
  const key = req.get('key');
  const k = key.str();
  if (k === undefined) {
    if (!key.isSet) key.error('required', msg.required());
  } else if (k !== 'metadata.name') {
    key.error('unsupported-value', msg.unsupported(k, ['metadata.name']));
  }
  const values = req.get('values');
  const items = values.stringItems();
  const op = req.get('operator');
  const o = op.str();
  if (o === 'In' || o === 'NotIn') {
    if ((values.list()?.length ?? 0) !== 1) {
      values.error('required', msg.required("must be only one value when `operator` is 'In' or 'NotIn' for node field selector"));
    }
  } else if (o !== undefined) {
    op.error('unsupported-value', msg.unsupported(o, ['In', 'NotIn']));
  } else if (!op.isSet) {
    op.error('required', msg.required());
  }
  for (const [f, v] of items) {
    const errs = isDNS1123Subdomain(v);
    if (errs.length > 0) f.error('invalid-name', msg.invalid(v, errs.join('; ')));
  }
}

/** Validated like Kubernetes, then reported once: on a single host there is nothing to prefer. */
function validatePreferred(preferred: Field): void {
  const items = preferred.items();
  for (const p of items) {
    if (!p.map()) continue;
    p.checkKnown(KNOWN.preferredTerm);
    const weight = p.get('weight');
    const w = weight.int();
    if (w === undefined && !weight.isSet) weight.error('required', msg.required());
    else if (w !== undefined && (w < 1 || w > 100)) weight.error('invalid-value', msg.invalid(w, 'must be in the range 1-100'));
    const pref = p.get('preference');
    if (pref.map()) validateNodeSelectorTerm(pref);
  }
  if (items.length > 0) {
    preferred.report('ignored-field', 'preferred node affinity is ignored by hostds: on a single host there is nothing to prefer',
      { warn: true, atKey: true });
  }
}
