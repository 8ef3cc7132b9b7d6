// Ports k8s pkg/controller/daemon/daemon_controller_test.go: TestNodeShouldRunDaemonPod and the
// taint cases (TestNoScheduleTaintedDoesntEvicitRunningIntolerantPod,
// TestNoExecuteTaintedDoesEvicitRunningIntolerantPod, TestTaintedNodeDaemonDoesNotLaunchIntolerantPod,
// TestTaintedNodeDaemonLaunchesToleratePod, TestNotReadyNodeDaemonLaunchesPod,
// TestUnreachableNodeDaemonLaunchesPod, TestTaintPressureNodeDaemonLaunchesPod), rewritten as
// hostds tables, plus the `why` messages and fixes hostds adds.
import { describe, expect, test } from 'vitest';
import type { NodeView, PodSpec, Taint } from '../../../src/manifest/types.js';
import { decidePlacement, type PlacementInput, type RuleCode } from '../../../src/schedule/decide.js';
import { nodeTaints } from '../../../src/schedule/node-taints.js';

const NODE_LABELS = { name: 'simple-daemon', type: 'production' };
const NONE = { 'hostds.io/default-tolerations': 'none' };
const T0 = Date.parse('2024-05-01T10:00:00Z');

function node(over: Partial<NodeView> = {}): NodeView {
  return { name: 'test-node', labels: { ...NODE_LABELS }, taints: [], unschedulable: false, ...over };
}

function spec(over: Partial<PodSpec> = {}): PodSpec {
  return { containers: [{ name: 'c', image: 'busybox', command: ['sleep', 'inf'] }], ...over };
}

function decide(over: Partial<PlacementInput> = {}): ReturnType<typeof decidePlacement> {
  return decidePlacement({ podSpec: spec(), annotations: {}, node: node(), now: T0, ...over });
}

function affinityIn(key: string, ...values: string[]): Partial<PodSpec> {
  return { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key, operator: 'In', values }] }] } } } };
}

const dedicated = (effect: Taint['effect']): Taint => ({ key: 'dedicated', value: 'user1', effect });

