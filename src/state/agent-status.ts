// Whether an agent runs for this root: its pid file names pid + process start time, so a pid
// reused by an unrelated process after a crash is never mistaken for the agent.
import { promises as fsp } from 'node:fs';

export interface AgentStatus {
  running: boolean;
  pid?: number;
}

export async function readProcStartTime(pid: number): Promise<string | undefined> {
  try {
    const stat = await fsp.readFile(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) may contain spaces and parentheses: split after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19];
  } catch {
    return undefined;
  }
}

export async function readAgentStatus(pidFile: string): Promise<AgentStatus> {
  let text: string;
  try {
    text = await fsp.readFile(pidFile, 'utf8');
  } catch {
    return { running: false };
  }
  const [pidText, start] = text.trim().split(/\s+/);
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return { running: false };
  const actual = await readProcStartTime(pid);
  return actual !== undefined && actual === start ? { running: true, pid } : { running: false };
}
