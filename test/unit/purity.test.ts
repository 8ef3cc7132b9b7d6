// STYLE.md rule 1: the decision core stays pure. This scans the pure modules' source for
// imports of effectful modules and for reads of the clock or randomness, so a slip fails CI.
import { describe, expect, test } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../helpers/cli.js';

const PURE: { dir: string; match: RegExp }[] = [
  { dir: 'src/schedule', match: /\.ts$/ },
  { dir: 'src/manifest', match: /^(validate.*|normalize|shape|known-fields|issues|k8s-names|types)\.ts$/ },
  { dir: 'src/host', match: /^(node-edit.*|conditions|discovered-labels)\.ts$/ },
  { dir: 'src/lib', match: /^(duration|listen-address|iso-time|trim-plan)\.ts$/ },
  { dir: 'src/observe', match: /^metrics-(family|kube|view)\.ts$/ },
  { dir: 'src/pods', match: /\.ts$/ },
  { dir: 'src/reconcile', match: /\.ts$/ },
  { dir: 'src/supervise', match: /^(restart-policy|cgroup-layout)\.ts$/ },
  { dir: 'src/agent', match: /^(desired|pod-factory)\.ts$/ },
  { dir: 'src/probes', match: /^(spec|tracker)\.ts$/ },
];

const FORBIDDEN: { what: string; re: RegExp }[] = [
  { what: 'an effectful import', re: /from\s+['"](node:)?(fs|fs\/promises|child_process|net|http|os)['"]|from\s+['"](execa|chokidar|systeminformation|pino)['"]/ },
  { what: 'the wall clock', re: /Date\.now\(|new Date\(\)/ },
  { what: 'randomness', re: /Math\.random\(/ },
  { what: 'timers', re: /\bset(Timeout|Interval|Immediate)\(/ },
  { what: 'console output', re: /\bconsole\./ },
];

const files = PURE.flatMap(({ dir, match }) =>
  readdirSync(join(REPO, dir)).filter((f) => match.test(f)).map((f) => join(dir, f)));

describe('pure core modules', () => {
  test('there are pure modules to check', () => {
    expect(files.length).toBeGreaterThan(8);
  });
  test.each(files)('%s uses no effects', (file) => {
    const text = readFileSync(join(REPO, file), 'utf8').replace(/\/\/.*$/gm, '');
    for (const { what, re } of FORBIDDEN) expect(re.test(text), `${file} uses ${what}`).toBe(false);
  });
});
