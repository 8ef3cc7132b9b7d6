// DaemonSet revision history, kept the way the DaemonSet controller keeps its ControllerRevisions
// (pkg/controller/daemon/update.go: constructHistory, dedupCurHistories, cleanupHistory), in
// ROOT/var/lib/hostds/revisions.json: `{ "ns/name": [{ revision, hash, template, … }, …] }`.
// `recordRevision` is the pure rule; reading and the locked read-modify-write are the effect shell.
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { withFileLock, writeFileAtomic } from './atomic-file.js';

/** Copied from the DaemonSet to each new revision, as the controller copies its annotations. */
export const CHANGE_CAUSE_ANNOTATION = 'kubernetes.io/change-cause';
/** apps/v1 default of spec.revisionHistoryLimit. */
export const DEFAULT_REVISION_HISTORY_LIMIT = 10;

const FILE = 'revisions.json';

/** One ControllerRevision: the pod template a DaemonSet had, numbered in the order it was last current. */
export interface Revision {
  revision: number;
  /** computeTemplateHash of `template` (the pods' controller-revision-hash). */
  hash: string;
  template: unknown;
  /** RFC 3339; when this template was first recorded (kept when the revision is renumbered). */
  createdAt: string;
  changeCause?: string;
}

/** The DaemonSet's template now, as recordRevision takes it. */
export interface RevisionInput {
  hash: string;
  template: unknown;
  changeCause?: string | undefined;
}

/** DaemonSet key (`ns/name`) → its revisions, oldest first. */
export type RevisionStore = Record<string, Revision[]>;

export function revisionsPath(stateDir: string): string {
  return join(stateDir, FILE);
}

function maxRevision(list: readonly Revision[]): number {
  return list.reduce((m, r) => Math.max(m, r.revision), 0);
}

function byRevision(a: Revision, b: Revision): number {
  return a.revision - b.revision;
}

/**
 * The history after `current` became the DaemonSet's template (constructHistory + cleanupHistory):
 * - a template not in the history gets max(old)+1;
 * - a template already recorded (an undo, or an edit reverted by hand) keeps its revision but is
 *   renumbered to max(old)+1 when an older number; duplicates of it collapse to the highest;
 * - of the old revisions, the oldest are dropped until at most `limit` remain, except those
 *   whose hash a live pod still runs (`liveHashes`), which the controller never deletes.
 * Pure and idempotent; the input is not changed. The result is sorted by revision.
 */
export function recordRevision(
  list: readonly Revision[],
  current: RevisionInput,
  nowIso: string,
  limit: number = DEFAULT_REVISION_HISTORY_LIMIT,
  liveHashes: ReadonlySet<string> = new Set(),
): Revision[] {
  const old = list.filter((r) => r.hash !== current.hash);
  const matches = list.filter((r) => r.hash === current.hash);
  const next = maxRevision(old) + 1;
  let cur: Revision;
  if (matches.length === 0) {
    cur = { revision: next, hash: current.hash, template: current.template, createdAt: nowIso,
      ...(current.changeCause ? { changeCause: current.changeCause } : {}) };
  } else {
    // dedupCurHistories: the highest-numbered copy wins.
    const keep = matches.reduce((a, b) => (b.revision >= a.revision ? b : a));
    cur = { ...keep, revision: Math.max(keep.revision, next) };
  }
  return [...cleanupOld(old, limit, liveHashes), cur].sort(byRevision);
}

/** cleanupHistory: drop the oldest old revisions beyond `limit`, never one a live pod runs. */
function cleanupOld(old: readonly Revision[], limit: number, liveHashes: ReadonlySet<string>): Revision[] {
  let toKill = old.length - Math.max(0, Math.floor(limit));
  const kept: Revision[] = [];
  for (const r of [...old].sort(byRevision)) {
    if (toKill > 0 && !liveHashes.has(r.hash)) toKill--;
    else kept.push({ ...r });
  }
  return kept;
}

/**
 * kubectl's findHistory: `toRevision` 0 is the previous revision (the second highest), any other
 * number that exact revision. Undefined when there is none.
 */
export function findRevision(list: readonly Revision[], toRevision: number): Revision | undefined {
  if (toRevision !== 0) return list.find((r) => r.revision === toRevision);
  if (list.length <= 1) return undefined;
  return [...list].sort(byRevision)[list.length - 2];
}

function isRevision(v: unknown): v is Revision {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return Number.isSafeInteger(r['revision']) && (r['revision'] as number) > 0 && typeof r['hash'] === 'string' &&
    typeof r['createdAt'] === 'string' && (r['changeCause'] === undefined || typeof r['changeCause'] === 'string');
}

/** The whole store. Missing or damaged: empty (history then starts again at the current template). */
export async function readRevisions(stateDir: string): Promise<RevisionStore> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await fsp.readFile(revisionsPath(stateDir), 'utf8'));
  } catch {
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
  const store: RevisionStore = {};
  for (const [key, list] of Object.entries(parsed)) {
    if (Array.isArray(list)) store[key] = list.filter(isRevision).sort(byRevision);
  }
  return store;
}

/**
 * Locked read-modify-write of one DaemonSet's list: `fn` gets its current revisions (empty when
 * none) and returns the new ones; an empty result removes the key (a deleted DaemonSet). The file
 * is only rewritten when something changed. Returns the list now stored.
 */
export async function updateRevisions(
  stateDir: string,
  key: string,
  fn: (list: Revision[]) => Revision[],
): Promise<Revision[]> {
  const out = await updateManyRevisions(stateDir, new Map([[key, fn]]));
  return out.get(key) ?? [];
}

/**
 * Several DaemonSets in one locked read-modify-write: the agent records 500 new DaemonSets at
 * start with one write, not 500.
 */
export async function updateManyRevisions(
  stateDir: string,
  fns: ReadonlyMap<string, (list: Revision[]) => Revision[]>,
): Promise<Map<string, Revision[]>> {
  await fsp.mkdir(stateDir, { recursive: true });
  return withFileLock(join(stateDir, `${FILE}.lock`), async () => {
    const store = await readRevisions(stateDir);
    const results = new Map<string, Revision[]>();
    let changed = false;
    for (const [key, fn] of fns) {
      const before = store[key] ?? [];
      const after = [...fn(before.map((r) => ({ ...r })))].sort(byRevision);
      results.set(key, after);
      if (isDeepStrictEqual(before, after)) continue;
      changed = true;
      if (after.length === 0) delete store[key];
      else store[key] = after;
    }
    if (changed) await writeFileAtomic(revisionsPath(stateDir), JSON.stringify(store) + '\n', { mode: 0o644 });
    return results;
  }, { timeoutMs: 10_000 });
}
