// `hostds create|apply|delete`: kubectl's verbs on manifests.d. The operator's own text is kept
// (comments included); each DaemonSet lives in one file, and writes are atomic and locked so that
// concurrent commands and the agent never see half a file.
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { tmpdir } from 'node:os';
import { stringify } from 'yaml';
import type { Context } from '../context.js';
import { loadManifestDir, loadManifests, type LoadedDaemonSet, type LoadResult, type DaemonSetSource } from '../../manifest/load.js';
import { parseManifestText } from '../../manifest/parse.js';
import { loadManifestText } from '../../manifest/load.js';
import { registryKey, updateRegistry } from '../../state/object-registry.js';
import { renderIssue } from '../../manifest/issues.js';
import { withFileLock, writeFileAtomic } from '../../state/atomic-file.js';
import { CliError, notFound } from '../errors.js';
import { AlreadyExistsError, formatCliError, InvalidObjectError } from '../../lib/errors.js';
import { resolveResource, splitTypeName } from '../resources.js';
import { readAgentStatus } from '../../state/agent-status.js';
import { requestSocket } from '../../api/client.js';

const LOCK_NAME = '.hostds.lock';

/** default/NAME → NAME.yaml, NS/NAME → NS_NAME.yaml: `_` occurs in neither, so names never collide. */
export function storeFileName(namespace: string, name: string): string {
  return namespace === 'default' ? `${name}.yaml` : `${namespace}_${name}.yaml`;
}

function id(d: { ds: LoadedDaemonSet['ds'] }): string {
  return `${d.ds.metadata.namespace ?? 'default'}/${d.ds.metadata.name}`;
}

