#!/usr/bin/env node
// hostds side by side with supervisord, PM2 and runit (issue 4). For each N and repeat, each
// manager in turn runs N copies of /bin/sleep and we measure, from /proc only:
//   1. start all      launch of the manager → all N children exec'd (ms)
//   2. memory         RSS and PSS of the manager's own processes once all are up (MiB)
//   3. idle CPU       utime+stime of the manager over a quiet window (ms)
//   4. restart        kill -9 of one child → its replacement exec'd (ms)
//   5. stop all       graceful stop request → every child gone (ms)
// Every child gets a unique argv (`/bin/sleep 100000.<i> 0.<tag>`, GNU sleep sums its
// arguments), so we find it in /proc without asking the manager. Writes docs/benchmarks.md.
// Soak (issue 4): K daemons that crash at once, restarted immediately, until R restarts; manager
// RSS/PSS after 200 warm-up restarts against after the soak. Written to bench/soak.md and spliced
// into docs/benchmarks.md; a full run without --soak keeps the last bench/soak.md.
// hostds only (hostds-only.mjs): reaction to a label or manifest change and `hostds get` latency
// against `node -e 0`, at each N. Written to bench/hostds-only.md; --hostds-only runs it alone.
// Usage: node bench/compare.mjs [--n 10,100,500] [--repeats 3] [--quick] [--managers hostds,supervisord,pm2,runit] [--no-doc]
//        [--soak R] [--soak-only] [--soak-k 3] [--soak-max-s 300]
//        [--hostds-only] [--reaction-trials 30] [--cli-runs 20]
import { spawn, spawnSync } from 'node:child_process';
import { readlinkSync, statSync, utimesSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { hostdsOnlyMarkdown, measureHostdsOnly, serviceEnv, sleeperArgv, writeHostdsRoot } from './hostds-only.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opt } = parseArgs({
  options: {
    n: { type: 'string', default: '10,100,500' },
    repeats: { type: 'string', default: '3' },
    quick: { type: 'boolean', default: false },
    managers: { type: 'string', default: 'hostds,supervisord,pm2,runit' },
    'no-doc': { type: 'boolean', default: false },
    soak: { type: 'string' }, // R crash-restarts; default 10000 with --soak-only, no soak otherwise
    'soak-only': { type: 'boolean', default: false },
    'soak-k': { type: 'string', default: '3' },
    'soak-max-s': { type: 'string', default: '300' }, // cap per manager on the soak phase (runit: ~1 restart/s/daemon)
    'hostds-only': { type: 'boolean', default: false }, // reaction and CLI latency alone, merged into the existing doc
    'reaction-trials': { type: 'string', default: '30' },
    'cli-runs': { type: 'string', default: '20' },
  },
});
const Ns = opt.n.split(',').map(Number);
const repeats = Number(opt.repeats);
const idleMs = opt.quick ? 5_000 : 20_000;
const settleMs = 1_000; // after all children are up, before memory and CPU are read
const pollMs = 2;
const wanted = opt.managers.split(',');
if (Ns.some((n) => !Number.isInteger(n) || n < 1) || !(repeats >= 1)) throw new Error('bad --n or --repeats');
const soakR = opt.soak !== undefined ? Number(opt.soak) : opt['soak-only'] ? 10_000 : 0;
const soakK = Number(opt['soak-k']);
const soakMaxS = Number(opt['soak-max-s']);
const SOAK_WARMUP = 200;
if (!Number.isInteger(soakR) || soakR < 0 || !(soakK >= 1) || !(soakMaxS > 0)) throw new Error('bad --soak, --soak-k or --soak-max-s');
const reactionTrials = Number(opt['reaction-trials']);
const cliRuns = Number(opt['cli-runs']);
if (!(reactionTrials >= 1) || !(cliRuns >= 1)) throw new Error('bad --reaction-trials or --cli-runs');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();
const log = (...a) => console.error('[compare]', ...a);
const TICK_MS = 1000 / Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);

// ---- cleanup registry: every pid we start or find, every temp dir; run on exit and on signals
const work = mkdtempSync(join(tmpdir(), 'hostds-compare-'));
const cleanups = new Set();
function runCleanups() {
  for (const c of [...cleanups].reverse()) { try { c(); } catch { /* keep cleaning */ } cleanups.delete(c); }
}
for (const s of ['SIGINT', 'SIGTERM']) process.once(s, () => { log(`${s}: cleaning up`); runCleanups(); rmSync(work, { recursive: true, force: true }); process.exit(130); });
const killPid = (pid, sig = 'SIGKILL') => { try { process.kill(pid, sig); return true; } catch { return false; } };

// ---- /proc helpers
function procStat(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { state: f[0], ppid: Number(f[1]), cpuTicks: Number(f[11]) + Number(f[12]) };
  } catch { return undefined; }
}
const aliveNotZombie = (pid) => { const s = procStat(pid); return s !== undefined && s.state !== 'Z' && s.state !== 'X'; };
function memKiB(pid) {
  const t = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const get = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(t)?.[1] ?? NaN);
  return { rss: get('Rss'), pss: get('Pss'), anon: get('Anonymous') };
}
const childrenOf = (ppid) => readdirSync('/proc').filter((e) => /^\d+$/.test(e)).map(Number).filter((p) => procStat(p)?.ppid === ppid);

/** The children of one run, found by their argv: index → pid. Matched pids are cached (their argv
 *  cannot change back); new ones are re-read each scan for a while, since a forked child execs a moment later. */
