// The marker scan against the real /proc: it reads each environ whole (however long), takes only
// group leaders, and finds a marker wherever it sits in the environment.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, expect, test } from 'vitest';
import { encodeMarker, listMarkedProcesses } from '../../src/supervise/proc.js';
import { waitFor } from '../helpers/wait.js';

const started: ChildProcess[] = [];
afterEach(() => {
  for (const c of started.splice(0)) if (c.pid !== undefined && c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

const marker = (rootId: string, pod: string): string =>
  encodeMarker({ rootId, pod, podUid: `uid-${pod}`, container: 'main', daemonSet: 'default/ds', templateHash: 'h' });

function sleeper(env: Record<string, string>, detached: boolean): ChildProcess {
  const child = spawn('/bin/sleep', ['100000'], { env, detached, stdio: 'ignore' });
  started.push(child);
  return child;
}

test('markers are found after a 200 KB environment, first in it, and never in a process that is not its group leader', async () => {
  const rootId = `scan-${process.pid}`;
  const big = { PATH: '/usr/bin:/bin', ...Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`PAD${i}`, 'x'.repeat(1000)])) };
  const late = sleeper({ ...big, HOSTDS_POD_MARKER: marker(rootId, 'late') }, true);
  const early = sleeper({ HOSTDS_POD_MARKER: marker(rootId, 'early'), PATH: '/usr/bin:/bin' }, true);
  // Not detached: in the test runner's group, so not a leader the runner could have started.
  const member = sleeper({ HOSTDS_POD_MARKER: marker(rootId, 'member') }, false);
  const other = sleeper({ HOSTDS_POD_MARKER: marker(`${rootId}-other`, 'other') }, true);
  await waitFor(() => [late, early, member, other].every((c) => c.pid !== undefined), 5000, 'the sleepers');
  const found = await listMarkedProcesses(rootId);
  expect(found.map((p) => [p.marker.pod, p.pid]).sort()).toEqual([['early', early.pid], ['late', late.pid]].sort());
  for (const p of found) expect(p.procStart).toMatch(/^\d+$/);
});
