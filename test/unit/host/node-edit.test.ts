// One table per kubectl rule of `label`, `taint`, `cordon`/`uncordon` and node naming. Expected
// messages are kubectl's bytes (staging/src/k8s.io/kubectl/pkg/cmd/{label,taint}), written out
// in full so a drift in wording fails here.
import { describe, expect, test } from 'vitest';
import {
  applyCordon,
  applyLabels,
  applyTaints,
  checkNodeName,
  parseLabelArgs,
  parseTaintArgs,
  splitEditArgs,
  type LabelChange,
  type TaintChange,
} from '../../../src/host/node-edit.js';
import { NodeEditError, NotFoundError, UsageError, formatCliError } from '../../../src/lib/errors.js';
import type { Taint } from '../../../src/manifest/types.js';

const NAME_PART_ERR = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_ERR = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const LONG = 'x'.repeat(64);
const NOW = new Date('2024-05-01T10:00:00.123Z');
const NOW_RFC3339 = '2024-05-01T10:00:00Z';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

describe('splitEditArgs (cmdutil.GetResourcesAndPairs, taint Complete)', () => {
  test.each([
    { name: 'label: resources then pairs', kind: 'label' as const, args: ['node', 'h1', 'a=b', 'c-'], resources: ['node', 'h1'], edits: ['a=b', 'c-'] },
    { name: 'label: `=x` and `-` are resources', kind: 'label' as const, args: ['=x', '-', 'a=b'], resources: ['=x', '-'], edits: ['a=b'] },
    { name: 'taint: `:` marks an edit', kind: 'taint' as const, args: ['node', 'h1', 'k:NoSchedule'], resources: ['node', 'h1'], edits: ['k:NoSchedule'] },
  ])('$name', ({ kind, args, resources, edits }) => {
    expect(splitEditArgs(args, kind)).toEqual({ resources, edits });
  });

  test.each([
    { name: 'label', kind: 'label' as const, message: 'all resources must be specified before label changes: h2' },
    { name: 'taint', kind: 'taint' as const, message: 'all resources must be specified before taint changes: h2' },
  ])('$name: a resource after the first edit is refused', ({ kind, message }) => {
    expect(() => splitEditArgs(['node', 'h1', 'a=b:NoSchedule', 'h2'], kind)).toThrow(new UsageError(message));
  });
});

describe('parseLabelArgs (kubectl parseLabels + Validate)', () => {
  test.each([
    { name: 'k=v sets', args: ['disktype=ssd'], want: { set: { disktype: 'ssd' }, remove: [] } },
    { name: 'k= sets the empty value', args: ['gpu='], want: { set: { gpu: '' }, remove: [] } },
    { name: 'k- removes', args: ['disktype-'], want: { set: {}, remove: ['disktype'] } },
    { name: 'prefixed keys', args: ['example.com/tier=web', 'node-role.kubernetes.io/edge-'], want: { set: { 'example.com/tier': 'web' }, remove: ['node-role.kubernetes.io/edge'] } },
    { name: 'the last value of a key wins', args: ['a=1', 'a=2'], want: { set: { a: '2' }, remove: [] } },
    { name: 'set and remove different keys', args: ['a=1', 'b-'], want: { set: { a: '1' }, remove: ['b'] } },
  ])('$name', ({ args, want }) => {
    expect(parseLabelArgs(args)).toEqual(want);
  });

  test.each([
    { name: 'no updates', args: [], message: 'at least one label update is required' },
    { name: 'two `=`', args: ['a=b=c'], message: 'invalid label spec: a=b=c' },
    { name: 'neither = nor -', args: ['disktype'], message: 'unknown label spec: disktype' },
    { name: 'bad value', args: ['disktype=fast ssd'], message: `invalid label value: "disktype=fast ssd": ${LABEL_VALUE_ERR}` },
    { name: 'value too long', args: [`k=${LONG}`], message: `invalid label value: "k=${LONG}": must be no more than 63 characters` },
    { name: 'bad key', args: ['disk type=ssd'], message: `invalid label key: "disk type=ssd": ${NAME_PART_ERR}` },
    { name: 'empty key', args: ['=ssd', 'a=b'], message: 'invalid label key: "=ssd": name part must be non-empty' },
    { name: 'empty prefix', args: ['/a=b'], message: 'invalid label key: "/a=b": prefix part must be non-empty' },
    { name: 'modify and remove', args: ['a=1', 'a-'], message: 'can not both modify and remove a label in the same command' },
  ])('$name → UsageError', ({ args, message }) => {
    expect(() => parseLabelArgs(args)).toThrow(new UsageError(message));
    expect(thrown(() => parseLabelArgs(args))).toBeInstanceOf(UsageError);
  });
});

