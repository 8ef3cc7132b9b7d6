// `hostds rollout status|history|undo|restart ds/NAME`: kubectl's rollout verbs for DaemonSets.
// History is the agent's revisions.json plus the current template (what the agent records next,
// so it also works with no agent); undo and restart edit spec.template in the manifest file, keep
// the file's other documents byte for byte and its comments, atomically under the manifests.d lock.
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isMap, parseAllDocuments, type Document, type ToStringOptions } from 'yaml';
import type { Context } from '../context.js';
import { CliError, notFound } from '../errors.js';
import { loadHostView, viewNotes, type DaemonSetView, type HostView } from '../view.js';
import { resolveResource, splitTypeName } from '../resources.js';
import { asList, formatJson, formatMapLines, formatYaml, parseOutputFormat } from '../output.js';
import { scheduledPods } from '../objects.js';
import { formatTolerations } from './describe.js';
import { loadManifestDir, loadManifestFile, loadManifestText, type DaemonSetSource, type LoadResult, type RejectedDaemonSet } from '../../manifest/load.js';
import type { Container, DaemonSet, PodTemplateSpec } from '../../manifest/types.js';
import { daemonSetCounts, type DaemonSetCounts } from '../../pods/display.js';
import { computeTemplateHash } from '../../pods/naming.js';
import { formatSet } from '../../schedule/label-selector.js';
import { withFileLock, writeFileAtomic } from '../../state/atomic-file.js';
import { loadState } from '../../state/store.js';
import { registryKey, updateRegistry } from '../../state/object-registry.js';
import { CHANGE_CAUSE_ANNOTATION, DEFAULT_REVISION_HISTORY_LIMIT, findRevision, readRevisions, recordRevision, updateRevisions, type Revision, type RevisionInput } from '../../state/revisions.js';
import { parseDuration } from '../../lib/duration.js';
import { isoSeconds } from '../../lib/iso-time.js';

export interface RolloutOptions {
  namespace?: string;
  timeout?: string;
  revision?: string;
  toRevision?: string;
}

type Verb = 'status' | 'history' | 'undo' | 'restart';
const FLAGS: Record<Verb, readonly (keyof RolloutOptions)[]> = {
  status: ['timeout', 'revision'], history: ['revision'], undo: ['toRevision'], restart: [],
};
const FLAG_NAMES: Record<string, string> = { timeout: '--timeout', revision: '--revision', toRevision: '--to-revision' };
/** manifests.ts's lock: every writer of manifests.d takes it. */
const MANIFESTS_LOCK = '.hostds.lock';
const POLL_MS = 200;
export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';

/** `argv` is every word after `rollout` that commander did not take: the verb, the targets and -w/--watch. */
export async function runRollout(ctx: Context, argv: string[], opts: RolloutOptions): Promise<number> {
  const { words, watch } = extractWatch(argv);
  const [verb, ...rest] = words;
  if (verb === undefined) throw new CliError('you must specify a subcommand: hostds rollout status|history|undo|restart ds/NAME');
  if (!Object.hasOwn(FLAGS, verb)) throw new CliError(`unknown command "${verb}" for "hostds rollout"`);
  const v = verb as Verb;
  for (const f of Object.keys(FLAG_NAMES) as (keyof RolloutOptions)[]) {
    if (opts[f] !== undefined && !FLAGS[v].includes(f)) throw new CliError(`unknown flag: ${FLAG_NAMES[f]}`);
  }
  const names = parseTargets(rest);
  const ns = opts.namespace ?? 'default';
  if (v === 'status') {
    if (names.length > 1) throw new CliError(`rollout status is only supported on individual resources and resource collections - ${names.length} resources were found`);
    if (opts.revision !== undefined) parseCount(opts.revision, '--revision'); // kubectl ignores it for DaemonSets
    return rolloutStatus(ctx, ns, names[0]!, watch, parseTimeout(opts.timeout));
  }
  let exit = 0;
  for (const name of names) {
    if (v === 'history') exit = Math.max(exit, await rolloutHistory(ctx, ns, name, opts.revision === undefined ? 0 : parseCount(opts.revision, '--revision')));
    else if (v === 'undo') exit = Math.max(exit, await rolloutUndo(ctx, ns, name, opts.toRevision === undefined ? 0 : parseInteger(opts.toRevision, '--to-revision')));
    else exit = Math.max(exit, await rolloutRestart(ctx, ns, name));
  }
  return exit;
}

