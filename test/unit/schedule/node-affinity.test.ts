// Ports k8s staging/src/k8s.io/component-helpers/scheduling/corev1/nodeaffinity/nodeaffinity_test.go
// (TestNodeSelectorMatch, TestNodeSelectorRequirementsAsSelector,
// TestPodMatchesNodeSelectorAndAffinityTerms), corev1/helpers_test.go (TestMatchNodeSelectorTerms)
// and the Gt/Lt cases of apimachinery labels selector_test.go, rewritten as hostds tables.
import { describe, expect, test } from 'vitest';
import type { NodeSelector, NodeSelectorRequirement, PodSpec } from '../../../src/manifest/types.js';
import {
  matchNodeSelector, matchNodeSelectorMap, matchNodeSelectorTerm, matchRequiredNodeAffinity, parseInt64,
  type NodeFacts, type RequirementReason,
} from '../../../src/schedule/node-affinity.js';

type Spec = Pick<PodSpec, 'nodeSelector' | 'affinity'>;

function required(...terms: NodeSelector['nodeSelectorTerms']): Spec {
  return { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } };
}

function expr(key: string, operator: NodeSelectorRequirement['operator'], values?: string[]): NodeSelectorRequirement {
  return values === undefined ? { key, operator } : { key, operator, values };
}

function nameIs(operator: NodeSelectorRequirement['operator'], ...values: string[]): NodeSelectorRequirement {
  return { key: 'metadata.name', operator, values };
}

