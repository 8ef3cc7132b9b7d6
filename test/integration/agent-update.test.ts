// Issue 6, updates: the real agent rolls a DaemonSet on a template change the way the DaemonSet
// controller does on one node, checked by the pids of the daemons while it happens.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { fixtureDs, isAlive, prepareRoot, startAgent, statePids } from '../helpers/agent.js';
import { runCli, writeManifest } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';

/** forever.mjs with a marker argument (changing it changes the template) and an update strategy. */
function ds(name: string, marker: string, strategy: string, annotations = ''): string {
  const text = fixtureDs(name, 'forever.mjs', [marker]);
  const withStrategy = text.replace('spec:\n', `spec:\n  updateStrategy: ${strategy}\n`);
  return annotations ? withStrategy.replace(`metadata: {name: ${name}}`, `metadata: {name: ${name}, annotations: {${annotations}}}`) : withStrategy;
}

/** Samples the live pids of the DaemonSet's pods until `done`, returning the most seen at once. */
async function watchOverlap(root: string, prefix: string, done: () => Promise<boolean>): Promise<{ maxAlive: number; pids: Set<number> }> {
  let maxAlive = 0;
  const pids = new Set<number>();
  await waitFor(async () => {
    const live = Object.entries(await statePids(root)).filter(([k]) => k.startsWith(prefix)).map(([, pid]) => pid);
    let alive = 0;
    for (const pid of live) if (await isAlive(pid)) { alive++; pids.add(pid); }
    maxAlive = Math.max(maxAlive, alive);
    return done();
  }, 20_000, 'the rollout to finish', 10);
  return { maxAlive, pids };
}

async function onlyPid(root: string, prefix: string): Promise<number | undefined> {
  const pids = Object.entries(await statePids(root)).filter(([k]) => k.startsWith(prefix)).map(([, p]) => p);
  return pids.length === 1 ? pids[0] : undefined;
}

describe('RollingUpdate', () => {
  test('maxSurge 0 (the default): the old pod stops before the new one starts, never two at once', async () => {
    const root = await prepareRoot({ 'a.yaml': ds('a', 'v1', '{type: RollingUpdate}') });
    const agent = await startAgent(root);
    await waitFor(async () => (await onlyPid(root, 'a-')) !== undefined, 10_000, 'a running');
    const oldPid = (await onlyPid(root, 'a-'))!;
    await writeManifest(root, 'a.yaml', ds('a', 'v2', '{type: RollingUpdate}'));
    const seen = await watchOverlap(root, 'a-', async () => {
      const p = await onlyPid(root, 'a-');
      return p !== undefined && p !== oldPid && await isAlive(p);
    });
    expect(seen.maxAlive).toBe(1);
    expect(await isAlive(oldPid)).toBe(false);
    await agent.stop();
  }, 30_000);

  test('maxSurge 1: the new pod starts beside the old one, which stops once the new one is available', async () => {
    const strategy = '{type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}';
    const root = await prepareRoot({ 'b.yaml': ds('b', 'v1', strategy).replace('spec:\n', 'spec:\n  minReadySeconds: 1\n') });
    const agent = await startAgent(root);
    await waitFor(async () => (await onlyPid(root, 'b-')) !== undefined, 10_000, 'b running');
    const oldPid = (await onlyPid(root, 'b-'))!;
    await writeManifest(root, 'b.yaml', ds('b', 'v2', strategy).replace('spec:\n', 'spec:\n  minReadySeconds: 1\n'));
    const seen = await watchOverlap(root, 'b-', async () => {
      const p = await onlyPid(root, 'b-');
      return p !== undefined && p !== oldPid && !(await isAlive(oldPid));
    });
    // Both ran for a while (at least minReadySeconds), then only the new one.
    expect(seen.maxAlive).toBe(2);
    expect(seen.pids.size).toBe(2);
    expect(agent.output()).toContain('is available: the old one is stopped (maxSurge)');
    await agent.stop();
  }, 30_000);

  test('OnDelete: the old pod runs on until deleted; its replacement has the new template', async () => {
    const root = await prepareRoot({ 'c.yaml': ds('c', 'v1', '{type: OnDelete}') });
    const agent = await startAgent(root);
    await waitFor(async () => (await onlyPid(root, 'c-')) !== undefined, 10_000, 'c running');
    const oldPid = (await onlyPid(root, 'c-'))!;
    await writeManifest(root, 'c.yaml', ds('c', 'v2', '{type: OnDelete}'));
    await waitFor(async () => (await runCli(['get', 'ds', 'c'], { root })).stdout.match(/^c\s+1\s+1\s+1\s+0\s/m) !== null, 5000, 'UP-TO-DATE 0');
    expect(await onlyPid(root, 'c-')).toBe(oldPid);
    const pod = Object.keys(await statePids(root)).find((k) => k.startsWith('c-'))!.split('/')[0]!;
    expect((await runCli(['delete', 'pod', pod], { root })).code).toBe(0);
    await waitFor(async () => { const p = await onlyPid(root, 'c-'); return p !== undefined && p !== oldPid; }, 10_000, 'the replacement');
    await waitFor(async () => (await runCli(['get', 'ds', 'c'], { root })).stdout.match(/^c\s+1\s+1\s+1\s+1\s/m) !== null, 5000, 'UP-TO-DATE 1');
    await agent.stop();
  }, 30_000);

  test('fields outside the template (strategy, revisionHistoryLimit, minReadySeconds, DaemonSet annotations) restart nothing', async () => {
    const root = await prepareRoot({ 'd.yaml': ds('d', 'v1', '{type: RollingUpdate}') });
    const agent = await startAgent(root);
    await waitFor(async () => (await onlyPid(root, 'd-')) !== undefined, 10_000, 'd running');
    const pid = (await onlyPid(root, 'd-'))!;
    await writeManifest(root, 'd.yaml', ds('d', 'v1', '{type: OnDelete}', 'team: infra')
      .replace('spec:\n', 'spec:\n  revisionHistoryLimit: 3\n  minReadySeconds: 5\n'));
    await waitFor(async () => (await runCli(['get', 'ds', 'd', '-o', 'json'], { root })).stdout.includes('"OnDelete"'), 5000, 'the new manifest in effect');
    await new Promise((r) => setTimeout(r, 500));
    expect(await onlyPid(root, 'd-')).toBe(pid);
    expect(await isAlive(pid)).toBe(true);
    await agent.stop();
  }, 30_000);
});

