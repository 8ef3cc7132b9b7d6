// Boots a real systemd in a throwaway container, for tests of units/hostds.service: systemd-nspawn
// over an overlay of the host's own root, so the container has the host's node and systemd, and
// whatever it writes lands in a tmpfs that is dropped afterwards. The host's files are never written.
//
// Isolation: --private-network (nothing inside can bind a host port or touch a host interface; a
// DaemonSet under test needs hostNetwork: true, as NetworkUnavailable is True without a default
// route), --register=no --keep-unit (no machined, no host systemd needed: the host's PID 1 need
// not be systemd), --link-journal=no (nothing under the host's /var/log/journal), and the boot
// stops at basic.target (the host root may have postgres, collectd… enabled for multi-user).
//
// Cleanup ends processes by pid only: systemd-nspawn (SIGTERM powers the container off), its
// leader (PID 1 inside), then any pid left in the cgroups made for this container. systemd-nspawn
// makes its `supervisor` and `payload` cgroups below its own cgroup, so it is started inside a
// fresh cgroup per container (name=systemd and unified hierarchies), removed afterwards; otherwise
// they would land at the root of the hierarchy, shared by every container. If the test process
// dies without stop(), systemd-nspawn gets SIGTERM (setpriv --pdeathsig), and the next
// bootContainer() finishes the cleanup from the dead run's run.json (pids checked by start time).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor, waitForValue } from './wait.js';

export interface ExecResult { code: number; stdout: string; stderr: string }

export interface Container {
  readonly name: string;
  /** The container's / as the host sees it (the overlay mount). */
  readonly root: string;
  readonly nspawnPid: number;
  /** The host pid of the container's PID 1. */
  readonly leaderPid: number;
  /** From starting systemd-nspawn to `is-system-running` saying running or degraded. */
  readonly bootMs: number;
  /** Runs argv inside every namespace of the container (nsenter), with a plain environment. */
  exec(argv: string[], timeoutMs?: number): Promise<ExecResult>;
  /** The last 64 KiB systemd-nspawn printed (the container's console). */
  consoleOutput(): string;
  /** Powers off and removes everything; resolves with what could not be removed (empty when clean). */
  stop(): Promise<string[]>;
}

export interface BootOptions {
  /**
   * Called with the overlay's upper directory, still empty, before the overlay is mounted: for what
   * must be there from the start, such as whiteouts (`mknod PATH c 0 0`) hiding paths that the host
   * may create later (a file created in the lower layer while mounted shows through otherwise).
   * Create parent directories with the host's modes; never where the host has a symlink.
   */
  prepareUpper?: (upper: string) => Promise<void>;
  /** Called with the overlay mounted and before the boot: write the files the test needs. */
  prepare?: (root: string) => Promise<void>;
  bootTimeoutMs?: number;
}

const PLAIN_ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', SYSTEMD_COLORS: '0' };

function run(argv: string[], timeoutMs = 300_000): ExecResult {
  const [cmd, ...args] = argv as [string, ...string[]];
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return { code: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? (r.error?.message ?? '') };
}

const hasCommand = (cmd: string): boolean => run(['sh', '-c', `command -v ${cmd}`]).code === 0;

/** Why containers cannot be booted here, or undefined. Installs systemd-container when missing. */
export function nspawnSkipReason(): string | undefined {
  if (process.platform !== 'linux') return 'systemd-nspawn needs Linux';
  if (process.getuid?.() !== 0) return 'systemd-nspawn needs root';
  if (!existsSync('/lib/systemd/systemd')) return 'the host root has no systemd to boot (/lib/systemd/systemd)';
  if (!readFileSync('/proc/filesystems', 'utf8').includes('\toverlay\n')) return 'the kernel has no overlayfs';
  for (const cmd of ['nsenter', 'setpriv', 'mount']) if (!hasCommand(cmd)) return `${cmd} (util-linux) is missing`;
  if (!hasCommand('systemd-nspawn')) {
    const lock = ['-o', 'DPkg::Lock::Timeout=120'];
    if (run(['apt-get', 'install', '-y', '-qq', ...lock, 'systemd-container']).code !== 0) {
      run(['apt-get', 'update', '-qq']);
      const r = run(['apt-get', 'install', '-y', '-qq', ...lock, 'systemd-container']);
      if (r.code !== 0) return `systemd-nspawn is missing and apt-get install systemd-container failed: ${r.stderr.trim().slice(-300)}`;
    }
  }
  return undefined;
}

