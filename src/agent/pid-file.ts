// One agent per root: the pid file names the running agent by pid and process start time, so a
// stale file left by a crash (or a reused pid) never blocks a new agent.
import { promises as fsp } from 'node:fs';
import { dirname } from 'node:path';
import { readAgentStatus, readProcStartTime } from '../state/agent-status.js';
import { CliError } from '../cli/errors.js';
import { withFileLock } from '../state/atomic-file.js';

/** Check and write under a lock: two agents started at the same instant must not both win. */
export async function acquirePidFile(path: string): Promise<void> {
  await fsp.mkdir(dirname(path), { recursive: true });
  await withFileLock(`${path}.lock`, () => claim(path), { timeoutMs: 10_000 });
}

async function claim(path: string): Promise<void> {
  const status = await readAgentStatus(path);
  if (status.running && status.pid !== process.pid) {
    throw new CliError(`an agent is already running for this root (pid ${status.pid}); stop it first`);
  }
  const start = await readProcStartTime(process.pid);
  const tmp = `${path}.${process.pid}.tmp`;
  await fsp.writeFile(tmp, `${process.pid} ${start ?? ''}\n`, { mode: 0o644 });
  await fsp.rename(tmp, path);
}

export async function releasePidFile(path: string): Promise<void> {
  const status = await readAgentStatus(path);
  if (status.pid === process.pid || !status.running) await fsp.rm(path, { force: true });
}