class Children {
  constructor(tag) {
    this.tag = `0.${tag}`;
    this.byPid = new Map();
    // The poller must not take a core from what it measures. Processes that existed before the run
    // can never become its children, so their argv is never read; a new process that does not
    // match yet is read again each scan (it may be a fork about to exec) for a second, then every 50 ms.
    this.foreign = new Set(readdirSync('/proc').filter((e) => /^\d+$/.test(e)).map(Number));
    this.firstSeen = new Map();
  }
  scan() {
    const present = new Set();
    const t = now();
    for (const e of readdirSync('/proc')) {
      if (!/^\d+$/.test(e)) continue;
      const pid = Number(e);
      present.add(pid);
      if (this.byPid.has(pid) || this.foreign.has(pid)) continue;
      // Not yet ours after a second: most likely some other process, so read it only every 50 ms
      // (never dropped for good: a child the scheduler kept from exec'ing must still be found).
      const known = this.firstSeen.get(pid);
      if (known !== undefined && t - known.first > 1000 && t - known.read < 50) continue;
      let argv;
      try { argv = readFileSync(`/proc/${e}/cmdline`, 'latin1').split('\0'); } catch { continue; }
      if (argv[0] === '/bin/sleep' && argv[2] === this.tag) { this.byPid.set(pid, argv[1]); this.firstSeen.delete(pid); continue; }
      const seen = this.firstSeen.get(pid) ?? { first: t, read: t };
      seen.read = t;
      this.firstSeen.set(pid, seen);
    }
    for (const pid of this.byPid.keys()) if (!present.has(pid)) this.byPid.delete(pid);
    // A pid freed and handed out again is a new process: it must be looked at afresh.
    for (const pid of this.foreign) if (!present.has(pid)) this.foreign.delete(pid);
    for (const pid of this.firstSeen.keys()) if (!present.has(pid)) this.firstSeen.delete(pid);
    return this;
  }
  /** At least n children found, zombies included: cheap, and checked with live() only once true. */
  seen(n) { return this.byPid.size >= n; }
  /** Live (not zombie) children: index → pid. */
  live() {
    const m = new Map();
    for (const [pid, idx] of this.byPid) if (aliveNotZombie(pid)) m.set(idx, pid);
    return m;
  }
  killAll() { for (const pid of this.scan().byPid.keys()) killPid(pid); }
}

async function until(cond, what, timeoutMs) {
  const end = now() + timeoutMs;
  for (;;) {
    if (cond()) return;
    if (now() > end) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await sleep(pollMs);
  }
}
const exited = (child) => child.exitCode !== null || child.signalCode !== null;
const waitExit = (child, ms) => until(() => exited(child), `${child.spawnfile} exit`, ms);
/** Spawn with stdout/stderr to a file, registered for cleanup by pid. */
function launch(cmd, args, { env = serviceEnv(), out, cwd } = {}) {
  const fd = openSync(out, 'a');
  try {
    const child = spawn(cmd, args, { env, cwd, stdio: ['ignore', fd, fd] });
    child.on('error', (err) => log(`${cmd}: ${err.message}`));
    const c = () => { if (!exited(child)) killPid(child.pid); };
    cleanups.add(c);
    return child;
  } finally { closeSync(fd); }
}
const runCmd = (cmd, args, env) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, timeout: 60_000 });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() };
};
const which = (cmd) => runCmd('sh', ['-c', `command -v ${cmd}`]).out || undefined;

// ---- installing or finding the peers
let aptUpdated = false;
function aptInstall(pkg) {
  if (!aptUpdated) { log('apt-get update'); runCmd('apt-get', ['update']); aptUpdated = true; }
  log(`apt-get install ${pkg}`);
  const r = runCmd('apt-get', ['install', '-y', '--no-install-recommends', pkg], { ...process.env, DEBIAN_FRONTEND: 'noninteractive' });
  if (!r.ok) throw new Error(`apt-get install ${pkg} failed: ${r.out.slice(-500)}`);
}
/** The Debian packages may start their own service; we run our own instances only. */
function stopDistroService(service, processName) {
  for (const pidFile of ['/run/supervisord.pid', '/var/run/supervisord.pid']) {
    if (service === 'supervisor' && existsSync(pidFile)) {
      log(`stopping the distro ${service} service`);
      runCmd('sh', ['-c', `systemctl disable --now ${service} 2>/dev/null || service ${service} stop 2>/dev/null || true`]);
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      if (pid && aliveNotZombie(pid) && readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes(processName)) killPid(pid, 'SIGTERM');
    }
  }
  if (service === 'runit') runCmd('sh', ['-c', 'systemctl disable --now runit 2>/dev/null || true']);
}
function ensureTools() {
  const tools = {};
  if (wanted.includes('supervisord')) {
    if (!which('supervisord')) { aptInstall('supervisor'); stopDistroService('supervisor', 'supervisord'); }
    tools.supervisord = which('supervisord');
    tools.supervisordVersion = runCmd(tools.supervisord, ['--version']).out;
  }
  if (wanted.includes('runit')) {
    if (!which('runsvdir')) { aptInstall('runit'); stopDistroService('runit', 'runsvdir'); }
    tools.runsvdir = which('runsvdir');
    tools.runitVersion = runCmd('dpkg-query', ['-W', '-f', '${Version}', 'runit']).out || 'unknown';
  }
  if (wanted.includes('pm2')) {
    // Never run the pm2 CLI without PM2_HOME: even `pm2 --version` starts a daemon in ~/.pm2.
    const prefix = join(work, 'pm2-install');
    log('npm install pm2@latest into a temporary prefix');
    const r = runCmd('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--loglevel=error', 'pm2@latest']);
    if (!r.ok) throw new Error(`npm install pm2 failed: ${r.out.slice(-500)}`);
    tools.pm2 = join(prefix, 'node_modules/.bin/pm2');
    tools.pm2Version = JSON.parse(readFileSync(join(prefix, 'node_modules/pm2/package.json'), 'utf8')).version;
  }
  tools.hostdsVersion = runCmd(process.execPath, [join(repo, 'bin/hostds'), 'version']).out.replace(/^hostds\s*/, '');
  return tools;
}

