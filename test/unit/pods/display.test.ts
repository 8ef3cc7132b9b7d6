// The PodView rows port k8s pkg/printers/internalversion/printers_test.go TestPrintPod (test1-17
// and the Terminating rows); the record rows check how hostds' own state reads in kubectl terms.
import { describe, expect, test } from 'vitest';
import type { ContainerRecord, PodRecord } from '../../../src/pods/types.js';
import {
  containerStatusObject, daemonSetCounts, podPhase, podReadyText, podRestartsText, podStatusText, printPodColumns,
  signalNumber, type ContainerState, type ContainerStatusObject, type PodView,
} from '../../../src/pods/display.js';

const NOW = Date.parse('2024-06-01T12:00:00Z');
const ago = (ms: number): string => new Date(NOW - ms).toISOString();
const S = 1000;
const DAY = 24 * 3600 * S;

function cs(state: ContainerState, over: Partial<ContainerStatusObject> = {}): ContainerStatusObject {
  return { name: '', ready: false, restartCount: 0, started: false, state, lastState: {}, ...over };
}
const running = (over: Partial<ContainerStatusObject> = {}): ContainerStatusObject => cs({ running: {} }, { ready: true, ...over });
const lastFinished = (ms: number): ContainerState => ({ terminated: { exitCode: 1, finishedAt: ago(ms) } });

function view(over: Partial<PodView>): PodView {
  return { phase: 'podPhase', deleting: false, containerCount: 2, initContainers: [], initContainerStatuses: [], containerStatuses: [], isReady: false, ...over };
}
const inits = (n: number): PodView['initContainers'] => Array.from({ length: n }, (_, i) => ({ name: `i${i}`, restartable: false }));

