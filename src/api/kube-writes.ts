// Writes over the API, through the code of hostds's own commands so they land in the same files
// the same way: DaemonSets in manifests.d (`create`/`apply`/`delete`, and the document edit of
// `rollout undo|restart` for patches, which keeps the file's comments), the node in node.yaml
// (`label`/`taint`/`cordon`'s edit functions under node.yaml's lock), pods through the agent.
import { isDeepStrictEqual } from 'node:util';
import { parse as parseYaml, stringify, type Document, type Node as YamlNode } from 'yaml';
import type { Context } from '../cli/context.js';
import type { Taint } from '../manifest/types.js';
import { displayedTaints, nodeObject } from '../cli/objects.js';
import { applyLabels, applyTaints, type TaintRemoval } from '../host/node-edit.js';
import { updateNodeFile } from '../host/node-file.js';
import { InvalidObjectError, NotFoundError } from '../lib/errors.js';
import { applyPatch, PATCH_TYPES, UnsupportedMediaError, type JsonValue, type PatchType } from './patch.js';
import { BadRequestError } from './kube-discovery.js';
import type { Json } from './kube-objects.js';
import { ForbiddenError, methodNotAllowed, notFoundReply, type KubeApi, type KubeRequest, type Reply, type Route } from './kube.js';

const MAX_BODY = 3 * 1024 * 1024;

/** Filled in by the server; a write names them only to check them. */
const SERVER_FIELDS = ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'selfLink', 'deletionTimestamp'];
const MANIFEST_ANNOTATION = 'hostds.io/manifest';

export async function handleWrite(api: KubeApi, req: KubeRequest, route: Route): Promise<Reply> {
  const kind = route.def.name;
  if (route.sub !== undefined) return methodNotAllowed(req);
  if (req.url.searchParams.get('dryRun')) throw new BadRequestError('hostds does not support dry runs on the server; use --dry-run=client');
  const ctx = writeContext(api);
  if (kind === 'daemonsets' && req.method === 'POST' && route.name === undefined) return createDaemonSet(api, ctx, req, route);
  if (route.name === undefined) return methodNotAllowed(req);
  if (kind === 'daemonsets' && (req.method === 'PUT' || req.method === 'PATCH')) return updateDaemonSet(api, ctx, req, route);
  if (kind === 'nodes' && (req.method === 'PUT' || req.method === 'PATCH')) return updateNode(api, ctx, req, route);
  if (req.method === 'DELETE' && (kind === 'daemonsets' || kind === 'pods')) return deleteObject(api, ctx, route);
  return methodNotAllowed(req);
}

function writeContext(api: KubeApi): Context {
  return { ...api.agent.ctx, now: Date.now(), io: { out: () => undefined, err: () => undefined } };
}

async function readJson(req: KubeRequest): Promise<JsonValue> {
  const text = await req.body();
  if (text.length > MAX_BODY) throw new BadRequestError(`the request body is larger than ${MAX_BODY} bytes`);
  try {
    return (/yaml/.test(req.headers['content-type'] ?? '') ? parseYaml(text, { version: '1.1' }) : JSON.parse(text)) as JsonValue;
  } catch (err) {
    throw new BadRequestError(`the request body is not valid: ${(err as Error).message}`);
  }
}

function asObject(v: JsonValue, what: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new BadRequestError(`${what} must be an object`);
  return v as Json;
}

/** The object as a manifest keeps it: no status, none of the server's metadata, unless the file had them. */
function manifestObject(o: Json, namespace: string, had: Json = {}): Json {
  const meta = { ...(o['metadata'] as Json | undefined) };
  const before = (had['metadata'] ?? {}) as Json;
  for (const f of SERVER_FIELDS) if (!(f in before)) delete meta[f];
  const annotations = { ...(meta['annotations'] as Record<string, string> | undefined) };
  delete annotations[MANIFEST_ANNOTATION];
  if (Object.keys(annotations).length > 0) meta['annotations'] = annotations;
  else delete meta['annotations'];
  if (meta['namespace'] !== undefined && meta['namespace'] !== namespace) throw new BadRequestError(`the namespace of the object (${String(meta['namespace'])}) does not match the namespace of the request (${namespace})`);
  if (namespace === 'default' && !('namespace' in before)) delete meta['namespace'];
  else meta['namespace'] = namespace;
  const { status: _status, ...rest } = o;
  return { ...rest, metadata: meta };
}

