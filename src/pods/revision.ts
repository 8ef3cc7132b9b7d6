// The revision a pod runs: its template's hash (controller-revision-hash), and, for a DaemonSet
// with the annotation hostds.io/restart-on-change, the content of the host files it names, so that
// editing such a file rolls the daemon as a template change would.
import type { DaemonSet } from '../manifest/types.js';
import { computeTemplateHash } from './naming.js';

export const RESTART_ON_CHANGE = 'hostds.io/restart-on-change';

/** The files named by the annotation (on the DaemonSet, else on its pod template), in order, once each. */
export function restartOnChangePaths(ds: Pick<DaemonSet, 'metadata' | 'spec'>): string[] {
  const raw = ds.metadata.annotations?.[RESTART_ON_CHANGE] ?? ds.spec.template.metadata?.annotations?.[RESTART_ON_CHANGE] ?? '';
  return [...new Set(raw.split(',').map((p) => p.trim()).filter((p) => p.startsWith('/')))];
}

/**
 * Without files the hash is the template's alone, exactly as before the annotation existed, so
 * adding hostds to a fleet or upgrading it never restarts a daemon by itself.
 */
export function revisionHash(template: unknown, fileDigests: Readonly<Record<string, string>> = {}): string {
  const paths = Object.keys(fileDigests).sort();
  if (paths.length === 0) return templateHashOf(template);
  return computeTemplateHash({ template, restartOnChange: paths.map((p) => [p, fileDigests[p]]) });
}

/**
 * Parsed manifests are cached, so a template is the same object from pass to pass: hash it once
 * (hashing 500 templates on every 30 s resync was most of an idle agent's CPU).
 */
const hashes = new WeakMap<object, string>();

export function templateHashOf(template: unknown): string {
  if (typeof template !== 'object' || template === null) return computeTemplateHash(template);
  let h = hashes.get(template);
  if (h === undefined) {
    h = computeTemplateHash(template);
    hashes.set(template, h);
  }
  return h;
}