describe('applyLabels (kubectl labelFunc + validateNoOverwrites + updateDataChangeMsg)', () => {
  const labels = { disktype: 'hdd', zone: 'a' };
  test.each([
    { name: 'new key → labeled', change: { set: { gpu: 'true' }, remove: [] }, overwrite: false,
      want: { labels: { disktype: 'hdd', zone: 'a', gpu: 'true' }, changed: true, operation: 'labeled', warnings: [] } },
    { name: 'same value without --overwrite → not labeled', change: { set: { disktype: 'hdd' }, remove: [] }, overwrite: false,
      want: { labels, changed: false, operation: 'not labeled', warnings: [] } },
    { name: 'new value with --overwrite → labeled', change: { set: { disktype: 'ssd' }, remove: [] }, overwrite: true,
      want: { labels: { disktype: 'ssd', zone: 'a' }, changed: true, operation: 'labeled', warnings: [] } },
    { name: 'remove → unlabeled (no --overwrite needed)', change: { set: {}, remove: ['zone'] }, overwrite: false,
      want: { labels: { disktype: 'hdd' }, changed: true, operation: 'unlabeled', warnings: [] } },
    { name: 'add and remove → label(s) changed', change: { set: { gpu: 'true' }, remove: ['zone'] }, overwrite: false,
      want: { labels: { disktype: 'hdd', gpu: 'true' }, changed: true, operation: 'label(s) changed', warnings: [] } },
    { name: 'remove absent → warning, not labeled', change: { set: {}, remove: ['nope'] }, overwrite: false,
      want: { labels, changed: false, operation: 'not labeled', warnings: ['label "nope" not found.'] } },
    { name: 'remove absent plus a real change', change: { set: { gpu: 'x' }, remove: ['nope'] }, overwrite: false,
      want: { labels: { ...labels, gpu: 'x' }, changed: true, operation: 'labeled', warnings: ['label "nope" not found.'] } },
    { name: 'empty value is a value', change: { set: { gpu: '' }, remove: [] }, overwrite: false,
      want: { labels: { ...labels, gpu: '' }, changed: true, operation: 'labeled', warnings: [] } },
  ])('$name', ({ change, overwrite, want }) => {
    const before = structuredClone(labels);
    expect(applyLabels(labels, change as LabelChange, overwrite)).toEqual(want);
    expect(labels).toEqual(before); // the input is never mutated
  });

  test.each([
    { name: 'one conflict', set: { disktype: 'ssd' },
      message: "'disktype' already has a value (hdd), and --overwrite is false" },
    { name: 'all conflicts in one aggregate, sorted', set: { zone: 'b', disktype: 'ssd', gpu: 'x' },
      message: "['disktype' already has a value (hdd), and --overwrite is false, 'zone' already has a value (a), and --overwrite is false]" },
  ])('$name → NodeEditError', ({ set, message }) => {
    const err = thrown(() => applyLabels(labels, { set, remove: [] }, false));
    expect(err).toBeInstanceOf(NodeEditError);
    expect(err).toMatchObject({ reason: 'label-exists', message });
  });
});

