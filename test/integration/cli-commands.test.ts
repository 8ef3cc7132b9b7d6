// The commands one by one through the real bin/hostds: output forms, selectors, errors, and the
// writes (label in parallel, create/apply/delete on multi-document files).
import { describe, expect, test } from 'vitest';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dsYaml, makeRoot, manifestPath, runCli, writeManifest } from '../helpers/cli.js';

async function rootWith(files: Record<string, string>): Promise<{ root: string; hostds: (...a: string[]) => ReturnType<typeof runCli> }> {
  const root = await makeRoot();
  for (const [name, text] of Object.entries(files)) await writeManifest(root, name, text);
  return { root, hostds: (...args: string[]) => runCli(args, { root }) };
}

describe('get ds', () => {
  test('-o json is a List of Kubernetes DaemonSets with status.desiredNumberScheduled', async () => {
    const { hostds } = await rootWith({ 'a.yaml': dsYaml('a'), 'b.yaml': dsYaml('b', { podSpec: 'nodeSelector: {disk: ssd}' }) });
    const r = await hostds('get', 'ds', '-o', 'json');
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout);
    expect(list).toMatchObject({ apiVersion: 'v1', kind: 'List' });
    expect(list.items.map((i: { metadata: { name: string }; status: { desiredNumberScheduled: number } }) => [i.metadata.name, i.status.desiredNumberScheduled]))
      .toEqual([['a', 1], ['b', 0]]);
    expect(list.items[0]).toMatchObject({ apiVersion: 'apps/v1', kind: 'DaemonSet', status: { currentNumberScheduled: 0, numberReady: 0, updatedNumberScheduled: 0, numberAvailable: 0, numberMisscheduled: 0 } });
  });

  test('one name with -o yaml prints the object itself; -o name prints kubectl names', async () => {
    const { hostds } = await rootWith({ 'a.yaml': dsYaml('a'), 'b.yaml': dsYaml('b') });
    const y = await hostds('get', 'ds', 'a', '-o', 'yaml');
    expect(y.stdout).toMatch(/^apiVersion: apps\/v1\nkind: DaemonSet\nmetadata:\n/);
    expect(y.stdout).toMatch(/^ {2}desiredNumberScheduled: 1$/m);
    expect((await hostds('get', 'daemonsets', '-o', 'name')).stdout).toBe('daemonset.apps/a\ndaemonset.apps/b\n');
    expect((await hostds('get', 'ds/b', '-o', 'name')).stdout).toBe('daemonset.apps/b\n');
  });

  test('-l filters by the DaemonSet labels; -n and -A follow namespaces', async () => {
    const { hostds } = await rootWith({
      'a.yaml': dsYaml('a', { labels: 'team: web' }),
      'b.yaml': dsYaml('b', { labels: 'team: db' }),
      'c.yaml': dsYaml('c', { namespace: 'kube-system' }),
    });
    expect((await hostds('get', 'ds', '-l', 'team=web', '-o', 'name')).stdout).toBe('daemonset.apps/a\n');
    expect((await hostds('get', 'ds', '-l', 'team in (web,db)', '-o', 'name')).stdout).toBe('daemonset.apps/a\ndaemonset.apps/b\n');
    expect((await hostds('get', 'ds', '-l', '!team', '-o', 'name')).stderr).toMatch(/No resources found in default namespace\./);
    expect((await hostds('get', 'ds', '-n', 'kube-system', '-o', 'name')).stdout).toBe('daemonset.apps/c\n');
    const all = await hostds('get', 'ds', '-A', '--show-labels');
    expect(all.stdout).toMatch(/^NAMESPACE\s+NAME\s+DESIRED\s+.*AGE\s+LABELS$/m);
    expect(all.stdout).toMatch(/^kube-system\s+c\s+1\s+/m);
    expect(all.stdout).toMatch(/^default\s+a\s+1\s+.*team=web$/m);
    const bad = await hostds('get', 'ds', '-l', 'a in b');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: unable to parse label selector "a in b"/m);
  });

  test('a missing name is kubectl NotFound, the others still print', async () => {
    const { hostds } = await rootWith({ 'a.yaml': dsYaml('a') });
    const r = await hostds('get', 'ds', 'a', 'nope');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^a\s+1\s+/m);
    expect(r.stderr).toMatch(/^Error from server \(NotFound\): daemonsets\.apps "nope" not found$/m);
  });

  test('an invalid manifest is a warning line in get ds and never hides the valid ones', async () => {
    const { hostds } = await rootWith({ 'a.yaml': dsYaml('a'), 'bad.yaml': dsYaml('bad').replace('command: ["/bin/sleep", "100000"]', 'args: ["x"]') });
    const r = await hostds('get', 'ds');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^a\s+1/m);
    expect(r.stdout).not.toMatch(/^bad/m);
    expect(r.stderr).toMatch(/Warning: daemonset default\/bad is not valid \(1 error, first at .*bad\.yaml:\d+:\d+\); run `hostds validate -f /);
  });

  test('the same DaemonSet in two files: the alphabetically first file wins, the second is an error', async () => {
    const { hostds } = await rootWith({ 'b.yaml': dsYaml('x', { labels: 'from: b' }), 'a.yaml': dsYaml('x', { labels: 'from: a' }) });
    const g = await hostds('get', 'ds', 'x', '-o', 'json');
    expect(JSON.parse(g.stdout).metadata.labels).toEqual({ from: 'a' });
    const v = await hostds('validate');
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/b\.yaml:4:9: metadata\.name: daemonset "default\/x" is already defined at .*a\.yaml:4:9; this definition is ignored \(the alphabetically first file wins\) \[duplicate-daemonset\]/);
  });
});

test('a broken first definition still wins: the valid duplicate in a later file does not take over', async () => {
  const { hostds } = await rootWith({ 'a.yaml': dsYaml('x').replace('command: ["/bin/sleep", "100000"]', 'args: ["x"]'), 'b.yaml': dsYaml('x') });
  const r = await hostds('get', 'ds', 'x');
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/error: daemonset default\/x is not valid: .*a\.yaml:\d+:\d+: container "main" has args but no command/);
  expect((await hostds('validate')).stdout).toMatch(/b\.yaml:4:9: metadata\.name: daemonset "default\/x" is already defined at .*a\.yaml:4:9/);
  const d = await hostds('describe', 'ds', 'x');
  expect(d.stdout).toMatch(/^Status:\s+Invalid: 1 error in the manifest/m);
});

describe('get nodes', () => {
  test('-o json is a List with one Node: labels, taints, unschedulable, a Ready condition', async () => {
    const { hostds } = await rootWith({});
    await hostds('taint', 'node', 'h1', 'gpu=yes:NoSchedule');
    await hostds('cordon', 'h1');
    const list = JSON.parse((await hostds('get', 'nodes', '-o', 'json')).stdout);
    expect(list.kind).toBe('List');
    const node = list.items[0];
    expect(node).toMatchObject({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'h1' }, spec: { unschedulable: true } });
    expect(node.metadata.labels).toMatchObject({ 'kubernetes.io/hostname': 'h1', 'kubernetes.io/os': 'linux' });
    expect(node.spec.taints).toEqual([{ key: 'gpu', value: 'yes', effect: 'NoSchedule' }, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }]);
    // Measured once by the command (no agent): the pressure conditions, then Ready Unknown.
    expect(node.status.conditions.map((c: { type: string }) => c.type)).toEqual(['NetworkUnavailable', 'MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready']);
    expect(node.status.conditions.at(-1)).toMatchObject({ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown' });
    const one = JSON.parse((await hostds('get', 'node', 'h1', '-o', 'json')).stdout);
    expect(one.kind).toBe('Node');
  });

  test('another node name says which host this is', async () => {
    const { hostds } = await rootWith({});
    for (const args of [['get', 'node', 'other'], ['label', 'node', 'other', 'a=b'], ['cordon', 'other'], ['describe', 'node', 'other']]) {
      const r = await hostds(...args);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe('Error from server (NotFound): nodes "other" not found: this host is "h1" (hostds manages only this host; use its name or set --node-name)\n');
    }
  });
});

describe('label, taint and cordon write node.yaml', () => {
  test('20 parallel hostds label calls with different keys all land', async () => {
    const { root, hostds } = await rootWith({});
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => hostds('label', 'node', 'h1', `k${i}=v${i}`)));
    for (const r of results) expect(r).toMatchObject({ code: 0, stdout: 'node/h1 labeled\n' });
    const labels = JSON.parse((await hostds('get', 'node', 'h1', '-o', 'json')).stdout).metadata.labels;
    for (let i = 0; i < 20; i++) expect(labels[`k${i}`]).toBe(`v${i}`);
    expect((await readdir(join(root, 'etc/hostds'))).filter((f) => f !== 'manifests.d' && f !== 'node.yaml')).toEqual([]);
  });

  test("kubectl's label rules: --overwrite, node/NAME, invalid values, built-in labels", async () => {
    const { hostds } = await rootWith({});
    expect((await hostds('label', 'node/h1', 'disk=ssd')).stdout).toBe('node/h1 labeled\n');
    const conflict = await hostds('label', 'node', 'h1', 'disk=hdd');
    expect(conflict).toMatchObject({ code: 1, stderr: "error: 'disk' already has a value (ssd), and --overwrite is false\n" });
    expect((await hostds('label', 'node', 'h1', 'disk=hdd', '--overwrite')).stdout).toBe('node/h1 labeled\n');
    const missing = await hostds('label', 'node', 'h1', 'nope-');
    expect(missing.stdout).toBe('label "nope" not found.\nnode/h1 not labeled\n');
    const bad = await hostds('label', 'node', 'h1', 'disk=-x');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: invalid label value: "disk=-x": a valid label must be an empty string or consist of alphanumeric characters/);
    const builtin = await hostds('label', 'node', 'h1', 'kubernetes.io/os=windows', '--overwrite');
    expect(builtin).toMatchObject({ code: 1, stderr: 'error: label "kubernetes.io/os" is set by hostds from this host and cannot be changed\n' });
  });

  test("kubectl's taint rules", async () => {
    const { hostds } = await rootWith({});
    expect((await hostds('taint', 'nodes', 'h1', 'dedicated=db:NoSchedule')).stdout).toBe('node/h1 tainted\n');
    const again = await hostds('taint', 'nodes', 'h1', 'dedicated=web:NoSchedule');
    expect(again).toMatchObject({ code: 1, stderr: 'error: node h1 already has dedicated taint(s) with same effect(s) and --overwrite is false\n' });
    expect((await hostds('taint', 'node', 'h1', 'dedicated:NoSchedule-')).stdout).toBe('node/h1 untainted\n');
    expect(await hostds('taint', 'node', 'h1', 'dedicated-')).toMatchObject({ code: 1, stderr: 'error: taint "dedicated" not found\n' });
    expect(await hostds('taint', 'node', 'h1', 'a=b:Sometimes')).toMatchObject({ code: 1, stderr: expect.stringMatching(/^error: invalid taint effect: Sometimes, unsupported taint effect/) });
    await hostds('taint', 'node', 'h1', 'evict=now:NoExecute');
    const node = JSON.parse((await hostds('get', 'node', 'h1', '-o', 'json')).stdout);
    expect(node.spec.taints[0]).toMatchObject({ key: 'evict', value: 'now', effect: 'NoExecute', timeAdded: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) });
  });
});

describe('why', () => {
  test('a NoExecute taint the DaemonSet does not tolerate: no start, no continue, with the fix', async () => {
    const { hostds } = await rootWith({ 'a.yaml': dsYaml('a') });
    await hostds('taint', 'node', 'h1', 'maint=true:NoExecute');
    const r = await hostds('why', 'ds', 'a');
    expect(r.stdout).toMatch(/DESIRED 0 — it does not run on this host\./);
    expect(r.stdout).toMatch(/taints\s+FAIL\s+.*maint=true:NoExecute/);
    expect(r.stdout).toMatch(/fix: .*hostds taint node h1 maint:NoExecute-/);
    const j = JSON.parse((await hostds('why', 'ds', 'a', '-o', 'json')).stdout);
    expect(j).toMatchObject({ desired: 0, shouldRun: false, shouldContinueRunning: false, node: 'h1' });
    expect(j.rules.map((x: { rule: string; ok: boolean }) => [x.rule, x.ok])).toEqual([['nodeName', true], ['nodeSelector', true], ['nodeAffinity', true], ['taints', false], ['admission', true]]);
  });

  test('a NoSchedule taint blocks a new pod but lets a running one continue', async () => {
    const { hostds } = await rootWith({ 'a.yaml': dsYaml('a') });
    await hostds('taint', 'node', 'h1', 'maint=true:NoSchedule');
    const j = JSON.parse((await hostds('why', 'ds', 'a', '-o', 'json')).stdout);
    expect(j).toMatchObject({ shouldRun: false, shouldContinueRunning: true });
    expect((await hostds('why', 'ds', 'a')).stdout).toMatch(/a running one keeps running/);
  });

  test('an invalid DaemonSet is explained by its errors; an unknown one is NotFound', async () => {
    const { hostds } = await rootWith({ 'bad.yaml': dsYaml('bad').replace('restartPolicy', 'x').replace('      containers:', '      restartPolicy: Never\n      containers:') });
    const r = await hostds('why', 'ds', 'bad');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/bad\.yaml:\d+:\d+: spec\.template\.spec\.restartPolicy: Unsupported value: "Never"/);
    expect(await hostds('why', 'ds', 'nope')).toMatchObject({ code: 1, stderr: expect.stringMatching(/^Error from server \(NotFound\): daemonsets\.apps "nope" not found/) });
  });
});

describe('create, apply, delete', () => {
  test('a multi-document file: create stores each DaemonSet, apply edits in place, delete removes one document', async () => {
    const { root, hostds } = await rootWith({});
    const input = join(root, 'input.yaml');
    await writeFile(input, `# two daemons\n${dsYaml('one')}---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: sa}\n---\n${dsYaml('two')}`);
    const c = await hostds('create', '-f', input);
    expect(c).toMatchObject({ code: 0, stdout: 'daemonset.apps/one created\ndaemonset.apps/two created\n' });
    // The lock file is gone again: nothing but the two manifests is left behind.
    expect((await readdir(join(root, 'etc/hostds/manifests.d'))).sort()).toEqual(['one.yaml', 'two.yaml']);
    expect((await hostds('create', '-f', input)).stderr).toMatch(/Error from server \(AlreadyExists\): daemonsets\.apps "one" already exists/);
    expect((await hostds('apply', '-f', input)).stdout).toBe('daemonset.apps/one unchanged\ndaemonset.apps/two unchanged\n');

    // An operator's own multi-document file: apply rewrites only the changed document.
    await writeFile(manifestPath(root, 'two.yaml'), `# keep this comment\n${dsYaml('two')}---\n# and this one\n${dsYaml('three')}`);
    await writeFile(input, dsYaml('three', { labels: 'v: "2"' }));
    expect((await hostds('apply', '-f', input)).stdout).toBe('daemonset.apps/three configured\n');
    const text = await readFile(manifestPath(root, 'two.yaml'), 'utf8');
    expect(text).toMatch(/^# keep this comment\n/);
    expect(text).toMatch(/# and this one/);
    expect(text).toMatch(/v: "2"/);
    expect((await hostds('delete', 'ds', 'two')).stdout).toBe('daemonset.apps "two" deleted\n');
    expect((await hostds('get', 'ds', '-o', 'name')).stdout).toBe('daemonset.apps/one\ndaemonset.apps/three\n');
    expect(await hostds('delete', 'ds', 'two')).toMatchObject({ code: 1, stderr: 'Error from server (NotFound): daemonsets.apps "two" not found\n' });
  });

  test('create refuses invalid input and changes nothing', async () => {
    const { root, hostds } = await rootWith({});
    const input = join(root, 'bad.yaml');
    await writeFile(input, dsYaml('ok') + '---\n' + dsYaml('Bad_Name'));
    const r = await hostds('create', '-f', input);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.yaml:\d+:\d+: metadata\.name: Invalid value: "Bad_Name"/);
    expect(r.stderr).toMatch(/nothing was changed/);
    expect(await readdir(join(root, 'etc/hostds/manifests.d'))).toEqual([]);
  });
});