// ---- the managers. Each: setup(dir, n, tag) writes its config; start() launches it; pids() are
// the manager's own processes (children excluded); requestStop() is the graceful stop; cleanup()
// kills what is left by pid.
const argvOf = sleeperArgv;

function hostdsManager() {
  let dir, agent;
  return {
    name: 'hostds',
    setup(d, n, tag, argv = argvOf) {
      dir = d;
      writeHostdsRoot(join(dir, 'etc/hostds'), n, (i) => argv(i, tag));
    },
    start() {
      agent = launch(join(repo, 'bin/hostds'), ['--root', dir, '--node-name', 'bench', 'agent', '--stop-daemons-on-exit'], { out: join(dir, 'agent.log') });
    },
    // The agent and its hostds-spawn helper (docs/spawner.md), which forks the daemons for it:
    // both are the manager's memory and CPU.
    pids: () => [agent.pid, ...childrenOf(agent.pid).filter((p) => { try { return basename(readlinkSync(`/proc/${p}/exe`)) === 'hostds-spawn'; } catch { return false; } })],
    requestStop() { agent.kill('SIGTERM'); },
    waitExit: (ms) => waitExit(agent, ms),
    cleanup() { if (agent && !exited(agent)) killPid(agent.pid); },
  };
}

function supervisordManager(tools) {
  let dir, sd;
  return {
    name: 'supervisord',
    setup(d, n, tag, argv = argvOf, soak = false) {
      dir = d;
      mkdirSync(join(dir, 'log'));
      let conf = `[supervisord]
nodaemon=true
user=root
logfile=${dir}/supervisord.log
pidfile=${dir}/supervisord.pid
childlogdir=${dir}/log
minfds=16384

[unix_http_server]
file=${dir}/supervisor.sock

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://${dir}/supervisor.sock
`;
      for (let i = 0; i < n; i++) {
        conf += `\n[program:d${i}]\ncommand=${argv(i, tag).join(' ')}\nautostart=true\nautorestart=true\nstartsecs=0\nstopwaitsecs=10\n${soak ? 'startretries=1000000\n' : ''}`;
      }
      writeFileSync(join(dir, 'supervisord.conf'), conf);
    },
    start() { sd = launch(tools.supervisord, ['-n', '-c', join(dir, 'supervisord.conf')], { out: join(dir, 'stdout.log') }); },
    pids: () => [sd.pid],
    requestStop() { sd.kill('SIGTERM'); }, // what `supervisorctl shutdown` asks for, without the client's start-up
    waitExit: (ms) => waitExit(sd, ms),
    cleanup() { if (sd && !exited(sd)) killPid(sd.pid); },
  };
}

function pm2Manager(tools) {
  let dir, env, cli, god, stopCli;
  const godPid = () => { try { return Number(readFileSync(join(dir, 'pm2home/pm2.pid'), 'utf8').trim()) || undefined; } catch { return undefined; } };
  return {
    name: 'pm2',
    setup(d, n, tag, argv = argvOf, soak = false) {
      dir = d;
      env = serviceEnv({ PM2_HOME: join(dir, 'pm2home'), PM2_DISABLE_VERSION_CHECK: 'true' });
      const apps = [];
      for (let i = 0; i < n; i++) {
        const [script, ...args] = argv(i, tag);
        // Soak: PM2 stops an app after max_restarts (16) restarts that each lived < min_uptime (1 s).
        apps.push({ name: `d${i}`, script, args, interpreter: 'none', autorestart: true, restart_delay: 0, ...(soak ? { max_restarts: 1e9, min_uptime: 0 } : {}) });
      }
      writeFileSync(join(dir, 'ecosystem.config.json'), JSON.stringify({ apps }));
    },
    // `pm2 start` spawns the God daemon and hands it the list, as a user would.
    start() {
      cli = launch(tools.pm2, ['start', join(dir, 'ecosystem.config.json')], { env, out: join(dir, 'cli.log') });
      const c = () => { const p = god ?? godPid(); if (p && aliveNotZombie(p)) killPid(p); };
      cleanups.add(c);
    },
    pids() { god ??= godPid(); return god ? [god] : []; },
    requestStop() { stopCli = launch(tools.pm2, ['kill'], { env, out: join(dir, 'cli.log') }); },
    async waitExit(ms) {
      const p = god ?? godPid();
      await until(() => !p || !aliveNotZombie(p), 'PM2 God daemon exit', ms);
      if (stopCli) await waitExit(stopCli, ms);
    },
    cleanup() {
      for (const c of [cli, stopCli]) if (c && !exited(c)) killPid(c.pid);
      const p = god ?? godPid();
      if (p && aliveNotZombie(p)) killPid(p);
    },
  };
}

