// `hostds rollout status|history|undo|restart` through the real bin/hostds: history and the file
// rewrites without an agent (multi-document files with comments must survive), a seeded
// revisions.json, and `rollout status` without an agent (it times out) and with one (it succeeds).
import { describe, expect, test } from 'vitest';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { dsYaml, makeRoot, manifestPath, runCli, writeManifest } from '../helpers/cli.js';
import { fixtureDs, prepareRoot, startAgent, waitForRunning } from '../helpers/agent.js';
import { loadManifestText } from '../../src/manifest/load.js';
import { computeTemplateHash } from '../../src/pods/naming.js';
import type { Revision } from '../../src/state/revisions.js';

/** dsYaml with the image tag `tag` and, when given, a change-cause annotation. */
function versioned(name: string, tag: string, cause?: string): string {
  const text = dsYaml(name).replace('image: example/main', `image: example/main:${tag}`);
  return cause ? text.replace(`  name: ${name}\n`, `  name: ${name}\n  annotations:\n    kubernetes.io/change-cause: ${cause}\n`) : text;
}

/** A revision as the agent records it: the normalized template and its hash. */
function revisionOf(yamlText: string, revision: number, changeCause?: string): Revision {
  const template = loadManifestText(yamlText, { file: 'x.yaml', path: 'x.yaml', birthtimeMs: 0 }).daemonSets[0]!.ds.spec.template;
  return { revision, hash: computeTemplateHash(template), template, createdAt: '2024-01-01T00:00:00Z', ...(changeCause ? { changeCause } : {}) };
}

async function seedRevisions(root: string, revisions: Record<string, Revision[]>): Promise<void> {
  await mkdir(join(root, 'var/lib/hostds'), { recursive: true });
  await writeFile(join(root, 'var/lib/hostds/revisions.json'), JSON.stringify(revisions));
}

async function rootWith(files: Record<string, string>): Promise<{ root: string; hostds: (...a: string[]) => ReturnType<typeof runCli> }> {
  const root = await makeRoot();
  for (const [name, text] of Object.entries(files)) await writeManifest(root, name, text);
  return { root, hostds: (...args: string[]) => runCli(args, { root }) };
}

async function imageOf(hostds: (...a: string[]) => ReturnType<typeof runCli>, name: string): Promise<string> {
  const r = await hostds('get', 'ds', name, '-o', 'json');
  return (JSON.parse(r.stdout) as { spec: { template: { spec: { containers: { image: string }[] } } } }).spec.template.spec.containers[0]!.image;
}

/** Three documents: a commented ConfigMap, DaemonSet `a` with comments, DaemonSet `b` in flow style. */
const HEAD = '# fleet monitoring, managed by hand\napiVersion: v1\nkind: ConfigMap   # not for hostds\nmetadata: {name: settings}\n';
const TAIL = '---\n# b stays as it is\napiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: b}\nspec:\n  selector: {matchLabels: {app: b}}\n' +
  '  template:\n    metadata: {labels: {app: b}}\n    spec:\n      containers: [{name: main, image: "example/b", command: [/bin/sleep, "100000"]}]\n';
function multiDoc(aTag: string): string {
  const a = versioned('a', aTag).replace('kind: DaemonSet\n', 'kind: DaemonSet   # the monitor\n').replace('      containers:\n', '      # one container is enough\n      containers:\n');
  return `${HEAD}---\n# a: the monitor itself\n${a}${TAIL}`;
}

describe('rollout history', () => {
  test('without an agent or revisions.json the current template is revision 1, in kubectl\'s table', async () => {
    const { hostds } = await rootWith({ 'a.yaml': dsYaml('a'), 'c.yaml': versioned('c', '1', '"deploy v1"') });
    for (const target of [['ds/a'], ['daemonset', 'a'], ['daemonsets', 'a'], ['ds', 'a'], ['daemonset.apps/a']]) {
      const r = await hostds('rollout', 'history', ...target);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe('daemonset.apps/a \nREVISION  CHANGE-CAUSE\n1         <none>\n\n');
    }
    expect((await hostds('rollout', 'history', 'ds/c')).stdout).toBe('daemonset.apps/c \nREVISION  CHANGE-CAUSE\n1         deploy v1\n\n');
  });

  test('seeded revisions, --revision N in describe form, -o json as ControllerRevisions', async () => {
    const { root, hostds } = await rootWith({ 'a.yaml': versioned('a', '2') });
    await seedRevisions(root, { 'default/a': [revisionOf(versioned('a', '1'), 1, 'first'), revisionOf(versioned('a', '2'), 2, 'second')] });
    expect((await hostds('rollout', 'history', 'ds/a')).stdout).toBe('daemonset.apps/a \nREVISION  CHANGE-CAUSE\n1         first\n2         second\n\n');
    const one = await hostds('rollout', 'history', 'ds/a', '--revision', '1');
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/^daemonset\.apps\/a with revision #1\nPod Template:\n {2}Labels: +app=a\n {2}Containers:\n {3}main:\n {4}Image: +example\/main:1\n {4}Command:\n {6}\/bin\/sleep\n {6}100000\n {4}Environment: +<none>\n/);
    const missing = await hostds('rollout', 'history', 'ds/a', '--revision=7');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: unable to find the specified revision$/m);
    const json = JSON.parse((await hostds('rollout', 'history', 'ds/a', '-o', 'json')).stdout) as { items: { kind: string; revision: number }[] };
    expect(json.items.map((i) => [i.kind, i.revision])).toEqual([['ControllerRevision', 1], ['ControllerRevision', 2]]);
  });

  test('an edit the agent has not recorded yet shows as the next revision', async () => {
    const { root, hostds } = await rootWith({ 'a.yaml': versioned('a', '3') });
    await seedRevisions(root, { 'default/a': [revisionOf(versioned('a', '1'), 1), revisionOf(versioned('a', '2'), 2)] });
    expect((await hostds('rollout', 'history', 'ds/a')).stdout).toBe('daemonset.apps/a \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n3         <none>\n\n');
  });
});