async function respondWith(api: KubeApi, route: Route, code: number): Promise<Reply> {
  api.agent.filesWritten();
  const { items } = await api.items(route, new URLSearchParams(), true);
  return items[0] ? { code, body: items[0].object } : notFoundReply(route);
}

async function createDaemonSet(api: KubeApi, ctx: Context, req: KubeRequest, route: Route): Promise<Reply> {
  const ns = route.namespace ?? 'default';
  const body = asObject(await readJson(req), 'a DaemonSet');
  if (body['kind'] !== 'DaemonSet') throw new BadRequestError(`expected kind DaemonSet, got ${JSON.stringify(body['kind'])}`);
  const object = manifestObject(body, ns);
  const name = String((object['metadata'] as Json)['name'] ?? '');
  const { storeDaemonSetText } = await import('../cli/commands/manifests.js');
  await storeDaemonSetText(ctx, yamlText(object), 'create');
  return respondWith(api, { ...route, name }, 201);
}

function yamlText(o: Json): string {
  // YAML 1.1 on output, or "yes" would be written bare and read back as a boolean (as manifests.ts does).
  return stringify(o, { version: '1.1', indentSeq: false, lineWidth: 0 });
}

/** PUT replaces the document (as `apply` does); PATCH edits it in place, keeping its comments. */
async function updateDaemonSet(api: KubeApi, ctx: Context, req: KubeRequest, route: Route): Promise<Reply> {
  const ns = route.namespace ?? 'default';
  const name = route.name!;
  const payload = await readJson(req);
  if (req.method === 'PUT') {
    const object = manifestObject(asObject(payload, 'a DaemonSet'), ns);
    if ((object['metadata'] as Json)['name'] !== name) throw new BadRequestError(`the name of the object (${String((object['metadata'] as Json)['name'])}) does not match the name on the URL (${name})`);
    const { storeDaemonSetText } = await import('../cli/commands/manifests.js');
    await storeDaemonSetText(ctx, yamlText(object), 'replace');
    return respondWith(api, route, 200);
  }
  const type = patchType(req);
  const { editDaemonSet } = await import('../cli/commands/rollout.js');
  await editDaemonSet(ctx, ns, name, (doc, base) => {
    const node = (base.length === 0 ? doc.contents : doc.getIn(base, true)) as YamlNode;
    const raw = node.toJS(doc) as Json;
    const next = manifestObject(asObject(applyPatch(raw as JsonValue, payload, type), 'the patched object'), ns, raw);
    const meta = next['metadata'] as Json;
    if (meta['name'] !== name) throw new InvalidObjectError([`metadata.name: the name cannot be changed (from ${name} to ${String(meta['name'])})`]);
    syncYaml(doc, base, raw, next);
  }, () => true);
  return respondWith(api, route, 200);
}

function patchType(req: KubeRequest): PatchType {
  const ct = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
  const type = (PATCH_TYPES as Record<string, PatchType>)[ct];
  if (!type) throw new UnsupportedMediaError(`the body of a PATCH must be one of ${Object.keys(PATCH_TYPES).join(', ')}; got "${ct}"`);
  return type;
}

/** Moves the YAML document from `from` to `to` touching only what differs, so comments elsewhere survive. */
export function syncYaml(doc: Document, path: (string | number)[], from: unknown, to: unknown): void {
  const isMap = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isMap(from) && isMap(to)) {
    for (const k of Object.keys(from)) if (!(k in to)) doc.deleteIn([...path, k]);
    for (const [k, v] of Object.entries(to)) syncYaml(doc, [...path, k], from[k], v);
    return;
  }
  if (!isDeepStrictEqual(from, to)) doc.setIn(path, doc.createNode(to, { aliasDuplicateObjects: false }));
}