function runitManager(tools) {
  let dir, rsd;
  return {
    name: 'runit',
    setup(d, n, tag, argv = argvOf) {
      dir = d;
      for (let i = 0; i < n; i++) {
        const sv = join(dir, 'service', `d${i}`);
        mkdirSync(sv, { recursive: true });
        writeFileSync(join(sv, 'run'), `#!/bin/sh\nexec ${argv(i, tag).join(' ')}\n`);
        chmodSync(join(sv, 'run'), 0o755);
      }
      // runsvdir defers its scan while the directory's mtime is within the current second (to
      // avoid a race with its writer); a just-written directory would cost it ~1 s of start-up.
      const past = new Date(Date.now() - 10_000);
      utimesSync(join(dir, 'service'), past, past);
    },
    start() { rsd = launch(tools.runsvdir, ['-P', join(dir, 'service')], { out: join(dir, 'runsvdir.log') }); },
    pids: () => [rsd.pid, ...childrenOf(rsd.pid)], // runsvdir and its runsv's
    requestStop() { rsd.kill('SIGHUP'); }, // runsvdir: TERM to every runsv, which stops its service and exits
    async waitExit(ms) {
      const runsvs = childrenOf(rsd.pid);
      await waitExit(rsd, ms);
      await until(() => runsvs.every((p) => !aliveNotZombie(p)), 'runsv exit', ms);
    },
    cleanup() {
      if (rsd && !exited(rsd)) { for (const p of childrenOf(rsd.pid)) killPid(p); killPid(rsd.pid); }
    },
  };
}

// ---- one lifecycle of one manager with N children
let runCounter = 0;
async function lifecycle(mgr, n) {
  const tag = `${process.pid}${String(++runCounter).padStart(4, '0')}`;
  const dir = mkdtempSync(join(work, `${mgr.name}-${n}-`));
  const kids = new Children(tag);
  const killKids = () => kids.killAll();
  cleanups.add(killKids);
  const r = {};
  const t = { start: 30_000 + n * 200, op: 20_000 + n * 100 };
  let stage = 'start';
  try {
    mgr.setup(dir, n, tag);
    const t0 = now();
    mgr.start();
    await until(() => kids.scan().seen(n) && kids.live().size >= n, `${n} children of ${mgr.name}`, t.start);
    r.start = now() - t0;
    r.startCpu = mgr.pids().reduce((s, p) => s + (procStat(p)?.cpuTicks ?? 0), 0) * TICK_MS;
    stage = 'rss';

    await sleep(settleMs);
    const pids = mgr.pids();
    if (pids.length === 0) throw new Error('manager pid not found');
    const mem = pids.map(memKiB).reduce((a, b) => ({ rss: a.rss + b.rss, pss: a.pss + b.pss }), { rss: 0, pss: 0 });
    r.rss = mem.rss / 1024;
    r.pss = mem.pss / 1024;

    stage = 'idleCpu';
    const cpu = () => mgr.pids().reduce((s, p) => s + (procStat(p)?.cpuTicks ?? 0), 0);
    const c0 = cpu();
    await sleep(idleMs);
    r.idleCpu = (cpu() - c0) * TICK_MS;

    const victimIdx = kids.scan().live().keys().next().value;
    const victim = kids.live().get(victimIdx);
    stage = 'restart';
    const t1 = now();
    killPid(victim);
    await until(() => { const p = kids.scan().live().get(victimIdx); return p !== undefined && p !== victim; }, `${mgr.name} restart`, t.op);
    r.restart = now() - t1;

    await sleep(500);
    if (kids.scan().live().size !== n) throw new Error(`expected ${n} children before stop, found ${kids.live().size}`);
    stage = 'stop';
    const t2 = now();
    mgr.requestStop();
    await until(() => kids.scan().live().size === 0, `${mgr.name} stop all`, t.op);
    r.stop = now() - t2;
    stage = 'exit';
    await mgr.waitExit(15_000);
  } catch (err) {
    r.error = err.message;
    r.failedAt = stage;
    log(`${mgr.name} N=${n}: ${err.message}`);
  } finally {
    mgr.cleanup();
    killKids();
    cleanups.delete(killKids);
    await sleep(100);
    if (kids.scan().live().size > 0) log(`warning: ${kids.live().size} children of ${mgr.name} survived SIGKILL`);
    rmSync(dir, { recursive: true, force: true });
  }
  return r;
}

