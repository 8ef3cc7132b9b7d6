// Which DaemonSets are in effect: the valid ones from manifests.d, plus the last valid version of
// any whose manifest is now broken (a broken manifest never stops a running daemon). Only a
// DaemonSet whose manifest is gone, or no longer defines it, drops out.
import type { LoadResult } from '../manifest/load.js';
import type { LastGood } from '../state/store.js';

export interface EffectiveSet {
  inEffect: Record<string, LastGood>;
  /** Keys kept at their last good version because their manifest is invalid now. */
  heldBack: string[];
}

function keyOf(ns: string | undefined, name: string): string {
  return `${ns ?? 'default'}/${name}`;
}

export function computeEffective(loaded: LoadResult, previous: Readonly<Record<string, LastGood>>, existingPaths: ReadonlySet<string>): EffectiveSet {
  const inEffect: Record<string, LastGood> = {};
  const heldBack: string[] = [];
  for (const d of loaded.daemonSets) {
    inEffect[keyOf(d.ds.metadata.namespace, d.ds.metadata.name)] = { ds: d.ds, path: d.source.path, file: d.source.file, line: d.source.line };
  }
  const rejected = new Set(loaded.rejected.map((r) => keyOf(r.namespace, r.name)));
  // Files with errors that hide which DaemonSets they define (a YAML syntax error, an unreadable file).
  const brokenPaths = new Set(loaded.issues.filter((i) => i.severity === 'error').map((i) => i.file));
  for (const [key, last] of Object.entries(previous)) {
    if (inEffect[key]) continue;
    const stillThere = existingPaths.has(last.path);
    if (rejected.has(key) || (stillThere && (brokenPaths.has(last.file) || brokenPaths.has(last.path)))) {
      inEffect[key] = last;
      heldBack.push(key);
    }
  }
  return { inEffect, heldBack };
}

/** True when two in-effect sets hold the same versions (the parse cache keeps unchanged objects identical). */
export function sameEffective(a: Readonly<Record<string, LastGood>>, b: Readonly<Record<string, LastGood>>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => {
    const x = a[k]!, y = b[k];
    return y !== undefined && x.ds === y.ds && x.path === y.path && x.file === y.file && x.line === y.line;
  });
}