describe('validate and errors', () => {
  test('validate -f: exit 0 when valid, 1 with every error in one pass', async () => {
    const { root, hostds } = await rootWith({});
    const good = join(root, 'good.yaml');
    await writeFile(good, dsYaml('good'));
    expect((await hostds('validate', '-f', good)).code).toBe(0);
    const bad = join(root, 'bad.yaml');
    await writeFile(bad, [
      'apiVersion: apps/v1', 'kind: DaemonSet', 'metadata:', '  name: Bad', 'spec:', '  selector: {matchLabels: {app: xx}}', '  template:',
      '    metadata: {labels: {app: yy}}', '    spec:', '      tolerations:', '      - operator: Equal', '      containers:', '      - name: main', '',
    ].join('\n'));
    const r = await hostds('validate', '-f', bad);
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.filter((l) => !/: warning: /.test(l))).toHaveLength(4);
    expect(r.stdout).toMatch(/bad\.yaml:4:9: metadata\.name: Invalid value: "Bad"/);
    expect(r.stdout).toMatch(/bad\.yaml:8:\d+: spec\.template\.metadata\.labels: Invalid value: .*`selector` does not match template `labels`/);
    expect(r.stdout).toMatch(/bad\.yaml:11:\d+: spec\.template\.spec\.tolerations\[0\]\.operator: .*\[invalid-value\]|bad\.yaml:11:\d+: spec\.template\.spec\.tolerations\[0\]/);
    expect(r.stdout).toMatch(/bad\.yaml:13:\d+: spec\.template\.spec\.containers\[0\]\.command: container "main" has no command/);
  });

  test('usage errors are one line, no stack trace', async () => {
    const { hostds } = await rootWith({});
    for (const args of [['get', 'widgets'], ['get'], ['why', 'pod', 'x'], ['get', 'ds', '-o', 'xml'], ['label', 'node', 'h1'], ['bogus']]) {
      const r = await hostds(...args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr, args.join(' ')).toMatch(/^error: /);
      expect(r.stderr, args.join(' ')).not.toMatch(/\n\s+at /);
    }
  });
});

