// The real ProcessRunner (Nomad's raw_exec driver, reduced). It calls child_process.spawn
// directly: execa's per-call option handling, streams and promises cost more CPU and memory per
// daemon than the fork itself, and loading it added ~100 ms to the agent's start (docs/benchmarks.md). Daemons must outlive the agent:
// each one leads its own session and process group (so the agent's death sends it nothing and
// stop can signal the whole group), writes straight to its log file (so it keeps logging while
// no agent reads its pipes), and is unref'ed (so the agent can exit while it runs).
// The fork+exec itself is done by the hostds-spawn helper when it is installed (spawner.ts,
// docs/spawner.md): forking the agent costs its main thread 1-2 ms per daemon, asking the helper ~0.2 ms.
import { accessSync, closeSync, constants, open, openSync, readSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { getSystemErrorMap } from 'node:util';
import { delimiter, dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn, type ChildProcess } from 'node:child_process';
import {
  anyProcessNamed,
  checkHandle,
  encodeMarker,
  isGroupAlive,
  readProcStat,
  isProcessAlive,
  listMarkedProcesses,
  pollUntilGone,
  readBootId,
  readProcStatSync,
} from './proc.js';
import { hasNulByte, HelperSpawner, type HelperResult } from './spawner.js';
import {
  MARKER_ENV,
  SpawnError,
  type ExitInfo,
  type ProcessHandle,
  type ProcessRunner,
  type SpawnFailure,
  type StartSpec,
} from './runner.js';

export interface SpawnRunnerOptions {
  /** How often an adopted process (not our child) is checked for exit. Default 1000 ms. */
  pollMs: number;
  /** How often stop checks whether the process group is empty. Default 25 ms. */
  groupPollMs: number;
  /**
   * Who forks and execs daemons: 'helper' (hostds-spawn; an error when it is not executable),
   * 'node' (child_process.spawn), or 'auto' (the helper when it is executable). When this option
   * is not given, the environment variable HOSTDS_SPAWNER=node|helper overrides 'auto'.
   */
  spawner: 'auto' | 'helper' | 'node';
  /** The hostds-spawn binary. Default: dist/native/hostds-spawn beside the code. */
  helperPath: string;
}

/** The runner, plus which spawner it uses now (the agent logs it). */
export interface SpawnRunner extends ProcessRunner {
  /** 'helper' until the helper fails for good, then 'node'. */
  readonly spawner: 'helper' | 'node';
}

export const SPAWNER_ENV = 'HOSTDS_SPAWNER';

/**
 * A restart finds its log directory there: one inline stat (~10 µs) instead of a thread-pool
 * round trip, which was a tenth of a restart's latency. A first start makes it in the pool, where
 * 500 of them overlap.
 */
async function ensureDir(dir: string): Promise<void> {
  // Not a thrown ENOENT: on a first start every pod's directory is missing, and building the error
  // (message, stack) cost more than the stat.
  try {
    if (statSync(dir, { throwIfNoEntry: false })?.isDirectory()) return;
  } catch { /* unreadable: mkdir says why */ }
  await mkdir(dir, { recursive: true });
}

/** From src/supervise, dist/supervise and dist/bundle alike, two levels up is the directory that holds dist/. */
export const DEFAULT_HELPER_PATH = fileURLToPath(new URL('../../dist/native/hostds-spawn', import.meta.url));

type ResolvedSpawnRunnerOptions = Readonly<Pick<SpawnRunnerOptions, 'pollMs' | 'groupPollMs'>>;

const LOG_MODE = 0o640;

function resolveOptions(raw: Partial<SpawnRunnerOptions>): ResolvedSpawnRunnerOptions {
  const resolved = { pollMs: raw.pollMs ?? 1000, groupPollMs: raw.groupPollMs ?? 25 };
  if (raw.spawner !== undefined && !['auto', 'helper', 'node'].includes(raw.spawner)) {
    throw new TypeError(`The "spawner" option must be 'auto', 'helper' or 'node', got ${JSON.stringify(raw.spawner)}.`);
  }
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isFinite(value) || value <= 0) {
      throw new TypeError(`The "${name}" option must be a positive number, got ${String(value)} (${typeof value}).`);
    }
  }
  return Object.freeze(resolved);
}

function keyOf(handle: ProcessHandle): string {
  return `${handle.pid}:${handle.procStart}:${handle.bootId}`;
}

