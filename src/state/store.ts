// The agent's state file, P/var/lib/hostds/state.json: written atomically on every change (the
// s6 status file) and read on boot to re-adopt running daemons (Nomad's RecoverTask).
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import type { PodRecord } from '../pods/types.js';
import type { DaemonSet } from '../manifest/types.js';
import type { HostdsEvent } from '../observe/events.js';
import { writeFileAtomic } from './atomic-file.js';

export const STATE_VERSION = 1;

/** The last valid version of a DaemonSet: it stays in effect while its manifest is broken. */
export interface LastGood {
  ds: DaemonSet;
  /** Absolute path of the file it came from. */
  path: string;
  file: string;
  line: number;
}

export interface AgentState {
  version: number;
  pods: PodRecord[];
  lastGood: Record<string, LastGood>;
  events: HostdsEvent[];
  /** Pods created so far per DaemonSet: the seed of the next pod's name. */
  podCounters?: Record<string, number>;
}

export function emptyState(): AgentState {
  return { version: STATE_VERSION, pods: [], lastGood: {}, events: [] };
}

export function statePath(stateDir: string): string {
  return join(stateDir, 'state.json');
}

export type LoadedState = { state: AgentState; problem?: string };

/** A missing or corrupt file yields an empty state and says why; the agent then finds its daemons by their markers. */
export async function loadState(stateDir: string): Promise<LoadedState> {
  let text: string;
  try {
    text = await fsp.readFile(statePath(stateDir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { state: emptyState() };
    return { state: emptyState(), problem: `cannot read state: ${(err as Error).message}` };
  }
  try {
    const v = JSON.parse(text) as Partial<AgentState>;
    if (v.version !== STATE_VERSION || !Array.isArray(v.pods)) return { state: emptyState(), problem: 'state file has an unknown format' };
    return { state: { version: STATE_VERSION, pods: v.pods, lastGood: v.lastGood ?? {}, events: Array.isArray(v.events) ? v.events : [], podCounters: v.podCounters ?? {} } };
  } catch (err) {
    return { state: emptyState(), problem: `state file is corrupt: ${(err as Error).message}` };
  }
}

export async function saveState(stateDir: string, state: AgentState): Promise<void> {
  await writeFileAtomic(statePath(stateDir), JSON.stringify(state), { mode: 0o600 });
}
