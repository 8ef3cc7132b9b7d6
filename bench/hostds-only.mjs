// The figures only hostds has (issue 4, item 6), measured with N other DaemonSets running beside
// the one under test, so a pass has real work to skip:
//  - reaction: label added → daemon exec'd, manifest edited → new daemon exec'd, label removed →
//    daemon gone (Kubernetes' own reaction is the yardstick: p50 ≤ 100 ms, p99 ≤ 300 ms). The
//    files are written atomically by the benchmark itself, as Ansible or `hostds label` would, so
//    no CLI start-up is counted;
//  - CLI latency: `hostds get ds` and `hostds get pods` from spawn to exit, against `node -e 0`,
//    the floor any node CLI pays, interleaved run by run.
// Used by compare.mjs (its section of docs/benchmarks.md) and by reaction.mjs (printed only).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The environment every manager and command under test runs in: what a service manager gives a
 * unit (systemd passes no login environment), not the shell's. A developer's shell can carry
 * variables that change start-up cost: NODE_EXTRA_CA_CERTS makes every node process read and
 * parse a CA bundle before its first line runs, ~80 ms here, which inflated the node-based
 * managers (hostds, PM2) and the `node -e 0` floor alike until the benchmarks cleared it.
 */
export function serviceEnv(extra = {}) {
  const path = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
  const nodeDir = dirname(process.execPath);
  return { PATH: [...new Set([nodeDir, ...path])].join(':'), HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8', ...extra };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const nowMs = () => performance.now();
const atomicWrite = (path, text) => { writeFileSync(`${path}.tmp`, text); renameSync(`${path}.tmp`, path); };
const killPid = (pid, sig = 'SIGKILL') => { try { process.kill(pid, sig); return true; } catch { return false; } };
const alive = (pid) => { try { return !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'latin1')); } catch { return false; } };

async function until(cond, what, timeoutMs = 10_000, everyMs = 1) {
  const end = Date.now() + timeoutMs;
  while (!cond()) { if (Date.now() > end) throw new Error(`timed out: ${what}`); await sleep(everyMs); }
}
// Waits that read state.json (a megabyte at 500 pods) poll slowly, so as not to take a core from
// the agent; they are never inside a measured interval.
const STATE_POLL_MS = 20;

/** Pids of live processes whose argv contains `needle` (the run's unique tag). */
function tagged(needle) {
  const out = [];
  for (const e of readdirSync('/proc')) {
    if (e.charCodeAt(0) > 57) continue;
    try { if (readFileSync(`/proc/${e}/cmdline`, 'latin1').includes(needle) && alive(Number(e))) out.push(Number(e)); } catch { /* gone */ }
  }
  return out;
}