/**
 * Supplementary groups cannot be set through child_process (libuv clears them), so that case
 * execs through util-linux's setpriv, which sets groups, gid and uid, then execs the command in
 * the same process: the pid, the session and the marker stay the daemon's.
 */
const SETPRIV = '/usr/bin/setpriv';

function withIdentity(argv: readonly string[], id: StartSpec['identity'], viaSetpriv: boolean): string[] {
  if (!id || (!id.groups?.length && !(viaSetpriv && (id.uid !== undefined || id.gid !== undefined)))) return [...argv];
  // libuv clears supplementary groups when it sets a uid or gid; --clear-groups does the same.
  const groups = id.groups?.length ? `--groups=${id.groups.join(',')}` : '--clear-groups';
  return [SETPRIV, ...(id.uid === undefined ? [] : [`--reuid=${id.uid}`]), ...(id.gid === undefined ? [] : [`--regid=${id.gid}`]), groups, '--', ...argv];
}

/**
 * Joins the cgroups, then execs the command, in one process: the pid, session and marker stay
 * the daemon's, and nothing it runs escapes the limits, because it is already inside when it
 * starts. The cgroup.procs paths and the command are positional parameters, never shell text.
 * The join runs as root, so the switch to the daemon's user happens after it (setpriv).
 */
const CGROUP_JOIN_SCRIPT = 'for p do shift; [ "$p" = -- ] && exec "$@"; echo $$ > "$p" || { echo "hostds: cannot join cgroup $p" >&2; exit 125; }; done';

function withCgroups(argv: string[], procs: readonly string[] | undefined): string[] {
  return procs?.length ? ['/bin/sh', '-c', CGROUP_JOIN_SCRIPT, 'hostds-cgroup-join', ...procs, '--', ...argv] : argv;
}

function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

async function openLog(logPath: string): Promise<number> {
  await mkdir(dirname(logPath), { recursive: true });
  // In the thread pool: creating the file costs ~0.3 ms, and starting 500 daemons the main thread
  // forks the next child meanwhile (docs/benchmarks.md).
  return new Promise((resolve, reject) => open(logPath, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, LOG_MODE,
    (err, fd) => { if (err) reject(err); else resolve(fd); }));
}

/** Where argv[0] would be found, for error messages only (the kernel and libuv do the real lookup). */
function locateCommand(command: string, env: Record<string, string>, cwd: string): string | undefined {
  if (command.includes('/')) return resolve(cwd, command);
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    const candidate = resolve(cwd, dir === '' ? '.' : dir, command);
    try {
      statSync(candidate);
      return candidate;
    } catch {
      // not in this PATH entry
    }
  }
  return undefined;
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Turns a failed spawn into a SpawnError whose reason the supervisor can branch on and whose message names the path. */
function toSpawnError(spec: StartSpec, code: string | undefined, cause: unknown): SpawnError {
  const command = spec.argv[0] ?? '';
  const cwd = spec.cwd ?? process.cwd();
  const path = locateCommand(command, spec.env, cwd);
  const shown = path ?? command;
  if (code === 'ENOENT') {
    if (spec.cwd !== undefined && !isDirectory(spec.cwd)) {
      return new SpawnError('not-found', `working directory ${spec.cwd} not found (for ${command})`, { cause });
    }
    // The kubelet's words: the PATH itself is an env value, and env values never reach logs or events.
    const where = command.includes('/') ? '' : ' in $PATH';
    return new SpawnError('not-found', `executable ${shown} not found${where}`, { cause });
  }
  if (code === 'EACCES' || code === 'ENOEXEC') {
    const reason: SpawnFailure = code === 'ENOEXEC' || (path !== undefined && !isExecutableFile(path)) ? 'not-executable' : 'permission';
    const what = reason === 'not-executable' ? 'is not an executable file' : 'cannot be executed: permission denied';
    return new SpawnError(reason, `${shown} ${what} (${code})`, { cause });
  }
  if (code === 'EPERM') return new SpawnError('permission', `${shown} cannot be started: operation not permitted`, { cause });
  return new SpawnError('other', `${shown} could not be started: ${code ?? String(cause)}`, { cause });
}

const EXEC_MAGIC = ['\x7fELF', '#!'];

/**
 * Behind the cgroup wrapper, the command is exec'd by sh, which would report a failed exec only
 * as exit 126/127 (and run a file without a #! line as a script). So the checks execve makes
 * are made first, and fail as the direct spawn would.
 */
