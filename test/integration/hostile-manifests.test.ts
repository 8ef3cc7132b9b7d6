// Hostile input in manifests.d, each case beside a good manifest: the command must finish,
// report the bad file with file:line:col, and still show the good DaemonSet.
import { describe, expect, test } from 'vitest';
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { dsYaml, makeRoot, manifestPath, runCli, writeManifest } from '../helpers/cli.js';

interface HostileCase {
  name: string;
  file: string;
  make(path: string): Promise<void>;
  /** Expected in `validate` output for the bad file. */
  expect: RegExp;
}

const nested = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}\n`;
const nestedMap = (depth: number): string => Array.from({ length: depth }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') + ' x\n';

const cases: HostileCase[] = [
  { name: 'malformed YAML', file: 'bad.yaml', make: (p) => writeFile(p, 'apiVersion: apps/v1\nkind: DaemonSet\nmetadata: [oops\n'), expect: /bad\.yaml:\d+:\d+: .*\[yaml-syntax\]/ },
  { name: 'wrong types everywhere', file: 'types.yaml', make: (p) => writeFile(p, 'apiVersion: apps/v1\nkind: DaemonSet\nmetadata: 7\nspec:\n  selector: "x"\n  template: []\n'), expect: /types\.yaml:3:\d+: metadata: .*\[invalid-type\]/ },
  { name: 'non-UTF-8 bytes', file: 'latin1.yaml', make: (p) => writeFile(p, Buffer.concat([Buffer.from('kind: DaemonSet\nmetadata:\n  name: caf'), Buffer.from([0xe9]), Buffer.from('\n')])), expect: /latin1\.yaml:3:12: invalid UTF-8 byte 0xe9.*\[not-utf8\]/ },
  { name: 'a huge file', file: 'huge.yaml', make: (p) => writeFile(p, `# ${'x'.repeat(4 * 1024 * 1024)}\n`), expect: /huge\.yaml:1:1: is \d+ bytes; manifests are limited to .*\[file-too-large\]/ },
  { name: 'a YAML alias bomb', file: 'bomb.yaml', make: (p) => writeFile(p, ['a: &a [x,x,x,x,x,x,x,x,x,x]', 'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]', 'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]', 'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]', 'e: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]', ''].join('\n')), expect: /bomb\.yaml:1:1: too many alias expansions.*\[yaml-limit\]/ },
  { name: 'deeply nested flow collections', file: 'deep.yaml', make: (p) => writeFile(p, nested(100_000)), expect: /deep\.yaml:1:\d+: the document is nested too deeply to process \[yaml-limit\]/ },
  { name: 'deeply nested block mappings', file: 'deepmap.yaml', make: (p) => writeFile(p, nestedMap(2_000)), expect: /deepmap\.yaml:\d+:\d+: the document is nested too deeply to process \[yaml-limit\]/ },
  { name: 'a flat map with 150 000 keys (quadratic duplicate checks would hang)', file: 'flat.yaml', make: (p) => writeFile(p, `apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: flat\n  labels:\n${Array.from({ length: 150_000 }, (_, i) => `    k${i}: v\n`).join('')}`), expect: /flat\.yaml:1:1: spec: Required value \[required\]/ },
  { name: 'duplicate and non-scalar keys', file: 'keys.yaml', make: (p) => writeFile(p, 'kind: DaemonSet\nmetadata:\n  name: a\n  name: b\n? [x, y]\n: 1\n'), expect: /keys\.yaml:4:3: duplicate key "name".*\[yaml-syntax\][\s\S]*keys\.yaml:5:3: a mapping key must be a plain string/ },
  { name: 'an empty file', file: 'empty.yaml', make: (p) => writeFile(p, ''), expect: /empty\.yaml:1:1: warning: file is empty.*\[not-an-object\]/ },
  { name: 'a directory named x.yaml', file: 'x.yaml', make: (p) => mkdir(p), expect: /x\.yaml:1:1: is a directory.*\[unreadable\]/ },
  { name: 'a dangling symlink', file: 'dangling.yaml', make: (p) => symlink('/nonexistent/target.yaml', p), expect: /dangling\.yaml:1:1: is a dangling symlink to \/nonexistent\/target\.yaml.*\[unreadable\]/ },
  { name: 'a FIFO (would block a naive reader)', file: 'fifo.yaml', make: async (p) => { execFileSync('mkfifo', [p]); }, expect: /fifo\.yaml:1:1: is not a regular file.*\[unreadable\]/ },
  { name: 'a scalar document', file: 'scalar.yaml', make: (p) => writeFile(p, '42\n'), expect: /scalar\.yaml:1:1: expected a Kubernetes object.*\[not-an-object\]/ },
];

describe('hostile manifests never crash or hang hostds, and never affect other files', () => {
  test.each(cases)('$name', async (c) => {
    const root = await makeRoot();
    await writeManifest(root, 'good.yaml', dsYaml('good'));
    await c.make(manifestPath(root, c.file));

    const v = await runCli(['validate'], { root });
    expect(v.stdout).toMatch(c.expect);
    expect(v.stderr).not.toMatch(/at .*\.js:\d+|this is a bug/);

    const g = await runCli(['get', 'ds'], { root });
    expect(g.code).toBe(0);
    expect(g.stdout).toMatch(/^good\s+1\s+0\s+0\s+0\s+0\s+<none>\s+\S+$/m);
    expect(g.stderr).not.toMatch(/this is a bug/);
  });

  test('an unreadable file (as an unprivileged user) is reported and the others load', async () => {
    const root = await makeRoot();
    await chmod(root, 0o755);
    await writeManifest(root, 'good.yaml', dsYaml('good'));
    const secret = await writeManifest(root, 'secret.yaml', dsYaml('secret'));
    await chmod(secret, 0o000);
    const user = { uid: 65534, gid: 65534 };
    const g = await runCli(['get', 'ds'], { root, user });
    expect(g.stderr).toMatch(/secret\.yaml has errors and was skipped/);
    expect(g.stdout).toMatch(/^good\s+1/m);
    const v = await runCli(['validate'], { root, user });
    expect(v.stdout).toMatch(/secret\.yaml:1:1: permission denied \[unreadable\]/);
    expect(v.code).toBe(1);
  });
});