// ---- soak: K daemons that crash at once, restarted at once, until R restarts
// Each daemon is `/bin/sh DIR/crash.sh soak.<tag>.<i> DIR/starts`; the script appends one byte to
// DIR/starts and exits 1. Restarts = size of that file − K. We count there, not by new pids in
// /proc: a crashing child lives about a millisecond, far less than one scan of /proc takes, so a
// poller would miss most of them, and the managers' own counters differ (runit has none).
async function soakRun(mgr, K, R) {
  const tag = `${process.pid}${String(++runCounter).padStart(4, '0')}`;
  const dir = mkdtempSync(join(work, `soak-${mgr.name}-`));
  const starts = join(dir, 'starts');
  const killKids = () => { // every tagged crash child still around, by pid
    for (const e of readdirSync('/proc')) {
      if (!/^\d+$/.test(e)) continue;
      let argv;
      try { argv = readFileSync(`/proc/${e}/cmdline`, 'latin1').split('\0'); } catch { continue; }
      if (argv[0] === '/bin/sh' && argv[2]?.startsWith(`soak.${tag}.`)) killPid(Number(e));
    }
  };
  cleanups.add(killKids);
  const count = () => { try { return statSync(starts).size; } catch { return 0; } };
  const restarts = () => Math.max(0, count() - K);
  // Read with the manager SIGSTOPped for 150 ms: a child it forked and that has not yet exec'd
  // shares its pages and halves its PSS; stopped, it forks no more and those children exit.
  const mem = async () => {
    const pids = mgr.pids();
    try {
      for (const p of pids) killPid(p, 'SIGSTOP');
      await sleep(150);
      const m = pids.map(memKiB).reduce((a, b) => ({ rss: a.rss + b.rss, pss: a.pss + b.pss, anon: a.anon + b.anon }), { rss: 0, pss: 0, anon: 0 });
      return { rss: m.rss / 1024, pss: m.pss / 1024, anon: m.anon / 1024 };
    } finally { for (const p of pids) killPid(p, 'SIGCONT'); }
  };
  const cpu = () => mgr.pids().reduce((s, p) => s + (procStat(p)?.cpuTicks ?? 0), 0) * TICK_MS;
  const r = { manager: mgr.name, k: K, target: R };
  let stage = 'warm-up';
  try {
    writeFileSync(join(dir, 'crash.sh'), '#!/bin/sh\nprintf x >>"$2"\nexit 1\n');
    writeFileSync(starts, '');
    mgr.setup(dir, K, tag, (i, t) => ['/bin/sh', join(dir, 'crash.sh'), `soak.${t}.${i}`, starts], true);
    mgr.start();
    // Warm-up: runit needs ~K restarts per second, so 200 take a minute there.
    await until(() => restarts() >= SOAK_WARMUP, `${SOAK_WARMUP} warm-up restarts under ${mgr.name}`, 60_000 + (SOAK_WARMUP / K) * 1500);
    if (mgr.pids().length === 0) throw new Error('manager pid not found');
    const before = await mem();
    r.rssBefore = before.rss; r.pssBefore = before.pss; r.anonBefore = before.anon;
    const r0 = restarts(), c0 = cpu(), t0 = now();
    stage = 'soak';
    const end = t0 + soakMaxS * 1000;
    let lastLog = t0;
    while (restarts() - r0 < R && now() < end) {
      if (!mgr.pids().every(aliveNotZombie)) throw new Error(`${mgr.name} died during the soak`);
      if (now() - lastLog > 30_000) { lastLog = now(); log(`  ${mgr.name}: ${restarts() - r0} restarts, ${((now() - t0) / 1000).toFixed(0)} s`); }
      await sleep(50);
    }
    r.wallS = (now() - t0) / 1000;
    r.restarts = restarts() - r0;
    r.cpuMs = cpu() - c0;
    r.capped = r.restarts < R;
    const after = await mem();
    r.rssAfter = after.rss; r.pssAfter = after.pss; r.anonAfter = after.anon;
    stage = 'stop';
    mgr.requestStop();
    await mgr.waitExit(15_000);
  } catch (err) {
    r.error = err.message;
    r.failedAt = stage;
    log(`soak ${mgr.name}: ${err.message}`);
  } finally {
    mgr.cleanup();
    killKids();
    await sleep(200);
    killKids(); // a manager killed mid-restart may have forked one more
    cleanups.delete(killKids);
    rmSync(dir, { recursive: true, force: true });
  }
  return r;
}

const pct = (a, b) => (a > 0 && b > 0 ? `${b >= a ? '+' : ''}${(((b - a) / a) * 100).toFixed(1)}%` : '–');
function soakTable(rows) {
  const head = ['manager', 'restarts', 'wall (s)', 'restarts/s', 'RSS before (MiB)', 'RSS after (MiB)', 'RSS growth', 'PSS before (MiB)', 'PSS after (MiB)', 'PSS growth', 'anonymous before (MiB)', 'anonymous after (MiB)', 'anonymous growth', 'CPU per restart (ms)'];
  return {
    title: `Soak: ${soakR} crash-restarts`,
    head,
    rows: rows.map((r) => (r.error
      ? [r.manager, `failed at ${r.failedAt}: ${r.error}`, ...head.slice(2).map(() => '–')]
      : [r.manager, `${r.restarts}${r.capped ? ` (capped at ${soakMaxS} s)` : ''}`, r.wallS.toFixed(1), (r.restarts / r.wallS).toFixed(0),
        r.rssBefore.toFixed(1), r.rssAfter.toFixed(1), pct(r.rssBefore, r.rssAfter),
        r.pssBefore.toFixed(1), r.pssAfter.toFixed(1), pct(r.pssBefore, r.pssAfter),
        r.anonBefore.toFixed(1), r.anonAfter.toFixed(1), pct(r.anonBefore, r.anonAfter),
        r.restarts ? (r.cpuMs / r.restarts).toFixed(2) : '–'])),
  };
}
const SOAK_BEGIN = '<!-- soak:begin (bench/soak.md, written by compare.mjs --soak) -->';
const SOAK_END = '<!-- soak:end -->';
function soakSection(rows, tools) {
  const cmd = `node bench/compare.mjs ${process.argv.slice(2).join(' ')}`.trim();
  return `${SOAK_BEGIN}
## Soak: ${soakR} crash-restarts

Generated by \`${cmd}\` (${new Date().toISOString().slice(0, 10)}, hostds ${tools.hostdsVersion}; machine as above).
Each manager runs K=${soakK} daemons, \`/bin/sh crash.sh soak.<tag>.<i> STARTS\`, that append one byte to
\`STARTS\` and exit 1 at once. Restarts are counted from that file (starts − K), not from \`/proc\`:
a crashing child lives about a millisecond, shorter than one scan of \`/proc\`, so a poller misses
most of them; and the managers' own counters are not comparable (runit keeps none). After
${SOAK_WARMUP} warm-up restarts the manager's RSS and PSS are read (same processes as *Memory* above),
then again once R more restarts are done (or after ${soakMaxS} s). Each reading is taken with the
manager SIGSTOPped for 150 ms, so that no half-forked child shares (and halves) its PSS. No GC is
forced: a node heap between two collections shows up as a few MiB of noise. *Anonymous* (from
\`smaps_rollup\`: heaps, stacks, malloc) is what a leak grows. hostds gives back the pages it mapped
from node's binary to start once start-up is quiet, or after 10 s of a busy event loop
(docs/memory-trim.md): in this storm that happens during the soak, so its RSS and PSS fall between
the two readings, while its anonymous memory is not trimmed.

${mdTable(soakTable(rows))}

Immediate restarts everywhere: hostds \`restartBackoff: {initial: 0s}\` (0 disables the backoff; any
other value applies it from the second crash on); supervisord \`autorestart=true startsecs=0
startretries=1000000\`; PM2 \`autorestart: true, restart_delay: 0, max_restarts: 1e9, min_uptime: 0\`
(otherwise it gives up after 16 unstable restarts). runit cannot be told: runsv waits 1 s before it
restarts a service that exited within a second of starting, so it does about K restarts per second
and is capped by time; its growth is over fewer restarts.
${SOAK_END}
`;
}
const HOSTDS_ONLY_BEGIN = '<!-- hostds-only:begin (bench/hostds-only.md, written by compare.mjs) -->';
const HOSTDS_ONLY_END = '<!-- hostds-only:end -->';