/** Wall time of one command, spawn → exit, output drained as a terminal would be. */
function timeRun(argv) {
  return new Promise((resolve, reject) => {
    const t0 = nowMs();
    const c = spawn(argv[0], argv.slice(1), { env: serviceEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    c.stdout.resume();
    c.stderr.setEncoding('utf8').on('data', (d) => { err += d; });
    c.on('error', reject);
    c.on('close', (code) => (code === 0 ? resolve(nowMs() - t0) : reject(new Error(`${argv.join(' ')} exited ${code}: ${err.trim().slice(-300)}`))));
  });
}

/** The argv of sleeper i: GNU sleep sums its arguments, so the tag only makes it findable in /proc. */
export const sleeperArgv = (i, tag) => ['/bin/sleep', `100000.${i}`, `0.${tag}`];

/**
 * A hostds config directory (`ROOT/etc/hostds`) with immediate restarts and n DaemonSets d0…d{n-1},
 * one file each, running argv(i): the benchmarks' common set-up.
 */
export function writeHostdsRoot(etc, n, argv) {
  mkdirSync(join(etc, 'manifests.d'), { recursive: true });
  writeFileSync(join(etc, 'config.yaml'), 'restartBackoff: {initial: 0s}\n');
  for (let i = 0; i < n; i++) {
    writeFileSync(join(etc, `manifests.d/d${i}.yaml`), `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: d${i}}
spec:
  selector: {matchLabels: {app: d${i}}}
  template:
    metadata: {labels: {app: d${i}}}
    spec:
      terminationGracePeriodSeconds: 10
      containers:
      - name: main
        image: none
        command: ${JSON.stringify(argv(i))}
`);
  }
}

export const quantile = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };

/**
 * One agent with `n` background DaemonSets (`/bin/sleep`) and one more, `bench`, placed by the node
 * label bench=on. Returns the CLI latencies and the reaction times (ms).
 */
export async function measureHostdsOnly({ repo, n, trials = 30, cliRuns = 20, log = () => {} }) {
  const root = mkdtempSync('/tmp/hostds-only-');
  const tag = `${process.pid}${Math.floor(Math.random() * 1e6)}`;
  const etc = join(root, 'etc/hostds');
  const stamps = join(root, 'stamps');
  const bin = join(repo, 'bin/hostds');
  writeHostdsRoot(etc, n, (i) => sleeperArgv(i, tag));
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
        command: ["/bin/sh", "-c", "date +%s%N >> ${stamps}; exec sleep 100000 ${tag}"]
`;
  const node = (on) => `apiVersion: v1\nkind: Node\nmetadata:\n  labels: {${on ? 'bench: "on"' : ''}}\n`;
  atomicWrite(join(etc, 'node.yaml'), node(false));
  atomicWrite(join(etc, 'manifests.d/bench.yaml'), manifest(0));

  const agent = spawn(bin, ['--root', root, '--node-name', 'bench', 'agent', '--stop-daemons-on-exit'], { env: serviceEnv(), stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  agent.stdout.setEncoding('utf8').on('data', (d) => { out += d.slice(-200); });
  const agentExited = new Promise((r) => agent.once('exit', r));
  // Stamps are wall clock in ns from `date`; millisecond resolution is plenty here.
  const wallNs = () => BigInt(Date.now()) * 1_000_000n;
  const lines = () => (existsSync(stamps) ? readFileSync(stamps, 'utf8').trim().split('\n').filter(Boolean) : []);
  const daemonPid = () => {
    try {
      const s = JSON.parse(readFileSync(join(root, 'var/lib/hostds/state.json'), 'utf8'));
      return s.pods.find((p) => p.daemonSet?.name === 'bench' && !p.deletionTimestamp)?.containers[0]?.pid;
    } catch { return undefined; }
  };
  const r = { n, getDs: [], getPods: [], nodeE0: [], start: [], replace: [], stop: [] };
  try {
    await until(() => out.includes('"agent ready"'), 'agent ready', 60_000);
    await until(() => tagged(`0.${tag}`).length >= n, `${n} daemons running`, 60_000, 50);
    log(`  hostds only, N=${n}: CLI latency (${cliRuns} runs each)`);
    for (let i = 0; i < cliRuns; i++) {
      r.nodeE0.push(await timeRun([process.execPath, '-e', '0']));
      r.getDs.push(await timeRun([bin, '--root', root, 'get', 'ds']));
      r.getPods.push(await timeRun([bin, '--root', root, 'get', 'pods']));
    }
    log(`  hostds only, N=${n}: reaction (${trials} trials)`);
    for (let i = 0; i < trials; i++) {
      const before = lines().length;
      const t0 = wallNs();
      atomicWrite(join(etc, 'node.yaml'), node(true));
      await until(() => lines().length > before, 'daemon start');
      r.start.push(Number(BigInt(lines().at(-1)) - t0) / 1e6);
      await until(() => daemonPid() !== undefined, 'state', 10_000, STATE_POLL_MS);
      const pid = daemonPid();
      const before2 = lines().length;
      const t1 = wallNs();
      atomicWrite(join(etc, 'manifests.d/bench.yaml'), manifest(i + 1));
      await until(() => lines().length > before2, 'replacement start');
      r.replace.push(Number(BigInt(lines().at(-1)) - t1) / 1e6);
      await until(() => !alive(pid), 'old daemon gone');
      await until(() => daemonPid() !== undefined && daemonPid() !== pid, 'new pid recorded', 10_000, STATE_POLL_MS);
      const pid2 = daemonPid();
      const t2 = nowMs();
      atomicWrite(join(etc, 'node.yaml'), node(false));
      await until(() => !alive(pid2), 'daemon stop');
      r.stop.push(nowMs() - t2);
      await until(() => daemonPid() === undefined, 'pod removed', 10_000, STATE_POLL_MS);
    }
    return r;
  } finally {
    if (killPid(agent.pid, 'SIGTERM')) await Promise.race([agentExited, sleep(15_000)]);
    killPid(agent.pid);
    for (const pid of tagged(tag)) killPid(pid); // anything the agent did not stop
    rmSync(root, { recursive: true, force: true });
  }
}

const TARGET = { p50: 100, p99: 300 };

/** The Markdown section for docs/benchmarks.md (rows: measureHostdsOnly results, one per N). */
export function hostdsOnlyMarkdown(rows, { trials, cliRuns }) {
  const q = (xs, p) => (xs.length ? quantile(xs, p).toFixed(0) : '–');
  const pair = (xs) => `${q(xs, 0.5)} / ${q(xs, 0.99)}`;
  const met = (xs) => (xs.length && quantile(xs, 0.5) <= TARGET.p50 && quantile(xs, 0.99) <= TARGET.p99 ? 'yes' : 'no');
  const ratio = (a, b) => (a.length && b.length ? `${(quantile(a, 0.5) / quantile(b, 0.5)).toFixed(2)}×` : '–');
  const ok = rows.filter((r) => !r.error);
  return `## hostds only: reaction to a change, and CLI latency

Each row is one agent running N other DaemonSets (\`/bin/sleep\`) beside the one under test, placed by
the node label \`bench=on\`. The benchmark writes \`node.yaml\` and the manifest atomically itself, as
Ansible or \`hostds label\` would, so no CLI start-up is counted; the daemon stamps its start with
\`date +%s%N\`. ${trials} trials per N; p50 / p99 in ms. Kubernetes' reaction is the yardstick:
p50 ≤ ${TARGET.p50} ms, p99 ≤ ${TARGET.p99} ms.

| N | label added → daemon exec'd | manifest changed → new daemon exec'd | label removed → daemon gone | within p50 ≤ ${TARGET.p50}, p99 ≤ ${TARGET.p99} |
|---:|---:|---:|---:|---|
${ok.map((r) => `| ${r.n} | ${pair(r.start)} | ${pair(r.replace)} | ${pair(r.stop)} | ${[r.start, r.replace, r.stop].every((x) => met(x) === 'yes') ? 'yes' : 'no'} |`).join('\n')}

CLI latency with N pods: spawn → exit of \`hostds get ds\` and \`hostds
get pods\` (output read through a pipe), ${cliRuns} runs each, interleaved with \`node -e 0\`, the floor
of any node program on this machine. p50 (p90) in ms; the ratio is p50 over \`node -e 0\`'s p50 (target
for \`get ds\`: ≤ 3×).

| N | node -e 0 | hostds get ds | hostds get pods | get ds ÷ node -e 0 | get pods ÷ node -e 0 |
|---:|---:|---:|---:|---:|---:|
${ok.map((r) => `| ${r.n} | ${q(r.nodeE0, 0.5)} (${q(r.nodeE0, 0.9)}) | ${q(r.getDs, 0.5)} (${q(r.getDs, 0.9)}) | ${q(r.getPods, 0.5)} (${q(r.getPods, 0.9)}) | ${ratio(r.getDs, r.nodeE0)} | ${ratio(r.getPods, r.nodeE0)} |`).join('\n')}
${rows.filter((r) => r.error).map((r) => `\n- N=${r.n} failed: ${r.error}`).join('')}`;
}
