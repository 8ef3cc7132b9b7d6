// Validation of one DaemonSet document, like the API server's ValidateDaemonSet plus core
// validation of its pod template, extended with what hostds cannot honour on a host. Pure: takes
// the plain-JS value the loader built with `toJS`, returns every issue in one pass, never throws.
import type { RawIssue } from './issues.js';
import { KNOWN } from './known-fields.js';
import { reportClusterOnly } from './validate-cluster-only.js';
import { isObj, newCtx, rootField, msg, type Field } from './shape.js';
import { validateLabelSelector, validateObjectMeta, validateTemplateMeta } from './validate-meta.js';
import { validatePodSpec } from './validate-pod.js';
import { warnPlaceholders } from './validate-placeholders.js';
import { validateSpecCounters, validateUpdateStrategy } from './validate-strategy.js';
import { matchesLabelSelector, formatLabelSelector } from '../schedule/label-selector.js';
import type { LabelSelector, LabelSelectorOperator } from './types.js';

/** API versions that default `spec.selector` from the template labels instead of requiring it. */
const SELECTOR_DEFAULTED = new Set(['extensions/v1beta1']);

/**
 * Validates a DaemonSet of `apiVersion` (apps/v1, apps/v1beta2 or extensions/v1beta1). Errors make
 * the document unusable; warnings say what hostds ignores or suspects.
 */
export function validateDaemonSet(obj: unknown, apiVersion: string): RawIssue[] {
  const ctx = newCtx(apiVersion);
  const root = rootField(ctx, obj);
  if (!root.map()) {
    if (!root.isSet) root.typeError('a map');
    return ctx.out;
  }
  root.checkKnown(KNOWN.daemonSet);
  validateObjectMeta(root.get('metadata'));
  validateSpec(root.get('spec'));
  warnPlaceholders(root);
  reportClusterOnly(ctx, obj);
  return ctx.out;
}

function validateSpec(spec: Field): void {
  if (!spec.isSet) {
    spec.error('required', msg.required());
    return;
  }
  if (!spec.map()) return;
  spec.checkKnown(spec.ctx.apiVersion === 'extensions/v1beta1' ? KNOWN.daemonSetSpecV1beta1 : KNOWN.daemonSetSpec);
  const selector = validateSelector(spec.get('selector'), spec.get('template').get('metadata').get('labels').value);
  const labels = validateTemplate(spec.get('template'));
  if (selector && labels && !matchesLabelSelector(selector, labels)) {
    spec.get('template').get('metadata').get('labels').error('selector-mismatch',
      msg.invalid(labels, `\`selector\` does not match template \`labels\` (selector: ${formatLabelSelector(selector)})`));
  }
  validateUpdateStrategy(spec.get('updateStrategy'));
  validateSpecCounters(spec);
}

/** The selector when it is present, well-formed and non-empty (so it can be matched). */
function validateSelector(sel: Field, templateLabels: unknown): LabelSelector | undefined {
  if (!sel.isSet) {
    if (!SELECTOR_DEFAULTED.has(sel.ctx.apiVersion)) {
      sel.error('required', msg.required(`${sel.ctx.apiVersion} requires spec.selector; add ${suggestSelector(templateLabels)}`));
    }
    return undefined;
  }
  const valid = validateLabelSelector(sel);
  const m = sel.map();
  // A selector with errors is not evaluated, and not called empty on top of its errors.
  if (!m || !valid) return undefined;
  const labels = sel.get('matchLabels').map() ?? {};
  const exprs = sel.get('matchExpressions').list() ?? [];
  if (Object.keys(labels).length + exprs.length === 0) {
    sel.error('invalid-value', msg.invalid(m, 'empty selector is invalid for daemonset'));
    return undefined;
  }
  return toLabelSelector(m);
}

/** `selector: {matchLabels: {app: x}}` from the template labels when they are usable. */
function suggestSelector(labels: unknown): string {
  const entries = isObj(labels) ? Object.entries(labels).filter(([, v]) => typeof v === 'string') : [];
  if (entries.length === 0) return 'selector: {matchLabels: {...}} with labels that the pod template also has';
  return `selector: {matchLabels: {${entries.map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(', ')}}}`;
}

/** Rebuilt from checked values only, so the matcher never meets a shape it does not expect. */
function toLabelSelector(m: Record<string, unknown>): LabelSelector {
  const labels = isObj(m['matchLabels']) ? m['matchLabels'] : {};
  const exprs = Array.isArray(m['matchExpressions']) ? m['matchExpressions'].filter(isObj) : [];
  return {
    matchLabels: Object.fromEntries(Object.entries(labels).filter((e): e is [string, string] => typeof e[1] === 'string')),
    matchExpressions: exprs.map((e) => ({
      key: String(e['key']),
      operator: e['operator'] as LabelSelectorOperator,
      values: Array.isArray(e['values']) ? e['values'].filter((v): v is string => typeof v === 'string') : [],
    })),
  };
}

/** Validates the pod template; returns its labels when they are usable for selector matching. */
function validateTemplate(template: Field): Record<string, string> | undefined {
  if (!template.isSet) {
    template.error('required', msg.required());
    return undefined;
  }
  if (!template.map()) return undefined;
  template.checkKnown(KNOWN.podTemplate);
  const meta = template.get('metadata');
  validateTemplateMeta(meta);
  const labelsField = meta.get('labels');
  const entries = Object.entries(labelsField.map() ?? {});
  const labels = entries.filter((e): e is [string, string] => typeof e[1] === 'string');
  if (entries.length === 0 && (!labelsField.isSet || isObj(labelsField.value))) {
    labelsField.error('required', msg.required('the pod template needs labels, and the selector must match them'));
  }
  const spec = template.get('spec');
  if (!spec.isSet) spec.error('required', msg.required());
  validatePodSpec(spec);
  // Labels with wrong-typed values were reported; matching against the rest would mislead.
  return entries.length > 0 && labels.length === entries.length ? Object.fromEntries(labels) : undefined;
}