describe('matchRequiredNodeAffinity: nodeSelector and required affinity together', () => {
  const rows: { name: string; spec: Spec; labels?: Record<string, string>; nodeName?: string; want: boolean }[] = [
    { name: 'no selector matches every host', spec: {}, want: true },
    { name: 'nodeSelector on a host missing the label does not match', spec: { nodeSelector: { foo: 'bar' } }, want: false },
    { name: 'nodeSelector with the same labels matches', spec: { nodeSelector: { foo: 'bar' } }, labels: { foo: 'bar' }, want: true },
    { name: 'host labels a superset of nodeSelector match', spec: { nodeSelector: { foo: 'bar' } }, labels: { foo: 'bar', baz: 'blah' }, want: true },
    { name: 'host labels a subset of nodeSelector do not match', spec: { nodeSelector: { foo: 'bar', baz: 'blah' } }, labels: { foo: 'bar' }, want: false },
    { name: 'In matches a listed value', spec: required({ matchExpressions: [expr('foo', 'In', ['bar', 'value2'])] }), labels: { foo: 'bar' }, want: true },
    { name: 'Gt compares as integers, leading zeros allowed', spec: required({ matchExpressions: [expr('kernel-version', 'Gt', ['0204'])] }), labels: { 'kernel-version': '0206' }, want: true },
    { name: 'NotIn matches a value not listed', spec: required({ matchExpressions: [expr('mem-type', 'NotIn', ['DDR', 'DDR2'])] }), labels: { 'mem-type': 'DDR3' }, want: true },
    { name: 'Exists matches a present label', spec: required({ matchExpressions: [expr('GPU', 'Exists')] }), labels: { GPU: 'NVIDIA-GRID-K1' }, want: true },
    { name: 'In does not match an unlisted value', spec: required({ matchExpressions: [expr('foo', 'In', ['value1', 'value2'])] }), labels: { foo: 'bar' }, want: false },
    { name: 'an empty nodeSelectorTerms list selects no host', spec: required(), labels: { foo: 'bar' }, want: false },
    {
      name: 'absent nodeSelectorTerms selects no host',
      spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: {} as NodeSelector } } },
      labels: { foo: 'bar' }, want: false,
    },
    { name: 'a term with empty matchExpressions selects no host', spec: required({ matchExpressions: [] }), labels: { foo: 'bar' }, want: false },
    { name: 'nodeAffinity without required terms matches every host', spec: { affinity: { nodeAffinity: {} } }, labels: { foo: 'bar' }, want: true },
    {
      name: 'expressions in one term are ANDed and all match',
      spec: required({ matchExpressions: [expr('GPU', 'Exists'), expr('GPU', 'NotIn', ['AMD', 'INTER'])] }),
      labels: { GPU: 'NVIDIA-GRID-K1' }, want: true,
    },
    {
      name: 'expressions in one term are ANDed and one fails',
      spec: required({ matchExpressions: [expr('GPU', 'Exists'), expr('GPU', 'In', ['AMD', 'INTER'])] }),
      labels: { GPU: 'NVIDIA-GRID-K1' }, want: false,
    },
    {
      name: 'terms are ORed and one matches',
      spec: required(
        { matchExpressions: [expr('foo', 'In', ['bar', 'value2'])] },
        { matchExpressions: [expr('diffkey', 'In', ['wrong', 'value2'])] },
      ),
      labels: { foo: 'bar' }, want: true,
    },
    {
      name: 'nodeSelector and affinity both satisfied match',
      spec: { nodeSelector: { foo: 'bar' }, ...required({ matchExpressions: [expr('foo', 'Exists')] }) },
      labels: { foo: 'bar' }, want: true,
    },
    {
      name: 'affinity satisfied but nodeSelector not does not match',
      spec: { nodeSelector: { foo: 'bar' }, ...required({ matchExpressions: [expr('foo', 'Exists')] }) },
      labels: { foo: 'barrrrrr' }, want: false,
    },
    {
      name: 'an invalid label value in the only term matches nothing',
      spec: required({ matchExpressions: [expr('foo', 'NotIn', ['invalid value: ___@#$%^'])] }),
      labels: { foo: 'bar' }, want: false,
    },
    { name: 'matchFields In on this host name matches', spec: required({ matchFields: [nameIs('In', 'node_1')] }), nodeName: 'node_1', want: true },
    { name: 'matchFields In on another host name does not match', spec: required({ matchFields: [nameIs('In', 'node_1')] }), nodeName: 'node_2', want: false },
    {
      name: 'two terms: matchFields fails but matchExpressions matches',
      spec: required({ matchFields: [nameIs('In', 'node_1')] }, { matchExpressions: [expr('foo', 'In', ['bar'])] }),
      nodeName: 'node_2', labels: { foo: 'bar' }, want: true,
    },
    {
      name: 'one term: matchFields fails so the matching expressions do not count',
      spec: required({ matchFields: [nameIs('In', 'node_1')], matchExpressions: [expr('foo', 'In', ['bar'])] }),
      nodeName: 'node_2', labels: { foo: 'bar' }, want: false,
    },
    {
      name: 'one term: matchFields and matchExpressions both match',
      spec: required({ matchFields: [nameIs('In', 'node_1')], matchExpressions: [expr('foo', 'In', ['bar'])] }),
      nodeName: 'node_1', labels: { foo: 'bar' }, want: true,
    },
    {
      name: 'two terms: neither matchFields nor matchExpressions match',
      spec: required({ matchFields: [nameIs('In', 'node_1')] }, { matchExpressions: [expr('foo', 'In', ['not-match-to-bar'])] }),
      nodeName: 'node_2', labels: { foo: 'bar' }, want: false,
    },
  ];
  test.each(rows)('$name', ({ spec, labels, nodeName, want }) => {
    const node: NodeFacts = { name: nodeName ?? 'host', labels: labels ?? {} };
    expect(matchRequiredNodeAffinity(spec, node).ok).toBe(want);
  });
});