describe('parseTaintArgs (kubectl parseTaints, parseTaint, Validate)', () => {
  test.each([
    { name: 'k=v:Effect', args: ['dedicated=special-user:NoSchedule'], want: { add: [{ key: 'dedicated', value: 'special-user', effect: 'NoSchedule' }], remove: [] } },
    { name: 'k:Effect has no value', args: ['bar:NoExecute'], want: { add: [{ key: 'bar', effect: 'NoExecute' }], remove: [] } },
    { name: 'k=:Effect has no value', args: ['bar=:PreferNoSchedule'], want: { add: [{ key: 'bar', effect: 'PreferNoSchedule' }], remove: [] } },
    { name: 'k:Effect- removes one effect', args: ['dedicated:NoSchedule-'], want: { add: [], remove: [{ key: 'dedicated', effect: 'NoSchedule' }] } },
    { name: 'k=v:Effect- ignores the value', args: ['dedicated=x:NoSchedule-'], want: { add: [], remove: [{ key: 'dedicated', effect: 'NoSchedule' }] } },
    { name: 'k- removes every effect', args: ['dedicated-'], want: { add: [], remove: [{ key: 'dedicated' }] } },
    { name: 'same key, two effects', args: ['k=v:NoSchedule', 'k=v:NoExecute'], want: { add: [{ key: 'k', value: 'v', effect: 'NoSchedule' }, { key: 'k', value: 'v', effect: 'NoExecute' }], remove: [] } },
    { name: 'add one effect, remove another of the same key', args: ['k:NoSchedule', 'k:NoExecute-'], want: { add: [{ key: 'k', effect: 'NoSchedule' }], remove: [{ key: 'k', effect: 'NoExecute' }] } },
    { name: 'prefixed key', args: ['example.com/gpu=a100:NoSchedule'], want: { add: [{ key: 'example.com/gpu', value: 'a100', effect: 'NoSchedule' }], remove: [] } },
  ])('$name', ({ args, want }) => {
    expect(parseTaintArgs(args)).toEqual(want);
  });

  test.each([
    { name: 'no updates', args: [], message: 'at least one taint update is required' },
    { name: 'unknown effect', args: ['k=v:NoScheduleX'], message: 'invalid taint effect: NoScheduleX, unsupported taint effect' },
    { name: 'effect is case-sensitive', args: ['k=v:noschedule'], message: 'invalid taint effect: noschedule, unsupported taint effect' },
    { name: 'empty effect', args: ['k=v:'], message: 'invalid taint effect: , unsupported taint effect' },
    { name: 'effect checked on removal too', args: ['k:Bad-'], message: 'invalid taint effect: Bad, unsupported taint effect' },
    { name: 'adding needs an effect', args: ['k=v'], message: `invalid taint spec: k=v, ${NAME_PART_ERR}` },
    { name: 'adding a bare key needs an effect', args: ['dedicated'], message: 'invalid taint spec: dedicated' },
    { name: 'two colons', args: ['k=v:NoSchedule:x'], message: 'invalid taint spec: k=v:NoSchedule:x' },
    { name: 'two `=`', args: ['k=v=w:NoSchedule'], message: 'invalid taint spec: k=v=w:NoSchedule' },
    { name: 'bad value', args: ['k=a b:NoSchedule'], message: `invalid taint spec: k=a b:NoSchedule, ${LABEL_VALUE_ERR}` },
    { name: 'bad key', args: ['a b=v:NoSchedule'], message: `invalid taint spec: a b=v:NoSchedule, ${NAME_PART_ERR}` },
    { name: 'empty key', args: ['=v:NoSchedule'], message: 'invalid taint spec: =v:NoSchedule, name part must be non-empty' },
    { name: 'bad key on removal (spec without `-`)', args: ['a b-'], message: `invalid taint spec: a b, ${NAME_PART_ERR}` },
    { name: 'duplicate key+effect', args: ['k=a:NoSchedule', 'k=b:NoSchedule'], message: 'duplicated taints with the same key and effect: {k b NoSchedule <nil>}' },
    { name: 'add and remove the same effect', args: ['k=v:NoSchedule', 'k:NoSchedule-'], message: 'can not both modify and remove the following taint(s) in the same command: {"k":"NoSchedule"}' },
    { name: 'add and remove the whole key', args: ['k=v:NoSchedule', 'j=v:NoExecute', 'k-', 'j-'], message: 'can not both modify and remove the following taint(s) in the same command: {"k":""}, {"j":""}' },
  ])('$name → UsageError', ({ args, message }) => {
    expect(() => parseTaintArgs(args)).toThrow(new UsageError(message));
    expect(thrown(() => parseTaintArgs(args))).toBeInstanceOf(UsageError);
  });
});