describe('printPodColumns (kubectl TestPrintPod)', () => {
  test.each([
    { name: 'test1: ready count and restarts', v: view({ containerStatuses: [running({ restartCount: 3 }), cs({}, { restartCount: 3 })] }), want: ['1/2', 'podPhase', '6'] },
    { name: 'test2: a waiting reason overrides the phase', v: view({ containerStatuses: [running({ restartCount: 3 }), cs({ waiting: { reason: 'ContainerWaitingReason' } }, { restartCount: 3 })] }), want: ['1/2', 'ContainerWaitingReason', '6'] },
    { name: 'test3: the first container wins', v: view({ containerStatuses: [cs({ waiting: { reason: 'ContainerWaitingReason' } }, { restartCount: 3 }), cs({ terminated: { exitCode: 0, reason: 'ContainerTerminatedReason' } }, { restartCount: 3 })] }), want: ['0/2', 'ContainerWaitingReason', '6'] },
    { name: 'test4: ready without running is not counted', v: view({ containerStatuses: [running({ restartCount: 3 }), cs({}, { ready: true, restartCount: 3 })] }), want: ['1/2', 'podPhase', '6'] },
    { name: 'test5: status.reason overrides the phase', v: view({ reason: 'podReason', containerStatuses: [running({ restartCount: 3 }), cs({}, { ready: true, restartCount: 3 })] }), want: ['1/2', 'podReason', '6'] },
    { name: 'test6: Completed + running without Ready → NotReady', v: view({ phase: 'Running', containerStatuses: [cs({ terminated: { exitCode: 0, reason: 'Completed' } }, { ready: true, restartCount: 3 }), running({ restartCount: 3 })] }), want: ['1/2', 'NotReady', '6'] },
    { name: 'test6b: Completed + running with Ready → Running', v: view({ phase: 'Running', isReady: true, containerStatuses: [cs({ terminated: { exitCode: 0, reason: 'Completed' } }, { ready: true, restartCount: 3 }), running({ restartCount: 3 })] }), want: ['1/2', 'Running', '6'] },
    { name: 'test7: init container restarting → Init:0/1', v: view({ containerCount: 1, initContainers: inits(1), initContainerStatuses: [cs({ running: {} }, { name: 'i0', restartCount: 3, lastState: lastFinished(10 * S) })], containerStatuses: [cs({ waiting: {} })] }), want: ['0/1', 'Init:0/1', '3 (10s ago)'] },
    { name: 'test8: first of two init containers restarting → Init:0/2', v: view({ containerCount: 1, initContainers: inits(2), initContainerStatuses: [cs({ running: {} }, { name: 'i0', restartCount: 3, lastState: lastFinished(10 * S) }), cs({ waiting: {} }, { name: 'i1' })], containerStatuses: [cs({ waiting: {} })] }), want: ['0/1', 'Init:0/2', '3 (10s ago)'] },
    { name: 'test9: one init done, the second restarting → Init:1/2', v: view({ containerCount: 1, initContainers: inits(2), initContainerStatuses: [cs({ terminated: { exitCode: 0 } }, { name: 'i0' }), cs({ running: {} }, { name: 'i1', restartCount: 3, lastState: lastFinished(10 * S) })], containerStatuses: [cs({ waiting: {} })] }), want: ['0/1', 'Init:1/2', '3 (10s ago)'] },
    { name: 'test10: init restarts add up', v: view({ containerCount: 1, initContainers: inits(2), initContainerStatuses: [cs({ terminated: { exitCode: 0 } }, { name: 'i0', restartCount: 2, lastState: lastFinished(120 * S) }), cs({ running: {} }, { name: 'i1', restartCount: 3, lastState: lastFinished(10 * S) })], containerStatuses: [cs({ waiting: {} })] }), want: ['0/1', 'Init:1/2', '5 (10s ago)'] },
    { name: 'test11: once initialized only container restarts count', v: view({ phase: 'Running', containerCount: 1, initContainers: inits(1), initContainerStatuses: [cs({ terminated: { exitCode: 0 } }, { name: 'i0', restartCount: 2, lastState: lastFinished(120 * S) })], containerStatuses: [cs({ running: {} }, { restartCount: 4, lastState: lastFinished(20 * S) })] }), want: ['0/1', 'Running', '4 (20s ago)'] },
    { name: 'test12: restarted 5d ago', v: view({ phase: 'Running', containerCount: 1, containerStatuses: [running({ restartCount: 3, lastState: lastFinished(5 * DAY) })] }), want: ['1/1', 'Running', '3 (5d ago)'] },
    { name: 'test13: one never restarted, the other 10d ago', v: view({ phase: 'Running', containerStatuses: [running(), running({ restartCount: 3, lastState: lastFinished(10 * DAY) })] }), want: ['2/2', 'Running', '3 (10d ago)'] },
    { name: 'test14: the latest restart is shown', v: view({ phase: 'Running', containerStatuses: [running({ restartCount: 6, lastState: lastFinished(5 * DAY) }), running({ restartCount: 3, lastState: lastFinished(20 * DAY) })] }), want: ['2/2', 'Running', '9 (5d ago)'] },
    { name: 'test16: Succeeded shows Completed', v: view({ phase: 'Succeeded', containerCount: 1, containerStatuses: [cs({ terminated: { exitCode: 0, reason: 'Completed' } })] }), want: ['0/1', 'Completed', '0'] },
    { name: 'test17: Failed shows Error', v: view({ phase: 'Failed', containerCount: 1, containerStatuses: [cs({ terminated: { exitCode: 1, reason: 'Error' } })] }), want: ['0/1', 'Error', '0'] },
    { name: 'test18: Succeeded while deleting stays Completed', v: view({ phase: 'Succeeded', deleting: true, containerCount: 1, containerStatuses: [cs({ terminated: { exitCode: 0, reason: 'Completed' } })] }), want: ['0/1', 'Completed', '0'] },
    { name: 'test19: Running while deleting → Terminating', v: view({ phase: 'Running', deleting: true, containerCount: 1, containerStatuses: [running()] }), want: ['1/1', 'Terminating', '0'] },
    { name: 'no reason: Signal:N', v: view({ containerCount: 1, containerStatuses: [cs({ terminated: { exitCode: 0, signal: 9 } })] }), want: ['0/1', 'Signal:9', '0'] },
    { name: 'no reason: ExitCode:N', v: view({ containerCount: 1, containerStatuses: [cs({ terminated: { exitCode: 2 } })] }), want: ['0/1', 'ExitCode:2', '0'] },
    { name: 'init failed with a reason → Init:Error', v: view({ containerCount: 1, initContainers: inits(1), initContainerStatuses: [cs({ terminated: { exitCode: 1, reason: 'Error' } }, { name: 'i0' })] }), want: ['0/1', 'Init:Error', '0'] },
    { name: 'init failed by a signal → Init:Signal:N', v: view({ containerCount: 1, initContainers: inits(1), initContainerStatuses: [cs({ terminated: { exitCode: 137, signal: 9 } }, { name: 'i0' })] }), want: ['0/1', 'Init:Signal:9', '0'] },
    { name: 'init in backoff → Init:CrashLoopBackOff', v: view({ containerCount: 1, initContainers: inits(1), initContainerStatuses: [cs({ waiting: { reason: 'CrashLoopBackOff' } }, { name: 'i0', restartCount: 4, lastState: lastFinished(30 * S) })] }), want: ['0/1', 'Init:CrashLoopBackOff', '4 (30s ago)'] },
    { name: 'a started sidecar init container counts as a container', v: view({ phase: 'Running', containerCount: 1, initContainers: [{ name: 'i0', restartable: true }], initContainerStatuses: [running({ name: 'i0', started: true, restartCount: 1, lastState: lastFinished(60 * S) })], containerStatuses: [running()] }), want: ['2/2', 'Running', '1 (60s ago)'] },
  ])('$name', ({ v, want }) => {
    const c = printPodColumns(v, NOW);
    expect([c.ready, c.status, c.restarts]).toEqual(want);
  });
});