/** pflag's bool forms: `-w`, `--watch`, `--watch=false`, `-w=false` (main.ts turns that into `-w false`). */
function extractWatch(argv: string[]): { words: string[]; watch: boolean } {
  const words: string[] = [];
  let watch = true;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const m = /^(?:-w|--watch)(?:=(.*))?$/.exec(a);
    if (m) {
      const value = m[1] ?? (argv[i + 1] === 'true' || argv[i + 1] === 'false' ? argv[++i] : 'true');
      if (value !== 'true' && value !== 'false') throw new CliError(`invalid argument "${value}" for "-w, --watch" flag: strconv.ParseBool: parsing "${value}": invalid syntax`);
      watch = value === 'true';
    } else if (a.startsWith('-') && a.length > 1) {
      throw new CliError(`unknown flag: ${a}`);
    } else words.push(a);
  }
  return { words, watch };
}

/** `ds/NAME…` or `ds NAME…` (any alias of daemonsets) → names. */
function parseTargets(args: string[]): string[] {
  const [first, ...rest] = args;
  if (first === undefined) throw new CliError('required resource not specified');
  const pairs = first.includes('/') ? args.map(splitTypeName) : [[first, undefined] as [string, string | undefined]];
  const names: string[] = first.includes('/') ? [] : rest;
  for (const [word, name] of pairs) {
    const kind = resolveResource(word);
    if (kind !== 'daemonsets') throw new CliError(`hostds rollout works on daemonsets only, not ${kind}`);
    if (first.includes('/')) {
      if (name === undefined || name === '') throw new CliError(`arguments in resource/name form must have a single resource and name: ${word}/`);
      names.push(name);
    }
  }
  if (names.length === 0) throw new CliError('resource(s) were provided, but no name was specified');
  return names;
}

function parseInteger(text: string, flag: string): number {
  if (!/^-?[0-9]+$/.test(text)) throw new CliError(`invalid argument "${text}" for "${flag}" flag: strconv.ParseInt: parsing "${text}": invalid syntax`);
  return Number(text);
}

function parseCount(text: string, flag: string): number {
  const n = parseInteger(text, flag);
  if (n < 0) throw new CliError(`revision must be a positive integer: ${n}`);
  return n;
}

/** kubectl's --timeout: a Go duration, 0 (the default) meaning wait forever. */
function parseTimeout(text: string | undefined): number {
  if (text === undefined) return 0;
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (err) {
    throw new CliError(`invalid argument "${text}" for "--timeout" flag: ${(err as Error).message}`);
  }
  if (ms < 0) throw new CliError(`invalid argument "${text}" for "--timeout" flag: the timeout cannot be negative`);
  return ms;
}

function invalidError(r: RejectedDaemonSet): CliError {
  const e = r.errors[0];
  return new CliError(`daemonset ${r.namespace}/${r.name} is not valid: ${e ? `${e.file}:${e.line}:${e.col}: ${e.message}` : r.source.file}; run \`hostds validate -f ${r.source.file}\``);
}

// ---- status -------------------------------------------------------------------------------

