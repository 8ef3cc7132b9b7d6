// Loads every DaemonSet from manifests.d (or any file or directory for `validate -f`).
// Each file is judged on its own: one bad file never hides or breaks the DaemonSets of another.
import { promises as fsp, statSync } from 'node:fs';
import { normalize, relative } from 'node:path';
import type { DaemonSet } from './types.js';
import type { FieldPath, ManifestIssue } from './issues.js';
import { parseManifestText, positionIssues, type ParsedDoc } from './parse.js';
import { readManifestFile } from './read-file.js';
import { validateDaemonSet } from './validate.js';
import { normalizeDaemonSet } from './normalize.js';

export const DAEMONSET_API_VERSIONS = ['apps/v1', 'apps/v1beta2', 'extensions/v1beta1'] as const;

export interface DaemonSetSource {
  /** Path as shown to the user. */
  file: string;
  /** Absolute path on disk. */
  path: string;
  docIndex: number;
  /** Index inside `items` when the DaemonSet came from a `kind: List`. */
  itemIndex?: number;
  line: number;
  col: number;
  /** Where metadata.name is written: duplicates are reported there. */
  namePos: { line: number; col: number };
  birthtimeMs: number;
}

export interface LoadedDaemonSet {
  ds: DaemonSet;
  source: DaemonSetSource;
  /** Warnings only: a DaemonSet with errors is in `rejected`. */
  warnings: ManifestIssue[];
}

/** A DaemonSet document that could be identified but not accepted. */
export interface RejectedDaemonSet {
  namespace: string;
  name: string;
  source: DaemonSetSource;
  errors: ManifestIssue[];
}

export interface LoadResult {
  daemonSets: LoadedDaemonSet[];
  rejected: RejectedDaemonSet[];
  /** Every issue of every file, errors and warnings, in file order. */
  issues: ManifestIssue[];
  files: string[];
}

export function isManifestName(name: string): boolean {
  return !name.startsWith('.') && (name.endsWith('.yaml') || name.endsWith('.yml'));
}

/** Byte order, like `ls` in the C locale, so "the alphabetically first file" is unambiguous. */
function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export async function listManifestFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  // join(dir, name) for each of hundreds of plain names, with dir normalised only once.
  const base = normalize(dir);
  const prefix = base === '.' || base === './' ? '' : base.endsWith('/') ? base : `${base}/`;
  return names.filter(isManifestName).sort(byName).map((n) => prefix + n);
}

/** `target` is a file or a directory (as `-f` takes it); `displayBase` makes shown paths short. */
export async function loadManifests(target: string, displayBase?: string): Promise<LoadResult> {
  const st = await fsp.stat(target).catch(() => undefined);
  return loadPaths(st?.isDirectory() ? await listManifestFiles(target) : [target], displayBase, undefined, false);
}

/**
 * Parsed files keyed by path, valid while the file's identity and times are unchanged: the agent
 * re-reads manifests.d on every pass, and re-parsing hundreds of unchanged files would dominate.
 */
export type ManifestCache = Map<string, { sig: string; load: FileLoad }>;

/**
 * manifests.d: a directory that does not exist yet simply holds no DaemonSets. These are the
 * files hostds acts on, so under root each must be one no other user can change (trust.ts).
 */
export async function loadManifestDir(dir: string, displayBase?: string, cache?: ManifestCache, onProgress?: (partial: Readonly<LoadResult>) => void): Promise<LoadResult> {
  return loadPaths(await listManifestFiles(dir), displayBase, cache, true, onProgress);
}

/** A hit is returned as is, not as a promise: a pass over 500 unchanged files then awaits nothing. */
function loadCached(path: string, display: string, cache: ManifestCache | undefined, trusted: boolean): FileLoad | Promise<FileLoad> {
  if (!cache) return loadManifestFile(path, display, trusted);
  // A synchronous stat: the agent checks every file on each pass, and 500 stats through the thread
  // pool cost ~20 ms of CPU in promise and thread hand-offs against ~2 ms inline (docs/benchmarks.md).
  // manifests.d is local configuration, never a network mount that could hang.
  let st: ReturnType<typeof statSync>;
  try { st = statSync(path, { throwIfNoEntry: false }); } catch { st = undefined; }
  const sig = st ? `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}` : '';
  const hit = cache.get(path);
  if (hit && sig !== '' && hit.sig === sig) return hit.load;
  return loadManifestFile(path, display, trusted).then((load) => {
    // A refused file is not cached: fixing a directory's mode changes nothing in the file's stat.
    if (sig !== '' && !load.issues.some((i) => i.code === 'unsafe-permissions')) cache.set(path, { sig, load });
    return load;
  });
}