/** Splice a section into docs/benchmarks.md: replace the previous one, or put it before the findings. */
function mergeSectionIntoDoc(section, begin, end, what) {
  const docPath = join(repo, 'docs/benchmarks.md');
  if (!existsSync(docPath)) { log(`no docs/benchmarks.md to merge the ${what} section into; run compare.mjs without --soak-only or --hostds-only first`); return; }
  let doc = readFileSync(docPath, 'utf8');
  const a = doc.indexOf(begin), b = doc.indexOf(end);
  if (a >= 0 && b > a) doc = doc.slice(0, a) + section.trimEnd() + doc.slice(b + end.length);
  else {
    const findings = existsSync(join(repo, 'bench/findings.md')) ? readFileSync(join(repo, 'bench/findings.md'), 'utf8') : '';
    const at = findings ? doc.lastIndexOf(findings) : -1;
    doc = at >= 0 ? `${doc.slice(0, at)}${section}\n${doc.slice(at)}` : `${doc}\n${section}`;
  }
  writeFileSync(docPath, doc);
  log(`merged the ${what} section into docs/benchmarks.md`);
}

// ---- statistics and output
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const fmt = (x, unit) => (unit === 'MiB' ? x.toFixed(1) : x >= 100 ? x.toFixed(0) : x.toFixed(1));
const SCENARIOS = [
  { key: 'start', title: 'Start all: manager launched → all N children exec\'d', unit: 'ms' },
  { key: 'startCpu', title: 'CPU used by the manager to start all (utime+stime from launch until all are up)', unit: 'ms' },
  { key: 'rss', title: 'Manager memory, RSS (children excluded)', unit: 'MiB' },
  { key: 'pss', title: 'Manager memory, PSS (children excluded)', unit: 'MiB' },
  { key: 'idleCpu', title: `Manager idle CPU over ${idleMs / 1000} s (utime+stime)`, unit: 'ms' },
  { key: 'restart', title: 'Restart: kill -9 of one child → replacement exec\'d', unit: 'ms' },
  { key: 'stop', title: 'Stop all: graceful stop request → every child gone', unit: 'ms' },
];
function summarize(results, names) {
  const cell = (name, n, key) => {
    const xs = results.filter((r) => r.manager === name && r.n === n && typeof r[key] === 'number').map((r) => r[key]);
    return xs.length ? { med: median(xs), min: Math.min(...xs), max: Math.max(...xs), count: xs.length } : undefined;
  };
  const peers = names.filter((m) => m !== 'hostds');
  const tables = [];
  for (const sc of SCENARIOS) {
    const head = ['N', ...names.map((m) => `${m} (${sc.unit})`), ...(names.includes('hostds') ? peers.map((p) => `hostds/${p}`) : [])];
    const rows = Ns.map((n) => {
      const cells = names.map((m) => cell(m, n, sc.key));
      const failed = (m) => {
        const f = results.find((r) => r.manager === m && r.n === n && r.failedAt === sc.key);
        const to = f && /timed out after (\d+) ms/.exec(f.error);
        return to ? `>${to[1]} (timeout)` : f ? 'failed' : 'not reached';
      };
      const show = (c, i) => (c ? (c.count > 1 ? `${fmt(c.med, sc.unit)} (${fmt(c.min, sc.unit)}–${fmt(c.max, sc.unit)})` : fmt(c.med, sc.unit)) : failed(names[i]));
      const h = cell('hostds', n, sc.key);
      const ratios = names.includes('hostds') ? peers.map((p) => { const c = cell(p, n, sc.key); return h && c && c.med > 0 ? `${(h.med / c.med).toFixed(2)}×` : '–'; }) : [];
      return [String(n), ...cells.map(show), ...ratios];
    });
    tables.push({ ...sc, head, rows });
  }
  return tables;
}
const mdTable = ({ head, rows }) => [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i ? '---:' : '---')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
function textTable({ title, head, rows }) {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => c.padStart(w[i])).join('  ');
  return `${title}\n${line(head)}\n${rows.map(line).join('\n')}`;
}