function rec(over: Partial<ContainerRecord>): ContainerRecord {
  return { name: 'c', phase: 'running', restartCount: 0, startedAt: ago(60 * S), ...over };
}

function podOf(containers: ContainerRecord[], over: Partial<PodRecord> = {}, initContainers: ContainerRecord[] = []): PodRecord {
  return {
    name: 'ds-bcdfg', namespace: 'default', uid: 'u', daemonSet: { namespace: 'default', name: 'ds' }, templateHash: 'h2',
    templateGeneration: 1, labels: {}, creationTimestamp: ago(3600 * S),
    spec: { containers: containers.map((c) => ({ name: c.name })), initContainers: initContainers.map((c) => ({ name: c.name })) },
    containers, initContainers, ...over,
  };
}

const crashed = { exitCode: 1, reason: 'Error', finishedAt: ago(5 * 60 * S) };

describe('pod records as kubectl shows them', () => {
  test.each([
    { name: 'nothing started yet → ContainerCreating', pod: podOf([rec({ phase: 'waiting', reason: 'ContainerCreating', startedAt: undefined })]), want: ['0/1', 'ContainerCreating', '0', 'Pending'] },
    { name: 'waiting without reason → Pending', pod: podOf([rec({ phase: 'waiting', startedAt: undefined })]), want: ['0/1', 'Pending', '0', 'Pending'] },
    { name: 'running → Running', pod: podOf([rec({})]), want: ['1/1', 'Running', '0', 'Running'] },
    { name: 'one of two running', pod: podOf([rec({ name: 'a' }), rec({ name: 'b', phase: 'waiting', reason: 'CrashLoopBackOff', restartCount: 3, lastTerminated: crashed })]), want: ['1/2', 'CrashLoopBackOff', '3 (5m ago)', 'Running'] },
    { name: 'crash loop', pod: podOf([rec({ phase: 'waiting', reason: 'CrashLoopBackOff', restartCount: 5, lastTerminated: crashed })]), want: ['0/1', 'CrashLoopBackOff', '5 (5m ago)', 'Running'] },
    { name: 'just exited with an error', pod: podOf([rec({ phase: 'terminated', restartCount: 1, lastTerminated: crashed })]), want: ['0/1', 'Error', '1', 'Running'] },
    { name: 'init container running → Init:0/1', pod: podOf([rec({ phase: 'waiting', reason: 'PodInitializing' })], {}, [rec({ name: 'init' })]), want: ['0/1', 'Init:0/1', '0', 'Pending'] },
    { name: 'init done, main starting → PodInitializing', pod: podOf([rec({ phase: 'waiting', reason: 'PodInitializing' })], {}, [rec({ name: 'init', phase: 'terminated', lastTerminated: { exitCode: 0, reason: 'Completed', finishedAt: ago(S) } })]), want: ['0/1', 'PodInitializing', '0', 'Pending'] },
    { name: 'init crash loop', pod: podOf([rec({ phase: 'waiting', reason: 'PodInitializing' })], {}, [rec({ name: 'init', phase: 'waiting', reason: 'CrashLoopBackOff', restartCount: 2, lastTerminated: crashed })]), want: ['0/1', 'Init:CrashLoopBackOff', '2 (5m ago)', 'Pending'] },
    { name: 'deleting → Terminating', pod: podOf([rec({})], { deletionTimestamp: ago(S) }), want: ['1/1', 'Terminating', '0', 'Running'] },
    { name: 'killed with no reason recorded → Signal:9', pod: podOf([rec({ phase: 'terminated', lastTerminated: { exitCode: null, signal: 'SIGKILL', reason: '', finishedAt: ago(S) } })]), want: ['0/1', 'Signal:9', '0', 'Running'] },
  ])('$name', ({ pod, want }) => {
    expect([podReadyText(pod), podStatusText(pod, NOW), podRestartsText(pod, NOW), podPhase(pod)]).toEqual(want);
  });

  test.each([
    { name: 'restartPolicy Never, failed → Failed', policy: 'Never', exit: 1, want: 'Failed' },
    { name: 'restartPolicy Never, exit 0 → Succeeded', policy: 'Never', exit: 0, want: 'Succeeded' },
    { name: 'restartPolicy OnFailure, exit 0 → Succeeded', policy: 'OnFailure', exit: 0, want: 'Succeeded' },
    { name: 'restartPolicy Always, exit 0 → Running (restarting)', policy: 'Always', exit: 0, want: 'Running' },
  ])('podPhase: $name', ({ policy, exit, want }) => {
    const p = podOf([rec({ phase: 'terminated', lastTerminated: { exitCode: exit, reason: 'x', finishedAt: ago(S) } })]);
    p.spec.restartPolicy = policy;
    expect(podPhase(p)).toBe(want);
  });
});

