// ObjectMeta, labels, annotations and label selectors, as apimachinery's ValidateObjectMeta,
// ValidateLabels, ValidateAnnotations and ValidateLabelSelector check them.
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from './k8s-names.js';
import { KNOWN } from './known-fields.js';
import { msg, type Field } from './shape.js';

const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;
const SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;

const HOSTDS_ANNOTATIONS = new Set(['hostds.io/default-tolerations', 'hostds.io/restart-on-change']);
const ALPHA_TOLERATIONS = 'scheduler.alpha.kubernetes.io/tolerations';

/** The DaemonSet's own metadata: a name is required. */
export function validateObjectMeta(meta: Field): void {
  if (meta.isSet && !meta.map()) return;
  meta.checkKnown(KNOWN.objectMeta);
  const name = meta.get('name');
  const value = name.str();
  if (value === undefined || value === '') {
    if (!name.isSet || value === '') name.error('required', msg.required('name is required (hostds does not support generateName)'));
  } else {
    reportNameErrors(name, value, isDNS1123Subdomain(value));
  }
  const ns = meta.get('namespace');
  const nsValue = ns.str();
  if (nsValue !== undefined && nsValue !== '') reportNameErrors(ns, nsValue, isDNS1123Label(nsValue));
  validateLabels(meta.get('labels'));
  validateAnnotations(meta.get('annotations'));
}

/** A pod template's metadata: labels and annotations only; name and namespace mean nothing there. */
export function validateTemplateMeta(meta: Field): void {
  if (!meta.map()) return;
  meta.checkKnown(KNOWN.objectMeta);
  validateLabels(meta.get('labels'));
  validateAnnotations(meta.get('annotations'));
}

export function reportNameErrors(f: Field, value: string, errs: string[]): void {
  if (errs.length > 0) f.error('invalid-name', msg.invalid(value, errs.join('; ')));
}

/** Keys are qualified names (reported at the key), values valid label values. */
export function validateLabels(labels: Field): void {
  for (const [key, value] of labels.stringMap() ?? []) {
    const f = labels.entry(key);
    const keyErrs = isQualifiedName(key);
    if (keyErrs.length > 0) f.report('invalid-label', msg.invalid(key, keyErrs.join('; ')), { atKey: true });
    const valueErrs = isValidLabelValue(value);
    if (valueErrs.length > 0) f.error('invalid-label', msg.invalid(value, valueErrs.join('; ')));
  }
}

function validateAnnotations(annotations: Field): void {
  let total = 0;
  for (const [key, value] of annotations.stringMap() ?? []) {
    const f = annotations.entry(key);
    total += key.length + value.length;
    const keyErrs = isQualifiedName(key.toLowerCase());
    if (keyErrs.length > 0) f.report('invalid-value', msg.invalid(key, keyErrs.join('; ')), { atKey: true });
    validateHostdsAnnotation(f, key, value);
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) annotations.error('invalid-value', msg.tooLong(TOTAL_ANNOTATION_SIZE_LIMIT));
}

/** Our own annotations change behaviour, so a typo or a bad value must not pass silently. */
function validateHostdsAnnotation(f: Field, key: string, value: string): void {
  if (key === ALPHA_TOLERATIONS) {
    f.report('ignored-field', 'the alpha tolerations annotation is ignored (Kubernetes dropped it in 1.6); ' +
      'write the tolerations in spec.template.spec.tolerations', { warn: true, atKey: true });
    return;
  }
  if (!key.startsWith('hostds.io/')) return;
  if (!HOSTDS_ANNOTATIONS.has(key)) {
    f.report('unknown-field', `unknown hostds annotation ${JSON.stringify(key)}; known: ${[...HOSTDS_ANNOTATIONS].join(', ')}`,
      { warn: true, atKey: true });
  } else if (key === 'hostds.io/default-tolerations' && value !== 'none') {
    f.error('unsupported-value', msg.unsupported(value, ['none']));
  } else if (key === 'hostds.io/restart-on-change') {
    const bad = value.split(',').map((p) => p.trim()).filter((p) => !p.startsWith('/'));
    if (bad.length > 0) f.error('invalid-value', msg.invalid(value, `paths must be absolute: ${bad.map((b) => JSON.stringify(b)).join(', ')}`));
  }
}

/** metav1.LabelSelector. Returns whether it is well-formed enough to evaluate. */
export function validateLabelSelector(sel: Field): boolean {
  if (!sel.map()) return false;
  const before = sel.ctx.out.length;
  sel.checkKnown(KNOWN.labelSelector);
  validateLabels(sel.get('matchLabels'));
  for (const req of sel.get('matchExpressions').items()) validateSelectorRequirement(req);
  return !sel.ctx.out.slice(before).some((i) => i.severity === 'error');
}

/** The `key` of a label or node selector requirement: required, a qualified name. */
export function validateRequirementKey(req: Field): void {
  const key = req.get('key');
  const k = key.str();
  if (k === undefined) {
    if (!key.isSet) key.error('required', msg.required());
  } else {
    const errs = isQualifiedName(k);
    if (errs.length > 0) key.error('invalid-label', msg.invalid(k, errs.join('; ')));
  }
}

function validateSelectorRequirement(req: Field): void {
  if (!req.map()) return;
  req.checkKnown(KNOWN.selectorRequirement);
  validateRequirementKey(req);
  const values = req.get('values');
  const vals = values.stringItems();
  for (const [f, v] of vals) {
    const errs = isValidLabelValue(v);
    if (errs.length > 0) f.error('invalid-label', msg.invalid(v, errs.join('; ')));
  }
  const op = req.get('operator');
  const o = op.str();
  if (o === 'In' || o === 'NotIn') {
    if (vals.length === 0 && !hasWrongElements(values)) values.error('required', msg.required("must be specified when `operator` is 'In' or 'NotIn'"));
  } else if (o === 'Exists' || o === 'DoesNotExist') {
    if ((values.list() ?? []).length > 0) values.error('forbidden', msg.forbidden("may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
  } else if (o === undefined) {
    if (!op.isSet) op.error('required', msg.required());
  } else {
    op.error('unsupported-value', msg.unsupported(o, SELECTOR_OPERATORS));
  }
}

/** A list that has elements, all of the wrong type, was already reported; do not also call it empty. */
export function hasWrongElements(list: Field): boolean {
  return Array.isArray(list.value) && list.value.length > 0;
}
