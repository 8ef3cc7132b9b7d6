// Issue 8: a property-based fuzz of the manifest pipeline, seeded so a failure replays. Thousands
// of DaemonSets, mutated as trees (wrong types, odd strings, deleted and duplicated fields) and as
// text (bytes cut, swapped, repeated, indentation broken). Properties: the loader never throws,
// finishes each input quickly, and every issue it reports has a message and a position inside
// the text.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { loadManifestText } from '../../../src/manifest/load.js';
import { seededRng } from '../../../src/agent/pod-factory.js';
import { REPO } from '../../helpers/cli.js';

const SEEDS = ['heartbeat.yaml', 'ssd-monitor.yaml'].map((f) => readFileSync(join(REPO, 'examples/root/etc/hostds/manifests.d', f), 'utf8'));
const ODD_VALUES: unknown[] = [
  null, true, 0, -1, 1.5, 2 ** 53, '', ' ', '0600', 'yes', '~', '..', '../etc/passwd', 'a/b', 'A'.repeat(300), '$(HOME)', '\u0000', '\u202e', '日本',
  [], [null], {}, { a: { b: { c: [] } } }, '{{ .Values.x }}', '*', '&anchor',
];

type Rng = () => number;
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;

/** Every path to a node in a plain JSON tree. */
function paths(v: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
  return out;
}

function mutateTree(doc: unknown, rng: Rng): unknown {
  const root = structuredClone(doc) as Record<string, unknown>;
  const all = paths(root).filter((p) => p.length > 0);
  for (let n = 1 + Math.floor(rng() * 3); n > 0; n--) {
    const p = pick(rng, all);
    let parent: Record<string | number, unknown> = root;
    for (const k of p.slice(0, -1)) {
      const next = parent?.[k];
      if (!next || typeof next !== 'object') break;
      parent = next as Record<string | number, unknown>;
    }
    const key = p.at(-1)!;
    if (!parent || typeof parent !== 'object') continue;
    const r = rng();
    if (r < 0.4) parent[key] = structuredClone(pick(rng, ODD_VALUES));
    else if (r < 0.6) delete parent[key];
    else if (r < 0.8) parent[`${String(key)}x`] = parent[key];
    else parent[key] = [parent[key], parent[key]];
  }
  return root;
}

function mutateText(text: string, rng: Rng): string {
  let t = text;
  for (let n = 1 + Math.floor(rng() * 3); n > 0; n--) {
    const i = Math.floor(rng() * t.length);
    const j = Math.min(t.length, i + Math.floor(rng() * 40));
    const r = rng();
    if (r < 0.25) t = t.slice(0, i) + t.slice(j);
    else if (r < 0.5) t = t.slice(0, i) + t.slice(i, j).repeat(2 + Math.floor(rng() * 3)) + t.slice(j);
    else if (r < 0.65) t = t.slice(0, i) + pick(rng, [':', '- ', '{', '}', '[', ']', '&a ', '*a', '!!binary ', '\t', '"', "'", '---\n', '#', '|\n', '>-\n', '%YAML 1.2\n']) + t.slice(i);
    else if (r < 0.8) t = t.slice(0, i) + ' '.repeat(1 + Math.floor(rng() * 4)) + t.slice(i);
    else t = t.slice(j) + t.slice(0, i);
  }
  return t;
}

function lineCount(text: string): number {
  return text.split('\n').length;
}

/** Returns whether the input was found faulty (an error issue or a rejection). */
function checkProperties(text: string, label: string): boolean {
  const t0 = performance.now();
  let load;
  try {
    load = loadManifestText(text, { file: 'f.yaml', path: '/x/f.yaml', birthtimeMs: 0 });
  } catch (err) {
    throw new Error(`${label}: the loader threw ${(err as Error).stack}\n--- input ---\n${text}`);
  }
  const ms = performance.now() - t0;
  // Generous bound: a hang or a super-linear blow-up, not speed, is what this catches.
  expect(ms, `${label}: took ${ms.toFixed(0)} ms`).toBeLessThan(2000);
  const issues = [...load.issues, ...load.rejected.flatMap((r) => r.errors)];
  for (const i of issues) {
    expect(i.message, `${label}: an issue without a message`).not.toBe('');
    expect(i.line, `${label}: ${i.message} at line ${i.line}`).toBeGreaterThanOrEqual(1);
    expect(i.line, `${label}: ${i.message} at line ${i.line} of ${lineCount(text)}`).toBeLessThanOrEqual(lineCount(text) + 1);
    expect(i.col).toBeGreaterThanOrEqual(1);
  }
  // Nothing is both accepted and rejected, and every rejection says why.
  for (const r of load.rejected) expect(r.errors.length, `${label}: ${r.name} rejected without an error`).toBeGreaterThan(0);
  return issues.some((i) => i.severity === 'error');
}

describe('fuzz: the manifest pipeline never throws, never hangs, and positions every issue', () => {
  const docs = SEEDS.map((s) => JSON.parse(JSON.stringify(loadManifestText(s, { file: 's', path: '/s', birthtimeMs: 0 }).daemonSets[0]!.ds)) as unknown);

  test('2000 tree mutations of real DaemonSets', () => {
    const rng = seededRng('fuzz-tree');
    let faulty = 0;
    for (let i = 0; i < 2000; i++) {
      const text = stringify(mutateTree(pick(rng, docs), rng));
      if (checkProperties(text, `tree #${i}`)) faulty++;
    }
    // The mutations do reach the validator: most break something, some are harmless.
    expect(faulty).toBeGreaterThan(600);
    expect(faulty).toBeLessThan(2000);
  });

  test('3000 text mutations of real manifests', () => {
    const rng = seededRng('fuzz-text');
    let faulty = 0;
    for (let i = 0; i < 3000; i++) if (checkProperties(mutateText(pick(rng, SEEDS), rng), `text #${i}`)) faulty++;
    expect(faulty).toBeGreaterThan(900);
  });

  test('500 random byte strings', () => {
    const rng = seededRng('fuzz-bytes');
    for (let i = 0; i < 500; i++) {
      const len = Math.floor(rng() * 400);
      let s = '';
      for (let j = 0; j < len; j++) s += String.fromCharCode(Math.floor(rng() * 128));
      checkProperties(s, `bytes #${i}`);
    }
  });
});