/**
 * `onProgress` sees the result after each file, in file order. What it holds then is final for
 * those files: a DaemonSet is defined by the first file that names it, and that file is in.
 * With it, each file ends with a turn of the event loop, so what the callback started (a daemon
 * handed to the spawn helper) goes ahead while the next file is parsed.
 */
async function loadPaths(paths: string[], displayBase: string | undefined, cache: ManifestCache | undefined, trusted: boolean,
  onProgress?: (partial: Readonly<LoadResult>) => void): Promise<LoadResult> {
  const result: LoadResult = { daemonSets: [], rejected: [], issues: [], files: [] };
  // Rejected definitions count too: the alphabetically first file wins even while it is broken,
  // so breaking or fixing it never swaps in another file's version behind the operator's back.
  const seen = new Map<string, DaemonSetSource>();
  for (let i = 0; i < paths.length; i++) {
    const display = displayPath(paths[i]!, displayBase);
    result.files.push(display);
    const cached = loadCached(paths[i]!, display, cache, trusted);
    const one = cached instanceof Promise ? await cached : cached;
    result.issues.push(...one.issues);
    const entries = [
      ...one.daemonSets.map((d) => ({ ns: d.ds.metadata.namespace ?? 'default', name: d.ds.metadata.name, source: d.source, accepted: d as LoadedDaemonSet | undefined, errors: [] as ManifestIssue[] })),
      ...one.rejected.map((r) => ({ ns: r.namespace, name: r.name, source: r.source, accepted: undefined, errors: r.errors })),
    ].sort((a, b) => a.source.docIndex - b.source.docIndex || (a.source.itemIndex ?? 0) - (b.source.itemIndex ?? 0));
    for (const e of entries) {
      const id = `${e.ns}/${e.name}`;
      const first = seen.get(id);
      if (!first) {
        seen.set(id, e.source);
        if (e.accepted) result.daemonSets.push(e.accepted);
        else result.rejected.push({ namespace: e.ns, name: e.name, source: e.source, errors: e.errors });
        continue;
      }
      const err: ManifestIssue = {
        code: 'duplicate-daemonset', severity: 'error', file: display, ...e.source.namePos, path: 'metadata.name',
        message: `daemonset "${id}" is already defined at ${first.file}:${first.namePos.line}:${first.namePos.col}; this definition is ignored (the alphabetically first file wins)`,
      };
      result.issues.push(err);
      result.rejected.push({ namespace: e.ns, name: e.name, source: e.source, errors: [...e.errors, err] });
    }
    if (onProgress) {
      onProgress(result);
      await new Promise<void>((res) => setImmediate(res));
    }
  }
  if (cache) {
    const present = new Set(paths);
    for (const key of [...cache.keys()]) if (!present.has(key)) cache.delete(key);
  }
  return result;
}

/** Relative to `base` when inside it (what the user typed), else absolute (usable from anywhere). */
function displayPath(path: string, base: string | undefined): string {
  if (base === undefined) return path;
  const rel = relative(base, path);
  return rel === '' || rel.startsWith('..') ? path : rel;
}

export interface FileLoad {
  daemonSets: LoadedDaemonSet[];
  rejected: RejectedDaemonSet[];
  issues: ManifestIssue[];
}

export async function loadManifestFile(path: string, display: string, trusted = false): Promise<FileLoad> {
  const read = await readManifestFile(path, display, { trusted });
  if (!read.ok) return { daemonSets: [], rejected: [], issues: [read.issue] };
  return loadManifestText(read.text, { file: display, path, birthtimeMs: read.birthtimeMs });
}

interface TextOrigin {
  file: string;
  path: string;
  birthtimeMs: number;
}

/** Pure part of loading: text → accepted and rejected DaemonSets with positioned issues. */
export function loadManifestText(text: string, origin: TextOrigin): FileLoad {
  const parsed = parseManifestText(text, origin.file);
  const out: FileLoad = { daemonSets: [], rejected: [], issues: [...parsed.issues] };
  const syntaxBroken = parsed.issues.length > 0;
  for (const doc of parsed.docs) {
    for (const { obj, prefix } of objectsOf(doc, origin.file, out.issues)) {
      judgeObject(doc, obj, prefix, origin, syntaxBroken ? parsed.issues : undefined, out);
    }
  }
  if (parsed.docs.every((d) => d.value === undefined || d.value === null) && !syntaxBroken) {
    out.issues.push({ code: 'not-an-object', severity: 'warning', file: origin.file, line: 1, col: 1, path: '', message: 'file is empty: no objects' });
  }
  // Validators report by rule; a reader wants them in file order (stable, so ties keep rule order).
  if (!syntaxBroken) out.issues.sort((a, b) => a.line - b.line || a.col - b.col);
  return out;
}

