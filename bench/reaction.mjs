#!/usr/bin/env node
// How fast the agent reacts to a file change (DESIGN §5: target 200 ms): label added → daemon
// exec'd, label removed → daemon gone, manifest edited → daemon replaced. Writes node.yaml and the
// manifest atomically itself (as Ansible or `hostds label` would), so the CLI's own start-up is
// not counted. Prints p50/p90/p99 and max in ms. Usage: node bench/reaction.mjs [trials=30]
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const trials = Number(process.argv[2] ?? 30);
const root = mkdtempSync(join(tmpdir(), 'hostds-bench-'));
const etc = join(root, 'etc/hostds');
mkdirSync(join(etc, 'manifests.d'), { recursive: true });
const stamps = join(root, 'stamps');
const atomicWrite = (path, text) => { writeFileSync(`${path}.tmp`, text); renameSync(`${path}.tmp`, path); };
const manifest = (version) => `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: bench}
spec:
  selector: {matchLabels: {app: bench}}
  template:
    metadata: {labels: {app: bench, v: "${version}"}}
    spec:
      terminationGracePeriodSeconds: 5
      nodeSelector: {bench: "on"}
      containers:
      - name: main
        image: none
        command: ["/bin/sh", "-c", "date +%s%N >> ${stamps}; exec sleep 100000"]
`;
const node = (on) => `apiVersion: v1\nkind: Node\nmetadata:\n  labels: {${on ? 'bench: "on"' : ''}}\n`;
atomicWrite(join(etc, 'node.yaml'), node(false));
atomicWrite(join(etc, 'manifests.d/bench.yaml'), manifest(0));

const agent = spawn(join(repo, 'bin/hostds'), ['--root', root, '--node-name', 'bench', 'agent', '--stop-daemons-on-exit'], { stdio: ['ignore', 'pipe', 'inherit'] });
let out = '';
agent.stdout.setEncoding('utf8').on('data', (d) => { out += d; });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const nowNs = () => process.hrtime.bigint();
// Wall time, comparable with `date +%s%N` in the daemon (millisecond resolution is enough here).
const wallNs = () => BigInt(Date.now()) * 1_000_000n;
async function until(cond, what, timeoutMs = 10_000) {
  const end = Date.now() + timeoutMs;
  while (!cond()) { if (Date.now() > end) throw new Error(`timed out: ${what}`); await sleep(1); }
}
const lines = () => (existsSync(stamps) ? readFileSync(stamps, 'utf8').trim().split('\n').filter(Boolean) : []);
const daemonPid = () => {
  try {
    const s = JSON.parse(readFileSync(join(root, 'var/lib/hostds/state.json'), 'utf8'));
    return s.pods.find((p) => !p.deletionTimestamp)?.containers[0]?.pid;
  } catch { return undefined; }
};
const alive = (pid) => { try { process.kill(pid, 0); return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '); } catch { return false; } };
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))].toFixed(1);
  return `p50 ${q(0.5)}  p90 ${q(0.9)}  p99 ${q(0.99)}  max ${s[s.length - 1].toFixed(1)} ms (n=${s.length})`;
};

try {
  await until(() => out.includes('"agent ready"'), 'agent ready', 20_000);
  const start = [], stop = [], replace = [];
  for (let i = 0; i < trials; i++) {
    const before = lines().length;
    const t0 = wallNs();
    atomicWrite(join(etc, 'node.yaml'), node(true));
    await until(() => lines().length > before, 'daemon start');
    start.push(Number(BigInt(lines().at(-1)) - t0) / 1e6);
    await until(() => daemonPid() !== undefined, 'state');
    const pid = daemonPid();
    const t1 = wallNs();
    atomicWrite(join(etc, 'manifests.d/bench.yaml'), manifest(i + 1));
    const before2 = lines().length;
    await until(() => lines().length > before2, 'replacement start');
    replace.push(Number(BigInt(lines().at(-1)) - t1) / 1e6);
    await until(() => !alive(pid), 'old daemon gone');
    await until(() => daemonPid() !== undefined && daemonPid() !== pid, 'new pid recorded');
    const pid2 = daemonPid();
    const t2 = nowNs();
    atomicWrite(join(etc, 'node.yaml'), node(false));
    await until(() => !alive(pid2), 'daemon stop');
    stop.push(Number(nowNs() - t2) / 1e6);
    await until(() => daemonPid() === undefined, 'pod removed');
  }
  console.log(`label added → daemon exec'd:     ${stats(start)}`);
  console.log(`manifest changed → new daemon:   ${stats(replace)}`);
  console.log(`label removed → daemon gone:     ${stats(stop)}`);
} finally {
  agent.kill('SIGTERM');
  await new Promise((r) => agent.once('exit', r));
  rmSync(root, { recursive: true, force: true });
}