describe('hostds.io/restart-on-change', () => {
  test('editing a listed file rolls the daemon; an unrelated edit does not; a missing file appearing counts', async () => {
    const root = await prepareRoot({});
    const conf = join(root, 'app.conf');
    const later = join(root, 'later.conf');
    await writeFile(conf, 'level=info\n');
    await writeManifest(root, 'e.yaml', ds('e', 'v1', '{type: RollingUpdate}', `hostds.io/restart-on-change: "${conf},${later}"`));
    const agent = await startAgent(root);
    await waitFor(async () => (await onlyPid(root, 'e-')) !== undefined, 10_000, 'e running');
    const first = (await onlyPid(root, 'e-'))!;
    await writeFile(join(root, 'unrelated.conf'), 'x\n');
    await writeFile(conf, 'level=info\n'); // same content: same revision
    await new Promise((r) => setTimeout(r, 500));
    expect(await onlyPid(root, 'e-')).toBe(first);

    await writeFile(conf, 'level=debug\n');
    await waitFor(async () => { const p = await onlyPid(root, 'e-'); return p !== undefined && p !== first; }, 10_000, 'a restart after the edit');
    const second = (await onlyPid(root, 'e-'))!;
    expect(await isAlive(first)).toBe(false);
    await waitFor(async () => (await runCli(['get', 'ds', 'e'], { root })).stdout.match(/^e\s+1\s+1\s+1\s+1\s/m) !== null, 5000, 'UP-TO-DATE 1 in get ds');

    await writeFile(later, 'new file\n');
    await waitFor(async () => { const p = await onlyPid(root, 'e-'); return p !== undefined && p !== second; }, 10_000, 'a restart once the missing file appears');
    await agent.stop();
  }, 40_000);
});

describe('rollout with the agent: history, undo, restart, status as the gate', () => {
  test('two templates make two revisions; undo rolls back to the first; restart rolls again; status waits for each', async () => {
    const root = await prepareRoot({ 'r.yaml': ds('r', 'v1', '{type: RollingUpdate}') });
    const agent = await startAgent(root);
    expect((await runCli(['rollout', 'status', 'ds/r', '--timeout', '20s'], { root })).stdout).toContain('daemon set "r" successfully rolled out');
    const first = (await onlyPid(root, 'r-'))!;
    await writeManifest(root, 'r.yaml', ds('r', 'v2', '{type: RollingUpdate}'));
    const st = await runCli(['rollout', 'status', 'ds/r', '--timeout', '20s'], { root });
    expect(st.code).toBe(0);
    const second = (await onlyPid(root, 'r-'))!;
    expect(second).not.toBe(first);
    await waitFor(async () => /^2\s/m.test((await runCli(['rollout', 'history', 'ds/r'], { root })).stdout), 5000, 'revision 2 recorded by the agent');
    expect((await runCli(['rollout', 'history', 'ds/r'], { root })).stdout).toMatch(/REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);

    const undo = await runCli(['rollout', 'undo', 'ds/r'], { root });
    expect(undo.stdout).toContain('daemonset.apps/r rolled back');
    expect(undo.stdout).toContain('r.yaml');
    expect((await runCli(['rollout', 'status', 'ds/r', '--timeout', '20s'], { root })).code).toBe(0);
    const third = (await onlyPid(root, 'r-'))!;
    expect(third).not.toBe(second);
    expect(await runsMarker(third, 'v1')).toBe(true);
    await waitFor(async () => /^2\s+<none>\n3\s+<none>/m.test((await runCli(['rollout', 'history', 'ds/r'], { root })).stdout), 5000, 'revision 1 renumbered to 3');

    expect((await runCli(['rollout', 'restart', 'ds/r'], { root })).stdout).toContain('daemonset.apps/r restarted');
    expect((await runCli(['rollout', 'status', 'ds/r', '--timeout', '20s'], { root })).code).toBe(0);
    expect(await onlyPid(root, 'r-')).not.toBe(third);
    await agent.stop();
  }, 60_000);
});

/** The process's command line says which template it runs (the marker argument). */
async function runsMarker(pid: number, marker: string): Promise<boolean> {
  return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').includes(marker);
}
