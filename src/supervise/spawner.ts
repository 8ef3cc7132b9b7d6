// The agent's side of hostds-spawn (native/hostds-spawn.c, docs/spawner.md): a small C process,
// started once, that forks and execs daemons for the agent. fork() copies the caller's page
// tables, ~2 ms of the agent's main thread per daemon for a 70-80 MiB node process; the helper's
// fork is ~20x cheaper and runs on another core. runner-spawn.ts decides when to use it and falls
// back to child_process.spawn; this module only speaks the protocol and tracks the helper's life.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { constants as osConstants } from 'node:os';
import { getSystemErrorName } from 'node:util';
import { pollUntilGone, readBootId, readProcStatSync } from './proc.js';
import type { ExitInfo } from './runner.js';

export interface HelperRequest {
  argv: string[];
  /** Already merged with the marker, in the order child_process would pass it. */
  env: [string, string][];
  cwd?: string;
  logPath: string;
  uid?: number;
  gid?: number;
}

export type HelperResult =
  | { kind: 'started'; pid: number; procStart: string; exit: Promise<ExitInfo> }
  /** Nothing runs: `stage` is the step that failed (log, chdir, setuid, exec, ...), `code` its errno name. */
  | { kind: 'failed'; stage: string; code: string; errno: number }
  /** The helper never received the request (it could not start, or was already down): safe to retry elsewhere. */
  | { kind: 'unavailable'; reason: string }
  /** The helper died after the request was sent: the daemon may or may not have been started. */
  | { kind: 'lost'; reason: string };

/** A frame beyond this is refused by the helper as a protocol error; execve would refuse it anyway (E2BIG). */
const MAX_REQUEST = 64 << 20;

// os.constants.errno knows every errno of the platform; libuv's names (getSystemErrorName) lack some, ENOEXEC among them.
const errnoNames = new Map<number, string>(Object.entries(osConstants.errno).map(([name, n]) => [n, name]));
const signalNames = new Map<number, string>(Object.entries(osConstants.signals).map(([name, n]) => [n, name]));

interface Pending {
  resolve: (r: HelperResult) => void;
}

interface Child {
  procStart: string;
  resolve: (info: ExitInfo) => void;
}

export interface HelperSpawnerOptions {
  /** How often a daemon is polled for exit once the helper that reaped it is gone. */
  pollMs: number;
  /** Called once, when the helper cannot be started or dies. */
  onDown: (reason: string) => void;
}

export function hasNulByte(values: Iterable<string>): boolean {
  for (const v of values) if (v.includes('\0')) return true;
  return false;
}

export class HelperSpawner {
  private state: 'idle' | 'starting' | 'up' | 'down' = 'idle';
  private proc: ChildProcess | undefined;
  private ready: Promise<boolean> | undefined;
  private procStart: string | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly children = new Map<number, Child>();
  private buffered = '';

  constructor(readonly path: string, private readonly opts: HelperSpawnerOptions) {}

  /** False once the helper is down: every later start goes through child_process. */
  get usable(): boolean {
    return this.state !== 'down';
  }

  /** The helper's /proc start time once it started (kept after it died): its daemons started later. */
  get startedAt(): string | undefined {
    return this.procStart;
  }

  /** The helper's pid and /proc start time, while it runs. */
  get process(): { pid: number; procStart: string } | undefined {
    return this.state === 'up' && this.proc?.pid !== undefined && this.procStart !== undefined ? { pid: this.proc.pid, procStart: this.procStart } : undefined;
  }

  async start(req: HelperRequest): Promise<HelperResult> {
    if (!(await this.launch())) return { kind: 'unavailable', reason: 'the spawn helper is not running' };
    const id = this.nextId++;
    const fields = [String(id), req.logPath, req.cwd ?? '', req.uid === undefined ? '' : String(req.uid), req.gid === undefined ? '' : String(req.gid),
      String(req.argv.length), ...req.argv, String(req.env.length), ...req.env.map(([k, v]) => `${k}=${v}`)];
    const payload = Buffer.from(`${fields.join('\0')}\0`, 'utf8');
    if (payload.length > MAX_REQUEST) return { kind: 'failed', stage: 'exec', code: 'E2BIG', errno: osConstants.errno.E2BIG };
    const header = Buffer.alloc(4);
    header.writeUInt32LE(payload.length);
    const result = new Promise<HelperResult>((resolve) => this.pending.set(id, { resolve }));
    // Only while an answer is awaited may the helper's pipe keep the agent alive.
    (this.proc!.stdout as Socket).ref();
    this.proc!.stdin!.write(Buffer.concat([header, payload]));
    return result;
  }