/** Top-level objects of a document; `kind: List` (kubectl's wrapper) is unwrapped. */
function objectsOf(doc: ParsedDoc, file: string, issues: ManifestIssue[]): { obj: Record<string, unknown>; prefix: FieldPath }[] {
  const v = doc.value;
  if (v === undefined || v === null) return [];
  if (!isRecord(v)) {
    issues.push({ code: 'not-an-object', severity: 'error', file, ...doc.locate([]), path: '', message: `expected a Kubernetes object (a mapping), got ${typeName(v)}` });
    return [];
  }
  if (v['kind'] === 'List' || (typeof v['kind'] === 'string' && v['kind'].endsWith('List') && Array.isArray(v['items']))) {
    const items = v['items'];
    if (!Array.isArray(items)) {
      issues.push({ code: 'invalid-type', severity: 'error', file, ...doc.locate(['items']), path: 'items', message: 'a List needs items: a list of objects' });
      return [];
    }
    const out: { obj: Record<string, unknown>; prefix: FieldPath }[] = [];
    items.forEach((item, i) => {
      if (isRecord(item)) out.push({ obj: item, prefix: ['items', i] });
      else issues.push({ code: 'not-an-object', severity: 'error', file, ...doc.locate(['items', i]), path: `items[${i}]`, message: `expected an object, got ${typeName(item)}` });
    });
    return out;
  }
  return [{ obj: v, prefix: [] }];
}

function judgeObject(doc: ParsedDoc, obj: Record<string, unknown>, prefix: FieldPath, origin: TextOrigin,
  syntaxIssues: ManifestIssue[] | undefined, out: FileLoad): void {
  const kind = obj['kind'];
  const apiVersion = obj['apiVersion'];
  const at = doc.locate(prefix);
  if (kind === undefined) {
    out.issues.push({ code: 'unknown-kind', severity: 'warning', file: origin.file, ...at, path: 'kind', message: 'document has no kind (front matter or a fragment?); skipped' });
    return;
  }
  if (kind !== 'DaemonSet') {
    const name = isRecord(obj['metadata']) ? obj['metadata']['name'] : undefined;
    out.issues.push({ code: 'unknown-kind', severity: 'warning', file: origin.file, ...doc.locate([...prefix, 'kind']), path: 'kind',
      message: `${String(kind)}${typeof name === 'string' ? ` "${name}"` : ''} is not a DaemonSet; hostds ignores it` });
    return;
  }
  const ident = identify(obj);
  const source: DaemonSetSource = { file: origin.file, path: origin.path, docIndex: doc.index, ...at,
    namePos: doc.locate([...prefix, 'metadata', 'name']), birthtimeMs: origin.birthtimeMs };
  if (typeof prefix[1] === 'number') source.itemIndex = prefix[1];
  const reject = (errors: ManifestIssue[]): void => {
    if (ident) out.rejected.push({ ...ident, source, errors });
  };
  if (syntaxIssues) return reject(syntaxIssues);
  if (typeof apiVersion !== 'string' || !(DAEMONSET_API_VERSIONS as readonly string[]).includes(apiVersion)) {
    const err: ManifestIssue = { code: 'unsupported-api-version', severity: 'error', file: origin.file, ...doc.locate([...prefix, 'apiVersion']), path: 'apiVersion',
      message: `DaemonSet apiVersion ${JSON.stringify(apiVersion ?? null)} is not supported: use apps/v1 (apps/v1beta2 and extensions/v1beta1 are also read)` };
    out.issues.push(err);
    return reject([err]);
  }
  const issues = positionIssues(doc, origin.file, validateDaemonSet(obj, apiVersion), prefix);
  out.issues.push(...issues);
  const errors = issues.filter((i) => i.severity === 'error');
  if (errors.length > 0) return reject(errors);
  out.daemonSets.push({ ds: normalizeDaemonSet(obj, apiVersion), source, warnings: issues });
}

function identify(obj: Record<string, unknown>): { namespace: string; name: string } | undefined {
  const md = obj['metadata'];
  if (!isRecord(md) || typeof md['name'] !== 'string' || md['name'] === '') return undefined;
  const ns = typeof md['namespace'] === 'string' && md['namespace'] !== '' ? md['namespace'] : 'default';
  return { namespace: ns, name: md['name'] };
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `a ${typeof v}`;
}
