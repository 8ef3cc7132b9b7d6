import { describe, expect, test } from 'vitest';
import type { PodRecord } from '../../../src/pods/types.js';
import { computePlan, type DesiredDaemonSet, type Plan, type PlanPlacement } from '../../../src/reconcile/plan.js';
import { seededRng } from '../../../src/agent/pod-factory.js';

const RUN: PlanPlacement = { shouldRun: true, shouldContinueRunning: true };
const STAY: PlanPlacement = { shouldRun: false, shouldContinueRunning: true };
const GONE: PlanPlacement = { shouldRun: false, shouldContinueRunning: false, rules: [{ ok: false, code: 'NodeSelectorMismatch', message: 'nodeSelector disk=ssd: no label disk' }] };
const EVICT: PlanPlacement = { shouldRun: false, shouldContinueRunning: false, rules: [{ ok: true, code: 'Matches' }, { ok: false, code: 'NoExecuteTaintNotTolerated', message: 'taint k=v:NoExecute is not tolerated' }] };

function ds(name: string, over: Partial<DesiredDaemonSet> = {}): DesiredDaemonSet {
  return {
    key: `default/${name}`, namespace: 'default', name, templateHash: 'h2', generation: 2,
    updateStrategyType: 'RollingUpdate', placement: RUN, ...over,
  };
}

function pod(name: string, dsName: string, over: Partial<PodRecord> = {}): PodRecord {
  return {
    name, namespace: 'default', uid: `uid-${name}`, daemonSet: { namespace: 'default', name: dsName },
    templateHash: 'h2', templateGeneration: 2, labels: {}, spec: { containers: [] },
    creationTimestamp: '2024-01-01T00:00:00Z', initContainers: [], containers: [], ...over,
  };
}

/** The plan as short strings: `create ds`, `delete pod code`, `keep pod`, `wait ds`. */
function summarize(plan: Plan): string[] {
  return [
    ...plan.create.map((c) => `create ${c.daemonSet} ${c.code}`),
    ...plan.delete.map((d) => `delete ${d.pod} ${d.code}`),
    ...plan.keep.map((k) => `keep ${k}`),
    ...plan.waiting.map((w) => `wait ${w.daemonSet}`),
  ];
}

const TERMINATING = { deletionTimestamp: '2024-01-01T00:10:00Z' };
const LATER = { creationTimestamp: '2024-01-02T00:00:00Z' };