describe('applyTaints (kubectl updateTaints + reorganizeTaints)', () => {
  const ded: Taint = { key: 'dedicated', value: 'a', effect: 'NoSchedule' };
  const dedExec: Taint = { key: 'dedicated', value: 'a', effect: 'NoExecute', timeAdded: '2024-01-01T00:00:00Z' };
  const gpu: Taint = { key: 'gpu', effect: 'PreferNoSchedule' };
  test.each([
    { name: 'add to an empty node → tainted', taints: [], change: { add: [ded], remove: [] }, overwrite: false,
      want: { taints: [ded], operation: 'tainted', changed: true } },
    { name: 'added taints come first (kubectl order)', taints: [gpu], change: { add: [ded], remove: [] }, overwrite: false,
      want: { taints: [ded, gpu], operation: 'tainted', changed: true } },
    { name: 'NoExecute gets timeAdded from now', taints: [], change: { add: [{ key: 'evict', effect: 'NoExecute' }], remove: [] }, overwrite: false,
      want: { taints: [{ key: 'evict', effect: 'NoExecute', timeAdded: NOW_RFC3339 }], operation: 'tainted', changed: true } },
    { name: 'remove by key+effect → untainted', taints: [ded, gpu], change: { add: [], remove: [{ key: 'dedicated', effect: 'NoSchedule' }] }, overwrite: false,
      want: { taints: [gpu], operation: 'untainted', changed: true } },
    { name: 'k- removes every effect of k', taints: [ded, dedExec, gpu], change: { add: [], remove: [{ key: 'dedicated' }] }, overwrite: false,
      want: { taints: [gpu], operation: 'untainted', changed: true } },
    { name: 'add and remove → modified', taints: [gpu], change: { add: [ded], remove: [{ key: 'gpu' }] }, overwrite: false,
      want: { taints: [ded], operation: 'modified', changed: true } },
    { name: 'overwrite a value → modified', taints: [ded, gpu], change: { add: [{ ...ded, value: 'b' }], remove: [] }, overwrite: true,
      want: { taints: [{ ...ded, value: 'b' }, gpu], operation: 'modified', changed: true } },
    { name: '--overwrite always says modified (kubectl quirk), even for a new taint', taints: [], change: { add: [ded], remove: [] }, overwrite: true,
      want: { taints: [ded], operation: 'modified', changed: true } },
    { name: 'identical taint with --overwrite → modified, nothing changed', taints: [gpu, ded], change: { add: [ded], remove: [] }, overwrite: true,
      want: { taints: [ded, gpu], operation: 'modified', changed: false } },
    { name: 'identical NoExecute keeps its timeAdded', taints: [dedExec], change: { add: [{ key: 'dedicated', value: 'a', effect: 'NoExecute' }], remove: [] }, overwrite: true,
      want: { taints: [dedExec], operation: 'modified', changed: false } },
    { name: 'NoExecute with a new value restarts timeAdded', taints: [dedExec], change: { add: [{ key: 'dedicated', value: 'b', effect: 'NoExecute' }], remove: [] }, overwrite: true,
      want: { taints: [{ key: 'dedicated', value: 'b', effect: 'NoExecute', timeAdded: NOW_RFC3339 }], operation: 'modified', changed: true } },
    { name: 'same key, other effect is a new taint', taints: [ded], change: { add: [{ ...ded, effect: 'NoExecute' }], remove: [] }, overwrite: false,
      want: { taints: [{ ...ded, effect: 'NoExecute', timeAdded: NOW_RFC3339 }, ded], operation: 'tainted', changed: true } },
  ])('$name', ({ taints, change, overwrite, want }) => {
    expect(applyTaints(taints, change as TaintChange, overwrite, NOW, 'h1')).toEqual(want);
  });

  test.each([
    { name: 'existing key+effect without --overwrite', taints: [ded, gpu], change: { add: [{ ...ded, value: 'b' }, gpu], remove: [] },
      reason: 'taint-exists', message: 'node h1 already has dedicated,gpu taint(s) with same effect(s) and --overwrite is false' },
    { name: 'even with the same value', taints: [ded], change: { add: [ded], remove: [] },
      reason: 'taint-exists', message: 'node h1 already has dedicated taint(s) with same effect(s) and --overwrite is false' },
    { name: 'remove an absent effect', taints: [ded], change: { add: [], remove: [{ key: 'dedicated', effect: 'NoExecute' }] },
      reason: 'taint-not-found', message: 'taint "dedicated:NoExecute" not found' },
    { name: 'remove an absent key', taints: [], change: { add: [], remove: [{ key: 'gpu' }] },
      reason: 'taint-not-found', message: 'taint "gpu" not found' },
    { name: 'several absent → one aggregate', taints: [gpu], change: { add: [], remove: [{ key: 'a' }, { key: 'gpu' }, { key: 'b', effect: 'NoSchedule' }] },
      reason: 'taint-not-found', message: '[taint "a" not found, taint "b:NoSchedule" not found]' },
  ])('$name → NodeEditError', ({ taints, change, reason, message }) => {
    const err = thrown(() => applyTaints(taints, change as TaintChange, false, NOW, 'h1'));
    expect(err).toBeInstanceOf(NodeEditError);
    expect(err).toMatchObject({ reason, message });
  });
});

