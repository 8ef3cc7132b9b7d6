// Start-up with many manifests: DaemonSets new to the host start while later files are still
// parsed (earlyStarts in agent.ts). What must hold however the two passes interleave: one pod per
// DaemonSet, the alphabetically first definition of a name wins, placement is respected, and a
// restart adopts what runs and starts only what is new.
import { describe, expect, test } from 'vitest';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { dsYaml, writeManifest } from '../helpers/cli.js';
import { getPods, prepareRoot, rootIdOf, startAgent, statePids, waitForRunning } from '../helpers/agent.js';
import { listMarkedProcesses } from '../../src/supervise/proc.js';

const COUNT = 150;

function manifests(): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < COUNT; i++) files[`d${String(i).padStart(3, '0')}.yaml`] = dsYaml(`d${i}`);
  // A later file redefines d0 (ignored: the first file wins) and one DaemonSet selects another node.
  files['z-dup.yaml'] = dsYaml('d0', { podSpec: 'terminationGracePeriodSeconds: 7' });
  files['z-elsewhere.yaml'] = dsYaml('elsewhere', { podSpec: 'nodeSelector: {kubernetes.io/hostname: not-this-host}' });
  return files;
}

const creations = (log: string): { ds: string; early: boolean }[] =>
  log.split('\n').filter((l) => l.includes('"creating pod"')).map((l) => JSON.parse(l) as { ds: string; early?: boolean }).map((e) => ({ ds: e.ds, early: e.early === true }));

async function daemonsByDs(root: string): Promise<Map<string, number[]>> {
  const by = new Map<string, number[]>();
  for (const p of await listMarkedProcesses(rootIdOf(root))) by.set(p.marker.daemonSet, [...(by.get(p.marker.daemonSet) ?? []), p.pid]);
  return by;
}

describe('agent start-up with many manifests', () => {
  test('one pod per DaemonSet, some started while manifests were still parsed; the first definition wins; placement holds', async () => {
    const root = await prepareRoot(manifests());
    const agent = await startAgent(root);
    try {
      await waitForRunning(root, COUNT, 60_000);
      const made = creations(agent.output());
      expect(made).toHaveLength(COUNT);
      expect(new Set(made.map((m) => m.ds)).size).toBe(COUNT);
      // Parsing 150 files outlasts the host measurements that early starts wait for.
      expect(made.filter((m) => m.early).length).toBeGreaterThan(0);
      expect(made.some((m) => m.ds === 'default/elsewhere')).toBe(false);
      const by = await daemonsByDs(root);
      expect(by.size).toBe(COUNT);
      for (const [ds, pids] of by) expect(pids, ds).toHaveLength(1);
      const state = JSON.parse(await readFile(join(root, 'var/lib/hostds/state.json'), 'utf8')) as { pods: { daemonSet: { name: string }; spec: { terminationGracePeriodSeconds?: number } }[] };
      const d0 = state.pods.filter((p) => p.daemonSet.name === 'd0');
      expect(d0).toHaveLength(1);
      expect(d0[0]!.spec.terminationGracePeriodSeconds).toBe(30); // the default, not the duplicate's 7
      expect(agent.output()).toMatch(/duplicate|already defined/);
    } finally {
      await agent.stop();
    }
  }, 120_000);

  test('a restart adopts every running daemon and starts only the DaemonSets added meanwhile', async () => {
    const root = await prepareRoot(manifests());
    let agent = await startAgent(root);
    let before: Record<string, number>;
    try {
      await waitForRunning(root, COUNT, 60_000);
      before = await statePids(root);
    } finally {
      await agent.stop(); // the daemons stay (no --stop-daemons-on-exit)
    }
    for (let i = 0; i < 20; i++) await writeManifest(root, `new${String(i).padStart(2, '0')}.yaml`, dsYaml(`new${i}`));
    agent = await startAgent(root);
    try {
      await waitForRunning(root, COUNT + 20, 60_000);
      const made = creations(agent.output());
      expect(made.map((m) => m.ds).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `default/new${i}`).sort());
      const after = await statePids(root);
      for (const [container, pid] of Object.entries(before)) expect(after[container], container).toBe(pid);
      for (const [ds, pids] of await daemonsByDs(root)) expect(pids, ds).toHaveLength(1);
    } finally {
      await agent.stop();
    }
  }, 120_000);

  test('with the state file lost, the daemons are rebuilt from their DaemonSets, none started twice', async () => {
    const root = await prepareRoot(manifests());
    let agent = await startAgent(root);
    try {
      await waitForRunning(root, COUNT, 60_000);
    } finally {
      await agent.stop();
    }
    const pidsBefore = [...(await daemonsByDs(root)).values()].flat().sort();
    await rm(join(root, 'var/lib/hostds/state.json'));
    agent = await startAgent(root);
    try {
      expect((await getPods(root)).length).toBe(COUNT);
      expect(creations(agent.output())).toEqual([]);
      expect([...(await daemonsByDs(root)).values()].flat().sort()).toEqual(pidsBefore);
    } finally {
      await agent.stop();
    }
  }, 120_000);
});