function checkCommand(spec: StartSpec): void {
  const command = spec.argv[0] ?? '';
  const cwd = spec.cwd ?? process.cwd();
  if (spec.cwd !== undefined && !isDirectory(spec.cwd)) throw toSpawnError(spec, 'ENOENT', undefined);
  const path = locateCommand(command, spec.env, cwd);
  if (path === undefined) throw toSpawnError(spec, 'ENOENT', undefined);
  if (!isExecutableFile(path)) throw toSpawnError(spec, 'EACCES', undefined);
  const head = Buffer.alloc(4);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  if (!EXEC_MAGIC.some((m) => head.toString('latin1').startsWith(m))) throw toSpawnError(spec, 'ENOEXEC', undefined);
}

interface Settled {
  info?: ExitInfo;
  code?: string;
  error?: unknown;
}

/** One promise for how the child ended: its exit status, or the error that kept it from starting. */
function exitOf(child: ChildProcess): Promise<Settled> {
  return new Promise((resolve) => {
    child.once('exit', (exitCode, signal) => resolve({ info: { exitCode, signal, known: true } }));
    child.once('error', (error) => {
      // 'error' after a successful spawn means a failed kill(); the exit still comes through 'exit'.
      if (child.pid === undefined) resolve({ code: errnoCode(error), error });
    });
  });
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (err) {
    if (errnoCode(err) !== 'ESRCH') throw err;
  }
}

/**
 * Waits for the group to empty. A live leader answers cheaply (one stat file); only once it is
 * gone is /proc scanned for the rest of the group. The poll slows from pollMs to 10× it, so a
 * long grace period does not burn CPU.
 */
async function waitGroupEmpty(pgid: number, deadlineMs: number, pollMs: number, leaderExit?: Promise<unknown>): Promise<boolean> {
  let delay = pollMs;
  // The leader's exit, when it is our child, wakes the wait at once: most daemons are gone within
  // a millisecond of SIGTERM, and a replacement waits for this stop.
  let wake = leaderExit?.then(() => { wake = undefined; }, () => { wake = undefined; });
  for (;;) {
    const leader = await readProcStat(pgid);
    const leaderAlive = leader !== undefined && leader.state !== 'Z' && leader.pgrp === pgid;
    if (!leaderAlive && !(await isGroupAlive(pgid))) return true;
    const left = deadlineMs - performance.now();
    if (left <= 0) return false;
    const nap = Math.min(delay, left);
    await (wake ? Promise.race([sleep(nap), wake]) : sleep(nap));
    delay = Math.min(delay * 1.5, pollMs * 10);
  }
}

/**
 * Whether stop may signal group `handle.pid`. Never when the pid names another process now or
 * the host rebooted. When the leader is gone but its group is not, the group is still ours:
 * the kernel does not hand out a pid while a process group with that id exists.
 */
async function mayStop(handle: ProcessHandle): Promise<boolean> {
  if (handle.bootId !== readBootId()) return false;
  const status = await checkHandle(handle);
  if (status === 'reused') return false;
  // A live leader means a live group: only a gone leader needs the /proc scan for the rest.
  if (status === 'alive') return true;
  return isGroupAlive(handle.pid);
}

/** The error fs.open would have thrown for the log, so a log the helper cannot open fails as it did without it. */
function logOpenError(logPath: string, errno: number): Error {
  const [code, description] = getSystemErrorMap().get(-errno) ?? [`E${errno}`, 'unknown error'];
  return Object.assign(new Error(`${code}: ${description}, open '${logPath}'`), { errno: -errno, code, syscall: 'open', path: logPath });
}

/** libuv's spawn error, as child_process would have reported it (the cause of a SpawnError). */
function spawnCauseError(command: string, args: string[], code: string, errno: number): Error {
  return Object.assign(new Error(`spawn ${command} ${code}`), { errno: -errno, code, syscall: `spawn ${command}`, path: command, spawnargs: args });
}

function isExecutableHelper(path: string): boolean {
  try {
    return statSync(path).isFile() && (accessSync(path, constants.X_OK), true);
  } catch {
    return false;
  }
}