describe('rollout undo', () => {
  test('rolls back to the previous revision in a multi-document file, keeping the other documents and the comments', async () => {
    const { root, hostds } = await rootWith({ 'fleet.yaml': multiDoc('2') });
    const file = manifestPath(root, 'fleet.yaml');
    await seedRevisions(root, { 'default/a': [revisionOf(versioned('a', '1'), 1), revisionOf(versioned('a', '2'), 2)] });
    const r = await hostds('rollout', 'undo', 'ds/a');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`daemonset.apps/a rolled back\n${file}: spec.template replaced by revision 1\n`);
    const text = await readFile(file, 'utf8');
    expect(text.startsWith(`${HEAD}---\n# a: the monitor itself\n`)).toBe(true);
    expect(text.endsWith(TAIL)).toBe(true);
    expect(text).toMatch(/kind: DaemonSet +# the monitor\n/);
    expect(await imageOf(hostds, 'a')).toBe('example/main:1');
    expect(await imageOf(hostds, 'b')).toBe('example/b');
    // As after a controller sync: the template of revision 1 is now revision 3.
    expect((await hostds('rollout', 'history', 'ds/a')).stdout).toMatch(/^REVISION {2}CHANGE-CAUSE\n2 {9}<none>\n3 {9}<none>\n\n$/m);
    const skipped = await hostds('rollout', 'undo', 'ds/a', '--to-revision=3');
    expect(skipped.stdout).toBe('daemonset.apps/a skipped rollback (current template already matches revision 3)\n');
    const unknown = await hostds('rollout', 'undo', 'ds/a', '--to-revision', '9');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('error: unable to find specified revision 9 in history\n');
    expect((await hostds('rollout', 'undo', 'daemonset', 'a')).code).toBe(0);
    expect(await imageOf(hostds, 'a')).toBe('example/main:2');
    expect((await readFile(file, 'utf8')).endsWith(TAIL)).toBe(true);
  });

  test('an invalid manifest rolls back to the newest recorded revision (the one still in effect)', async () => {
    const broken = versioned('a', '3').replace('        command: ["/bin/sleep", "100000"]\n', '');
    const { root, hostds } = await rootWith({ 'a.yaml': broken });
    await seedRevisions(root, { 'default/a': [revisionOf(versioned('a', '1'), 1), revisionOf(versioned('a', '2'), 2)] });
    expect((await hostds('rollout', 'restart', 'ds/a')).stderr).toMatch(/^error: daemonset default\/a is not valid: .*a\.yaml:\d+:\d+: .*no command/m);
    const r = await hostds('rollout', 'undo', 'ds/a');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^daemonset\.apps\/a rolled back\n.*a\.yaml: spec\.template replaced by revision 2\n$/);
    expect(await imageOf(hostds, 'a')).toBe('example/main:2');
  });

  test('a single revision has no previous one', async () => {
    const { hostds } = await rootWith({ 'a.yaml': dsYaml('a') });
    const r = await hostds('rollout', 'undo', 'ds/a');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: no last revision to roll back to\n');
  });
});