describe('applyCordon (kubectl drain.CordonHelper)', () => {
  test.each([
    { name: 'cordon a schedulable node', unschedulable: false, want: true, verb: 'cordoned' },
    { name: 'cordon a cordoned node', unschedulable: true, want: true, verb: 'already cordoned' },
    { name: 'uncordon a cordoned node', unschedulable: true, want: false, verb: 'uncordoned' },
    { name: 'uncordon a schedulable node', unschedulable: false, want: false, verb: 'already uncordoned' },
  ])('$name → $verb', ({ unschedulable, want, verb }) => {
    expect(applyCordon(unschedulable, want)).toBe(verb);
  });
});

describe('checkNodeName', () => {
  test.each([
    { name: 'bare name', given: 'h1' },
    { name: 'node/NAME', given: 'node/h1' },
    { name: 'nodes/NAME', given: 'nodes/h1' },
    { name: 'no/NAME', given: 'no/h1' },
    { name: 'type is case-insensitive', given: 'Node/h1' },
  ])('$name is this host', ({ given }) => {
    expect(checkNodeName(given, 'h1')).toBe('h1');
  });

  test.each([
    { name: 'another host', given: 'other', shown: 'other' },
    { name: 'another host as node/NAME', given: 'node/other', shown: 'other' },
    { name: 'names are case-sensitive', given: 'H1', shown: 'H1' },
  ])('$name → NotFound naming this host', ({ given, shown }) => {
    const err = thrown(() => checkNodeName(given, 'h1'));
    expect(err).toBeInstanceOf(NotFoundError);
    expect(formatCliError(err)).toBe(
      `Error from server (NotFound): nodes "${shown}" not found: this host is "h1" (hostds manages only this host; use its name or set --node-name)`);
  });

  test.each([
    { name: 'empty', given: '', message: 'resource name may not be empty' },
    { name: 'another resource type', given: 'pod/h1', message: 'invalid resource type pod, only node types are supported' },
    { name: 'empty name', given: 'node/', message: 'arguments in resource/name form must have a single resource and name' },
    { name: 'two slashes', given: 'node/h1/x', message: 'arguments in resource/name form must have a single resource and name' },
  ])('$name → UsageError', ({ given, message }) => {
    expect(() => checkNodeName(given, 'h1')).toThrow(new UsageError(message));
  });
});