  private launch(): Promise<boolean> {
    if (this.state === 'down') return Promise.resolve(false);
    this.ready ??= new Promise<boolean>((resolve) => {
      this.state = 'starting';
      let proc: ChildProcess;
      try {
        // An empty environment: nothing of the agent's (least of all a marker, which would make
        // the helper look like a daemon to findMarked) is needed by the helper.
        proc = spawn(this.path, [], { stdio: ['pipe', 'pipe', 'inherit'], env: {} });
      } catch (err) {
        this.down(`cannot start ${this.path}: ${(err as Error).message}`);
        resolve(false);
        return;
      }
      this.proc = proc;
      proc.once('spawn', () => {
        if (this.state !== 'starting') return;
        // Read now, while it cannot have been reaped: recovery uses it to tell its daemons from older ones.
        this.procStart = readProcStatSync(proc.pid!)?.procStart;
        this.state = 'up';
        resolve(true);
      });
      proc.once('error', (err) => {
        // Before 'spawn' no request was written: every caller may safely use child_process instead.
        // Later, 'error' only means a failed kill(); the end is seen through 'close'.
        if (this.state !== 'starting') return;
        resolve(false);
        this.down(`cannot start ${this.path}: ${err.message}`);
      });
      // 'close', not 'exit': only once its reply pipe is drained are the replies it wrote before
      // dying all read, so that only requests it never answered count as lost.
      proc.once('close', (code, signal) => this.down(`hostds-spawn exited (${signal ?? `code ${code}`})`));
      // EPIPE once it is gone; 'close' follows and handles it.
      proc.stdin!.on('error', () => undefined);
      proc.stdout!.setEncoding('utf8');
      proc.stdout!.on('data', (chunk: string) => this.onData(chunk));
      // Never what keeps the agent running: daemons and their exits do not need it either.
      proc.unref();
      (proc.stdin as Socket).unref();
      (proc.stdout as Socket).unref();
    });
    return this.ready;
  }

  private onData(chunk: string): void {
    this.buffered += chunk;
    let nl: number;
    while ((nl = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, nl);
      this.buffered = this.buffered.slice(nl + 1);
      this.onLine(line);
    }
    if (this.pending.size === 0) (this.proc?.stdout as Socket | undefined)?.unref();
  }

  private onLine(line: string): void {
    const [kind, a, b, c] = line.split(' ');
    if (kind === 'S' || kind === 'E') {
      const id = Number(a);
      const p = this.pending.get(id);
      if (p === undefined) return;
      this.pending.delete(id);
      if (kind === 'E') {
        const errno = Number(c);
        p.resolve({ kind: 'failed', stage: b ?? 'exec', code: errnoNames.get(errno) ?? getSystemErrorName(-errno), errno });
        return;
      }
      const pid = Number(b);
      const procStart = c ?? '';
      const exit = new Promise<ExitInfo>((resolve) => this.children.set(pid, { procStart, resolve }));
      p.resolve({ kind: 'started', pid, procStart, exit });
    } else if (kind === 'X') {
      const pid = Number(a);
      const child = this.children.get(pid);
      if (child === undefined) return;
      this.children.delete(pid);
      const signal = b === '-' ? signalNames.get(Number(c)) ?? `SIG${c}` : null;
      child.resolve({ exitCode: b === '-' ? null : Number(b), signal, known: true });
    }
  }

  /**
   * The helper is gone (or never came): requests it may have executed are reported lost, not
   * retried (the caller looks for the daemon, docs/spawner.md); exits it can no longer report
   * are polled, as for adopted processes.
   */
  private down(reason: string): void {
    if (this.state === 'down') return;
    this.state = 'down';
    this.opts.onDown(reason);
    for (const p of this.pending.values()) p.resolve({ kind: 'lost', reason });
    this.pending.clear();
    const bootId = readBootId();
    for (const [pid, child] of this.children) {
      void pollUntilGone({ pid, procStart: child.procStart, bootId }, this.opts.pollMs).then(child.resolve);
    }
    this.children.clear();
  }
}