describe('computePlan rules', () => {
  test.each([
    { name: 'shouldRun and no pod → create', dss: [ds('a')], pods: [], want: ['create default/a Missing'] },
    { name: 'shouldRun false and no pod → nothing', dss: [ds('a', { placement: STAY })], pods: [], want: [] },
    { name: 'an up-to-date pod → keep', dss: [ds('a')], pods: [pod('a-1', 'a')], want: ['keep a-1'] },
    { name: 'DaemonSet gone → delete DaemonSetDeleted', dss: [], pods: [pod('a-1', 'a')], want: ['delete a-1 DaemonSetDeleted'] },
    { name: 'node no longer matches → delete', dss: [ds('a', { placement: GONE })], pods: [pod('a-1', 'a')], want: ['delete a-1 NodeNoLongerMatches'] },
    { name: 'untolerated NoExecute taint → delete NoExecuteTaint', dss: [ds('a', { placement: EVICT })], pods: [pod('a-1', 'a')], want: ['delete a-1 NoExecuteTaint'] },
    { name: 'no rules given → NodeNoLongerMatches', dss: [ds('a', { placement: { shouldRun: false, shouldContinueRunning: false } })], pods: [pod('a-1', 'a')], want: ['delete a-1 NodeNoLongerMatches'] },
    { name: 'shouldRun false, may continue → keep (k8s: the pod stays)', dss: [ds('a', { placement: STAY })], pods: [pod('a-1', 'a')], want: ['keep a-1'] },
    { name: 'two pods → keep the oldest, delete Duplicate', dss: [ds('a')], pods: [pod('a-2', 'a', LATER), pod('a-1', 'a')], want: ['delete a-2 Duplicate', 'keep a-1'] },
    { name: 'same creation time → keep the first name', dss: [ds('a')], pods: [pod('a-b', 'a'), pod('a-a', 'a')], want: ['delete a-b Duplicate', 'keep a-a'] },
    { name: 'RollingUpdate, template changed → delete, no create yet', dss: [ds('a')], pods: [pod('a-1', 'a', { templateHash: 'h1' })], want: ['delete a-1 TemplateChanged'] },
    { name: 'OnDelete, template changed → keep the old pod', dss: [ds('a', { updateStrategyType: 'OnDelete' })], pods: [pod('a-1', 'a', { templateHash: 'h1' })], want: ['keep a-1'] },
    { name: 'a stale generation alone is not a change', dss: [ds('a')], pods: [pod('a-1', 'a', { templateGeneration: 1 })], want: ['keep a-1'] },
    { name: 'terminating pod only → wait, do not create', dss: [ds('a')], pods: [pod('a-1', 'a', TERMINATING)], want: ['wait default/a'] },
    { name: 'terminating pod and no shouldRun → nothing', dss: [ds('a', { placement: STAY })], pods: [pod('a-1', 'a', TERMINATING)], want: [] },
    { name: 'terminating plus a live pod → keep the live one', dss: [ds('a')], pods: [pod('a-1', 'a', TERMINATING), pod('a-2', 'a', LATER)], want: ['keep a-2'] },
    { name: 'terminating pod of a deleted DaemonSet is left alone', dss: [], pods: [pod('a-1', 'a', TERMINATING)], want: [] },
    { name: 'outdated duplicates under RollingUpdate → all stop', dss: [ds('a')], pods: [pod('a-1', 'a', { templateHash: 'h1' }), pod('a-2', 'a', LATER)], want: ['delete a-2 Duplicate', 'delete a-1 TemplateChanged'] },
    { name: 'same name, other namespace is another DaemonSet', dss: [ds('a')], pods: [pod('a-1', 'a', { daemonSet: { namespace: 'other', name: 'a' } })], want: ['create default/a Missing', 'delete a-1 DaemonSetDeleted'] },
    { name: 'DaemonSets are independent', dss: [ds('a'), ds('b')], pods: [pod('b-1', 'b')], want: ['create default/a Missing', 'keep b-1'] },
  ])('$name', ({ dss, pods, want }) => {
    expect(summarize(computePlan({ daemonSets: dss, pods, now: 0 }))).toEqual(want);
  });

  test('terminating pods are listed, and reasons are words', () => {
    const plan = computePlan({ daemonSets: [ds('a', { placement: GONE })], pods: [pod('a-1', 'a'), pod('a-0', 'a', TERMINATING)], now: 0 });
    expect(plan.terminating).toEqual(['a-0']);
    expect(plan.delete[0]?.reason).toContain('nodeSelector disk=ssd');
  });
});

/** A seeded generator (the one pod names use), so a failing case can be replayed from its seed. */
function seeded(seed: number): () => number {
  return seededRng(String(seed));
}

function randomInput(rng: () => number): { daemonSets: DesiredDaemonSet[]; pods: PodRecord[] } {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)] as T;
  const names = ['a', 'b', 'c', 'd'];
  const daemonSets = names.filter(() => rng() < 0.7).map((n) => ds(n, {
    templateHash: pick(['h1', 'h2']),
    updateStrategyType: pick(['RollingUpdate', 'OnDelete'] as const),
    placement: { shouldRun: rng() < 0.6, shouldContinueRunning: rng() < 0.7, rules: rng() < 0.5 ? [] : EVICT.rules ?? [] },
  }));
  const pods = Array.from({ length: Math.floor(rng() * 7) }, (_, i) => pod(`p${i}`, pick([...names, 'zombie']), {
    templateHash: pick(['h1', 'h2']),
    creationTimestamp: `2024-01-0${1 + Math.floor(rng() * 3)}T00:00:00Z`,
    ...(rng() < 0.25 ? TERMINATING : {}),
  }));
  return { daemonSets, pods };
}

