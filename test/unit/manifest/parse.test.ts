// Field paths back to line:column, and what parsing refuses before validation sees anything.
import { describe, expect, test } from 'vitest';
import { parseManifestText } from '../../../src/manifest/parse.js';
import type { FieldPath } from '../../../src/manifest/issues.js';

const TEXT = [
  'apiVersion: apps/v1',             // 1
  'kind: DaemonSet',                 // 2
  'metadata:',                       // 3
  '  name: demo',                    // 4
  '  labels:',                       // 5
  '    "bad key": x',                // 6
  'spec:',                           // 7
  '  template:',                     // 8
  '    spec:',                       // 9
  '      tolerations:',              // 10
  '      - key: a',                  // 11
  '        operator: Foo',           // 12
  '',
].join('\n');

describe('locate', () => {
  const doc = parseManifestText(TEXT, 'f.yaml').docs[0]!;
  test.each<{ name: string; path: FieldPath; at?: 'key'; line: number; col: number }>([
    { name: 'a scalar value', path: ['metadata', 'name'], line: 4, col: 9 },
    { name: 'a map key when the key is at fault', path: ['metadata', 'labels', { key: 'bad key' }], at: 'key', line: 6, col: 5 },
    { name: 'a list item field', path: ['spec', 'template', 'spec', 'tolerations', 0, 'operator'], line: 12, col: 19 },
    { name: 'a missing field falls back to its parent', path: ['spec', 'selector'], line: 8, col: 3 },
    { name: 'a missing index falls back to the list', path: ['spec', 'template', 'spec', 'tolerations', 5], line: 11, col: 7 },
    { name: 'the document itself', path: [], line: 1, col: 1 },
  ])('$name → $line:$col', ({ path, at, line, col }) => {
    expect(doc.locate(path, at)).toEqual({ line, col });
  });
});

describe('parseManifestText', () => {
  test('multi-document files keep each document apart', () => {
    const p = parseManifestText('---\nkind: A\n---\nkind: B\n...\n', 'f.yaml');
    expect(p.issues).toEqual([]);
    expect(p.docs.map((d) => (d.value as { kind: string }).kind)).toEqual(['A', 'B']);
  });

  test('YAML 1.1 as Kubernetes reads it: octal 0600 and yes', () => {
    const p = parseManifestText('mode: 0600\nflag: yes\n', 'f.yaml');
    expect(p.docs[0]!.value).toEqual({ mode: 384, flag: true });
  });

  test('duplicate keys are an error at the second key', () => {
    const p = parseManifestText('a: 1\nb: 2\na: 3\n', 'f.yaml');
    expect(p.issues).toMatchObject([{ code: 'yaml-syntax', line: 3, col: 1 }]);
  });

  test('a Helm template is named as such, at the first {{', () => {
    const p = parseManifestText('apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  labels:\n{{ include "x" . | indent 4 }}\n', 'f.yaml');
    expect(p.issues[0]).toMatchObject({ code: 'template', line: 5, col: 1 });
  });

  test('an alias bomb is refused, not expanded', () => {
    const bomb = ['a: &a [x,x,x,x,x,x,x,x,x,x]', 'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]', 'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]', 'd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]'].join('\n');
    const p = parseManifestText(bomb, 'f.yaml');
    expect(p.issues).toMatchObject([{ code: 'yaml-limit' }]);
    expect(p.docs[0]!.value).toBeUndefined();
  });

  test('a few aliases are fine', () => {
    const p = parseManifestText('a: &a {x: 1}\nb: *a\n', 'f.yaml');
    expect(p.issues).toEqual([]);
    expect(p.docs[0]!.value).toEqual({ a: { x: 1 }, b: { x: 1 } });
  });
});