/** A hand-made SVG bar chart: median per manager for the largest N, one panel per scenario. */
function svgChart(results, names, n) {
  const colors = { hostds: '#2b6cb0', supervisord: '#c05621', pm2: '#2f855a', runit: '#718096' };
  const panels = SCENARIOS.filter((s) => s.key !== 'rss' && s.key !== 'startCpu');
  const pw = 250, ph = 170, cols = 3, barH = 22;
  const W = pw * cols, H = Math.ceil(panels.length / cols) * ph + 40;
  let s = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">\n`;
  s += `<text x="8" y="18" font-size="13" font-weight="bold">hostds and peers, N=${n} (median; shorter is better)</text>\n`;
  panels.forEach((sc, k) => {
    const x0 = (k % cols) * pw + 8, y0 = Math.floor(k / cols) * ph + 36;
    const vals = names.map((m) => { const xs = results.filter((r) => r.manager === m && r.n === n && typeof r[sc.key] === 'number').map((r) => r[sc.key]); return xs.length ? median(xs) : undefined; });
    const max = Math.max(1e-9, ...vals.filter((v) => v !== undefined));
    s += `<text x="${x0}" y="${y0}" font-weight="bold">${sc.key} (${sc.unit})</text>\n`;
    names.forEach((m, i) => {
      const y = y0 + 8 + i * (barH + 6), v = vals[i], bw = v === undefined ? 0 : Math.max(1, (v / max) * (pw - 130));
      s += `<text x="${x0}" y="${y + 15}">${m}</text><rect x="${x0 + 70}" y="${y}" width="${bw.toFixed(1)}" height="${barH}" fill="${colors[m] ?? '#999'}"/>`;
      s += `<text x="${(x0 + 74 + bw).toFixed(1)}" y="${y + 15}">${v === undefined ? 'failed' : fmt(v, sc.unit)}</text>\n`;
    });
  });
  return `${s}</svg>\n`;
}

function writeDoc(tables, results, names, tools, wallS) {
  const cpuModel = cpus()[0]?.model ?? 'unknown';
  const memGiB = (totalmem() / 2 ** 30).toFixed(1);
  const cmd = `node bench/compare.mjs ${process.argv.slice(2).join(' ')}`.trim();
  const biggest = Math.max(...Ns);
  const errors = results.filter((r) => r.error);
  const chartPath = join(repo, 'bench/benchmarks.svg'); // docs/ holds only benchmarks.md
  writeFileSync(chartPath, svgChart(results, names, biggest));
  const doc = `# Benchmarks: hostds beside supervisord, PM2 and runit

Generated by \`${cmd}\` (${new Date().toISOString().slice(0, 10)}, ${Math.round(wallS)} s). Re-run it to refresh this page;
it overwrites \`docs/benchmarks.md\` and the chart \`bench/benchmarks.svg\`.

## Machine and versions

| | |
|---|---|
| CPU | ${cpuModel}, ${cpus().length} CPUs (nproc) |
| Memory | ${memGiB} GiB |
| Kernel | Linux ${release()} |
| node | ${process.version} |
| hostds | ${tools.hostdsVersion} (this checkout, \`bin/hostds\` on \`dist/\`) |
${names.includes('supervisord') ? `| supervisord | ${tools.supervisordVersion} (Debian package \`supervisor\`, Python 3) |\n` : ''}${names.includes('pm2') ? `| PM2 | ${tools.pm2Version} (npm, same node) |\n` : ''}${names.includes('runit') ? `| runit | ${tools.runitVersion} (Debian package; runsvdir + one runsv per service) |\n` : ''}
Sizes N = ${Ns.join(', ')}; ${repeats} repeat(s)${opt.quick ? ', --quick (idle window 5 s)' : ''}. Cells are the median and, with more than
one repeat, (min–max). A ratio is hostds' median over the peer's: above 1× hostds is slower or bigger.

![bar chart, N=${biggest}](../bench/benchmarks.svg)

## Results

${tables.map((tb) => `### ${tb.title}\n\n${mdTable(tb)}\n`).join('\n')}
${errors.length ? `### Failed runs\n\n${errors.map((e) => `- ${e.manager}, N=${e.n}, repeat ${e.repeat}: ${e.error}`).join('\n')}\n` : ''}
## Configuration

Every manager runs N services, each \`/bin/sleep 100000.<i> 0.<tag>\` (GNU sleep adds its arguments; the
tag is unique per run), started directly (no shell) except under runit, whose \`run\` script is
\`#!/bin/sh\` + \`exec\`. Each manager runs from a fresh temporary directory with its own config:

- **hostds**: \`hostds --root DIR --node-name bench agent --stop-daemons-on-exit\`, one DaemonSet file per
  service in \`DIR/etc/hostds/manifests.d/\`, \`config.yaml\`: \`restartBackoff: {initial: 0s}\`,
  \`terminationGracePeriodSeconds: 10\`. Daemons log to files under DIR (hostds' default).
- **supervisord**: \`supervisord -n -c DIR/supervisord.conf\` with a unix socket for supervisorctl; per
  program \`autostart=true autorestart=true startsecs=0 stopwaitsecs=10\`, logs to \`childlogdir\` (AUTO).
- **PM2**: \`PM2_HOME=DIR/pm2home pm2 start ecosystem.config.json\`; per app \`interpreter: none,
  autorestart: true, restart_delay: 0\` (fork mode). Stop is \`pm2 kill\`.
- **runit**: \`runsvdir -P DIR/service\`, one service directory per daemon. Stop is SIGHUP to runsvdir
  (it sends TERM to every runsv, which stops its service and exits).

## Method

The managers run interleaved: for each N and each repeat, hostds, supervisord, PM2 and runit in turn,
each through one full lifecycle. The children are found only through \`/proc\` (by their unique argv),
never by asking the manager, and polled every ${pollMs} ms by the benchmark process. The poller reads the
argv of new processes only (those that existed before the run are skipped, and a new one that has not
exec'd the expected argv within a second is read every 50 ms instead of every scan), and checks for zombies only once N are
seen: reading every process's argv and every child's state each poll took most of a core from the
managers on this 2-core machine.

Every manager, and every command timed, runs in the environment a service manager gives a unit:
\`PATH\`, \`HOME\` and \`LANG=C.UTF-8\` only (plus PM2's \`PM2_HOME\`), not the shell's. Variables such as
\`NODE_EXTRA_CA_CERTS\`, which makes every node process parse a CA bundle before its first line
(~80 ms here), would otherwise be measured as part of the node-based managers and of \`node -e 0\`.

1. **Start all**: from \`spawn()\` of the manager (for PM2, of the \`pm2 start\` CLI, which starts
   the God daemon) until N live processes carry the expected argv, i.e. have exec'd \`/bin/sleep\`.
   It includes the manager's own start-up (for hostds and PM2, the node runtime loading).
   The CPU the manager's processes used up to that moment is reported too (for PM2 the God daemon
   only, not the \`pm2 start\` CLI).
2. **Memory**: ${settleMs / 1000} s after all are up, the sum of \`Rss\` and \`Pss\` in \`/proc/PID/smaps_rollup\` over the
   manager's own processes: the hostds agent and its spawn helper (\`hostds-spawn\`); the supervisord process; PM2's God daemon (pid from
   \`PM2_HOME/pm2.pid\`); runsvdir plus its N runsv processes. Children are excluded. RSS counts
   shared pages once per process, so runit's N small runsv processes look large in RSS; PSS
   (shared pages divided among their users) is the fair figure for it.
3. **Idle CPU**: \`utime+stime\` (\`/proc/PID/stat\`, ${TICK_MS} ms ticks) of the same processes across ${idleMs / 1000} s while
   the benchmark sleeps; a tick-resolution figure, so small values are ±${TICK_MS} ms.
4. **Restart**: SIGKILL to one child until a different live pid carries the same argv.
5. **Stop all**: from the graceful stop request (SIGTERM to the hostds agent and to supervisord, the
   \`pm2 kill\` CLI, SIGHUP to runsvdir) until no child is alive (zombies count as gone). PM2's figure
   therefore includes the start-up of its CLI, as a user sees it.

Every wait has a timeout; a run that fails is reported above and left out of the medians. Managers and
children are killed by pid in \`finally\`, and the temporary directories removed. The benchmark
process shares the CPUs with what it measures, which weighs more on small machines.
`;
  // Hand-written findings (what each fix bought) live in bench/findings.md and survive re-runs.
  const findings = existsSync(join(repo, 'bench/findings.md')) ? `\n${readFileSync(join(repo, 'bench/findings.md'), 'utf8')}` : '';
  // The soak section (bench/soak.md) is kept from the last run with --soak.
  const soakMd = existsSync(join(repo, 'bench/soak.md')) ? `\n${readFileSync(join(repo, 'bench/soak.md'), 'utf8')}` : '';
  const onlyMd = existsSync(join(repo, 'bench/hostds-only.md')) ? `\n${readFileSync(join(repo, 'bench/hostds-only.md'), 'utf8')}` : '';
  writeFileSync(join(repo, 'docs/benchmarks.md'), doc + onlyMd + soakMd + findings);
  log('wrote docs/benchmarks.md and bench/benchmarks.svg');
}

