// The exec probe (pkg/probe/exec/exec.go): run the command, exit 0 is success, the combined
// stdout+stderr (first 10 KiB) is the message. The kubelet execs inside the container; a host
// pod's "inside" is the host, so the command is spawned directly (no shell, like the kubelet)
// with the container's environment and working directory, in a process group of its own so a
// timeout can kill everything it started.
import { spawn, type ChildProcess } from 'node:child_process';
import { stat } from 'node:fs/promises';
import type { ProbeResult } from './tracker.js';
import { ABORTED, CappedBuffer, deadline, errnoCode, failure, formatDuration, type RunOptions } from './run-util.js';

/**
 * Process groups of the exec probes running now. An unref'ed probe does not keep the agent
 * alive, so the agent may exit while one runs: the exit hook kills those groups then, so no
 * probe outlives the agent (the only module state here, and only for that hook).
 */
const running = new Set<number>();
let exitHookInstalled = false;

function trackGroup(pid: number): void {
  running.add(pid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const group of running) killGroupOf(group);
  });
}

export interface ExecHandler {
  command: string[];
  workingDir?: string;
  uid?: number;
  gid?: number;
}

export function runExecProbe(
  handler: ExecHandler,
  timeoutMs: number,
  env: Record<string, string>,
  signal: AbortSignal | undefined,
  options: RunOptions = {},
): Promise<ProbeResult> {
  const [file, ...args] = handler.command;
  if (file === undefined || file === '') return Promise.resolve(failure('exec: no command'));
  let child: ChildProcess;
  try {
    child = spawn(file, args, {
      env, cwd: handler.workingDir, uid: handler.uid, gid: handler.gid, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    return spawnFailure(file, handler.workingDir, err);
  }
  return watch(child, file, handler.workingDir, timeoutMs, signal, options.unref === true);
}

function watch(
  child: ChildProcess,
  file: string,
  workingDir: string | undefined,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  unref: boolean,
): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const output = readOutput(child, unref);
    if (child.pid !== undefined) trackGroup(child.pid);
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let settled = false;
    const finish = (result: ProbeResult | Promise<ProbeResult>): void => {
      if (settled) return;
      settled = true;
      timer.done();
      if (child.pid !== undefined) running.delete(child.pid);
      child.stdout?.destroy();
      child.stderr?.destroy();
      resolve(result);
    };
    const timer = deadline(
      timeoutMs,
      signal,
      () => {
        killGroup(child);
        // The command exited but something it left behind still holds the output pipes:
        // the command's own result counts, not the straggler.
        finish(exit ? exitResult(exit, output.text()) : failure(`command timed out after ${formatDuration(timeoutMs)}`));
      },
      () => {
        killGroup(child);
        finish(failure(ABORTED));
      },
      unref,
    );
    child.once('error', (err) => {
      killGroup(child);
      finish(spawnFailure(file, workingDir, err));
    });
    child.once('exit', (code, sig) => {
      exit = { code, signal: sig };
      // A probe is a short check: whatever it started in its group goes with it.
      killGroup(child);
    });
    child.once('close', (code, sig) => finish(exitResult(exit ?? { code, signal: sig }, output.text())));
  });
}

/** stdout and stderr combined, as the kubelet's exec prober reads them. */
function readOutput(child: ChildProcess, unref: boolean): CappedBuffer {
  const output = new CappedBuffer();
  for (const stream of [child.stdout, child.stderr]) {
    // Keep draining past the cap so a chatty command never blocks on a full pipe.
    stream?.on('data', (chunk: Buffer) => output.push(chunk));
    // The pipes are net.Sockets: unref'ed, they do not hold the process either.
    if (unref) (stream as { unref?: () => void } | null)?.unref?.();
  }
  if (unref) child.unref();
  return output;
}

/** SIGKILL to the probe's whole process group; it may be gone already. */
function killGroup(child: ChildProcess): void {
  if (child.pid !== undefined) killGroupOf(child.pid);
}

function killGroupOf(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // ESRCH: the group is empty
  }
}

/**
 * The kubelet's message is the output alone. When there is none, say how the command ended,
 * so that an Unhealthy event never ends in "probe failed: " with nothing after it.
 */
function exitResult(exit: { code: number | null; signal: NodeJS.Signals | null }, output: string): ProbeResult {
  if (exit.code === 0) return { ok: true, message: output };
  if (output.trim() !== '') return { ok: false, message: output };
  return failure(exit.code !== null ? `command exited with code ${exit.code}` : `command was killed by ${exit.signal ?? 'a signal'}`);
}

/** Words of the OCI runtime's exec errors, which the kubelet shows for a command that cannot start. */
async function spawnFailure(file: string, workingDir: string | undefined, err: unknown): Promise<ProbeResult> {
  const code = errnoCode(err);
  if (code === 'ENOENT' && workingDir !== undefined && !(await isDirectory(workingDir))) {
    return failure(`chdir to cwd (${JSON.stringify(workingDir)}) failed: no such file or directory`);
  }
  if (code === 'ENOENT') {
    return failure(file.includes('/') ? `exec: ${JSON.stringify(file)}: no such file or directory` : `exec: ${JSON.stringify(file)}: executable file not found in $PATH`);
  }
  if (code === 'EACCES') return failure(`exec: ${JSON.stringify(file)}: permission denied`);
  if (code === 'EPERM') return failure(`exec: ${JSON.stringify(file)}: cannot run as the container's user: operation not permitted (the agent is not root)`);
  return failure(`exec: ${JSON.stringify(file)}: ${err instanceof Error ? err.message : String(err)}`);
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
