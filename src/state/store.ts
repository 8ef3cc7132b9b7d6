// The agent's state file, P/var/lib/hostds/state.json: written atomically on every change (the
// s6 status file) and read on boot to re-adopt running daemons (Nomad's RecoverTask).
import { closeSync, ftruncateSync, openSync, promises as fsp, truncateSync, writeSync } from 'node:fs';
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

/** P/var/lib/hostds/state.journal: see DeletionJournal. */
export function journalPath(stateDir: string): string {
  return join(stateDir, 'state.journal');
}

/** `journal`: state.journal as found, already applied to `state`; the agent applies it again to the pods it rebuilds from their markers. */
export type LoadedState = { state: AgentState; problem?: string; journal: string };

/** A missing or corrupt file yields an empty state and says why; the agent then finds its daemons by their markers. */
export async function loadState(stateDir: string): Promise<LoadedState> {
  const [text, journal] = await Promise.all([
    fsp.readFile(statePath(stateDir), 'utf8').catch((err: NodeJS.ErrnoException) => err),
    fsp.readFile(journalPath(stateDir), 'utf8').catch(() => ''),
  ]);
  if (typeof text !== 'string') {
    if (text.code === 'ENOENT') return { state: emptyState(), journal };
    return { state: emptyState(), problem: `cannot read state: ${text.message}`, journal };
  }
  let state: AgentState;
  try {
    const v = JSON.parse(text) as Partial<AgentState>;
    if (v.version !== STATE_VERSION || !Array.isArray(v.pods)) return { state: emptyState(), problem: 'state file has an unknown format', journal };
    state = { version: STATE_VERSION, pods: v.pods, lastGood: v.lastGood ?? {}, events: Array.isArray(v.events) ? v.events : [], podCounters: v.podCounters ?? {} };
  } catch (err) {
    return { state: emptyState(), problem: `state file is corrupt: ${(err as Error).message}`, journal };
  }
  applyJournal(state, journal);
  return { state, journal };
}

/**
 * Marks deleting the pods the journal names (a uid and a time per line) that state.json, older,
 * does not. A line cut short by a crash, or naming a pod state.json no longer has, changes nothing.
 */
export function applyJournal(state: AgentState, journal: string): void {
  if (journal === '') return;
  const byUid = new Map(state.pods.map((p) => [p.uid, p]));
  for (const line of journal.split('\n')) {
    const m = /^(\S+) (\d{4}-\d\d-\d\dT\S+Z)$/.exec(line);
    const pod = m ? byUid.get(m[1]!) : undefined;
    if (pod && !pod.deletionTimestamp) pod.deletionTimestamp = m![2]!;
  }
}

/**
 * The pods marked deleting since the last save of state.json, appended to state.journal before a
 * stop lets a replacement start. An agent killed between the two must, once restarted, finish
 * the stop rather than restart the old pod beside its replacement; the whole state (~1 MB at 500
 * pods) need not be written for that first, only one line.
 *
 * No fsync: only a living process can be restarted beside another, and after a power loss none
 * is left, so what must outlive is the agent, not the machine; the page cache suffices.
 */
export class DeletionJournal {
  private fd: number | undefined;
  private recorded: number;
  /** A line was written in part (a full disk): what follows would join it, so nothing is, until emptied. */
  private torn = false;

  /** `leftover`: the file holds lines from an earlier agent; the first save then empties it. */
  constructor(private readonly file: string, leftover = false) {
    this.recorded = leftover ? 1 : 0;
  }

  /** Written when this returns; throws if it was not, whole (the caller then saves the whole state). */
  record(uid: string, deletionTimestamp: string): void {
    if (this.torn) throw new Error(`${this.file} ends in a partial line`);
    this.fd ??= openSync(this.file, 'a', 0o600);
    const line = Buffer.from(`${uid} ${deletionTimestamp}\n`);
    this.recorded++;
    const written = writeSync(this.fd, line);
    if (written !== line.length) {
      this.torn = true;
      throw new Error(`${this.file}: ${written} of ${line.length} bytes written`);
    }
  }

  /** Taken when a save serialises the state: the records it covers. */
  get mark(): number {
    return this.recorded;
  }

  /** After that save is on disk: empties the journal, unless a pod was recorded since the mark. */
  saved(mark: number): void {
    if (mark !== this.recorded || mark === 0) return;
    if (this.fd !== undefined) ftruncateSync(this.fd, 0);
    else truncateSync(this.file, 0);
    this.recorded = 0;
    this.torn = false;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

export async function saveState(stateDir: string, state: AgentState): Promise<void> {
  await writeFileAtomic(statePath(stateDir), JSON.stringify(state), { mode: 0o600 });
}