/** For each hierarchy systemd-nspawn uses (unified, name=systemd): a new cgroup below ours. */
function cgroupDirsFor(name: string): string[] {
  const own = new Map<string, string>();
  for (const line of readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n')) {
    const [id, controllers, path] = line.split(':') as [string, string, string];
    own.set(id === '0' ? 'unified' : controllers, path);
  }
  const dirs: string[] = [];
  for (const line of readFileSync('/proc/self/mounts', 'utf8').trim().split('\n')) {
    const [, mountpoint = '', type, options = ''] = line.split(' ');
    const key = type === 'cgroup2' ? 'unified' : type === 'cgroup' && options.split(',').includes('name=systemd') ? 'name=systemd' : undefined;
    const path = key && own.get(key);
    if (path !== undefined) dirs.push(join(mountpoint, path, `hostds-nspawn-${name}`));
  }
  return dirs;
}

/** Kills (by pid) what is left in these cgroups, then removes them deepest first. */
async function removeCgroups(dirs: string[]): Promise<string[]> {
  const all: string[] = [];
  const walk = async (d: string): Promise<void> => {
    all.push(d);
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) if (e.isDirectory()) await walk(join(d, e.name));
  };
  for (const d of dirs) if (existsSync(d)) await walk(d);
  const pidsIn = async (): Promise<number[]> => (await Promise.all(all.map((d) => readFile(join(d, 'cgroup.procs'), 'utf8').catch(() => ''))))
    .flatMap((t) => t.split('\n').filter(Boolean).map(Number));
  await waitFor(async () => {
    const pids = await pidsIn();
    for (const pid of pids) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    return pids.length === 0;
  }, 10_000, 'the container cgroups to empty', 100).catch(() => undefined);
  for (const d of all.reverse()) {
    await waitFor(async () => { await rmdir(d).catch(() => undefined); return !existsSync(d); }, 5_000, `rmdir ${d}`, 50).catch(() => undefined);
  }
  return all.filter((d) => existsSync(d)).map((d) => `cgroup ${d}`);
}

function mountedUnder(dir: string): string[] {
  return readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => m === dir || m.startsWith(`${dir}/`));
}

async function unmount(path: string): Promise<void> {
  for (let i = 0; i < 20 && mountedUnder(path).includes(path); i++) {
    if (run(['umount', path]).code !== 0) await sleep(100);
  }
  if (mountedUnder(path).includes(path)) run(['umount', '-l', path]);
}

/** A process's start time (field 22 of /proc/PID/stat): with the pid, it names one process. */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' ? undefined : fields[19];
  } catch {
    return undefined;
  }
}

/** What a run owns, kept in DIR/run.json so that a later run can clean up after a dead one. */
interface RunRecord { owner: number; ownerStart: string; name: string; cgroups: string[]; nspawnPid?: number; nspawnStart?: string }

const RECORD = 'run.json';

