// Processes a runner test starts, read from /proc and SIGKILLed (with their group) by pid after
// each test, pass or fail. A pid is identified with its start time, so a reused pid is left alone.
import { readFileSync } from 'node:fs';

export interface ProcStatFields { state: string; ppid: number; pgrp: number; session: number; procStart: string }

export function procStat(pid: number): ProcStatFields | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: f[0] ?? '', ppid: Number(f[1]), pgrp: Number(f[2]), session: Number(f[3]), procStart: f[19] ?? '' };
  } catch {
    return undefined;
  }
}

/** Gone from /proc, or a zombie (this host's init does not reap orphans, so zombies can stay). */
export function isGone(pid: number): boolean {
  const s = procStat(pid);
  return s === undefined || s.state === 'Z';
}

export function trackedProcesses(): { track(pid: number): void; killAll(): void } {
  const tracked: { pid: number; procStart: string }[] = [];
  return {
    track(pid) {
      const s = procStat(pid);
      if (s !== undefined) tracked.push({ pid, procStart: s.procStart });
    },
    killAll() {
      for (const { pid, procStart } of tracked.splice(0)) {
        if (procStat(pid)?.procStart !== procStart) continue; // gone, or the pid was reused
        for (const target of [-pid, pid]) {
          try { process.kill(target, 'SIGKILL'); } catch { /* already gone, or not a group leader */ }
        }
      }
    },
  };
}