describe('computePlan invariants (seeded random inputs)', () => {
  const seeds = Array.from({ length: 300 }, (_, i) => i + 1);
  test.each(seeds)('seed %i', (seed) => {
    const input = randomInput(seeded(seed));
    const plan = computePlan({ ...input, now: 0 });
    const byName = new Map(input.pods.map((p) => [p.name, p]));
    const dsOf = (name: string): string => { const p = byName.get(name); return p ? `${p.daemonSet.namespace}/${p.daemonSet.name}` : '?'; };
    const desired = new Map(input.daemonSets.map((d) => [d.key, d]));
    for (const c of plan.create) {
      // never create while the DaemonSet has any pod (live, kept or terminating), nor when shouldRun is false
      expect(input.pods.some((p) => dsOf(p.name) === c.daemonSet)).toBe(false);
      expect(desired.get(c.daemonSet)?.placement.shouldRun).toBe(true);
    }
    expect(new Set(plan.create.map((c) => c.daemonSet)).size).toBe(plan.create.length);
    for (const d of plan.delete) {
      expect(byName.has(d.pod)).toBe(true);
      expect(byName.get(d.pod)?.deletionTimestamp).toBeUndefined();
    }
    // every input pod is in exactly one of keep / delete / terminating
    const seen = [...plan.keep, ...plan.delete.map((d) => d.pod), ...plan.terminating].sort();
    expect(seen).toEqual(input.pods.map((p) => p.name).sort());
    // at most one kept pod per DaemonSet, and only where it may continue
    const keptDs = plan.keep.map(dsOf);
    expect(new Set(keptDs).size).toBe(keptDs.length);
    for (const key of keptDs) expect(desired.get(key)?.placement.shouldContinueRunning).toBe(true);
    // pure: the same input gives the same plan
    expect(computePlan({ ...input, now: 0 })).toEqual(plan);
  });
});

describe('computePlan: NoExecute tolerationSeconds (the taint manager)', () => {
  const START = Date.parse('2024-01-01T00:00:00Z'); // pod() creationTimestamp
  const tolerated = (addedMs: number, seconds: number): PlanPlacement => ({ ...RUN, noExecuteDeadlines: [{ taint: 'k=v:NoExecute', addedMs, seconds }] });

  test.each([
    { name: 'before the deadline: kept, and the deadline is when to plan again', placement: tolerated(START + 10_000, 30), now: START + 20_000, want: ['keep a-0'], next: START + 40_000 },
    { name: 'at the deadline: evicted', placement: tolerated(START + 10_000, 30), now: START + 40_000, want: ['delete a-0 NoExecuteTaint'], next: undefined },
    { name: 'a taint older than the pod counts from the pod start', placement: tolerated(START - 3_600_000, 30), now: START + 29_000, want: ['keep a-0'], next: START + 30_000 },
    { name: 'tolerationSeconds 0: evicted at once', placement: { ...tolerated(START, 0), shouldRun: false }, now: START, want: ['delete a-0 NoExecuteTaint'], next: undefined },
    { name: 'the taint went away: no deadline, kept', placement: RUN, now: START + 3_600_000, want: ['keep a-0'], next: undefined },
  ])('$name', ({ placement, now, want, next }) => {
    const plan = computePlan({ daemonSets: [ds('a', { placement })], pods: [pod('a-0', 'a')], now });
    expect(summarize(plan)).toEqual(want);
    expect(plan.nextEvictionAt).toBe(next);
    if (want[0]?.startsWith('delete')) expect(plan.delete[0]!.reason).toMatch(/^evicted: tolerationSeconds ran out \(tolerated k=v:NoExecute for \d+s\)$/);
  });

  test('no pod yet: created (its own countdown starts when it does)', () => {
    const plan = computePlan({ daemonSets: [ds('a', { placement: tolerated(START, 30) })], pods: [], now: START + 3_600_000 });
    expect(summarize(plan)).toEqual(['create default/a Missing']);
  });
});

