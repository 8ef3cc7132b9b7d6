#!/usr/bin/env node
// What one measurement of this host's pressure signals costs (src/host/measure.ts, called every
// 10 s by the agent), next to the systeminformation calls that would give the same signal.
// CPU is process.cpuUsage around each call (all threads, so the libuv pool's reads count); child
// CPU is cutime+cstime from /proc/self/stat over the whole row (systeminformation runs df, ps, …).
// Usage: node bench/measure-cost.mjs [runs=1000] [maxSecondsPerRow=10]
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.argv[2] ?? 1000);
const maxMs = Number(process.argv[3] ?? 10) * 1000;
const CLK_TCK = 100; // USER_HZ on every Linux architecture Node runs on

const dir = mkdtempSync(join(tmpdir(), 'hostds-measure-bench-'));
try {
  // Plain node cannot import the TypeScript source, so bundle it (rolldown ships with vite).
  const bundle = join(dir, 'measure.mjs');
  await promisify(execFile)(join(repo, 'node_modules/.bin/rolldown'),
    ['src/host/measure.ts', '--format', 'esm', '--platform', 'node', '--file', bundle], { cwd: repo });
  const m = await import(pathToFileURL(bundle).href);
  const si = (await import('systeminformation')).default;
  // Roots reached through symlinks are not recognised as /proc and /sys, so every call opens and
  // reads each file afresh: the cost without the kept handles.
  symlinkSync('/proc', join(dir, 'proc'));
  symlinkSync('/sys', join(dir, 'sys'));
  const fresh = { procRoot: join(dir, 'proc'), sysRoot: join(dir, 'sys') };
  const nodefsPaths = ['/', tmpdir()];

  const rows = [
    ['measureHost (/, tmpdir)', () => m.measureHost({ nodefsPaths })],
    ['measureHost, files reopened each call', () => m.measureHost({ nodefsPaths, ...fresh })],
    ['measureMemory', () => m.measureMemory()],
    ['measureNodefs (/, tmpdir)', () => m.measureNodefs({ nodefsPaths })],
    ['measurePids', () => m.measurePids()],
    ['measureNetwork', () => m.measureNetwork()],
    ['mountPointOf(tmpdir)', () => m.mountPointOf(tmpdir())],
    ['si.mem()', () => si.mem()],
    ['si.fsSize()', () => si.fsSize()],
    ['si.networkInterfaces()', () => si.networkInterfaces()],
    // si.processes() returns its last result when called again within 500 ms: space the calls.
    ['si.processes()', () => si.processes(), 510],
  ];
  const results = [];
  for (const [name, fn, gapMs] of rows) results.push({ name, ...(await timeRow(fn, gapMs)) });
  printTable(results);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function childTicks() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[13]) + Number(fields[14]); // cutime, cstime (fields 16 and 17 of stat)
}

/**
 * Warm up, then up to `runs` sequential calls or `maxMs` of wall time, whichever ends first, each
 * timed alone so the median shrugs off other load on the machine. `gapMs` waits (untimed) between
 * calls, for functions that return a cached result when called again too soon.
 */
async function timeRow(fn, gapMs = 0) {
  for (let i = 0; i < 5; i++) await fn();
  const cpu = [];
  const wall = [];
  const ticks0 = childTicks();
  const t0 = performance.now();
  while (cpu.length < runs && performance.now() - t0 < maxMs) {
    if (gapMs > 0) await sleep(gapMs);
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    await fn();
    wall.push((performance.now() - w0) * 1000);
    const c = process.cpuUsage(c0);
    cpu.push(c.user + c.system);
  }
  const childUs = ((childTicks() - ticks0) * 1e6) / CLK_TCK;
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { runs: cpu.length, cpuMedian: median(cpu), cpuMean: mean(cpu), childUs: childUs / cpu.length, wallMedian: median(wall) };
}

function printTable(results) {
  const fmt = (us) => (us >= 10_000 ? `${(us / 1000).toFixed(1)} ms` : `${us.toFixed(0)} µs`);
  const header = ['call', 'runs', 'CPU median', 'CPU mean', 'child CPU mean', 'wall median'];
  const lines = results.map((r) => [r.name, String(r.runs), fmt(r.cpuMedian), fmt(r.cpuMean), fmt(r.childUs), fmt(r.wallMedian)]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const row = (cells) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  process.stdout.write(`node ${process.version}, up to ${runs} calls per row (at most ${maxMs / 1000} s each), per call\n`);
  process.stdout.write(`${row(header)}\n|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|\n`);
  for (const l of lines) process.stdout.write(`${row(l)}\n`);
}
