// `hostds create|apply|delete`: kubectl's verbs on manifests.d. The operator's own text is kept
// (comments included); each DaemonSet lives in one file, and writes are atomic and locked so that
// concurrent commands and the agent never see half a file.
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { stringify } from 'yaml';
import type { Context } from '../context.js';
import { loadManifests, type LoadedDaemonSet, type LoadResult, type DaemonSetSource } from '../../manifest/load.js';
import { parseManifestText } from '../../manifest/parse.js';
import { renderIssue } from '../../manifest/issues.js';
import { withFileLock, writeFileAtomic } from '../../state/atomic-file.js';
import { CliError, notFound } from '../errors.js';
import { formatCliError } from '../../lib/errors.js';
import { resolveResource, splitTypeName } from '../resources.js';

const LOCK_NAME = '.hostds.lock';

/** default/NAME → NAME.yaml, NS/NAME → NS_NAME.yaml: `_` occurs in neither, so names never collide. */
export function storeFileName(namespace: string, name: string): string {
  return namespace === 'default' ? `${name}.yaml` : `${namespace}_${name}.yaml`;
}

function id(d: { ds: LoadedDaemonSet['ds'] }): string {
  return `${d.ds.metadata.namespace ?? 'default'}/${d.ds.metadata.name}`;
}

async function loadInput(ctx: Context, files: string[]): Promise<LoadedDaemonSet[]> {
  if (files.length === 0) throw new CliError('must specify one of -f and -k');
  const all: LoadedDaemonSet[] = [];
  let failed = false;
  for (const f of files) {
    const exists = await fsp.stat(f).then(() => true, () => false);
    if (!exists) throw new CliError(`the path "${f}" does not exist`);
    const r = await loadManifests(f, process.cwd());
    for (const i of r.issues) {
      if (i.severity === 'error' || i.code !== 'unknown-kind') ctx.io.err(renderIssue(i) + '\n');
    }
    if (r.issues.some((i) => i.severity === 'error')) failed = true;
    all.push(...r.daemonSets);
  }
  if (failed) throw new CliError('the input has errors (listed above); nothing was changed');
  if (all.length === 0) throw new CliError('no objects passed to create: the input holds no DaemonSet');
  return all;
}

/** The document's own text (comments kept), without its `---` marker; List items are re-serialized. */
async function documentText(src: DaemonSetSource): Promise<string> {
  const text = await fsp.readFile(src.path, 'utf8');
  const parsed = parseManifestText(text, src.file);
  const doc = parsed.docs[src.docIndex];
  if (!doc) throw new CliError(`${src.file}: document ${src.docIndex} vanished while reading`);
  const v = doc.value as Record<string, unknown>;
  if (src.itemIndex !== undefined) return stringify((v['items'] as unknown[])[src.itemIndex], { indentSeq: false });
  return doc.source.replace(/^---[^\n]*\n/, '').replace(/\n*$/, '\n');
}

async function loadStore(ctx: Context): Promise<LoadResult> {
  return loadManifests(ctx.paths.manifestsDir);
}

async function locked<T>(ctx: Context, fn: () => Promise<T>): Promise<T> {
  await fsp.mkdir(ctx.paths.manifestsDir, { recursive: true });
  return withFileLock(join(ctx.paths.manifestsDir, LOCK_NAME), fn, { timeoutMs: 10_000 });
}

export async function runCreate(ctx: Context, files: string[]): Promise<number> {
  const input = await loadInput(ctx, files);
  return locked(ctx, async () => {
    const store = await loadStore(ctx);
    let exit = 0;
    for (const d of input) {
      const existing = findStored(store, d.ds.metadata.namespace ?? 'default', d.ds.metadata.name);
      if (existing) {
        ctx.io.err(`Error from server (AlreadyExists): daemonsets.apps "${d.ds.metadata.name}" already exists (${existing.file}:${existing.line})\n`);
        exit = 1;
        continue;
      }
      await writeNew(ctx, d);
      ctx.io.out(`daemonset.apps/${d.ds.metadata.name} created\n`);
    }
    return exit;
  });
}

export async function runApply(ctx: Context, files: string[]): Promise<number> {
  const input = await loadInput(ctx, files);
  return locked(ctx, async () => {
    const store = await loadStore(ctx);
    for (const d of input) {
      const ns = d.ds.metadata.namespace ?? 'default';
      const current = store.daemonSets.find((x) => id(x) === id(d));
      const existing = findStored(store, ns, d.ds.metadata.name);
      if (!existing) {
        await writeNew(ctx, d);
        ctx.io.out(`daemonset.apps/${d.ds.metadata.name} created\n`);
      } else if (current && isDeepStrictEqual(current.ds, d.ds)) {
        ctx.io.out(`daemonset.apps/${d.ds.metadata.name} unchanged\n`);
      } else {
        await replaceDocument(existing, await documentText(d.source));
        ctx.io.out(`daemonset.apps/${d.ds.metadata.name} configured\n`);
      }
    }
    return 0;
  });
}

function findStored(store: LoadResult, ns: string, name: string): DaemonSetSource | undefined {
  const ok = store.daemonSets.find((x) => (x.ds.metadata.namespace ?? 'default') === ns && x.ds.metadata.name === name);
  if (ok) return ok.source;
  return store.rejected.find((r) => r.namespace === ns && r.name === name)?.source;
}

async function writeNew(ctx: Context, d: LoadedDaemonSet): Promise<void> {
  const target = join(ctx.paths.manifestsDir, storeFileName(d.ds.metadata.namespace ?? 'default', d.ds.metadata.name));
  const taken = await fsp.stat(target).then(() => true, () => false);
  if (taken) throw new CliError(`${target} already exists and holds something else; move it away or use apply`);
  await writeFileAtomic(target, await documentText(d.source), { mode: 0o644 });
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

export async function runDelete(ctx: Context, args: string[], files: string[], namespace: string | undefined): Promise<number> {
  const targets: { ns: string; name: string }[] = [];
  if (files.length > 0) {
    for (const d of await loadInput(ctx, files)) targets.push({ ns: d.ds.metadata.namespace ?? 'default', name: d.ds.metadata.name });
  } else {
    const [first, ...rest] = args;
    if (first === undefined) throw new CliError('You must provide one or more resources by argument or filename.');
    const [word, inline] = splitTypeName(first);
    const kind = resolveResource(word);
    if (kind !== 'daemonsets') throw new CliError(`hostds delete ${kind} needs the agent, which arrives with the next release of hostds`);
    const names = inline !== undefined ? [inline, ...rest] : rest;
    if (names.length === 0) throw new CliError('resource(s) were provided, but no name was specified');
    for (const name of names) targets.push({ ns: namespace ?? 'default', name });
  }
  return locked(ctx, async () => {
    let exit = 0;
    for (const t of targets) {
      const src = findStored(await loadStore(ctx), t.ns, t.name);
      if (!src) {
        ctx.io.err(formatCliError(notFound('daemonsets.apps', t.name)) + '\n');
        exit = 1;
        continue;
      }
      await replaceDocument(src, undefined);
      ctx.io.out(`daemonset.apps "${t.name}" deleted\n`);
    }
    return exit;
  });
}
