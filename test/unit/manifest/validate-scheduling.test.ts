// Scheduling fields: tolerations (core ValidateTolerations, rule by rule), nodeSelector and
// node affinity. Valid forms seen in real manifests get their own clean rows.
import { describe, test } from 'vitest';
import { expectClean, expectIssue, pod, type IssueRow } from './validate-fixture.js';

const TOL = 'spec.template.spec.tolerations[0]';
const tolerate = (t: unknown) => (ds: unknown): void => { pod(ds).tolerations = [t]; };

const TOLERATIONS: IssueRow[] = [
  { name: 'key not a qualified name', mutate: tolerate({ key: 'a b', operator: 'Exists' }), code: 'invalid-label', path: `${TOL}.key`, message: 'Invalid value: "a b"' },
  { name: 'empty key needs Exists', mutate: tolerate({ operator: 'Equal', value: 'x' }), code: 'invalid-value', path: `${TOL}.operator`, message: 'operator must be Exists when `key` is empty' },
  { name: 'empty key with no operator', mutate: tolerate({ effect: 'NoSchedule' }), code: 'invalid-value', path: `${TOL}.operator`, message: 'operator must be Exists when `key` is empty' },
  { name: 'Exists with a value', mutate: tolerate({ key: 'k', operator: 'Exists', value: 'v' }), code: 'invalid-value', path: `${TOL}.value`, message: "value must be empty when `operator` is 'Exists'" },
  { name: 'unknown operator', mutate: tolerate({ key: 'k', operator: 'Equals', value: 'v' }), code: 'unsupported-value', path: `${TOL}.operator`, message: 'Unsupported value: "Equals": supported values: "Equal", "Exists"' },
  { name: 'tolerationSeconds without NoExecute', mutate: tolerate({ key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 60 }), code: 'invalid-value', path: `${TOL}.effect`, message: "effect must be 'NoExecute' when `tolerationSeconds` is set" },
  { name: 'unknown effect', mutate: tolerate({ key: 'k', operator: 'Exists', effect: 'NoExecution' }), code: 'unsupported-value', path: `${TOL}.effect`, message: 'supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"' },
  { name: 'Equal with an invalid value', mutate: tolerate({ key: 'k', operator: 'Equal', value: 'a b' }), code: 'invalid-label', path: `${TOL}.value`, message: 'Invalid value: "a b"' },
  { name: 'value a boolean', mutate: tolerate({ key: 'k', value: true }), code: 'invalid-type', path: `${TOL}.value`, message: 'quote it: "true"' },
  { name: 'tolerationSeconds a string', mutate: tolerate({ key: 'k', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: '60' }), code: 'invalid-type', path: `${TOL}.tolerationSeconds`, message: 'expected an integer' },
  { name: 'tolerations a map', mutate: (ds) => { pod(ds).tolerations = { key: 'k' }; }, code: 'invalid-type', path: 'spec.template.spec.tolerations', message: 'expected a list, got a map' },
];

describe('tolerations', () => {
  test.each(TOLERATIONS)('$name', (row) => { expectIssue(row); });
  test.each<{ name: string; t: unknown }>([
    { name: 'tolerate everything', t: { operator: 'Exists' } },
    { name: 'Exists + effect only', t: { operator: 'Exists', effect: 'NoSchedule' } },
    { name: 'key + effect without operator', t: { key: 'node-role.kubernetes.io/master', effect: 'NoSchedule' } },
    { name: 'key + Exists', t: { key: 'CriticalAddonsOnly', operator: 'Exists' } },
    { name: 'Equal with value', t: { key: 'dedicated', operator: 'Equal', value: 'ssd', effect: 'NoSchedule' } },
    { name: 'NoExecute with seconds', t: { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 } },
    { name: 'empty operator means Equal', t: { key: 'k', operator: '', value: 'v' } },
  ])('valid: $name', ({ t }) => { expectClean(tolerate(t)); });
  test('tolerations: null is fine', () => { expectClean((ds) => { pod(ds).tolerations = null; }); });
});

const NODE_SELECTOR: IssueRow[] = [
  { name: 'key', mutate: (ds) => { pod(ds).nodeSelector = { 'disk type': 'ssd' }; }, code: 'invalid-label', path: 'spec.template.spec.nodeSelector[disk type]', message: 'Invalid value: "disk type"', at: 'key' },
  { name: 'value', mutate: (ds) => { pod(ds).nodeSelector = { disk: 'solid state' }; }, code: 'invalid-label', path: 'spec.template.spec.nodeSelector[disk]', message: 'Invalid value: "solid state"' },
  { name: 'value a boolean (YAML true)', mutate: (ds) => { pod(ds).nodeSelector = { gpu: true }; }, code: 'invalid-type', path: 'spec.template.spec.nodeSelector[gpu]', message: 'expected a string, got a boolean (true); quote it: "true"' },
  { name: 'a list', mutate: (ds) => { pod(ds).nodeSelector = ['disk=ssd']; }, code: 'invalid-type', path: 'spec.template.spec.nodeSelector', message: 'expected a map, got a list' },
];