describe('matchNodeSelector: matchFields and label expressions (TestMatchNodeSelectorTerms)', () => {
  const rows: { name: string; selector: NodeSelector; node: NodeFacts; want: boolean }[] = [
    {
      name: 'node label matches a matchExpressions term',
      selector: { nodeSelectorTerms: [{ matchExpressions: [expr('label_1', 'In', ['label_1_val'])] }] },
      node: { name: '', labels: { label_1: 'label_1_val' } }, want: true,
    },
    {
      name: 'node name matches a matchFields term',
      selector: { nodeSelectorTerms: [{ matchFields: [nameIs('In', 'host_1')] }] },
      node: { name: 'host_1', labels: {} }, want: true,
    },
    {
      name: 'matchFields In with two values is invalid and matches nothing',
      selector: { nodeSelectorTerms: [{ matchFields: [nameIs('In', 'host_1', 'host_2')] }] },
      node: { name: 'host_1', labels: {} }, want: false,
    },
    {
      name: 'matchFields looks at the node name, not at a label called metadata.name',
      selector: { nodeSelectorTerms: [{ matchFields: [nameIs('In', 'host_1')] }] },
      node: { name: 'not_host_1', labels: { 'metadata.name': 'host_1' } }, want: false,
    },
    {
      name: 'matchExpressions look at labels, not at the node name',
      selector: { nodeSelectorTerms: [{ matchExpressions: [expr('metadata.name', 'In', ['host_1'])] }] },
      node: { name: 'host_1', labels: {} }, want: false,
    },
    {
      name: 'a term with labels and fields needs both, fields alone are not enough',
      selector: { nodeSelectorTerms: [{ matchExpressions: [expr('label_1', 'In', ['label_1_val'])], matchFields: [nameIs('In', 'host_1')] }] },
      node: { name: 'host_1', labels: {} }, want: false,
    },
    {
      name: 'a term with labels and fields matches when both do',
      selector: { nodeSelectorTerms: [{ matchExpressions: [expr('label_1', 'In', ['label_1_val'])], matchFields: [nameIs('In', 'host_1')] }] },
      node: { name: 'host_1', labels: { label_1: 'label_1_val' } }, want: true,
    },
    {
      name: 'a term with labels and fields fails when the label differs',
      selector: { nodeSelectorTerms: [{ matchExpressions: [expr('label_1', 'In', ['label_1_val'])], matchFields: [nameIs('In', 'host_1')] }] },
      node: { name: 'host_1', labels: { label_1: 'label_1_val-failed' } }, want: false,
    },
    {
      name: 'separate label and field terms are ORed',
      selector: { nodeSelectorTerms: [{ matchExpressions: [expr('label_1', 'In', ['label_1_val'])] }, { matchFields: [nameIs('In', 'host_1')] }] },
      node: { name: 'host_1', labels: { label_1: 'label_1_val-failed' } }, want: true,
    },
    {
      name: 'matchFields NotIn excludes this host',
      selector: { nodeSelectorTerms: [{ matchFields: [nameIs('NotIn', 'host_1')] }] },
      node: { name: 'host_1', labels: {} }, want: false,
    },
    {
      name: 'matchFields NotIn another host matches',
      selector: { nodeSelectorTerms: [{ matchFields: [nameIs('NotIn', 'host_2')] }] },
      node: { name: 'host_1', labels: {} }, want: true,
    },
    {
      name: 'matchFields is ignored for a node without a name',
      selector: { nodeSelectorTerms: [{ matchFields: [nameIs('In', 'host_1')] }] },
      node: { name: '', labels: {} }, want: true,
    },
    {
      name: 'invalid terms are skipped and a later valid term still matches (lazy errors)',
      selector: {
        nodeSelectorTerms: [
          { matchFields: [nameIs('In', 'host_1', 'host_2')] },
          { matchExpressions: [expr('invalid key', 'In', ['label_value'])] },
          { matchExpressions: [expr('label_1', 'In', ['label_1_val'])], matchFields: [nameIs('In', 'host_1')] },
        ],
      },
      node: { name: 'host_1', labels: { label_1: 'label_1_val' } }, want: true,
    },
  ];
  test.each(rows)('$name', ({ selector, node, want }) => {
    expect(matchNodeSelector(selector, node).ok).toBe(want);
  });
});