/** `-f -` reads standard input, as kubectl does; it is kept in a private temp file for the duration. */
async function withInputFiles<T>(files: string[], fn: (paths: string[]) => Promise<T>): Promise<T> {
  if (!files.includes('-')) return fn(files);
  const dir = await fsp.mkdtemp(join(tmpdir(), 'hostds-stdin-'));
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    const path = join(dir, 'stdin.yaml');
    await fsp.writeFile(path, Buffer.concat(chunks), { mode: 0o600 });
    return await fn(files.map((f) => (f === '-' ? path : f)));
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

/** Every issue of the input is shown (skipped kinds included); any error means nothing is written. */
async function loadInput(ctx: Context, files: string[], verb: string): Promise<LoadedDaemonSet[]> {
  if (files.length === 0) throw new CliError('must specify one of -f and -k');
  const all: LoadedDaemonSet[] = [];
  let failed = false;
  for (const f of files) {
    const exists = await fsp.stat(f).then(() => true, () => false);
    if (!exists) throw new CliError(`the path "${f}" does not exist`);
    const r = await loadManifests(f, process.cwd());
    for (const i of r.issues) ctx.io.err(renderIssue(i) + '\n');
    if (r.issues.some((i) => i.severity === 'error')) failed = true;
    all.push(...r.daemonSets);
  }
  if (failed) throw new CliError('the input has errors (listed above); nothing was changed');
  if (all.length === 0) throw new CliError(`no objects passed to ${verb}: the input holds no DaemonSet`);
  return all;
}

/** The document's own text (comments kept), without its `---` marker; List items are re-serialized. */
async function documentText(src: DaemonSetSource, given?: string): Promise<string> {
  const text = given ?? await fsp.readFile(src.path, 'utf8');
  const parsed = parseManifestText(text, src.file);
  const doc = parsed.docs[src.docIndex];
  if (!doc) throw new CliError(`${src.file}: document ${src.docIndex} vanished while reading`);
  const v = doc.value as Record<string, unknown>;
  if (src.itemIndex !== undefined) {
    // YAML 1.1 on output too, or "yes" would be written bare and read back as a boolean.
    const text = stringify((v['items'] as unknown[])[src.itemIndex], { indentSeq: false, version: '1.1', lineWidth: 0 });
    return assertStillValid(text, src);
  }
  return doc.source.replace(/^---[^\n]*\n/, '').replace(/\n*$/, '\n');
}

/** A re-serialized document must load exactly as the input did before it replaces anything. */
function assertStillValid(text: string, src: DaemonSetSource): string {
  const check = loadManifestText(text, { file: src.file, path: src.path, birthtimeMs: 0 });
  const errors = check.issues.filter((i) => i.severity === 'error');
  if (errors.length > 0 || check.daemonSets.length !== 1) {
    throw new CliError(`cannot store the DaemonSet from ${src.file}:${src.line} faithfully (${errors[0]?.message ?? 'it did not round-trip'}); put it in a file of its own`);
  }
  return text;
}

async function loadStore(ctx: Context): Promise<LoadResult> {
  return loadManifestDir(ctx.paths.manifestsDir);
}

async function locked<T>(ctx: Context, fn: () => Promise<T>): Promise<T> {
  await fsp.mkdir(ctx.paths.manifestsDir, { recursive: true });
  return withFileLock(join(ctx.paths.manifestsDir, LOCK_NAME), fn, { timeoutMs: 10_000 });
}

async function recordCreated(ctx: Context, ds: LoadedDaemonSet[]): Promise<void> {
  await updateRegistry(ctx.paths.stateDir, { created: ds.map((d) => registryKey(d.ds.metadata.namespace ?? 'default', d.ds.metadata.name)) }, new Date(ctx.now));
}

export async function runCreate(ctx: Context, files: string[]): Promise<number> {
  return withInputFiles(files, (paths) => create(ctx, paths));
}

async function create(ctx: Context, files: string[]): Promise<number> {
  const input = await loadInput(ctx, files, 'create');
  return locked(ctx, async () => {
    const store = await loadStore(ctx);
    let exit = 0;
    for (const d of input) {
      try {
        await createOne(ctx, store, d);
      } catch (err) {
        if (!(err instanceof AlreadyExistsError)) throw err;
        ctx.io.err(`Error from server (AlreadyExists): ${err.message}\n`);
        exit = 1;
        continue;
      }
      ctx.io.out(`daemonset.apps/${d.ds.metadata.name} created\n`);
    }
    return exit;
  });
}

/** `text`: the input document when it comes from no file (the API's request body). */
async function createOne(ctx: Context, store: LoadResult, d: LoadedDaemonSet, text?: string): Promise<void> {
  const existing = findStored(store, d.ds.metadata.namespace ?? 'default', d.ds.metadata.name);
  if (existing) throw new AlreadyExistsError(`daemonsets.apps "${d.ds.metadata.name}" already exists (${existing.file}:${existing.line})`);
  await writeNew(ctx, d, text);
  await recordCreated(ctx, [d]);
}

export async function runApply(ctx: Context, files: string[]): Promise<number> {
  return withInputFiles(files, (paths) => apply(ctx, paths));
}

async function apply(ctx: Context, files: string[]): Promise<number> {
  const input = await loadInput(ctx, files, 'apply');
  return locked(ctx, async () => {
    const store = await loadStore(ctx);
    for (const d of input) ctx.io.out(`daemonset.apps/${d.ds.metadata.name} ${await applyOne(ctx, store, d)}\n`);
    return 0;
  });
}

type ApplyResult = 'created' | 'configured' | 'unchanged';

async function applyOne(ctx: Context, store: LoadResult, d: LoadedDaemonSet, text?: string): Promise<ApplyResult> {
  const current = store.daemonSets.find((x) => id(x) === id(d));
  const existing = findStored(store, d.ds.metadata.namespace ?? 'default', d.ds.metadata.name);
  // Also for DaemonSets an operator dropped in by hand: from now on their AGE survives rewrites.
  await recordCreated(ctx, [d]);
  if (!existing) {
    await writeNew(ctx, d, text);
    return 'created';
  }
  if (current && isDeepStrictEqual(current.ds, d.ds)) return 'unchanged';
  await replaceDocument(existing, await documentText(d.source, text));
  return 'configured';
}

/**
 * The API's POST (create) and PUT (replace): one DaemonSet as YAML text, stored exactly as
 * `hostds create|apply -f` would store it from a file.
 */
export async function storeDaemonSetText(ctx: Context, text: string, mode: 'create' | 'replace'): Promise<ApplyResult> {
  const load = loadManifestText(text, { file: '<request>', path: '<request>', birthtimeMs: 0 });
  const errors = load.issues.filter((i) => i.severity === 'error');
  if (errors.length > 0 || load.daemonSets.length !== 1) {
    throw new InvalidObjectError(errors.length > 0 ? errors.map((i) => `${i.path ? `${i.path}: ` : ''}${i.message}`) : ['the request holds no DaemonSet']);
  }
  const d = load.daemonSets[0]!;
  return locked(ctx, async () => {
    const store = await loadStore(ctx);
    if (mode === 'create') {
      await createOne(ctx, store, d, text);
      return 'created';
    }
    if (!findStored(store, d.ds.metadata.namespace ?? 'default', d.ds.metadata.name)) throw notFound('daemonsets.apps', d.ds.metadata.name);
    return applyOne(ctx, store, d, text);
  });
}

function findStored(store: LoadResult, ns: string, name: string): DaemonSetSource | undefined {
  const ok = store.daemonSets.find((x) => (x.ds.metadata.namespace ?? 'default') === ns && x.ds.metadata.name === name);
  if (ok) return ok.source;
  return store.rejected.find((r) => r.namespace === ns && r.name === name)?.source;
}

async function writeNew(ctx: Context, d: LoadedDaemonSet, text?: string): Promise<void> {
  const target = join(ctx.paths.manifestsDir, storeFileName(d.ds.metadata.namespace ?? 'default', d.ds.metadata.name));
  const taken = await fsp.stat(target).then(() => true, () => false);
  if (taken) throw new CliError(`${target} already exists and holds something else; move it away or use apply`);
  await writeFileAtomic(target, await documentText(d.source, text), { mode: 0o644 });
}

/**
 * `delete pod NAME`: the agent stops it and creates a replacement under a new name. Like kubectl
 * (--wait=true), returns once the pod is gone.
 */
async function deletePods(ctx: Context, names: string[], ns: string): Promise<number> {
  const status = await readAgentStatus(ctx.paths.agentPidFile);
  if (!status.running) throw new CliError('the hostds agent is not running: it owns the pods; start it (hostds agent) and delete again');
  let exit = 0;
  for (const name of names) {
    const r = await requestSocket(ctx.paths.socket, 'DELETE', `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(name)}`, 10_000);
    if (!r) throw new CliError('cannot reach the hostds agent over its socket');
    if (r.status === 404) { ctx.io.err(formatCliError(notFound('pods', name)) + '\n'); exit = 1; continue; }
    if (r.status !== 200) throw new CliError(`the agent refused: ${r.body}`);
    ctx.io.out(`pod "${name}" deleted\n`);
    await waitGone(ctx, ns, name);
  }
  return exit;
}

async function waitGone(ctx: Context, ns: string, name: string): Promise<void> {
  for (;;) {
    const r = await requestSocket(ctx.paths.socket, 'GET', `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(name)}`);
    if (!r || r.status === 404) return;
    await new Promise((res) => setTimeout(res, 50));
  }
}

/** Replaces (or with `text` undefined removes) one document of a file, leaving the rest byte for byte. */
async function replaceDocument(src: DaemonSetSource, text: string | undefined): Promise<void> {
  const original = await fsp.readFile(src.path, 'utf8');
  const parsed = parseManifestText(original, src.file);
  const doc = parsed.docs[src.docIndex];
  if (!doc) throw new CliError(`${src.file} changed while it was being edited; try again`);
  const v = doc.value as Record<string, unknown> | undefined;
  if (!v || v['kind'] !== 'DaemonSet') {
    throw new CliError(`daemonset in ${src.file}:${src.line} sits inside a List; edit that file by hand`);
  }
  const marker = /^---[^\n]*\n/.exec(doc.source)?.[0] ?? '';
  // The operator's comment above the document describes the DaemonSet: keep it unless the new text brings its own.
  const comment = /^(?:[ \t]*(?:#[^\n]*)?\n)*/.exec(doc.source.slice(marker.length))?.[0] ?? '';
  const replacement = text === undefined ? '' : marker + (text.startsWith('#') ? '' : comment) + text;
  const next = original.slice(0, doc.range[0]) + replacement + original.slice(doc.range[1]);
  const rest = parseManifestText(next, src.file).docs.filter((d) => d.value !== undefined && d.value !== null);
  if (text === undefined && rest.length === 0) {
    await fsp.unlink(src.path);
    return;
  }
  await writeFileAtomic(src.path, next, { mode: 0o644 });
}

export async function runDelete(ctx: Context, args: string[], files: string[], opts: { namespace?: string; all?: boolean }): Promise<number> {
  return withInputFiles(files, (paths) => remove(ctx, args, paths, opts));
}

async function remove(ctx: Context, args: string[], files: string[], opts: { namespace?: string; all?: boolean }): Promise<number> {
  const namespace = opts.namespace;
  const targets: { ns: string; name: string }[] = [];
  if (files.length > 0) {
    for (const d of await loadInput(ctx, files, 'delete')) targets.push({ ns: d.ds.metadata.namespace ?? 'default', name: d.ds.metadata.name });
  } else if (opts.all) {
    const [first, ...rest] = args;
    if (first === undefined || resolveResource(first) !== 'daemonsets' || rest.length > 0) throw new CliError('usage: hostds delete ds --all [-n NAMESPACE]');
    const store = await loadStore(ctx);
    for (const d of store.daemonSets) targets.push({ ns: d.ds.metadata.namespace ?? 'default', name: d.ds.metadata.name });
    for (const r of store.rejected) targets.push({ ns: r.namespace, name: r.name });
    targets.splice(0, targets.length, ...targets.filter((t) => t.ns === (namespace ?? 'default')));
    if (targets.length === 0) { ctx.io.err(`No resources found in ${namespace ?? 'default'} namespace.\n`); return 0; }
  } else {
    const [first, ...rest] = args;
    if (first === undefined) throw new CliError('You must provide one or more resources by argument or filename.');
    const [word, inline] = splitTypeName(first);
    const kind = resolveResource(word);
    const names = inline !== undefined ? [inline, ...rest] : rest;
    if (names.length === 0) throw new CliError('resource(s) were provided, but no name was specified');
    if (kind === 'pods') return deletePods(ctx, names, namespace ?? 'default');
    if (kind !== 'daemonsets') throw new CliError(`hostds cannot delete ${kind}`);
    for (const name of names) targets.push({ ns: namespace ?? 'default', name });
  }
  return locked(ctx, async () => {
    let exit = 0;
    for (const t of targets) {
      if (!(await deleteStored(ctx, t.ns, t.name))) {
        ctx.io.err(formatCliError(notFound('daemonsets.apps', t.name)) + '\n');
        exit = 1;
        continue;
      }
      ctx.io.out(`daemonset.apps "${t.name}" deleted\n`);
    }
    return exit;
  });
}

async function deleteStored(ctx: Context, ns: string, name: string): Promise<boolean> {
  const src = findStored(await loadStore(ctx), ns, name);
  if (!src) return false;
  await replaceDocument(src, undefined);
  await updateRegistry(ctx.paths.stateDir, { deleted: [registryKey(ns, name)] }, new Date(ctx.now));
  return true;
}

/** The API's DELETE of a DaemonSet: `hostds delete ds NAME`. */
export async function deleteDaemonSet(ctx: Context, ns: string, name: string): Promise<void> {
  if (!(await locked(ctx, () => deleteStored(ctx, ns, name)))) throw notFound('daemonsets.apps', name);
}
