// The manifest fast path (src/manifest/fast-yaml.ts) must read exactly what the `yaml` library
// reads with YAML 1.1, or step aside (null). Tables for what it must read and must refuse, then a
// seeded differential fuzz: thousands of documents built from the pieces that trip YAML readers
// (1.1 booleans and octals, colons, comments, quotes, flows, odd indentation), each compared with
// the library whenever the fast path answers (FAST_YAML_SEED=x replays another seed).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseSimpleYaml } from '../../../src/manifest/fast-yaml.js';
import { parseManifestText, parseWithLibrary } from '../../../src/manifest/parse.js';
import { seededRng } from '../../../src/agent/pod-factory.js';
import { REPO } from '../../helpers/cli.js';

/** What the slow path makes of the text: values, or the errors that refuse it. */
function library(text: string): { values: unknown[]; errors: number } {
  const docs = parseAllDocuments(text, { version: '1.1', uniqueKeys: false, prettyErrors: false });
  const list = Array.isArray(docs) ? docs : [];
  return { values: list.map((d) => d.toJS()), errors: list.reduce((n, d) => n + d.errors.length, 0) };
}

/** Every path to a node in a plain tree, and one missing key below each mapping. */
function paths(v: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
    out.push([...at, 'no-such-key']);
  }
  return out;
}

let positionsCompared = 0;

/**
 * The property: an answer from the fast path is the library's, for a text the library accepts,
 * values and every position it kept (of each node, each key, and each missing key's ancestor).
 */
function agrees(text: string): boolean {
  const fast = parseSimpleYaml(text);
  if (fast === null) return false;
  const lib = library(text);
  expect(lib.errors, text).toBe(0);
  expect(fast.values, text).toStrictEqual(lib.values);
  const full = parseWithLibrary(text, 'f.yaml');
  fast.values.forEach((value, i) => {
    for (const p of paths(value)) {
      for (const at of ['key', 'value'] as const) {
        const mine = fast.locate(i, p, at);
        if (mine === undefined) continue;
        expect(mine, `${text}\n@ ${JSON.stringify(p)} ${at}`).toEqual(full.docs[i]!.locate(p, at));
        positionsCompared++;
      }
    }
  });
  return true;
}

const BENCH_MANIFEST = `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: d1}
spec:
  selector: {matchLabels: {app: d1}}
  template:
    metadata: {labels: {app: d1}}
    spec:
      terminationGracePeriodSeconds: 10
      containers:
      - name: main
        image: none
        command: ["/bin/sleep", "100000.1", "0.1"]
`;