describe('one requirement per operator', () => {
  const rows: { name: string; req: NodeSelectorRequirement; labels: Record<string, string>; want: RequirementReason }[] = [
    { name: 'In with the label absent', req: expr('disk', 'In', ['ssd']), labels: {}, want: 'LabelMissing' },
    { name: 'In with another value', req: expr('disk', 'In', ['ssd']), labels: { disk: 'hdd' }, want: 'ValueNotListed' },
    { name: 'In with a listed value', req: expr('disk', 'In', ['ssd', 'nvme']), labels: { disk: 'nvme' }, want: 'Matched' },
    { name: 'In with an empty label value listed', req: expr('disk', 'In', ['']), labels: { disk: '' }, want: 'Matched' },
    { name: 'NotIn with the label absent matches', req: expr('disk', 'NotIn', ['hdd']), labels: {}, want: 'Matched' },
    { name: 'NotIn with a listed value', req: expr('disk', 'NotIn', ['hdd']), labels: { disk: 'hdd' }, want: 'ValueExcluded' },
    { name: 'NotIn with an unlisted value', req: expr('disk', 'NotIn', ['hdd']), labels: { disk: 'ssd' }, want: 'Matched' },
    { name: 'Exists with the label present and empty', req: expr('gpu', 'Exists'), labels: { gpu: '' }, want: 'Matched' },
    { name: 'Exists with the label absent', req: expr('gpu', 'Exists'), labels: {}, want: 'LabelMissing' },
    { name: 'DoesNotExist with the label absent', req: expr('gpu', 'DoesNotExist'), labels: {}, want: 'Matched' },
    { name: 'DoesNotExist with the label present', req: expr('gpu', 'DoesNotExist'), labels: { gpu: 'x' }, want: 'LabelPresent' },
    { name: 'Gt with a greater value', req: expr('cores', 'Gt', ['4']), labels: { cores: '8' }, want: 'Matched' },
    { name: 'Gt with an equal value', req: expr('cores', 'Gt', ['4']), labels: { cores: '4' }, want: 'NotGreater' },
    { name: 'Gt with the label absent', req: expr('cores', 'Gt', ['4']), labels: {}, want: 'LabelMissing' },
    { name: 'Gt with a non-integer label value', req: expr('cores', 'Gt', ['4']), labels: { cores: 'many' }, want: 'NotAnInteger' },
    { name: 'Gt with a decimal label value', req: expr('cores', 'Gt', ['4']), labels: { cores: '4.5' }, want: 'NotAnInteger' },
    { name: 'Gt with a label value beyond int64', req: expr('cores', 'Gt', ['4']), labels: { cores: '9223372036854775808' }, want: 'NotAnInteger' },
    { name: 'Gt exact at int64 precision', req: expr('n', 'Gt', ['9223372036854775806']), labels: { n: '9223372036854775807' }, want: 'Matched' },
    { name: 'Gt with a negative label value below the bound', req: expr('t', 'Gt', ['0']), labels: { t: '-3' }, want: 'NotGreater' },
    { name: 'Lt with a smaller value', req: expr('cores', 'Lt', ['7']), labels: { cores: '3' }, want: 'Matched' },
    { name: 'Lt with an equal value', req: expr('cores', 'Lt', ['7']), labels: { cores: '7' }, want: 'NotLess' },
    { name: 'Lt with a plus sign in the label value', req: expr('cores', 'Lt', ['7']), labels: { cores: '+3' }, want: 'Matched' },
  ];
  test.each(rows)('$name', ({ req, labels, want }) => {
    const term = matchNodeSelectorTerm({ matchExpressions: [req] }, 0, { name: 'h1', labels });
    expect(term.parseErrors).toEqual([]);
    expect(term.requirements[0]?.reason).toBe(want);
    expect(term.ok).toBe(want === 'Matched');
  });
});