describe('nodeSelector', () => {
  test.each(NODE_SELECTOR)('$name', (row) => { expectIssue(row); });
});

const REQ = 'spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution';
const TERM = `${REQ}.nodeSelectorTerms[0]`;
const requireTerm = (term: unknown) => (ds: unknown): void => {
  pod(ds).affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [term] } } };
};
const expr = (e: unknown): unknown => ({ matchExpressions: [e] });
const field = (e: unknown): unknown => ({ matchFields: [e] });

const AFFINITY: IssueRow[] = [
  { name: 'no terms', mutate: (ds) => { pod(ds).affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } }; }, code: 'required', path: `${REQ}.nodeSelectorTerms`, message: 'must have at least one node selector term' },
  { name: 'key', mutate: requireTerm(expr({ key: 'a b', operator: 'Exists' })), code: 'invalid-label', path: `${TERM}.matchExpressions[0].key`, message: 'Invalid value: "a b"' },
  { name: 'In without values', mutate: requireTerm(expr({ key: 'disk', operator: 'In' })), code: 'required', path: `${TERM}.matchExpressions[0].values`, message: "must be specified when `operator` is 'In' or 'NotIn'" },
  { name: 'DoesNotExist with values', mutate: requireTerm(expr({ key: 'disk', operator: 'DoesNotExist', values: ['ssd'] })), code: 'forbidden', path: `${TERM}.matchExpressions[0].values`, message: "may not be specified when `operator` is 'Exists' or 'DoesNotExist'" },
  { name: 'Gt with two values', mutate: requireTerm(expr({ key: 'cores', operator: 'Gt', values: ['1', '2'] })), code: 'required', path: `${TERM}.matchExpressions[0].values`, message: "must be specified single value when `operator` is 'Lt' or 'Gt'" },
  { name: 'Lt with a non-integer', mutate: requireTerm(expr({ key: 'cores', operator: 'Lt', values: ['four'] })), code: 'invalid-value', path: `${TERM}.matchExpressions[0].values[0]`, message: 'must be an integer' },
  { name: 'unknown operator', mutate: requireTerm(expr({ key: 'disk', operator: 'Equals', values: ['ssd'] })), code: 'unsupported-value', path: `${TERM}.matchExpressions[0].operator`, message: '"In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"' },
  { name: 'matchFields key', mutate: requireTerm(field({ key: 'metadata.labels', operator: 'In', values: ['a'] })), code: 'unsupported-value', path: `${TERM}.matchFields[0].key`, message: 'supported values: "metadata.name"' },
  { name: 'matchFields operator', mutate: requireTerm(field({ key: 'metadata.name', operator: 'Exists' })), code: 'unsupported-value', path: `${TERM}.matchFields[0].operator`, message: 'supported values: "In", "NotIn"' },
  { name: 'matchFields two values', mutate: requireTerm(field({ key: 'metadata.name', operator: 'In', values: ['a', 'b'] })), code: 'required', path: `${TERM}.matchFields[0].values`, message: 'must be only one value' },
  { name: 'matchFields value not a node name', mutate: requireTerm(field({ key: 'metadata.name', operator: 'NotIn', values: ['Host_1'] })), code: 'invalid-name', path: `${TERM}.matchFields[0].values[0]`, message: 'Invalid value: "Host_1"' },
  { name: 'preferred weight', mutate: (ds) => { pod(ds).affinity = { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 0, preference: expr({ key: 'disk', operator: 'Exists' }) }] } }; }, code: 'invalid-value', path: 'spec.template.spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight', message: 'must be in the range 1-100' },
  { name: 'preferred affinity: one quiet warning', mutate: (ds) => { pod(ds).affinity = { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: expr({ key: 'a', operator: 'Exists' }) }, { weight: 2, preference: expr({ key: 'b', operator: 'Exists' }) }] } }; }, code: 'ignored-field', path: 'spec.template.spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution', message: 'nothing to prefer', severity: 'warning', at: 'key' },
  { name: 'podAntiAffinity', mutate: (ds) => { pod(ds).affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname' }] } }; }, code: 'ignored-field', path: 'spec.template.spec.affinity.podAntiAffinity', message: 'podAntiAffinity is ignored by hostds', severity: 'warning', at: 'key' },
];

describe('node affinity', () => {
  test.each(AFFINITY)('$name', (row) => { expectIssue(row); });
  test('every operator used correctly, and matchFields, is clean', () => {
    expectClean(requireTerm({
      matchExpressions: [
        { key: 'kubernetes.io/os', operator: 'In', values: ['linux'] }, { key: 'gpu', operator: 'NotIn', values: ['none'] },
        { key: 'disk', operator: 'Exists' }, { key: 'legacy', operator: 'DoesNotExist' },
        { key: 'cores', operator: 'Gt', values: ['2'] }, { key: 'cores', operator: 'Lt', values: ['-1000'] },
      ],
      matchFields: [{ key: 'metadata.name', operator: 'In', values: ['host-1'] }],
    }));
  });
  test('empty affinity maps (helm output) are clean', () => {
    expectClean((ds) => { pod(ds).affinity = {}; });
  });
});