describe('fast YAML path', () => {
  test.each([
    ['a manifest in the usual shape', BENCH_MANIFEST],
    ['YAML 1.1 words, nulls and integers', 'a: yes\nb: Off\nc: ~\nd:\ne: 0\nf: -12\ng: y\nh: NULL\n'],
    ['an image with a tag, a path, words with blanks', 'image: nginx:1.25\npath: /var/log\nmsg: hello big world\n'],
    ['comments everywhere, a hash inside quotes', '# head\na: 1 # one\n\n  # indented comment\nb: "x # y"\nc: \'#\'\n'],
    ['indentless and compact sequences, nested', 'a:\n- x\n- k: 1\n  z: [2, "3"]\n-\n  - deep\n- - inner\n  - more\nb: {}\nc: []\n'],
    ['documents', '---\na: 1\n---\nb: 2\n'],
    ['blanks before a colon, a comment after a document marker', '--- # first\na   : 1\nb: 2\n'],
    ['quotes and escapes', `a: "tab\\tnl\\n\\"q\\" \\\\"\nb: 'it''s'\n"c d": ''\n`],
  ])('reads %s exactly as the library does', (_, text) => {
    expect(agrees(text)).toBe(true);
  });

  test.each([
    ['an anchor and alias', 'a: &x 1\nb: *x\n'],
    ['a tag', 'a: !!str 1\n'],
    ['a block scalar', 'a: |\n  line\n'],
    ['a multi-line plain scalar', 'a: one\n  two\n'],
    ['a multi-line flow', 'a: [1,\n  2]\n'],
    ['an octal (YAML 1.1)', 'mode: 0600\n'],
    ['a float, a date, a sexagesimal', 'a: 1.5\n'],
    ['a key that is a boolean in YAML 1.1', 'on: push\n'],
    ['a key that is a boolean in YAML 1.1, in a sequence', '- y: 1\n'],
    ['a merge key', 'a: {x: 1}\n<<: {y: 2}\n'],
    ['a duplicate key', 'a: 1\na: 2\n'],
    ['a tab', 'a:\t1\n'],
    ['an odd indentation', 'a:\n  b: 1\n c: 2\n'],
    ['an empty document', '---\n---\na: 1\n'],
    ['a top-level scalar', 'hello\n'],
    ['an unclosed quote', 'a: "x\n  y"\n'],
    ['a __proto__ key', '__proto__: {a: 1}\n'],
    ['a Windows line end', 'a: 1\r\nb: 2\r\n'],
    ['a no-break space, which trim() would eat and YAML keeps', 'a: b\u00a0\n'],
    ['a NEL, a line break in YAML 1.1', 'a: b\u0085c\n'],
    ['a line separator', 'a: b\u2028c\n'],
    ['a control character', 'a: b\u0001\n'],
    ['a byte order mark', '\ufeffa: b\n'],
  ])('leaves %s to the library', (_, text) => {
    expect(parseSimpleYaml(text)).toBeNull();
  });

  test('the manifests of this repository and of the corpus: every answer agrees, most plain ones are answered', () => {
    const dirs = [join(REPO, 'examples'), join(REPO, '../shared/corpus/daemonsets')].filter((d) => existsSync(d));
    const files = dirs.flatMap((d) => readdirSync(d, { recursive: true, encoding: 'utf8' }).filter((f) => /\.ya?ml$/.test(f)).map((f) => join(d, f)));
    expect(files.length).toBeGreaterThan(5);
    const answered = files.filter((f) => agrees(readFileSync(f, 'utf8')));
    // The examples are written for hostds, plainly: the fast path must serve them.
    expect(answered.filter((f) => f.startsWith(join(REPO, 'examples'))).length).toBeGreaterThan(3);
  });

  test('a seeded fuzz of tricky pieces: whenever the fast path answers, it is the library\'s answer', () => {
    const rng = seededRng(process.env['FAST_YAML_SEED'] ?? 'fast-yaml');
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
    const KEYS = ['a', 'name', 'app.kubernetes.io/name', '"quoted key"', "'sq'", 'on', 'Yes', '1', '<<', 'a b', 'key:x', 'x#y', '"a: b"', '-k', 'k-', '_k', '/k', '"#"', '~', 'null', ''];
    const SCALARS = ['plain', 'hello world', 'yes', 'No', 'on', 'OFF', '~', 'null', 'Null', '', '0', '-0', '007', '0600', '12', '-12', '+12', '1e3', '1.5',
      '.inf', '.NaN', '0x1F', '0b101', '1_000', '190:20:30', '2001-12-14', '2001-12-14t21:59:43.10-05:00', 'nginx:1.25', 'http://x/y', 'a: b', 'a:', 'a #c', 'a#c',
      '"dq"', '"esc\\n\\t\\"\\\\"', '"\\u00e9"', '"\\x41"', '"a\\/b"', "'it''s'", "'#x'", '"#x"', '[a, b]', '[a, "b,c"]', '{a: 1, b: [c]}', '{a: yes, "b": on}', '{}', '[]', '[a,]',
      '[a:b]', '{a:b}', '{"a":1}', '[ a , b ]', '&anc x', '*ref', '!tag x', '|', '>-', '- x', '`x`', '@x', '%x', 'a, b', 'a [b]', 'x: y: z', '12345678901234567890',
      '9007199254740993', 'True', 'y', 'n', '-x', '/path/to', '_x', "a'b", 'a"b', '"unclosed', "'unclosed", '? x', ':x', '=', 'a\tb', '日本', 'Ünïcode', 'NaN', 'Infinity', 'nb\u00a0sp', 'nel\u0085x', 'end\u3000',
      '100m', '128Mi', '1.5Gi', '0s', '1m30s', '200ms', '10%', '1.5%', '0x1Fs', '0X1f', '1e3s', '1E5', '1.5e3', '0b1x', '0o7s', '007s', '1_0s', '12h', '1.5.2x', '1:20s', '2001-12-14x'];
    const PLAIN = ['plain', 'hello world', 'nginx:1.25', '12', '"dq"', "'sq'", '[a, b]', '{a: 1, b: [c]}', 'yes', '~', '/path/to'];
    const PLAIN_KEYS = ['a', 'name', 'app.kubernetes.io/name', '"quoted key"', 'k-', '_k'];
    const INDENTS = [2, 2, 2, 4, 1, 3];
    const comment = () => (rng() < 0.15 ? pick([' # c', '  #c', ' #', '#nospace']) : '');

    function block(depth: number, col: number, out: string[]): void {
      const seq = rng() < 0.35;
      const n = 1 + Math.floor(rng() * 4);
      const step = pick(INDENTS);
      for (let i = 0; i < n; i++) {
        const pad = ' '.repeat(col + (rng() < 0.03 ? 1 : 0));
        if (rng() < 0.08) out.push(pick(['', '# full line', `${pad}# indented`, '   ']));
        const key = () => pick(rng() < 0.9 ? PLAIN_KEYS : KEYS);
        const scalar = () => pick(rng() < 0.9 ? PLAIN : SCALARS);
        const head = seq ? `${pad}-${pick([' ', ' ', '  '])}` : `${pad}${key()}:`;
        if (depth < 4 && rng() < 0.35) {
          if (seq && rng() < 0.5) {
            // `- key: value` with the rest of the mapping at the key's column.
            const keyCol = head.length;
            out.push(`${head}${key()}: ${scalar()}${comment()}`);
            for (let k = Math.floor(rng() * 3); k > 0; k--) out.push(`${' '.repeat(keyCol)}${key()}: ${scalar()}${comment()}`);
          } else {
            out.push(`${seq ? head.trimEnd() : head}${comment()}`);
            // A mapping's sequence may sit at the mapping's column.
            block(depth + 1, !seq && rng() < 0.2 ? col : col + step, out);
          }
        } else {
          out.push(`${head}${seq ? '' : ' '}${scalar()}${comment()}`);
        }
      }
    }

    let answered = 0;
    const total = 4000;
    for (let i = 0; i < total; i++) {
      const docs: string[] = [];
      for (let d = rng() < 0.2 ? 2 : 1; d > 0; d--) {
        const lines: string[] = [];
        block(0, 0, lines);
        docs.push(lines.join('\n'));
      }
      const text = `${rng() < 0.3 ? '---\n' : ''}${docs.join('\n---\n')}${rng() < 0.9 ? '\n' : ''}`;
      if (agrees(text)) answered++;
    }
    // Not a vacuous property: a good share of the documents take the fast path, with positions.
    expect(answered).toBeGreaterThan(total / 10);
    expect(positionsCompared).toBeGreaterThan(total);
  });

  test('a file the fast path reads has the positions it kept, and the others from the library on demand', () => {
    const text = BENCH_MANIFEST.replace('image: none', 'image: none\n        stdin: true');
    const fast = parseManifestText(text, 'd.yaml');
    const simple = parseSimpleYaml(text);
    // What every DaemonSet records (its start and its name's position) is kept by the fast path.
    expect(simple?.locate(0, [])).toEqual({ line: 1, col: 1 });
    expect(simple?.locate(0, ['metadata', 'name'])).toEqual({ line: 3, col: 18 });
    expect(fast.issues).toEqual([]);
    const [doc] = fast.docs;
    expect(doc!.locate(['spec', 'template', 'spec', 'containers', 0, 'stdin'], 'key')).toEqual({ line: 13, col: 9 });
    expect(doc!.locate(['metadata', 'name'])).toEqual({ line: 3, col: 18 });
    expect(doc!.start).toBe(0);
    expect(doc!.range).toEqual([0, text.length]);
    expect(doc!.source).toBe(text);
  });
});