describe('a term that fails to parse matches nothing', () => {
  const rows: { name: string; term: Parameters<typeof matchNodeSelectorTerm>[0]; path: string; detail: string }[] = [
    { name: 'unknown operator', term: { matchExpressions: [expr('a', 'Equals' as 'In', ['x'])] }, path: 'nodeSelectorTerms[0].matchExpressions[0].operator', detail: 'Unsupported value: "Equals"' },
    { name: 'In without values', term: { matchExpressions: [expr('a', 'In', [])] }, path: 'nodeSelectorTerms[0].matchExpressions[0].values', detail: "values set can't be empty" },
    { name: 'NotIn with values absent', term: { matchExpressions: [expr('a', 'NotIn')] }, path: 'nodeSelectorTerms[0].matchExpressions[0].values', detail: "values set can't be empty" },
    { name: 'Exists with values', term: { matchExpressions: [expr('foo', 'Exists', ['bar', 'baz'])] }, path: 'nodeSelectorTerms[0].matchExpressions[0].values', detail: 'values set must be empty for exists and does not exist' },
    { name: 'Gt with a non-integer value', term: { matchExpressions: [expr('a', 'Gt', ['ten'])] }, path: 'nodeSelectorTerms[0].matchExpressions[0].values[0]', detail: 'the value must be an integer' },
    { name: 'Lt with two values', term: { matchExpressions: [expr('a', 'Lt', ['1', '2'])] }, path: 'nodeSelectorTerms[0].matchExpressions[0].values', detail: 'exactly one value is required' },
    { name: 'Gt with a negative bound, not a valid label value', term: { matchExpressions: [expr('a', 'Gt', ['-1'])] }, path: 'nodeSelectorTerms[0].matchExpressions[0].values[0]', detail: 'Invalid value: "-1"' },
    { name: 'a key with a space', term: { matchExpressions: [expr('invalid key', 'In', ['label_value'])] }, path: 'nodeSelectorTerms[0].matchExpressions[0].key', detail: 'name part must consist of alphanumeric characters' },
    { name: 'an invalid label value', term: { matchExpressions: [expr('foo', 'NotIn', ['invalid value: ___@#$%^'])] }, path: 'nodeSelectorTerms[0].matchExpressions[0].values[0]', detail: 'a valid label must be an empty string' },
    { name: 'matchFields with two values', term: { matchFields: [nameIs('In', 'host_1', 'host_2')] }, path: 'nodeSelectorTerms[0].matchFields[0].values', detail: 'must have one element' },
    { name: 'matchFields with Exists', term: { matchFields: [{ key: 'metadata.name', operator: 'Exists' }] }, path: 'nodeSelectorTerms[0].matchFields[0].operator', detail: 'supported values: "In", "NotIn"' },
    { name: 'matchFields on another field', term: { matchFields: [{ key: 'metadata.uid', operator: 'In', values: ['x'] }] }, path: 'nodeSelectorTerms[0].matchFields[0].key', detail: 'supported values: "metadata.name"' },
  ];
  test.each(rows)('$name', ({ term, path, detail }) => {
    const result = matchNodeSelectorTerm(term, 0, { name: 'host_1', labels: { a: '5', foo: 'bar' } });
    expect(result.ok).toBe(false);
    expect(result.parseErrors[0]?.path).toBe(path);
    expect(result.parseErrors[0]?.message).toContain(detail);
  });
});

describe('explanation data', () => {
  test('every requirement of a failing term is reported with what the host has', () => {
    const term = matchNodeSelectorTerm(
      { matchExpressions: [expr('disk', 'In', ['ssd']), expr('zone', 'Exists'), expr('arch', 'In', ['amd64'])] },
      2, { name: 'h1', labels: { disk: 'hdd', arch: 'amd64' } },
    );
    expect(term.index).toBe(2);
    expect(term.requirements.map((r) => [r.requirement.key, r.ok, r.labelPresent, r.labelValue, r.reason])).toEqual([
      ['disk', false, true, 'hdd', 'ValueNotListed'],
      ['zone', false, false, undefined, 'LabelMissing'],
      ['arch', true, true, 'amd64', 'Matched'],
    ]);
  });

  test('an empty term is flagged as empty', () => {
    expect(matchNodeSelectorTerm({}, 0, { name: 'h1', labels: {} })).toMatchObject({ ok: false, isEmpty: true });
  });

  test('nodeSelector pairs are reported sorted by key with the host value', () => {
    expect(matchNodeSelectorMap({ zone: 'a', disk: 'ssd' }, { disk: 'hdd' })).toEqual({
      ok: false,
      pairs: [
        { key: 'disk', want: 'ssd', ok: false, labelPresent: true, labelValue: 'hdd' },
        { key: 'zone', want: 'a', ok: false, labelPresent: false, labelValue: undefined },
      ],
    });
  });
});

describe('parseInt64 follows strconv.ParseInt base 10', () => {
  const rows: { name: string; text: string; want: bigint | undefined }[] = [
    { name: 'plain digits', text: '42', want: 42n },
    { name: 'leading zeros', text: '0206', want: 206n },
    { name: 'plus sign', text: '+7', want: 7n },
    { name: 'minus sign', text: '-7', want: -7n },
    { name: 'int64 max', text: '9223372036854775807', want: 9223372036854775807n },
    { name: 'int64 min', text: '-9223372036854775808', want: -9223372036854775808n },
    { name: 'above int64 max', text: '9223372036854775808', want: undefined },
    { name: 'empty', text: '', want: undefined },
    { name: 'underscores', text: '1_000', want: undefined },
    { name: 'hex', text: '0x10', want: undefined },
    { name: 'spaces', text: ' 1', want: undefined },
  ];
  test.each(rows)('$name', ({ text, want }) => {
    expect(parseInt64(text)).toBe(want);
  });
});
