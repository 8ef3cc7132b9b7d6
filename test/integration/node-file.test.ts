// node.yaml on a real filesystem: atomic writes, modes, comments and unknown keys surviving an
// edit, and hand-written mistakes reported with line:col instead of throwing.
import { mkdtemp, readdir, readFile, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { parseNodeFile, readNodeFile, updateNodeFile, type NodeFileState } from '../../src/host/node-file.js';
import { NodeFileError } from '../../src/lib/errors.js';
import { writeFileAtomic } from '../../src/state/atomic-file.js';

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hostds-node-file-'));
  file = join(dir, 'etc/hostds/node.yaml');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const fixedNow = (): Date => new Date('2024-05-01T10:00:00.500Z');
const addLabel = (key: string, value: string) => (n: NodeFileState): NodeFileState => ({ ...n, labels: { ...n.labels, [key]: value } });

describe('writeFileAtomic', () => {
  test('creates parent dirs, sets the exact mode despite the umask, leaves no temp file', async () => {
    const target = join(dir, 'a/b/c.json');
    await writeFileAtomic(target, '{"x":1}\n', { mode: 0o640 });
    await writeFileAtomic(target, '{"x":2}\n', { mode: 0o640 });
    expect(await readFile(target, 'utf8')).toBe('{"x":2}\n');
    expect((await stat(target)).mode & 0o777).toBe(0o640);
    expect(await readdir(join(dir, 'a/b'))).toEqual(['c.json']);
  });

  test('default mode is 0644 and bytes are written as given', async () => {
    const target = join(dir, 'bin.dat');
    await writeFileAtomic(target, new Uint8Array([0, 1, 2, 255]));
    expect([...(await readFile(target))]).toEqual([0, 1, 2, 255]);
    expect((await stat(target)).mode & 0o777).toBe(0o644);
  });

  test('a failed rename removes the temp file and keeps the old content', async () => {
    const target = join(dir, 'x');
    await writeFile(target, 'old');
    // Renaming a file over a non-empty directory fails (EISDIR/ENOTEMPTY).
    const blocker = join(dir, 'blocker');
    await writeFileAtomic(join(blocker, 'inner'), 'x');
    await expect(writeFileAtomic(blocker, 'new')).rejects.toThrow();
    expect((await readdir(dir)).sort()).toEqual(['blocker', 'x']);
    expect(await readFile(target, 'utf8')).toBe('old');
  });
});

describe('readNodeFile', () => {
  test('a missing file is an empty node', async () => {
    expect(await readNodeFile(file)).toEqual({
      labels: {}, annotations: {}, taints: [], unschedulable: false, exists: false, isParsed: true, issues: [],
    });
  });

  test('reads labels, annotations, taints, unschedulable, name and creationTimestamp', async () => {
    await writeFileAtomic(file, [
      'apiVersion: v1',
      'kind: Node',
      'metadata:',
      '  name: h1',
      '  creationTimestamp: "2024-01-01T00:00:00Z"',
      '  labels:',
      '    disktype: ssd',
      '    example.com/empty: ""',
      '    nulled:',
      '  annotations:',
      '    note: "any text, even with spaces"',
      'spec:',
      '  unschedulable: true',
      '  taints:',
      '  - key: dedicated',
      '    value: infra',
      '    effect: NoSchedule',
      '  - key: evict',
      '    effect: NoExecute',
      '    timeAdded: "2024-02-01T00:00:00Z"',
      '',
    ].join('\n'));
    expect(await readNodeFile(file)).toEqual({
      name: 'h1',
      creationTimestamp: '2024-01-01T00:00:00Z',
      labels: { disktype: 'ssd', 'example.com/empty': '', nulled: '' },
      annotations: { note: 'any text, even with spaces' },
      taints: [
        { key: 'dedicated', value: 'infra', effect: 'NoSchedule' },
        { key: 'evict', effect: 'NoExecute', timeAdded: '2024-02-01T00:00:00Z' },
      ],
      unschedulable: true,
      exists: true,
      isParsed: true,
      issues: [],
    });
  });

  test('bad entries become positioned issues and only they are skipped', async () => {
    await writeFileAtomic(file, [
      'metadata:',                     // 1
      '  labels:',                     // 2
      '    good: yes-string',          // 3
      '    bad key: x',                // 4
      '    ssd: true',                 // 5
      '    long: "a b"',               // 6
      'spec:',                         // 7
      '  unschedulable: "yes"',        // 8
      '  taints:',                     // 9
      '  - key: ok',                   // 10
      '    effect: NoSchedule',        // 11
      '  - key: typo',                 // 12
      '    effect: NoExecut',          // 13
      '  - effect: NoSchedule',        // 14
      '  - key: ok',                   // 15
      '    effect: NoSchedule',        // 16
      '  - just-a-string',             // 17
      '',
    ].join('\n'));
    const read = await readNodeFile(file);
    expect(read.labels).toEqual({ good: 'yes-string' });
    expect(read.taints).toEqual([{ key: 'ok', effect: 'NoSchedule' }]);
    expect(read.unschedulable).toBe(false);
    expect(read.isParsed).toBe(true);
    expect(read.issues.map((i) => [i.line, i.col, i.code, i.path, i.message.split(':')[0]])).toEqual([
      [4, 5, 'invalid-label', 'metadata.labels[bad key]', 'Invalid value'],
      [5, 10, 'invalid-type', 'metadata.labels[ssd]', 'Invalid type'],
      [6, 11, 'invalid-label', 'metadata.labels[long]', 'Invalid value'],
      [8, 18, 'invalid-type', 'spec.unschedulable', 'Invalid type'],
      [13, 13, 'unsupported-value', 'spec.taints[1].effect', 'Unsupported value'],
      [14, 5, 'required', 'spec.taints[2].key', 'Required value'],
      [15, 5, 'duplicate-name', 'spec.taints[3]', 'Duplicate value'],
      [17, 5, 'invalid-type', 'spec.taints[4]', 'Invalid type'],
    ]);
    expect(read.issues.every((i) => i.file === file && i.severity === 'error')).toBe(true);
    expect([read.issues[1]?.message, read.issues[4]?.message]).toEqual([
      'Invalid type: must be a string, got boolean: quote it ("true")',
      'Unsupported value: "NoExecut": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
    ]);
  });

  test('YAML syntax errors: nothing is read, issues carry line:col', async () => {
    await writeFileAtomic(file, 'metadata:\n  labels:\n    a: b\n   c: [\n');
    const read = await readNodeFile(file);
    expect(read.isParsed).toBe(false);
    expect(read.labels).toEqual({});
    expect(read.issues.length).toBeGreaterThan(0);
    expect(read.issues[0]).toMatchObject({ code: 'yaml-syntax', severity: 'error', file });
    expect(read.issues[0]!.line).toBeGreaterThanOrEqual(3);
  });

  test('a root that is not a map, wrong apiVersion/kind', () => {
    expect(parseNodeFile('- a\n- b\n', 'n.yaml')).toMatchObject({
      isParsed: false, issues: [{ code: 'not-an-object', line: 1, col: 1, message: 'expected a Node object (a map), got list' }],
    });
    expect(parseNodeFile('apiVersion: v2\nkind: Pod\n', 'n.yaml').issues.map((i) => [i.code, i.severity, i.line, i.col])).toEqual([
      ['unsupported-api-version', 'warning', 1, 13],
      ['unknown-kind', 'warning', 2, 7],
    ]);
  });

  test('an unreadable path is an issue, not a throw', async () => {
    await writeFileAtomic(join(file, 'inside'), 'x'); // node.yaml is a directory
    const read = await readNodeFile(file);
    expect(read).toMatchObject({ isParsed: false, issues: [{ code: 'unreadable', line: 1, col: 1 }] });
  });
});

describe('updateNodeFile', () => {
  test('creates the file: Node header, creationTimestamp, mode 0644, no temp or lock files left', async () => {
    const result = await updateNodeFile(file, addLabel('disktype', 'ssd'), { nodeName: 'h1', now: fixedNow });
    expect(result).toMatchObject({ written: true, node: { labels: { disktype: 'ssd' } } });
    expect(await readFile(file, 'utf8')).toBe([
      'apiVersion: v1',
      'kind: Node',
      'metadata:',
      '  name: h1',
      '  creationTimestamp: "2024-05-01T10:00:00Z"',
      '  labels:',
      '    disktype: ssd',
      '',
    ].join('\n'));
    expect((await stat(file)).mode & 0o777).toBe(0o644);
    expect(await readdir(join(dir, 'etc/hostds'))).toEqual(['node.yaml']);
    expect((await readNodeFile(file)).creationTimestamp).toBe('2024-05-01T10:00:00Z');
  });

  test('undefined or an identical node writes nothing', async () => {
    await writeFileAtomic(file, '# hand-written\nmetadata:\n  labels: {a: b}\n', { mode: 0o600 });
    const before = await stat(file);
    expect((await updateNodeFile(file, () => undefined)).written).toBe(false);
    expect((await updateNodeFile(file, (n) => ({ ...n, labels: { a: 'b' } }))).written).toBe(false);
    const after = await stat(file);
    expect([after.ino, after.mtimeMs, after.mode & 0o777]).toEqual([before.ino, before.mtimeMs, 0o600]);
  });

  test('keeps comments, unknown keys and unreadable entries; touches only what changed', async () => {
    await writeFileAtomic(file, [
      '# This host is managed by Ansible; hostds label edits below.',
      'apiVersion: v1',
      'kind: Node',
      'metadata:',
      '  name: h1',
      '  labels:',
      '    # storage class of the data disk',
      '    disktype: hdd # until the upgrade',
      '    zone: a',
      '    bad key: kept',
      '  ownerTeam: infra # unknown to hostds',
      'spec:',
      '  podCIDR: 10.0.0.0/24',
      '  taints:',
      '  # reserved for the infra team',
      '  - key: dedicated',
      '    value: infra',
      '    effect: NoSchedule',
      '  - key: typo',
      '    effect: NoExecut',
      'status: {}',
      '',
    ].join('\n'));
    const result = await updateNodeFile(file, (n) => ({
      ...n,
      labels: { disktype: 'ssd', gpu: 'true' },
      taints: [{ key: 'evict', effect: 'NoExecute', timeAdded: '2024-05-01T10:00:00Z' }, ...n.taints],
      unschedulable: true,
    }));
    expect(result.written).toBe(true);
    expect(result.issues.map((i) => i.path)).toEqual(['metadata.labels[bad key]', 'spec.taints[1].effect']);
    expect(await readFile(file, 'utf8')).toBe([
      '# This host is managed by Ansible; hostds label edits below.',
      'apiVersion: v1',
      'kind: Node',
      'metadata:',
      '  name: h1',
      '  labels:',
      '    # storage class of the data disk',
      '    disktype: ssd # until the upgrade',
      '    bad key: kept',
      '    gpu: "true"',
      '  ownerTeam: infra # unknown to hostds',
      'spec:',
      '  podCIDR: 10.0.0.0/24',
      '  taints:',
      '  - key: evict',
      '    effect: NoExecute',
      '    timeAdded: "2024-05-01T10:00:00Z"',
      '  # reserved for the infra team',
      '  - key: dedicated',
      '    value: infra',
      '    effect: NoSchedule',
      '  - key: typo',
      '    effect: NoExecut',
      '  unschedulable: true',
      'status: {}',
      '',
    ].join('\n'));
    const reread = await readNodeFile(file);
    expect(reread.labels).toEqual({ disktype: 'ssd', gpu: 'true' });
    expect(reread.taints.map((t) => t.key)).toEqual(['evict', 'dedicated']);
    expect(reread.unschedulable).toBe(true);
  });

  test('emptied containers go away; uncordon removes spec.unschedulable', async () => {
    await writeFileAtomic(file, 'metadata:\n  name: h1\n  labels:\n    a: b\nspec:\n  unschedulable: true\n  taints:\n  - key: k\n    effect: NoSchedule\n');
    await updateNodeFile(file, (n) => ({ ...n, labels: {}, taints: [], unschedulable: false }));
    expect(await readFile(file, 'utf8')).toBe('metadata:\n  name: h1\n');
  });

  test('strings that YAML 1.1 readers (Go yaml.v2, Ansible) would retype are written quoted', async () => {
    await writeFileAtomic(file, 'metadata:\n  labels:\n    ssd: true\n    port: 8080\n');
    const read = await readNodeFile(file);
    expect(read.labels).toEqual({});
    await updateNodeFile(file, (n) => ({ ...n, labels: { ...n.labels, ssd: 'true', port: '8080', enabled: 'yes', mode: '0777' } }));
    expect(await readFile(file, 'utf8')).toBe('metadata:\n  labels:\n    ssd: "true"\n    port: "8080"\n    enabled: "yes"\n    mode: "0777"\n');
    expect((await readNodeFile(file)).issues).toEqual([]);
  });

  test('a file with YAML syntax errors is refused, not rewritten', async () => {
    const broken = 'metadata:\n  labels: [\n';
    await writeFileAtomic(file, broken);
    const err = await updateNodeFile(file, addLabel('a', 'b')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NodeFileError);
    expect((err as NodeFileError).message).toMatch(/^cannot update .*node\.yaml: fix the file first \(.*node\.yaml:\d+:\d+: /);
    expect(await readFile(file, 'utf8')).toBe(broken);
    expect(await readdir(join(dir, 'etc/hostds'))).toEqual(['node.yaml']);
  });

  test('an error thrown by mutate releases the lock and writes nothing', async () => {
    await expect(updateNodeFile(file, () => { throw new Error('conflict'); })).rejects.toThrow('conflict');
    expect(await readdir(dir)).toEqual(['etc']);
    expect(await readdir(join(dir, 'etc/hostds'))).toEqual([]);
    await updateNodeFile(file, addLabel('a', 'b'), { lockTimeoutMs: 200 }); // the lock is free again
    expect((await readNodeFile(file)).labels).toEqual({ a: 'b' });
  });

  test('write failures surface as errors and leave the old file', async () => {
    if (process.getuid?.() === 0) return; // root ignores directory permissions
    await writeFileAtomic(file, 'metadata:\n  labels: {a: b}\n');
    await chmod(join(dir, 'etc/hostds'), 0o555);
    try {
      await expect(updateNodeFile(file, addLabel('c', 'd'), { lockTimeoutMs: 200 })).rejects.toMatchObject({ code: 'EACCES' });
    } finally {
      await chmod(join(dir, 'etc/hostds'), 0o755);
    }
    expect((await readNodeFile(file)).labels).toEqual({ a: 'b' });
  });
});