describe('kubectl habits and edge cases', () => {
  test('create -f - reads standard input; a kind: List with YAML 1.1 look-alike strings stores faithfully', async () => {
    const { root, hostds } = await rootWith({});
    const list = [
      'apiVersion: v1', 'kind: List', 'items:',
      '- apiVersion: v1', '  kind: ServiceAccount', '  metadata: {name: sa}',
      '- apiVersion: apps/v1', '  kind: DaemonSet', '  metadata: {name: l1, labels: {enabled: "yes"}}',
      '  spec:', '    selector: {matchLabels: {app: l1}}', '    template:', '      metadata: {labels: {app: l1}}',
      '      spec: {containers: [{name: main, image: x, command: [/bin/true], args: ["y", "off", "0777"]}]}', '',
    ].join('\n');
    const c = await runCli(['create', '-f', '-'], { root, input: list });
    expect(c.code).toBe(0);
    expect(c.stdout).toBe('daemonset.apps/l1 created\n');
    expect(c.stderr).toMatch(/ServiceAccount "sa" is not a DaemonSet; hostds ignores it \[unknown-kind\]/);
    const got = JSON.parse((await hostds('get', 'ds', 'l1', '-o', 'json')).stdout);
    expect(got.metadata.labels).toEqual({ enabled: 'yes' });
    expect(got.spec.template.spec.containers[0].args).toEqual(['y', 'off', '0777']);
  });

  test('AGE and uid survive apply, as the API server keeps creationTimestamp', async () => {
    const { root, hostds } = await rootWith({});
    const input = join(root, 'in.yaml');
    await writeFile(input, dsYaml('a'));
    await hostds('create', '-f', input);
    const before = JSON.parse((await hostds('get', 'ds', 'a', '-o', 'json')).stdout).metadata;
    expect(before.uid).toMatch(/^[0-9a-f-]{36}$/);
    await new Promise((r) => setTimeout(r, 1100));
    await writeFile(input, dsYaml('a', { labels: 'v: "2"' }));
    expect((await hostds('apply', '-f', input)).stdout).toBe('daemonset.apps/a configured\n');
    const after = JSON.parse((await hostds('get', 'ds', 'a', '-o', 'json')).stdout).metadata;
    expect(after.creationTimestamp).toBe(before.creationTimestamp);
    expect(after.uid).toBe(before.uid);
    expect(after.labels).toEqual({ v: '2' });
  });

  test('a root without manifests.d simply has no DaemonSets', async () => {
    const { root } = await rootWith({});
    const { rm } = await import('node:fs/promises');
    await rm(join(root, 'etc/hostds/manifests.d'), { recursive: true });
    const g = await runCli(['get', 'ds'], { root });
    expect(g).toMatchObject({ code: 0, stdout: '' });
    expect(g.stderr).not.toMatch(/error|skipped/);
    expect((await runCli(['validate'], { root })).code).toBe(0);
  });

  test('-o=name, -n=ns and --overwrite=true are read as kubectl reads them; delete --all', async () => {
    const { hostds } = await rootWith({ 'a.yaml': dsYaml('a'), 'b.yaml': dsYaml('b'), 'c.yaml': dsYaml('c', { namespace: 'kube-system' }) });
    expect((await hostds('get', 'ds', '-o=name', '-n=kube-system')).stdout).toBe('daemonset.apps/c\n');
    await hostds('label', 'node', 'h1', 'x=1');
    expect((await hostds('label', 'node', 'h1', 'x=2', '--overwrite=true')).stdout).toBe('node/h1 labeled\n');
    expect((await hostds('label', 'node', 'h1', 'x=3', '--overwrite=false')).code).toBe(1);
    expect((await hostds('delete', 'ds', '--all')).stdout).toBe('daemonset.apps "a" deleted\ndaemonset.apps "b" deleted\n');
    expect((await hostds('get', 'ds', '-A', '-o', 'name')).stdout).toBe('daemonset.apps/c\n');
  });

  test('a file-system problem is one clear line, not a bug report', async () => {
    const { root, hostds } = await rootWith({});
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(root, 'etc/hostds/node.yaml'));
    const r = await hostds('label', 'node', 'h1', 'a=b');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: .*node\.yaml/);
    expect(r.stderr).not.toMatch(/this is a bug/);
  });

  test('validate lists every config problem instead of refusing to start', async () => {
    const { root, hostds } = await rootWith({ 'a.yaml': dsYaml('a') });
    await writeFile(join(root, 'etc/hostds/config.yaml'), 'onExit: restart\nnodeStatusUpdateFrequency: often\n');
    expect((await hostds('get', 'ds')).stderr).toMatch(/^error: invalid config .*config\.yaml:1:9: onExit: Unsupported value: "restart".*and 1 more; run `hostds validate`/m);
    const v = await hostds('validate');
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/config\.yaml:1:9: onExit: Unsupported value/);
    expect(v.stdout).toMatch(/config\.yaml:2:28: nodeStatusUpdateFrequency: invalid duration "often"/);
  });
});