describe('containerStatusObject', () => {
  test.each([
    { name: 'running', c: rec({ startedAt: 't0' }), want: { ready: true, started: true, state: { running: { startedAt: 't0' } }, lastState: {} } },
    { name: 'waiting in backoff keeps the last termination', c: rec({ phase: 'waiting', reason: 'CrashLoopBackOff', message: 'back-off 10s', lastTerminated: { exitCode: 1, reason: 'Error', signal: 'SIGTERM', finishedAt: 't1' } }), want: { ready: false, started: false, state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } }, lastState: { terminated: { exitCode: 1, reason: 'Error', signal: 15, finishedAt: 't1' } } } },
    { name: 'terminated uses lastTerminated as the state', c: rec({ phase: 'terminated', lastTerminated: { exitCode: 0, reason: 'Completed', startedAt: 't0', finishedAt: 't1' } }), want: { ready: false, started: false, state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: 't0', finishedAt: 't1' } }, lastState: {} } },
    { name: 'unknown exit code reads 137', c: rec({ phase: 'terminated', lastTerminated: { exitCode: null, reason: 'Unknown', finishedAt: 't1' } }), want: { ready: false, started: false, state: { terminated: { exitCode: 137, reason: 'Unknown', finishedAt: 't1' } }, lastState: {} } },
  ])('$name', ({ c, want }) => {
    expect(containerStatusObject(c)).toEqual({ name: 'c', restartCount: 0, ...want });
  });

  test.each([
    { input: 'SIGKILL', want: 9 }, { input: 'TERM', want: 15 }, { input: '2', want: 2 }, { input: 'SIGNOPE', want: undefined }, { input: undefined, want: undefined },
  ])('signalNumber($input) → $want', ({ input, want }) => {
    expect(signalNumber(input)).toBe(want);
  });
});

describe('daemonSetCounts for one node', () => {
  const RUN = { shouldRun: true };
  const NOT = { shouldRun: false };
  const ready = podOf([rec({ startedAt: ago(60 * S) })]);
  const starting = podOf([rec({ phase: 'waiting', reason: 'ContainerCreating', startedAt: undefined })]);
  const old = { ...ready, templateHash: 'h1' };
  const keys = ['desiredNumberScheduled', 'currentNumberScheduled', 'numberReady', 'updatedNumberScheduled', 'numberAvailable', 'numberMisscheduled', 'numberUnavailable'];
  test.each([
    { name: 'should run, no pod', pods: [], p: RUN, min: 0, want: [1, 0, 0, 0, 0, 0, 1] },
    { name: 'should run, ready and updated', pods: [ready], p: RUN, min: 0, want: [1, 1, 1, 1, 1, 0, 0] },
    { name: 'should run, starting', pods: [starting], p: RUN, min: 0, want: [1, 1, 0, 1, 0, 0, 1] },
    { name: 'old template: not updated', pods: [old], p: RUN, min: 0, want: [1, 1, 1, 0, 1, 0, 0] },
    { name: 'ready for 60s, minReadySeconds 30 → available', pods: [ready], p: RUN, min: 30, want: [1, 1, 1, 1, 1, 0, 0] },
    { name: 'ready for 60s, minReadySeconds 120 → not yet', pods: [ready], p: RUN, min: 120, want: [1, 1, 1, 1, 0, 0, 1] },
    { name: 'should not run but a pod does → misscheduled', pods: [ready], p: NOT, min: 0, want: [0, 0, 0, 0, 0, 1, 0] },
    { name: 'should not run, no pod', pods: [], p: NOT, min: 0, want: [0, 0, 0, 0, 0, 0, 0] },
    { name: 'a terminating (non-terminal) pod still counts', pods: [{ ...ready, deletionTimestamp: ago(S) }], p: RUN, min: 0, want: [1, 1, 1, 1, 1, 0, 0] },
    { name: 'the oldest pod is the one judged', pods: [{ ...starting, name: 'b', creationTimestamp: ago(10 * S) }, { ...old, name: 'a', creationTimestamp: ago(20 * S) }], p: RUN, min: 0, want: [1, 1, 1, 0, 1, 0, 0] },
  ])('$name', ({ pods, p, min, want }) => {
    const counts = daemonSetCounts(pods, p, 'h2', NOW, min) as unknown as Record<string, number>;
    expect(keys.map((k) => counts[k])).toEqual(want);
  });
});