/** kubectl's DaemonSetStatusViewer.Status for this host's counts. */
export function rolloutStatusMessage(ds: DaemonSet, n: DaemonSetCounts, isObserved: boolean): { message: string; done: boolean } {
  if ((ds.spec.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') throw new CliError('rollout status is only available for RollingUpdate strategy type');
  const name = ds.metadata.name;
  if (!isObserved) return { message: 'Waiting for daemon set spec update to be observed...', done: false };
  const desired = n.desiredNumberScheduled;
  if (n.updatedNumberScheduled < desired) {
    return { message: `Waiting for daemon set "${name}" rollout to finish: ${n.updatedNumberScheduled} out of ${desired} new pods have been updated...`, done: false };
  }
  if (n.numberAvailable < desired) {
    return { message: `Waiting for daemon set "${name}" rollout to finish: ${n.numberAvailable} of ${desired} updated pods are available...`, done: false };
  }
  return { message: `daemon set "${name}" successfully rolled out`, done: true };
}

async function rolloutStatus(ctx: Context, ns: string, name: string, watch: boolean, timeoutMs: number): Promise<number> {
  const deadline = timeoutMs > 0 ? performance.now() + timeoutMs : Number.POSITIVE_INFINITY;
  const printed = new Set<string>();
  for (let first = true; ; first = false) {
    const view = await loadHostView(ctx);
    if (first) for (const n of viewNotes(view, ctx)) ctx.io.err(n + '\n');
    const d = view.daemonSets.find((x) => (x.ds.metadata.namespace ?? 'default') === ns && x.ds.metadata.name === name);
    if (!d) {
      if (!first) throw new CliError('object has been deleted');
      const r = view.manifests.rejected.find((x) => x.namespace === ns && x.name === name);
      throw r ? invalidError(r) : notFound('daemonsets.apps', name);
    }
    const now = Date.now();
    const counts = daemonSetCounts(scheduledPods(d.pods), d.placement, d.templateHash, now, d.ds.spec.minReadySeconds ?? 0);
    const { message, done } = rolloutStatusMessage(d.ds, counts, await isObserved(d, view));
    if (done || !printed.has(message)) ctx.io.out(message + '\n');
    printed.add(message);
    if (done || !watch) return 0;
    const left = deadline - performance.now();
    if (left <= 0) throw new CliError('timed out waiting for the condition');
    await sleep(Math.min(POLL_MS, left));
  }
}

/** kubectl waits for observedGeneration: here, for the agent to serve the template the file holds now. */
async function isObserved(d: DaemonSetView, view: HostView): Promise<boolean> {
  if (!view.live || d.heldBack) return true;
  const load = await loadManifestFile(d.source.path, d.source.file).catch(() => undefined);
  const f = load?.daemonSets.find((x) => x.ds.metadata.name === d.ds.metadata.name && x.ds.metadata.namespace === d.ds.metadata.namespace);
  // Templates, not d.templateHash: a pod's revision hash may fold in more than the template (restart-on-change files).
  return f === undefined || computeTemplateHash(f.ds.spec.template) === computeTemplateHash(d.ds.spec.template);
}

// ---- history ------------------------------------------------------------------------------

interface History {
  source: DaemonSetSource;
  /** The template in the file now; undefined while the manifest is invalid. */
  current?: RevisionInput;
  declaredCreation?: string;
  revisions: Revision[];
  /** What the agent would store now (undefined: nothing to record). */
  record?: (list: Revision[]) => Revision[];
}

/** Stored revisions with the current template recorded on top, exactly as the agent will record it. */
async function loadHistory(ctx: Context, manifests: LoadResult, ns: string, name: string): Promise<History> {
  const key = registryKey(ns, name);
  const d = manifests.daemonSets.find((x) => (x.ds.metadata.namespace ?? 'default') === ns && x.ds.metadata.name === name);
  const rejected = manifests.rejected.find((x) => x.namespace === ns && x.name === name);
  if (!d && !rejected) throw notFound('daemonsets.apps', name);
  const stored = (await readRevisions(ctx.paths.stateDir))[key] ?? [];
  if (!d) {
    if (stored.length === 0) throw invalidError(rejected!);
    return { source: rejected!.source, revisions: stored };
  }
  const { state } = await loadState(ctx.paths.stateDir);
  const live = new Set(state.pods.filter((p) => `${p.daemonSet.namespace}/${p.daemonSet.name}` === key).map((p) => p.templateHash));
  const current: RevisionInput = {
    hash: computeTemplateHash(d.ds.spec.template), template: d.ds.spec.template, changeCause: d.ds.metadata.annotations?.[CHANGE_CAUSE_ANNOTATION],
  };
  const nowIso = isoSeconds(ctx.now);
  const record = (list: Revision[]): Revision[] => recordRevision(list, current, nowIso, d.ds.spec.revisionHistoryLimit ?? DEFAULT_REVISION_HISTORY_LIMIT, live);
  return { source: d.source, current, revisions: record(stored), record, ...(d.ds.metadata.creationTimestamp ? { declaredCreation: d.ds.metadata.creationTimestamp } : {}) };
}

async function rolloutHistory(ctx: Context, ns: string, name: string, revision: number): Promise<number> {
  const format = parseOutputFormat(ctx.output, ['json', 'yaml']);
  const { revisions } = await loadHistory(ctx, await loadManifestDir(ctx.paths.manifestsDir), ns, name);
  const chosen = revision > 0 ? revisions.find((r) => r.revision === revision) : undefined;
  if (revision > 0 && !chosen) throw new CliError('unable to find the specified revision');
  if (format === 'json' || format === 'yaml') {
    const body = chosen ? revisionObject(ns, name, chosen) : asList(revisions.map((r) => revisionObject(ns, name, r)));
    ctx.io.out(format === 'json' ? formatJson(body) : formatYaml(body));
    return 0;
  }
  if (chosen) {
    ctx.io.out(`daemonset.apps/${name} with revision #${revision}\n${describeTemplate(chosen.template)}\n`);
    return 0;
  }
  const width = Math.max('REVISION'.length, ...revisions.map((r) => String(r.revision).length)) + 2;
  const rows = [['REVISION', 'CHANGE-CAUSE'], ...revisions.map((r) => [String(r.revision), r.changeCause || '<none>'])];
  ctx.io.out(`daemonset.apps/${name} \n${rows.map(([a, b]) => a!.padEnd(width) + b).join('\n')}\n\n`);
  return 0;
}

/** The revision as the ControllerRevision the DaemonSet controller would have stored. */
function revisionObject(ns: string, name: string, r: Revision): Record<string, unknown> {
  const t = (r.template ?? {}) as PodTemplateSpec;
  return {
    apiVersion: 'apps/v1', kind: 'ControllerRevision',
    metadata: {
      name: `${name}-${r.hash}`, namespace: ns, creationTimestamp: r.createdAt,
      labels: { ...(t.metadata?.labels ?? {}), 'controller-revision-hash': r.hash },
      ...(r.changeCause ? { annotations: { [CHANGE_CAUSE_ANNOTATION]: r.changeCause } } : {}),
    },
    data: { spec: { template: { ...t, $patch: 'replace' } } },
    revision: r.revision,
  };
}

function field(label: string, value: string, width: number): string {
  return `${(label + ':').padEnd(width)}${value}`;
}

/** kubectl's DescribePodTemplate, aligned with spaces like `hostds describe ds`. */
export function describeTemplate(template: unknown): string {
  const t = (template ?? {}) as Partial<PodTemplateSpec>;
  const spec: Partial<PodTemplateSpec['spec']> = t.spec ?? {};
  const out = ['Pod Template:', `  ${field('Labels', formatMapLines(t.metadata?.labels, 15), 13)}`];
  if (Object.keys(t.metadata?.annotations ?? {}).length > 0) out.push(`  ${field('Annotations', formatMapLines(t.metadata?.annotations, 15), 13)}`);
  if (spec.initContainers && spec.initContainers.length > 0) out.push('  Init Containers:', ...spec.initContainers.flatMap(describeContainer));
  out.push('  Containers:', ...(spec.containers ?? []).flatMap(describeContainer));
  out.push(`  ${field('Node-Selectors', formatSet(spec.nodeSelector), 16)}`);
  out.push(`  ${field('Tolerations', formatTolerations(spec.tolerations ?? [], 18), 16)}`);
  return out.join('\n') + '\n';
}

function describeContainer(c: Container): string[] {
  const lines = [`   ${c.name}:`, `    ${field('Image', c.image ?? '<none>', 14)}`];
  const list = (xs: readonly string[]): string[] => xs.flatMap((x) => String(x).replace(/\n$/, '').split('\n').map((l) => `      ${l}`));
  if (c.command && c.command.length > 0) lines.push('    Command:', ...list(c.command));
  if (c.args && c.args.length > 0) lines.push('    Args:', ...list(c.args));
  if (c.workingDir) lines.push(`    ${field('Working Dir', c.workingDir, 14)}`);
  const env = c.env ?? [];
  if (env.length === 0) lines.push(`    ${field('Environment', '<none>', 14)}`);
  else {
    lines.push('    Environment:');
    for (const e of env) lines.push(`      ${e.name}:  ${e.valueFrom?.fieldRef ? `(v1:${e.valueFrom.fieldRef.fieldPath})` : e.valueFrom ? '(not supported by hostds)' : e.value ?? ''}`);
  }
  return lines;
}

// ---- undo and restart: careful rewrites of the manifest file -----------------------------------

async function locked<T>(ctx: Context, fn: () => Promise<T>): Promise<T> {
  await fsp.mkdir(ctx.paths.manifestsDir, { recursive: true });
  return withFileLock(join(ctx.paths.manifestsDir, MANIFESTS_LOCK), fn, { timeoutMs: 10_000 });
}

async function rolloutUndo(ctx: Context, ns: string, name: string, toRevision: number): Promise<number> {
  if (toRevision < 0) throw new CliError(`unable to find specified revision ${toRevision} in history`);
  return locked(ctx, async () => {
    const h = await loadHistory(ctx, await loadManifestDir(ctx.paths.manifestsDir), ns, name);
    // An invalid manifest has no current revision: the newest stored one is what still runs.
    const target = !h.current && toRevision === 0 ? h.revisions.at(-1) : findRevision(h.revisions, toRevision);
    if (!target) throw new CliError(toRevision === 0 ? 'no last revision to roll back to' : `unable to find specified revision ${toRevision} in history`);
    if (h.current?.hash === target.hash) {
      ctx.io.out(`daemonset.apps/${name} skipped rollback (current template already matches revision ${target.revision})\n`);
      return 0;
    }
    const wanted = computeTemplateHash(target.template);
    await rewriteDaemonSet(ctx, h, ns, name, (doc, base) => void doc.setIn([...base, 'spec', 'template'], doc.createNode(target.template, { aliasDuplicateObjects: false })),
      (ds) => computeTemplateHash(ds.spec.template) === wanted);
    ctx.io.out(`daemonset.apps/${name} rolled back\n${h.source.file}: spec.template replaced by revision ${target.revision}\n`);
    return 0;
  });
}

async function rolloutRestart(ctx: Context, ns: string, name: string): Promise<number> {
  return locked(ctx, async () => {
    const manifests = await loadManifestDir(ctx.paths.manifestsDir);
    const h = await loadHistory(ctx, manifests, ns, name);
    if (!h.current) throw invalidError(manifests.rejected.find((x) => x.namespace === ns && x.name === name)!);
    const at = formatRfc3339(ctx.now);
    const template = h.current.template as PodTemplateSpec;
    if (template.metadata?.annotations?.[RESTARTED_AT_ANNOTATION] === at) throw new CliError(`failed to create patch for ${name}: empty patch`);
    const path = ['spec', 'template', 'metadata', 'annotations'];
    await rewriteDaemonSet(ctx, h, ns, name, (doc, base) => {
      for (let i = 1; i <= path.length; i++) {
        const p = [...base, ...path.slice(0, i)];
        if (!isMap(doc.getIn(p, true))) doc.setIn(p, doc.createNode({}));
      }
      doc.setIn([...base, ...path, RESTARTED_AT_ANNOTATION], at);
    }, (ds) => ds.spec.template.metadata?.annotations?.[RESTARTED_AT_ANNOTATION] === at);
    ctx.io.out(`daemonset.apps/${name} restarted\n`);
    return 0;
  });
}

type Edit = (doc: Document.Parsed, base: (string | number)[]) => void;

/**
 * The API's PATCH and `rollout undo|restart` through it: one edit of the DaemonSet's document, with
 * the same lock, revision record and checks as `hostds rollout undo|restart`.
 */
export async function editDaemonSet(ctx: Context, ns: string, name: string, edit: Edit, verify: (ds: DaemonSet) => boolean): Promise<void> {
  await locked(ctx, async () => {
    const h = await loadHistory(ctx, await loadManifestDir(ctx.paths.manifestsDir), ns, name);
    await rewriteDaemonSet(ctx, h, ns, name, edit, verify);
  });
}

/** The stored revisions as ControllerRevisions, for `kubectl rollout history|undo` over the API. */
export async function revisionObjects(ctx: Context, manifests: LoadResult, ns: string, name: string): Promise<Record<string, unknown>[]> {
  const { revisions } = await loadHistory(ctx, manifests, ns, name);
  return revisions.map((r) => revisionObject(ns, name, r));
}

/**
 * Edits the DaemonSet's own document with the yaml Document API (its comments survive) and splices
 * it back between the untouched bytes of the other documents. The result must load with the
 * DaemonSet valid and `verify` true, or nothing is written.
 */
async function rewriteDaemonSet(ctx: Context, h: History, ns: string, name: string, edit: Edit, verify: (ds: DaemonSet) => boolean): Promise<void> {
  const src = h.source;
  const original = await fsp.readFile(src.path, 'utf8');
  const doc = parseAllDocuments(original, { version: '1.1', uniqueKeys: false })[src.docIndex] as Document.Parsed | undefined;
  const base = src.itemIndex === undefined ? [] : ['items', src.itemIndex];
  if (!doc || doc.errors.length > 0 || doc.getIn([...base, 'metadata', 'name']) !== name) {
    throw new CliError(`${src.file} is not valid YAML or changed while being read; run \`hostds validate -f ${src.file}\` and try again`);
  }
  const docText = original.slice(doc.range[0], doc.range[2]);
  edit(doc, base);
  const next = original.slice(0, doc.range[0]) + doc.toString(styleOf(docText)) + original.slice(doc.range[2]);
  const check = loadManifestText(next, { file: src.file, path: src.path, birthtimeMs: 0 });
  const same = (x: { namespace: string; name: string }): boolean => x.namespace === ns && x.name === name;
  const ds = check.daemonSets.find((x) => same({ namespace: x.ds.metadata.namespace ?? 'default', name: x.ds.metadata.name }));
  if (!ds || !verify(ds.ds)) {
    const r = check.rejected.find(same);
    const why = r ? `the result would not be valid: ${r.errors[0]?.message ?? 'unknown error'}` : 'the result did not read back as written';
    throw new CliError(`cannot rewrite ${src.file} (${why}); nothing was changed`);
  }
  // The template being replaced is recorded first, as the agent would have: with no agent running,
  // the history would otherwise lose it (and undo could not come back to it).
  if (h.record) await updateRevisions(ctx.paths.stateDir, registryKey(ns, name), h.record);
  // From now on AGE must not follow the rewritten file's birth time: record what it shows today.
  const declared = h.declaredCreation ? Date.parse(h.declaredCreation) : NaN;
  const created = Number.isFinite(declared) ? declared : src.birthtimeMs > 0 ? src.birthtimeMs : ctx.now;
  await updateRegistry(ctx.paths.stateDir, { created: [registryKey(ns, name)] }, new Date(created));
  const mode = (await fsp.stat(src.path)).mode & 0o7777;
  await writeFileAtomic(src.path, next, { mode });
}

/** Keep the file's own layout: `- ` under or beside its key, indent width; no folding, no `{ a }` padding. */
function styleOf(text: string): ToStringOptions {
  const lines = text.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  let indentSeq: boolean | undefined;
  let indent: number | undefined;
  for (let i = 0; i + 1 < lines.length && (indentSeq === undefined || indent === undefined); i++) {
    const key = /^( *)(- )?[^\s#-][^:#]*:\s*(#.*)?$/.exec(lines[i]!);
    if (!key) continue;
    const at = key[1]!.length + (key[2] ? 2 : 0);
    const child = /^( *)(- )?/.exec(lines[i + 1]!)!;
    const by = child[1]!.length - at;
    if (child[2] && indentSeq === undefined) indentSeq = by > 0;
    else if (!child[2] && by > 0 && indent === undefined) indent = by;
  }
  return { lineWidth: 0, flowCollectionPadding: false, indentSeq: indentSeq ?? false, indent: indent ?? 2 };
}

/** Go's time.RFC3339 in local time, as kubectl stamps restartedAt: `2024-05-01T10:00:00+02:00`. */
export function formatRfc3339(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number): string => String(n).padStart(2, '0');
  const local = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  const offset = -d.getTimezoneOffset();
  if (offset === 0) return `${local}Z`;
  return `${local}${offset > 0 ? '+' : '-'}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
}
