#!/usr/bin/env node
// How fast the agent reacts to a file change (DESIGN §5: target 200 ms; Kubernetes: p50 ≤ 100 ms,
// p99 ≤ 300 ms) and how long `hostds get ds|pods` take, with N other DaemonSets running. The same
// measurement runs inside compare.mjs, which writes it into docs/benchmarks.md; this prints it only.
// Usage: node bench/reaction.mjs [trials=30] [N=10]
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureHostdsOnly, quantile } from './hostds-only.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const trials = Number(process.argv[2] ?? 30);
const n = Number(process.argv[3] ?? 10);
if (!(trials >= 1) || !Number.isInteger(n) || n < 0) throw new Error('usage: node bench/reaction.mjs [trials=30] [N=10]');
const stats = (xs) => `p50 ${quantile(xs, 0.5).toFixed(1)}  p90 ${quantile(xs, 0.9).toFixed(1)}  p99 ${quantile(xs, 0.99).toFixed(1)}  max ${Math.max(...xs).toFixed(1)} ms (n=${xs.length})`;
const r = await measureHostdsOnly({ repo, n, trials, cliRuns: 10, log: (m) => console.error(m) });
console.log(`with ${n} other DaemonSets running:`);
console.log(`label added → daemon exec'd:     ${stats(r.start)}`);
console.log(`manifest changed → new daemon:   ${stats(r.replace)}`);
console.log(`label removed → daemon gone:     ${stats(r.stop)}`);
console.log(`node -e 0:                       ${stats(r.nodeE0)}`);
console.log(`hostds get ds:                   ${stats(r.getDs)}`);
console.log(`hostds get pods:                 ${stats(r.getPods)}`);