describe('decidePlacement: shouldRun and shouldContinueRunning (NodeShouldRunDaemonPod)', () => {
  const rows: { name: string; input: Partial<PlacementInput>; run: boolean; keep: boolean }[] = [
    { name: 'a plain DaemonSet runs', input: {}, run: true, keep: true },
    {
      name: 'resources and host ports do not affect placement',
      input: { podSpec: spec({ containers: [{ name: 'c', command: ['x'], ports: [{ hostPort: 666 }], resources: { requests: { memory: '200M' } } }] }) },
      run: true, keep: true,
    },
    { name: 'a template pinned to another node neither runs nor keeps running', input: { nodeName: 'other-node' }, run: false, keep: false },
    { name: 'a template pinned through podSpec.nodeName to another node does not run', input: { podSpec: spec({ nodeName: 'other-node' }) }, run: false, keep: false },
    { name: 'a template pinned to this node runs', input: { nodeName: 'test-node' }, run: true, keep: true },
    { name: 'a nodeSelector the host does not match', input: { podSpec: spec({ nodeSelector: { name: 'simple-daemon', type: 'test' } }) }, run: false, keep: false },
    { name: 'a nodeSelector the host matches', input: { podSpec: spec({ nodeSelector: NODE_LABELS }) }, run: true, keep: true },
    { name: 'a required node affinity the host does not match', input: { podSpec: spec(affinityIn('type', 'test')) }, run: false, keep: false },
    { name: 'a required node affinity the host matches', input: { podSpec: spec(affinityIn('type', 'production')) }, run: true, keep: true },
    { name: 'a cordoned node still runs the daemon (default toleration)', input: { node: node({ unschedulable: true }) }, run: true, keep: true },
    { name: 'an untolerated NoSchedule taint blocks a start but keeps a running daemon', input: { node: node({ taints: [dedicated('NoSchedule')] }) }, run: false, keep: true },
    { name: 'an untolerated NoExecute taint blocks a start and evicts', input: { node: node({ taints: [dedicated('NoExecute')] }) }, run: false, keep: false },
    {
      name: 'a tolerated NoSchedule taint lets the daemon start',
      input: { podSpec: spec({ tolerations: [{ key: 'dedicated', value: 'user1', effect: 'NoSchedule' }] }), node: node({ taints: [dedicated('NoSchedule')] }) },
      run: true, keep: true,
    },
    {
      name: 'tolerations on an untainted node change nothing',
      input: { podSpec: spec({ tolerations: [{ key: 'dedicated', value: 'user1', effect: 'NoSchedule' }] }) },
      run: true, keep: true,
    },
    { name: 'a PreferNoSchedule taint is ignored', input: { node: node({ taints: [dedicated('PreferNoSchedule')] }) }, run: true, keep: true },
    { name: 'a not-ready node runs the daemon (default toleration)', input: { node: node({ taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }] }) }, run: true, keep: true },
    { name: 'an unreachable node runs the daemon (default toleration)', input: { node: node({ taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] }) }, run: true, keep: true },
    {
      name: 'memory, disk and pid pressure do not block the daemon (default tolerations)',
      input: { node: node({ taints: ['disk-pressure', 'memory-pressure', 'pid-pressure'].map((c) => ({ key: `node.kubernetes.io/${c}`, effect: 'NoSchedule' as const })) }) },
      run: true, keep: true,
    },
    { name: 'network-unavailable blocks a pod off the host network', input: { node: node({ taints: [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }] }) }, run: false, keep: true },
    {
      name: 'network-unavailable does not block a hostNetwork pod',
      input: { podSpec: spec({ hostNetwork: true }), node: node({ taints: [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }] }) },
      run: true, keep: true,
    },
    { name: 'opting out of defaults makes a cordon block the start', input: { annotations: NONE, node: node({ unschedulable: true }) }, run: false, keep: true },
    { name: 'opting out of defaults makes not-ready evict', input: { annotations: NONE, node: node({ taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }] }) }, run: false, keep: false },
    { name: 'a nodeName mismatch wins over tolerated taints', input: { nodeName: 'x', node: node({ unschedulable: true }) }, run: false, keep: false },
    { name: 'a nodeSelector mismatch hides a NoSchedule-only taint problem', input: { podSpec: spec({ nodeSelector: { gpu: 'yes' } }), node: node({ taints: [dedicated('NoSchedule')] }) }, run: false, keep: false },
  ];
  test.each(rows)('$name', ({ input, run, keep }) => {
    const placement = decide(input);
    expect(placement.shouldRun).toBe(run);
    expect(placement.shouldContinueRunning).toBe(keep);
  });
});

describe('decidePlacement: one rule result per rule, in order', () => {
  const rows: { name: string; input: Partial<PlacementInput>; codes: RuleCode[] }[] = [
    { name: 'nothing set on an untainted host', input: {}, codes: ['NotSet', 'NotSet', 'NotSet', 'NoTaints', 'Admitted'] },
    {
      name: 'everything set and matching',
      input: { nodeName: 'test-node', podSpec: spec({ nodeSelector: { type: 'production' }, ...affinityIn('name', 'simple-daemon') }), node: node({ unschedulable: true }) },
      codes: ['Matches', 'Matches', 'Matches', 'TaintsTolerated', 'Admitted'],
    },
    {
      name: 'every rule failing is reported, not just the first',
      input: { nodeName: 'x', podSpec: spec({ nodeSelector: { type: 'test' }, ...affinityIn('disk', 'ssd') }), node: node({ taints: [dedicated('NoExecute')] }) },
      codes: ['NodeNameMismatch', 'NodeSelectorMismatch', 'NodeAffinityMismatch', 'NoExecuteTaintNotTolerated', 'Admitted'],
    },
    { name: 'a NoSchedule-only problem', input: { node: node({ taints: [dedicated('NoSchedule')] }) }, codes: ['NotSet', 'NotSet', 'NotSet', 'TaintNotTolerated', 'Admitted'] },
    {
      name: 'an affinity whose only term is invalid',
      input: { podSpec: spec({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }] } } } }) },
      codes: ['NotSet', 'NotSet', 'NodeAffinityInvalid', 'NoTaints', 'Admitted'],
    },
  ];
  test.each(rows)('$name', ({ input, codes }) => {
    const { rules } = decide(input);
    expect(rules.map((r) => r.rule)).toEqual(['nodeName', 'nodeSelector', 'nodeAffinity', 'taints', 'admission']);
    expect(rules.map((r) => r.code)).toEqual(codes);
    expect(rules.map((r) => r.ok)).toEqual(codes.map((c) => !/Mismatch|Invalid|NotTolerated|UnderPressure/.test(c)));
  });
});