/** Stops systemd-nspawn (SIGTERM powers the container off), then removes cgroups, mounts, DIR. */
async function tearDown(dir: string, rec: RunRecord, leader = 0): Promise<string[]> {
  const { nspawnPid: pid = 0, nspawnStart } = rec;
  const alive = (): boolean => pid > 0 && startTimeOf(pid) !== undefined && startTimeOf(pid) === nspawnStart;
  if (alive()) {
    process.kill(pid, 'SIGTERM');
    await waitFor(() => !alive(), 30_000, 'the container to power off', 50).catch(() => undefined);
  }
  if (alive()) {
    for (const p of [pid, leader]) if (p > 0) try { process.kill(p, 'SIGKILL'); } catch { /* gone */ }
    await waitFor(() => !alive(), 10_000, 'systemd-nspawn to die', 50).catch(() => undefined);
  }
  const left = await removeCgroups(rec.cgroups);
  await unmount(join(dir, 'root'));
  await unmount(join(dir, 'rw'));
  left.push(...mountedUnder(dir).map((m) => `mount ${m}`));
  // Never rm -r while something is mounted below: the overlay holds a view of /.
  if (left.length === 0) await rm(dir, { recursive: true, force: true });
  else left.push(`directory ${dir}`);
  // systemd-nspawn removes it itself, except where /run is not a tmpfs (it will not rm -r a disk).
  await rm(`/run/systemd/nspawn/propagate/${rec.name}`, { recursive: true, force: true });
  if (alive()) left.push(`process ${pid}`);
  return left;
}

/** Cleans up after earlier runs whose test process died before their stop() (a killed worker). */
async function reapDeadRuns(): Promise<void> {
  for (const entry of await readdir(tmpdir())) {
    if (!entry.startsWith('hostds-nspawn-')) continue;
    const dir = join(tmpdir(), entry);
    const rec = JSON.parse(await readFile(join(dir, RECORD), 'utf8').catch(() => 'null')) as RunRecord | null;
    if (rec && startTimeOf(rec.owner) === rec.ownerStart) continue; // a live run, maybe a parallel one
    if (rec) await tearDown(dir, rec);
    else if (mountedUnder(dir).length === 0) await rm(dir, { recursive: true, force: true });
  }
}

/** The child of systemd-nspawn that is PID 1 of a new pid namespace. */
async function findLeader(nspawnPid: number): Promise<number | undefined> {
  const children = await readFile(`/proc/${nspawnPid}/task/${nspawnPid}/children`, 'utf8').catch(() => '');
  for (const pid of children.split(' ').filter(Boolean).map(Number)) {
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    const nspid = /^NSpid:\s+(.*)$/m.exec(status)?.[1]?.trim().split(/\s+/);
    if (nspid && nspid.length > 1 && nspid.at(-1) === '1') return pid;
  }
  return undefined;
}

function execIn(leader: number, argv: string[], timeoutMs: number): Promise<ExecResult> {
  // detached: nsenter and the child it forks into the pid namespace share a group, killed as one.
  const child = spawn('nsenter', ['-t', String(leader), '-a', '--', ...argv], { env: PLAIN_ENV, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const timer = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, timeoutMs);
  return new Promise((resolve) => {
    child.on('error', (err) => { clearTimeout(timer); resolve({ code: 127, stdout, stderr: stderr + err.message }); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? 128, stdout, stderr: signal ? `${stderr}(killed by ${signal} after ${timeoutMs} ms)` : stderr });
    });
  });
}

const exited = (child: ChildProcess): boolean => child.exitCode !== null || child.signalCode !== null;