describe('computePlan: RollingUpdate with maxSurge (update.go, surge branch, one node)', () => {
  const RUNNING = { containers: [{ name: 'main', phase: 'running' as const, restartCount: 0, startedAt: '2024-01-01T00:00:00Z' }], spec: { containers: [{ name: 'main' }] } };
  const STARTING = { containers: [{ name: 'main', phase: 'waiting' as const, reason: 'ContainerCreating', restartCount: 0 }], spec: { containers: [{ name: 'main' }] } };
  const OLD = { templateHash: 'h1' };
  const SURGE = { maxSurge: 1 };
  const T = Date.parse('2024-01-01T00:00:00Z');
  test.each([
    { name: 'an outdated pod and no new one: the new one starts beside it', pods: [pod('a-0', 'a', { ...OLD, ...RUNNING })], now: T, want: ['create default/a Surge', 'keep a-0'] },
    { name: 'even when the old one is not available', pods: [pod('a-0', 'a', { ...OLD, ...STARTING })], now: T, want: ['create default/a Surge', 'keep a-0'] },
    { name: 'the new one is not ready yet: both kept', pods: [pod('a-0', 'a', { ...OLD, ...RUNNING }), pod('a-1', 'a', { ...LATER, ...STARTING })], now: T, want: ['keep a-0', 'keep a-1'] },
    { name: 'the new one is available: the old one stops', pods: [pod('a-0', 'a', { ...OLD, ...RUNNING }), pod('a-1', 'a', { ...LATER, ...RUNNING })], now: T, want: ['delete a-0 TemplateChanged', 'keep a-1'] },
    { name: 'two outdated pods: the younger is a duplicate', pods: [pod('a-0', 'a', { ...OLD, ...RUNNING }), pod('a-2', 'a', { ...OLD, ...LATER, ...RUNNING })], now: T, want: ['create default/a Surge', 'delete a-2 Duplicate', 'keep a-0'] },
    { name: 'no outdated pod: the usual rules', pods: [pod('a-1', 'a', { ...RUNNING })], now: T, want: ['keep a-1'] },
  ])('$name', ({ pods, now, want }) => {
    expect(summarize(computePlan({ daemonSets: [ds('a', SURGE)], pods, now })).sort()).toEqual([...want].sort());
  });

  test('minReadySeconds: the old pod stays until the new one has been ready that long', () => {
    const pods = [pod('a-0', 'a', { ...OLD, ...RUNNING }), pod('a-1', 'a', { ...LATER, ...RUNNING, containers: [{ name: 'main', phase: 'running', restartCount: 0, startedAt: '2024-01-02T00:00:00Z' }] })];
    const at = Date.parse('2024-01-02T00:00:00Z');
    const plan = (now: number) => summarize(computePlan({ daemonSets: [ds('a', { ...SURGE, minReadySeconds: 5 })], pods, now })).sort();
    // The stamp is to the second: ready at any instant of 00:00:00, so not available before 00:00:06.
    expect(plan(at + 5999)).toEqual(['keep a-0', 'keep a-1']);
    expect(plan(at + 6000)).toEqual(['delete a-0 TemplateChanged', 'keep a-1']);
  });

  test('maxSurge 0: stop first, never two at once', () => {
    const plan = computePlan({ daemonSets: [ds('a', { maxSurge: 0 })], pods: [pod('a-0', 'a', { ...OLD, ...RUNNING })], now: T });
    expect(summarize(plan)).toEqual(['delete a-0 TemplateChanged']);
  });
});