async function updateNode(api: KubeApi, ctx: Context, req: KubeRequest, route: Route): Promise<Reply> {
  const { view } = await api.view();
  if (route.name !== view.node.view.name) return notFoundReply(route);
  const payload = await readJson(req);
  const shown = nodeObject(view) as Json;
  const next = asObject(req.method === 'PUT' ? payload : applyPatch(shown as JsonValue, payload, patchType(req)), 'the node');
  const meta = (next['metadata'] ?? {}) as Json;
  const spec = (next['spec'] ?? {}) as Json;
  const labels = (meta['labels'] ?? {}) as Record<string, string>;
  const before = view.node.view.labels;
  const change = {
    set: Object.fromEntries(Object.entries(labels).filter(([k, v]) => before[k] !== v)),
    remove: Object.keys(before).filter((k) => !(k in labels)),
  };
  const { assertUserLabels } = await import('../cli/commands/node.js');
  try {
    assertUserLabels(change);
  } catch (err) {
    throw new ForbiddenError((err as Error).message);
  }
  const taints = taintChange(displayedTaints(view.node), view.node.view.taints, (spec['taints'] ?? []) as Taint[]);
  await updateNodeFile(ctx.paths.nodeFile, (node) => {
    const nextLabels = applyLabels(node.labels, change, true).labels;
    const nextTaints = applyTaints(node.taints, taints, true, new Date(ctx.now), view.node.view.name).taints;
    const annotations = { ...((meta['annotations'] ?? {}) as Record<string, string>) };
    return { labels: nextLabels, taints: nextTaints, unschedulable: spec['unschedulable'] === true, annotations };
  }, { nodeName: view.node.view.name });
  return respondWith(api, route, 200);
}

/**
 * The taint edit that turns what the client saw into what it sent. Taints hostds derives (from
 * conditions, or the cordon's) are not the user's: keeping them is no change, removing one is refused.
 */
export function taintChange(shown: readonly Taint[], own: readonly Taint[], wanted: readonly Taint[]): { add: Taint[]; remove: TaintRemoval[] } {
  const same = (a: Taint, b: Taint): boolean => a.key === b.key && a.effect === b.effect && (a.value ?? '') === (b.value ?? '');
  const add = wanted.filter((t) => !shown.some((s) => same(s, t))).map((t) => ({ key: t.key, effect: t.effect, ...(t.value ? { value: t.value } : {}) }));
  const removed = shown.filter((s) => !wanted.some((t) => same(s, t)));
  for (const r of removed) {
    if (!own.some((o) => same(o, r)) && !add.some((a) => a.key === r.key && a.effect === r.effect)) {
      throw new ForbiddenError(`taint ${r.key}:${r.effect} is set by hostds from the host's state (a condition or a cordon) and cannot be removed; uncordon or fix the condition`);
    }
  }
  return { add, remove: removed.filter((r) => own.some((o) => same(o, r)) && !add.some((a) => a.key === r.key && a.effect === r.effect)).map((r) => ({ key: r.key, effect: r.effect })) };
}

async function deleteObject(api: KubeApi, ctx: Context, route: Route): Promise<Reply> {
  const { items } = await api.items(route, new URLSearchParams());
  const current = items[0];
  if (!current) return notFoundReply(route);
  const ns = route.namespace ?? 'default';
  if (route.def.name === 'pods') {
    if (!(await api.agent.deletePod(ns, route.name!))) return notFoundReply(route);
    return { code: 200, body: current.object };
  }
  const { deleteDaemonSet } = await import('../cli/commands/manifests.js');
  try {
    await deleteDaemonSet(ctx, ns, route.name!);
  } catch (err) {
    if (err instanceof NotFoundError) return notFoundReply(route);
    throw err;
  }
  api.agent.filesWritten();
  return { code: 200, body: current.object };
}