describe('rollout restart', () => {
  test('stamps restartedAt (RFC 3339) on the pod template; other documents and comments survive; undo brings the old template back', async () => {
    const { root, hostds } = await rootWith({ 'fleet.yaml': multiDoc('2') });
    const file = manifestPath(root, 'fleet.yaml');
    const before = Date.now();
    const r = await hostds('rollout', 'restart', 'ds/a');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('daemonset.apps/a restarted\n');
    const text = await readFile(file, 'utf8');
    expect(text.startsWith(`${HEAD}---\n# a: the monitor itself\n`)).toBe(true);
    expect(text.endsWith(TAIL)).toBe(true);
    expect(text).toContain('# one container is enough\n');
    const ds = JSON.parse((await hostds('get', 'ds', 'a', '-o', 'json')).stdout) as { spec: { template: { metadata: { annotations: Record<string, string> } } } };
    const at = ds.spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt']!;
    expect(at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/);
    expect(Math.abs(Date.parse(at) - before)).toBeLessThan(10_000);
    expect((await hostds('get', 'ds', '-o', 'name')).stdout).toBe('daemonset.apps/a\ndaemonset.apps/b\n');
    // The template it replaced was recorded, so the restart can be undone even with no agent.
    expect((await hostds('rollout', 'history', 'ds/a')).stdout).toMatch(/^1 +<none>\n2 +<none>\n\n$/m);
    expect((await hostds('rollout', 'undo', 'ds/a')).code).toBe(0);
    const back = JSON.parse((await hostds('get', 'ds', 'a', '-o', 'json')).stdout) as { spec: { template: { metadata: { annotations?: Record<string, string> } } } };
    expect(back.spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt']).toBeUndefined();
  });
});

describe('rollout errors', () => {
  test('kubectl NotFound for every verb; only daemonsets; unknown flags', async () => {
    const { hostds } = await rootWith({ 'a.yaml': dsYaml('a') });
    for (const verb of ['status', 'history', 'undo', 'restart']) {
      const r = await hostds('rollout', verb, 'ds/nope');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^Error from server \(NotFound\): daemonsets\.apps "nope" not found$/m);
    }
    expect((await hostds('rollout', 'history', '-n', 'kube-system', 'ds/a')).stderr).toMatch(/NotFound/);
    expect((await hostds('rollout', 'history', 'po/x')).stderr).toMatch(/^error: hostds rollout works on daemonsets only/m);
    expect((await hostds('rollout', 'history', 'ds/a', '--bogus')).stderr).toBe('error: unknown flag: --bogus\n');
    expect((await hostds('rollout', 'pause', 'ds/a')).stderr).toBe('error: unknown command "pause" for "hostds rollout"\n');
  });

  test('OnDelete: status is only available for RollingUpdate', async () => {
    const ds = dsYaml('a').replace('spec:\n  selector:', 'spec:\n  updateStrategy: {type: OnDelete}\n  selector:');
    const { hostds } = await rootWith({ 'a.yaml': ds });
    const r = await hostds('rollout', 'status', 'ds/a');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: rollout status is only available for RollingUpdate strategy type$/m);
  });
});

describe('rollout status', () => {
  test('without an agent: desired 1 never rolls out and times out with kubectl\'s error', async () => {
    const { hostds } = await rootWith({ 'a.yaml': dsYaml('a') });
    const r = await hostds('rollout', 'status', 'ds/a', '--timeout', '1s');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('Waiting for daemon set "a" rollout to finish: 0 out of 1 new pods have been updated...\n');
    expect(r.stderr).toMatch(/^error: timed out waiting for the condition$/m);
    expect(r.stderr).toMatch(/the hostds agent is not running/);
    for (const flag of ['--watch=false', '-w=false']) {
      const once = await hostds('rollout', 'status', 'ds/a', flag);
      expect([once.code, once.stdout]).toEqual([0, 'Waiting for daemon set "a" rollout to finish: 0 out of 1 new pods have been updated...\n']);
    }
  });

  test('desired 0 (no node matches) is rolled out at once', async () => {
    const { hostds } = await rootWith({ 'b.yaml': dsYaml('b', { podSpec: 'nodeSelector: {disk: ssd}' }) });
    const r = await hostds('rollout', 'status', 'daemonset', 'b');
    expect([r.code, r.stdout]).toEqual([0, 'daemon set "b" successfully rolled out\n']);
  });

  test('with the agent: returns once the pod runs, and again after a restart replaced it', async () => {
    const root = await prepareRoot({ 'a.yaml': fixtureDs('a', 'forever.mjs') });
    await startAgent(root);
    const hostds = (...args: string[]) => runCli(args, { root });
    const r = await hostds('rollout', 'status', 'ds/a', '--timeout', '20s');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.endsWith('daemon set "a" successfully rolled out\n')).toBe(true);
    const [pod] = await waitForRunning(root, 1);
    expect((await hostds('rollout', 'restart', 'ds/a')).code).toBe(0);
    const again = await hostds('rollout', 'status', 'ds/a', '--timeout', '20s');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.endsWith('daemon set "a" successfully rolled out\n')).toBe(true);
    const [after] = await waitForRunning(root, 1);
    expect(after!.name).not.toBe(pod!.name);
  });
});