function chooseSpawner(options: Partial<SpawnRunnerOptions>, helperPath: string): 'helper' | 'node' {
  const fromEnv = process.env[SPAWNER_ENV];
  if (options.spawner === undefined && fromEnv !== undefined && fromEnv !== '' && fromEnv !== 'auto' && fromEnv !== 'helper' && fromEnv !== 'node') {
    throw new TypeError(`${SPAWNER_ENV} must be 'node', 'helper' or 'auto', got ${JSON.stringify(fromEnv)}.`);
  }
  const choice = options.spawner ?? ((fromEnv || undefined) as SpawnRunnerOptions['spawner'] | undefined) ?? 'auto';
  if (choice === 'node') return 'node';
  if (isExecutableHelper(helperPath)) return 'helper';
  if (choice === 'helper') throw new Error(`the spawn helper ${helperPath} is not an executable file (spawner 'helper'; use 'auto' or 'node' to start daemons with child_process)`);
  return 'node';
}

/** Waits (bounded) for children of a dead helper that are between fork and exec (named hostds-prexec). */
async function waitForPreExecChildren(timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline && (await anyProcessNamed('hostds-prexec'))) await sleep(10);
}

export function createSpawnRunner(options: Partial<SpawnRunnerOptions> = {}): SpawnRunner {
  const opts = resolveOptions(options);
  const helperPath = options.helperPath ?? DEFAULT_HELPER_PATH;
  // Exit results of the children this runner spawned; anything else is polled.
  const children = new Map<string, Promise<ExitInfo>>();
  const helper = chooseSpawner(options, helperPath) === 'helper'
    ? new HelperSpawner(helperPath, {
      pollMs: opts.pollMs,
      onDown: (reason) => process.emitWarning(`${reason}; daemons are started with child_process.spawn from now on (docs/spawner.md)`, { code: 'HOSTDS_SPAWNER' }),
    })
    : undefined;

  function buildEnv(spec: StartSpec): Record<string, string> {
    return { ...spec.env, [MARKER_ENV]: encodeMarker(spec.marker) };
  }

  function withIds(spec: StartSpec, joinsCgroup: boolean): { uid?: number; gid?: number } {
    // Without supplementary groups the spawner's setgid/setuid does it (and clears root's groups).
    if (spec.identity?.groups?.length || joinsCgroup) return {};
    return { ...(spec.identity?.uid === undefined ? {} : { uid: spec.identity.uid }), ...(spec.identity?.gid === undefined ? {} : { gid: spec.identity.gid }) };
  }

  async function startWithNode(spec: StartSpec, command: string, args: string[], joinsCgroup: boolean): Promise<ProcessHandle> {
    const fd = await openLog(spec.logPath);
    let child: ChildProcess;
    try {
      child = spawn(command, args, {
        env: buildEnv(spec),
        ...(spec.cwd === undefined ? {} : { cwd: spec.cwd }),
        detached: true,
        stdio: ['ignore', fd, fd],
        ...withIds(spec, joinsCgroup),
      });
    } catch (err) {
      // Invalid arguments (a NUL byte in argv or env) throw synchronously; failed execs arrive as 'error'.
      throw toSpawnError(spec, errnoCode(err), err);
    } finally {
      // The child holds its own copy; ours would only leak one fd per start.
      closeSync(fd);
    }
    const exited = exitOf(child);
    const pid = child.pid;
    if (pid === undefined) {
      const failure = await exited;
      throw toSpawnError(spec, failure.code, failure.error);
    }
    // Read before yielding to the event loop: until then even an exited child is an unreaped zombie.
    const stat = readProcStatSync(pid);
    child.unref();
    if (stat === undefined) throw new SpawnError('other', `${command} started as pid ${pid} but /proc/${pid}/stat is unreadable`);
    const handle: ProcessHandle = { pid, procStart: stat.procStart, bootId: readBootId() };
    children.set(keyOf(handle), exited.then((r) => r.info ?? { exitCode: null, signal: null, known: false }));
    return handle;
  }

  /**
   * The helper died after it was sent this start: it may have run the daemon. Retrying could run
   * it twice, so look for it instead: once no child of a dead helper is between fork and exec,
   * the daemon is a group leader carrying this exact marker that started after the helper and is
   * not one we already know. Found: it is adopted (its exit is then polled). Not found: it never
   * ran, or ran and already exited; the start fails and the supervisor restarts it with backoff,
   * as it would after such an exit.
   */
  async function recoverLostStart(spec: StartSpec, command: string, reason: string, helperStart: string | undefined): Promise<ProcessHandle> {
    await waitForPreExecChildren(5_000);
    const wanted = encodeMarker(spec.marker);
    const known = new Set([...children.keys()].map((k) => Number(k.split(':')[0])));
    const after = helperStart === undefined ? -1 : Number(helperStart);
    const found = (await listMarkedProcesses(spec.marker.rootId))
      .filter((p) => encodeMarker(p.marker) === wanted && !known.has(p.pid) && Number(p.procStart) >= after)
      .sort((a, b) => Number(b.procStart) - Number(a.procStart));
    const hit = found[0];
    if (hit !== undefined) {
      const handle: ProcessHandle = { pid: hit.pid, procStart: hit.procStart, bootId: hit.bootId };
      return handle; // not in `children`: waitExit polls it, as for an adopted process
    }
    throw new SpawnError('other', `${command} may not have started: ${reason} before it answered, and no process carries the daemon's marker`);
  }

  async function startWithHelper(h: HelperSpawner, spec: StartSpec, command: string, args: string[], joinsCgroup: boolean): Promise<ProcessHandle | undefined> {
    // The same checks child_process makes, before anything is created: the C side would cut at a NUL.
    if (spec.logPath.includes('\0')) return startWithNode(spec, command, args, joinsCgroup); // fs.open throws as before
    await ensureDir(dirname(spec.logPath));
    const env = Object.entries(buildEnv(spec));
    if (hasNulByte([command, ...args, ...env.flat(), ...(spec.cwd === undefined ? [] : [spec.cwd])])) {
      const err = Object.assign(new TypeError('The argument must be a string without null bytes.'), { code: 'ERR_INVALID_ARG_VALUE' });
      throw toSpawnError(spec, 'ERR_INVALID_ARG_VALUE', err);
    }
    const result: HelperResult = await h.start({ argv: [command, ...args], env, logPath: spec.logPath, ...(spec.cwd === undefined ? {} : { cwd: spec.cwd }), ...withIds(spec, joinsCgroup) });
    switch (result.kind) {
      case 'started': {
        const handle: ProcessHandle = { pid: result.pid, procStart: result.procStart, bootId: readBootId() };
        children.set(keyOf(handle), result.exit);
        return handle;
      }
      case 'failed':
        if (result.stage === 'log') throw logOpenError(spec.logPath, result.errno);
        throw toSpawnError(spec, result.code, spawnCauseError(command, args, result.code, result.errno));
      case 'unavailable':
        return undefined;
      case 'lost':
        return recoverLostStart(spec, command, result.reason, h.startedAt);
    }
  }

  async function start(spec: StartSpec): Promise<ProcessHandle> {
    const joinsCgroup = (spec.cgroupProcs?.length ?? 0) > 0;
    if (joinsCgroup && spec.argv[0]) checkCommand(spec);
    const [command, ...args] = withCgroups(withIdentity(spec.argv, spec.identity, joinsCgroup), spec.cgroupProcs);
    if (command === undefined || command === '' || spec.argv[0] === undefined || spec.argv[0] === '') throw new SpawnError('other', 'cannot start a process with an empty argv');
    if (helper?.usable) {
      const handle = await startWithHelper(helper, spec, command, args, joinsCgroup);
      if (handle !== undefined) return handle;
    }
    return startWithNode(spec, command, args, joinsCgroup);
  }

  async function waitExit(handle: ProcessHandle): Promise<ExitInfo> {
    const own = children.get(keyOf(handle));
    if (own === undefined) return pollUntilGone(handle, opts.pollMs);
    const info = await own;
    children.delete(keyOf(handle)); // the exit has been delivered; the pid is free for reuse now
    return info;
  }

  async function stop(handle: ProcessHandle, graceMs: number): Promise<void> {
    if (!(await mayStop(handle))) return;
    const exit = children.get(keyOf(handle));
    signalGroup(handle.pid, 'SIGTERM');
    if (await waitGroupEmpty(handle.pid, performance.now() + Math.max(0, graceMs), opts.groupPollMs, exit)) return;
    signalGroup(handle.pid, 'SIGKILL');
    await waitGroupEmpty(handle.pid, Number.POSITIVE_INFINITY, opts.groupPollMs);
  }

  return {
    start,
    waitExit,
    stop,
    isAlive: isProcessAlive,
    findMarked: listMarkedProcesses,
    get spawner() {
      return helper?.usable ? 'helper' : 'node';
    },
  };
}