export async function bootContainer(opts: BootOptions = {}): Promise<Container> {
  await reapDeadRuns();
  const name = `hostds-${randomBytes(4).toString('hex')}`;
  const tmp = await mkdtemp(join(tmpdir(), 'hostds-nspawn-'));
  const rw = join(tmp, 'rw');
  const root = join(tmp, 'root');
  const rec: RunRecord = { owner: process.pid, ownerStart: startTimeOf(process.pid) ?? '', name, cgroups: cgroupDirsFor(name) };
  await writeFile(join(tmp, RECORD), JSON.stringify(rec));
  let child: ChildProcess | undefined;
  let leader = 0;
  let output = '';
  let leftovers: Promise<string[]> | undefined;

  // If the process exits without stop(): kill by pid, detach the mounts; the next run does the rest.
  const onExit = (): void => {
    for (const pid of [child?.pid ?? 0, leader]) if (pid > 0) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    for (const m of [root, rw]) spawnSync('umount', ['-l', m]);
  };
  process.once('exit', onExit);
  const stop = (): Promise<string[]> => leftovers ??= tearDown(tmp, rec, leader).finally(() => process.removeListener('exit', onExit));

  try {
    await mkdir(rw);
    await mkdir(root);
    // The upper layer may not live on the lower's file system (/tmp is often on /): a tmpfs.
    const mounts = [
      ['mount', '-t', 'tmpfs', '-o', 'mode=0755,size=1g', 'tmpfs', rw],
      ['mkdir', join(rw, 'upper'), join(rw, 'work')],
      ['mount', '-t', 'overlay', 'overlay', '-o', `lowerdir=/,upperdir=${rw}/upper,workdir=${rw}/work`, root],
    ];
    for (const argv of mounts) {
      if (argv[2] === 'overlay') await opts.prepareUpper?.(join(rw, 'upper'));
      const r = run(argv);
      if (r.code !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr.trim()}`);
    }
    await opts.prepare?.(root);
    for (const d of rec.cgroups) await mkdir(d);

    const started = performance.now();
    const nspawn = ['systemd-nspawn', '--keep-unit', '--register=no', '--private-network', '--link-journal=no',
      '--console=read-only', `--machine=${name}`, '-D', root, '-b', '--', '--unit=basic.target'];
    // Into the fresh cgroups before exec, so nspawn's supervisor/payload cgroups nest below them;
    // SIGTERM (a poweroff) if this process dies without stopping it.
    const wrapper = 'IFS=:; for d in $CGROUPS; do echo $$ > "$d/cgroup.procs" || exit 97; done; unset IFS; exec "$@"';
    child = spawn('/bin/sh', ['-c', wrapper, 'sh', 'setpriv', '--pdeathsig', 'TERM', '--', ...nspawn], {
      env: { ...PLAIN_ENV, CGROUPS: rec.cgroups.join(':') }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    rec.nspawnPid = child.pid!;
    rec.nspawnStart = startTimeOf(child.pid!);
    await writeFile(join(tmp, RECORD), JSON.stringify(rec));
    const keep = (d: string): void => { output = (output + d).slice(-65_536); };
    child.stdout!.setEncoding('utf8').on('data', keep);
    child.stderr!.setEncoding('utf8').on('data', keep);
    const c = child;
    const bootTimeoutMs = opts.bootTimeoutMs ?? 60_000;
    leader = await waitForValue(async () => (exited(c) ? -1 : await findLeader(c.pid!)), bootTimeoutMs, 'the container leader');
    if (leader < 0) throw new Error('systemd-nspawn exited');
    await waitFor(async () => {
      if (exited(c)) throw new Error('systemd-nspawn exited');
      const state = (await execIn(leader, ['systemctl', 'is-system-running'], 5_000)).stdout.trim();
      return state === 'running' || state === 'degraded';
    }, bootTimeoutMs, 'systemctl is-system-running to say running or degraded', 100);
    const bootMs = Math.round(performance.now() - started);
    return {
      name, root, nspawnPid: c.pid!, leaderPid: leader, bootMs,
      exec: (argv, timeoutMs = 60_000) => execIn(leader, argv, timeoutMs),
      consoleOutput: () => output,
      stop,
    };
  } catch (err) {
    const left = await stop();
    const detail = `${(err as Error).message}${left.length ? `\nleft behind: ${left.join(', ')}` : ''}\nsystemd-nspawn said:\n${output.slice(-4000)}`;
    throw new Error(`cannot boot a container: ${detail}`, { cause: err });
  }
}

/** A DaemonSet that runs in a booted container: hostNetwork, since the container has no default route. */
export const CONTAINER_SLEEPER = `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: sleeper}
spec:
  selector: {matchLabels: {app: sleeper}}
  template:
    metadata: {labels: {app: sleeper}}
    spec:
      # The container has no default route (--private-network): NetworkUnavailable is True.
      hostNetwork: true
      containers:
      - {name: sleep, image: none, command: [sleep, "100000"]}
`;