describe('decidePlacement: messages and fixes answer "why is DESIRED 0?"', () => {
  const DISK = 'k8s.51reboot.com/disk';
  const rows: { name: string; input: Partial<PlacementInput>; rule: number; message: string; fix?: string }[] = [
    {
      name: 'nodeSelector label absent',
      input: { podSpec: spec({ nodeSelector: { [DISK]: 'ssd' } }) }, rule: 1,
      message: `nodeSelector ${DISK}=ssd: this host has no label ${DISK}`, fix: `hostds label node test-node ${DISK}=ssd`,
    },
    {
      name: 'nodeSelector label with another value needs --overwrite',
      input: { podSpec: spec({ nodeSelector: { [DISK]: 'ssd' } }), node: node({ labels: { [DISK]: 'hdd' } }) }, rule: 1,
      message: `nodeSelector ${DISK}=ssd: this host has ${DISK}=hdd`, fix: `hostds label node test-node ${DISK}=ssd --overwrite`,
    },
    { name: 'nodeSelector unset', input: {}, rule: 1, message: 'nodeSelector: none' },
    { name: 'nodeSelector matching', input: { podSpec: spec({ nodeSelector: { type: 'production' } }) }, rule: 1, message: 'nodeSelector type=production: matches' },
    {
      name: 'nodeName pinned elsewhere',
      input: { nodeName: 'other' }, rule: 0,
      message: 'nodeName: the template is pinned to node "other", and this host is "test-node"',
      fix: 'set spec.template.spec.nodeName to "test-node", or remove it',
    },
    {
      name: 'affinity In with the label absent',
      input: { podSpec: spec(affinityIn('disk', 'ssd', 'nvme')) }, rule: 2,
      message: 'nodeAffinity: no term matches this host: term 0 disk In (ssd,nvme): this host has no label disk',
      fix: 'hostds label node test-node disk=ssd',
    },
    {
      name: 'affinity NotIn with an excluded value removes the label',
      input: { podSpec: spec({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'type', operator: 'NotIn', values: ['production'] }] }] } } } }) },
      rule: 2,
      message: 'nodeAffinity: no term matches this host: term 0 type NotIn (production): this host has type=production, which is excluded',
      fix: 'hostds label node test-node type-',
    },
    {
      name: 'affinity DoesNotExist with the label present removes the label',
      input: { podSpec: spec({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'type', operator: 'DoesNotExist' }] }] } } } }) },
      rule: 2,
      message: 'nodeAffinity: no term matches this host: term 0 type DoesNotExist: this host has type=production, and the label must be absent',
      fix: 'hostds label node test-node type-',
    },
    {
      name: 'affinity Exists with the label absent sets an empty label',
      input: { podSpec: spec({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'gpu', operator: 'Exists' }] }] } } } }) },
      rule: 2,
      message: 'nodeAffinity: no term matches this host: term 0 gpu Exists: this host has no label gpu',
      fix: 'hostds label node test-node gpu=',
    },
    {
      name: 'affinity Gt says what to change instead of a command',
      input: { podSpec: spec({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['8'] }] }] } } } }), node: node({ labels: { cores: '4' } }) },
      rule: 2,
      message: 'nodeAffinity: no term matches this host: term 0 cores Gt 8: this host has cores=4, which is not greater than 8',
      fix: 'give this host a label cores with an integer greater than 8 (hostds label node test-node cores=<integer> --overwrite), or change the cores Gt requirement',
    },
    {
      name: 'affinity matchFields on another host name',
      input: { podSpec: spec({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['h9'] }] }] } } } }) },
      rule: 2,
      message: 'nodeAffinity: no term matches this host: term 0 matchFields metadata.name In (h9): this host is named "test-node"',
      fix: 'set the matchFields metadata.name In value to "test-node"',
    },
    {
      name: 'affinity fix follows the term closest to matching',
      input: {
        podSpec: spec({
          affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [
            { matchExpressions: [{ key: 'a', operator: 'Exists' }, { key: 'b', operator: 'Exists' }] },
            { matchExpressions: [{ key: 'type', operator: 'In', values: ['test'] }] },
          ] } } },
        }),
      },
      rule: 2,
      message: 'nodeAffinity: no term matches this host: term 0 a Exists: this host has no label a; term 0 b Exists: this host has no label b; term 1 type In (test): this host has type=production',
      fix: 'hostds label node test-node type=test --overwrite',
    },
    {
      name: 'affinity with an invalid term explains the parse error',
      input: { podSpec: spec({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }] } } } }) },
      rule: 2,
      message: 'nodeAffinity: no term matches this host: term 0 is invalid (nodeSelectorTerms[0].matchExpressions[0].values: values set must be empty for exists and does not exist)',
      fix: 'correct or remove the terms of spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms',
    },
    {
      name: 'a user NoSchedule taint names the taint command and the toleration',
      input: { node: node({ taints: [dedicated('NoSchedule')] }) }, rule: 3,
      message: 'taint dedicated=user1:NoSchedule is not tolerated: the daemon is not started here (one already running keeps running)',
      fix: 'hostds taint node test-node dedicated:NoSchedule-, or add a toleration {key: dedicated, operator: Exists, effect: NoSchedule} to spec.template.spec.tolerations',
    },
    {
      name: 'a user NoExecute taint says a running daemon is stopped',
      input: { node: node({ taints: [dedicated('NoExecute')] }) }, rule: 3,
      message: 'taint dedicated=user1:NoExecute is not tolerated: the daemon is not started here, and a running one is stopped',
      fix: 'hostds taint node test-node dedicated:NoExecute-, or add a toleration {key: dedicated, operator: Exists, effect: NoExecute} to spec.template.spec.tolerations',
    },
    {
      name: 'a cordon without default tolerations names uncordon',
      input: { annotations: NONE, node: node({ unschedulable: true }) }, rule: 3,
      message: 'taint node.kubernetes.io/unschedulable:NoSchedule is not tolerated: the daemon is not started here (one already running keeps running)',
      fix: 'hostds uncordon test-node, or remove the annotation hostds.io/default-tolerations',
    },
    {
      name: 'a condition taint without default tolerations suggests a toleration, not removal',
      input: { annotations: NONE, node: node({ taints: [{ key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule' }] }) }, rule: 3,
      message: 'taint node.kubernetes.io/memory-pressure:NoSchedule is not tolerated: the daemon is not started here (one already running keeps running)',
      fix: 'remove the annotation hostds.io/default-tolerations, or add a toleration {key: node.kubernetes.io/memory-pressure, operator: Exists, effect: NoSchedule} to spec.template.spec.tolerations (this host sets node.kubernetes.io/memory-pressure itself while the condition lasts)',
    },
    {
      name: 'tolerated taints and an ignored PreferNoSchedule are listed',
      input: { node: node({ unschedulable: true, taints: [dedicated('PreferNoSchedule')] }) }, rule: 3,
      message: 'taints: all tolerated (node.kubernetes.io/unschedulable:NoSchedule); PreferNoSchedule ignored (dedicated=user1:PreferNoSchedule)',
    },
  ];
  test.each(rows)('$name', ({ input, rule, message, fix }) => {
    const result = decide(input).rules[rule]!;
    expect(result.message).toBe(message);
    expect(result.fix).toBe(fix);
  });
});

describe('decidePlacement: NoExecute tolerationSeconds deadlines', () => {
  const added = '2024-05-01T09:58:00Z';
  const taint: Taint = { key: 'maintenance', effect: 'NoExecute', timeAdded: added };
  const tolerate = (seconds?: number): Partial<PodSpec> => ({ tolerations: [{ key: 'maintenance', operator: 'Exists', effect: 'NoExecute', ...(seconds === undefined ? {} : { tolerationSeconds: seconds }) }] });
  const rows: { name: string; input: Partial<PlacementInput>; evictAt: number | undefined; keep: boolean; code: RuleCode }[] = [
    { name: 'a toleration without seconds never evicts', input: { podSpec: spec(tolerate()), node: node({ taints: [taint] }) }, evictAt: undefined, keep: true, code: 'TaintsTolerated' },
    { name: 'tolerationSeconds count from the taint timeAdded', input: { podSpec: spec(tolerate(300)), node: node({ taints: [taint] }) }, evictAt: Date.parse(added) + 300_000, keep: true, code: 'TolerationExpires' },
    { name: 'a taint without timeAdded counts from now', input: { podSpec: spec(tolerate(60)), node: node({ taints: [{ key: 'maintenance', effect: 'NoExecute' }] }) }, evictAt: T0 + 60_000, keep: true, code: 'TolerationExpires' },
    { name: 'negative tolerationSeconds evict at the time added', input: { podSpec: spec(tolerate(-1)), node: node({ taints: [taint] }) }, evictAt: Date.parse(added), keep: true, code: 'TolerationExpires' },
    {
      name: 'the earliest deadline across taints wins',
      input: {
        podSpec: spec({ tolerations: [{ key: 'a', operator: 'Exists', tolerationSeconds: 600 }, { key: 'b', operator: 'Exists', tolerationSeconds: 30 }] }),
        node: node({ taints: [{ key: 'a', effect: 'NoExecute', timeAdded: added }, { key: 'b', effect: 'NoExecute', timeAdded: '2024-05-01T09:59:50Z' }] }),
      },
      evictAt: Date.parse('2024-05-01T10:00:20Z'), keep: true, code: 'TolerationExpires',
    },
    { name: 'an untolerated NoExecute taint has no deadline, it evicts now', input: { node: node({ taints: [taint] }) }, evictAt: undefined, keep: false, code: 'NoExecuteTaintNotTolerated' },
    { name: 'the default not-ready toleration never expires', input: { node: node({ taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute', timeAdded: added }] }) }, evictAt: undefined, keep: true, code: 'TaintsTolerated' },
  ];
  test.each(rows)('$name', ({ input, evictAt, keep, code }) => {
    const placement = decide(input);
    expect(placement.evictAt).toBe(evictAt);
    expect(placement.shouldContinueRunning).toBe(keep);
    expect(placement.rules[3]?.code).toBe(code);
  });

  test('the message says when the toleration runs out', () => {
    const { rules } = decide({ podSpec: spec(tolerate(300)), node: node({ taints: [taint] }) });
    expect(rules[3]?.message).toBe('taints: all tolerated (maintenance:NoExecute); a NoExecute taint is tolerated only for tolerationSeconds: a pod here is evicted in 3m (at 2024-05-01T10:03:00.000Z) and then created again');
  });

  test('the message says when the toleration already ran out', () => {
    const { rules } = decide({ podSpec: spec(tolerate(30)), node: node({ taints: [taint] }) });
    expect(rules[3]?.message).toContain('tolerationSeconds, which ran out 90s ago: a pod here is evicted, created again, and evicted again');
  });
});

describe('decidePlacement: effective tolerations', () => {
  test('the defaults are added to the user tolerations', () => {
    const { tolerations } = decide({ podSpec: spec({ tolerations: [{ key: 'x', operator: 'Exists' }] }) });
    expect(tolerations.map((t) => t.key)).toEqual(['x', 'node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable',
      'node.kubernetes.io/disk-pressure', 'node.kubernetes.io/memory-pressure', 'node.kubernetes.io/pid-pressure', 'node.kubernetes.io/unschedulable']);
  });

  test('the opt-out annotation leaves the user tolerations alone', () => {
    expect(decide({ annotations: NONE }).tolerations).toEqual([]);
  });
});

describe('nodeTaints', () => {
  const cordon: Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };
  const rows: { name: string; view: NodeView; want: Taint[] }[] = [
    { name: 'an uncordoned node shows its own taints', view: node({ taints: [dedicated('NoSchedule')] }), want: [dedicated('NoSchedule')] },
    { name: 'a cordoned node gains the unschedulable taint', view: node({ unschedulable: true, taints: [dedicated('NoSchedule')] }), want: [dedicated('NoSchedule'), cordon] },
    { name: 'the unschedulable taint is never added twice', view: node({ unschedulable: true, taints: [cordon] }), want: [cordon] },
  ];
  test.each(rows)('$name', ({ view, want }) => {
    expect(nodeTaints(view)).toEqual(want);
  });
});

describe('decidePlacement: conditions of the host (issue 5)', () => {
  const pressure = (type: string, message = `${type} message`) => ({ type, status: 'True' as const, reason: 'R', message });
  const memTaint: Taint = { key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule' };
  const diskTaint: Taint = { key: 'node.kubernetes.io/disk-pressure', effect: 'NoSchedule' };
  const netTaint: Taint = { key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' };
  const rows: { name: string; input: Partial<PlacementInput>; run: boolean; keep: boolean; admission: RuleCode }[] = [
    { name: 'no conditions: admitted', input: {}, run: true, keep: true, admission: 'Admitted' },
    { name: 'DiskPressure: a new pod is not admitted, a running one stays',
      input: { node: node({ conditions: [pressure('DiskPressure')], derivedTaints: [diskTaint] }) }, run: false, keep: true, admission: 'NodeUnderPressure' },
    { name: 'PIDPressure: same', input: { node: node({ conditions: [pressure('PIDPressure')] }) }, run: false, keep: true, admission: 'NodeUnderPressure' },
    { name: 'DiskPressure and system-node-critical: admitted',
      input: { podSpec: spec({ priorityClassName: 'system-node-critical' }), node: node({ conditions: [pressure('DiskPressure')], derivedTaints: [diskTaint] }) },
      run: true, keep: true, admission: 'Admitted' },
    { name: 'DiskPressure and system-cluster-critical: admitted',
      input: { podSpec: spec({ priorityClassName: 'system-cluster-critical' }), node: node({ conditions: [pressure('DiskPressure')] }) }, run: true, keep: true, admission: 'Admitted' },
    { name: 'DiskPressure and another priority class: not admitted',
      input: { podSpec: spec({ priorityClassName: 'high' }), node: node({ conditions: [pressure('DiskPressure')] }) }, run: false, keep: true, admission: 'NodeUnderPressure' },
    { name: 'MemoryPressure alone does not block admission (its taint is tolerated by default)',
      input: { node: node({ conditions: [pressure('MemoryPressure')], derivedTaints: [memTaint] }) }, run: true, keep: true, admission: 'Admitted' },
    { name: 'MemoryPressure with default tolerations off: waits, keeps running',
      input: { annotations: NONE, node: node({ conditions: [pressure('MemoryPressure')], derivedTaints: [memTaint] }) }, run: false, keep: true, admission: 'Admitted' },
    { name: 'NetworkUnavailable: a non-hostNetwork pod waits', input: { node: node({ conditions: [pressure('NetworkUnavailable')], derivedTaints: [netTaint] }) },
      run: false, keep: true, admission: 'Admitted' },
    { name: 'NetworkUnavailable: a hostNetwork pod runs',
      input: { podSpec: spec({ hostNetwork: true }), node: node({ conditions: [pressure('NetworkUnavailable')], derivedTaints: [netTaint] }) }, run: true, keep: true, admission: 'Admitted' },
    { name: 'a False condition is no pressure', input: { node: node({ conditions: [{ ...pressure('DiskPressure'), status: 'False' }] }) }, run: true, keep: true, admission: 'Admitted' },
  ];
  test.each(rows)('$name', ({ input, run, keep, admission }) => {
    const p = decide(input);
    expect([p.shouldRun, p.shouldContinueRunning]).toEqual([run, keep]);
    expect(p.rules.find((r) => r.rule === 'admission')?.code).toBe(admission);
  });

  test('why names the condition and its figures when its taint is the reason', () => {
    const message = 'kubelet has insufficient memory available (memory.available 80Mi < 100Mi)';
    const p = decide({ annotations: NONE, node: node({ conditions: [pressure('MemoryPressure', message)], derivedTaints: [memTaint] }) });
    const taints = p.rules.find((r) => r.rule === 'taints')!;
    expect(taints.message).toContain(`taint node.kubernetes.io/memory-pressure:NoSchedule (MemoryPressure: ${message}) is not tolerated`);
    expect(taints.fix).toContain('this host sets node.kubernetes.io/memory-pressure itself');
  });

  test('admission says what to do', () => {
    const p = decide({ node: node({ conditions: [pressure('DiskPressure', 'kubelet has disk pressure (nodefs.available 4% < 10% on /)')] }) });
    const rule = p.rules.find((r) => r.rule === 'admission')!;
    expect(rule.message).toBe('admission: this host has DiskPressure (kubelet has disk pressure (nodefs.available 4% < 10% on /)): a pod not yet running is not started unless it is critical (a running one keeps running)');
    expect(rule.fix).toContain('priorityClassName: system-node-critical');
  });

  test('derived taints join the user\'s, never twice', () => {
    const t = nodeTaints(node({ taints: [memTaint, dedicated('NoSchedule')], derivedTaints: [memTaint, diskTaint], unschedulable: true }));
    expect(t.map((x) => `${x.key}:${x.effect}`)).toEqual([
      'node.kubernetes.io/memory-pressure:NoSchedule', 'dedicated:NoSchedule', 'node.kubernetes.io/disk-pressure:NoSchedule', 'node.kubernetes.io/unschedulable:NoSchedule',
    ]);
  });
});

describe('decidePlacement: NoExecute deadlines per pod', () => {
  const added = '2024-05-01T09:59:00Z';
  const taint: Taint = { key: 'maintenance', effect: 'NoExecute', timeAdded: added };
  const tol = (seconds?: number) => ({ key: 'maintenance', operator: 'Exists' as const, effect: 'NoExecute' as const, ...(seconds === undefined ? {} : { tolerationSeconds: seconds }) });

  test('a toleration with tolerationSeconds gives a deadline counted from the taint, or from a later pod start', async () => {
    const { podEvictAt } = await import('../../../src/schedule/decide.js');
    const p = decide({ podSpec: spec({ tolerations: [tol(30)] }), node: node({ taints: [taint] }) });
    expect(p.shouldRun).toBe(true);
    expect(p.noExecuteDeadlines).toEqual([{ taint: 'maintenance:NoExecute', addedMs: Date.parse(added), seconds: 30 }]);
    expect(p.evictAt).toBe(Date.parse(added) + 30_000);
    // A pod started before the taint: counted from the taint.
    expect(podEvictAt(p.noExecuteDeadlines!, Date.parse(added) - 60_000)).toBe(Date.parse(added) + 30_000);
    // A replacement started after: it gets its full 30 s.
    expect(podEvictAt(p.noExecuteDeadlines!, T0)).toBe(T0 + 30_000);
  });

  test('the minimum over several tolerated NoExecute taints', async () => {
    const { podEvictAt } = await import('../../../src/schedule/decide.js');
    const other: Taint = { key: 'other', effect: 'NoExecute', timeAdded: added };
    const p = decide({ podSpec: spec({ tolerations: [tol(300), { key: 'other', operator: 'Exists', tolerationSeconds: 60 }] }), node: node({ taints: [taint, other] }) });
    expect(podEvictAt(p.noExecuteDeadlines!, 0)).toBe(Date.parse(added) + 60_000);
  });

  test('no tolerationSeconds: no deadline; an untolerated NoExecute taint: no deadline, stop now', () => {
    expect(decide({ podSpec: spec({ tolerations: [tol()] }), node: node({ taints: [taint] }) }).noExecuteDeadlines).toBeUndefined();
    const p = decide({ node: node({ taints: [taint] }) });
    expect([p.shouldRun, p.shouldContinueRunning, p.noExecuteDeadlines]).toEqual([false, false, undefined]);
  });

  test('tolerationSeconds 0 keeps a replacement from starting (it would be evicted at once)', () => {
    const p = decide({ podSpec: spec({ tolerations: [tol(0)] }), node: node({ taints: [taint] }) });
    expect([p.shouldRun, p.shouldContinueRunning]).toEqual([false, true]);
  });
});