// ---- main
const t00 = now();
try {
  const tools = ensureTools();
  const makers = { hostds: () => hostdsManager(), supervisord: () => supervisordManager(tools), pm2: () => pm2Manager(tools), runit: () => runitManager(tools) };
  const names = wanted.filter((m) => makers[m]);
  if (soakR > 0) {
    const rows = [];
    for (const name of names) {
      log(`soak: ${name}, K=${soakK}, ${SOAK_WARMUP} warm-up + ${soakR} restarts (cap ${soakMaxS} s)`);
      const r = await soakRun(makers[name](), soakK, soakR);
      rows.push(r);
      log(`  ${JSON.stringify(r, (k, v) => (typeof v === 'number' ? Number(v.toFixed(2)) : v))}`);
    }
    console.log(textTable(soakTable(rows)));
    if (!opt['no-doc']) {
      const section = soakSection(rows, tools);
      writeFileSync(join(repo, 'bench/soak.md'), section);
      log('wrote bench/soak.md');
      if (opt['soak-only']) mergeSectionIntoDoc(section, SOAK_BEGIN, SOAK_END, 'soak');
    }
  }
  const alone = opt['soak-only'] || opt['hostds-only'];
  if (names.includes('hostds') && !opt['soak-only']) {
    const rows = [];
    for (const n of Ns) {
      log(`hostds only: N=${n}`);
      try { rows.push(await measureHostdsOnly({ repo, n, trials: reactionTrials, cliRuns, log })); } catch (err) { log(`  failed: ${err.message}`); rows.push({ n, error: err.message }); }
    }
    const section = `${HOSTDS_ONLY_BEGIN}\n${hostdsOnlyMarkdown(rows, { trials: reactionTrials, cliRuns })}\n${HOSTDS_ONLY_END}\n`;
    console.log(section);
    if (!opt['no-doc']) {
      writeFileSync(join(repo, 'bench/hostds-only.md'), section);
      log('wrote bench/hostds-only.md');
      if (opt['hostds-only']) mergeSectionIntoDoc(section, HOSTDS_ONLY_BEGIN, HOSTDS_ONLY_END, 'hostds-only');
    }
  }
  const results = [];
  for (const n of alone ? [] : Ns) { // --soak-only: the soak alone, merged into the existing doc
    for (let rep = 1; rep <= repeats; rep++) {
      for (const name of names) {
        log(`N=${n} repeat ${rep}/${repeats}: ${name}`);
        const r = await lifecycle(makers[name](), n);
        results.push({ manager: name, n, repeat: rep, ...r });
        log(`  ${JSON.stringify(r, (k, v) => (typeof v === 'number' ? Number(v.toFixed(2)) : v))}`);
      }
    }
  }
  if (!alone) {
    const tables = summarize(results, names);
    console.log(tables.map(textTable).join('\n\n'));
    if (!opt['no-doc']) writeDoc(tables, results, names, tools, (now() - t00) / 1000);
  }
} finally {
  runCleanups();
  rmSync(work, { recursive: true, force: true });
}
