// Kubernetes REST on the agent: routing, reads (get, list, watch, Table, logs) and the mapping of
// errors to `Status` objects. Writes are in kube-writes.ts. One instance serves one listener; the
// unix socket and the TCP address answer the same paths the same way.
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Agent } from '../agent/agent.js';
import { buildLiveView, type HostView } from '../cli/view.js';
import { k8sTime, nodeConditions } from '../cli/objects.js';
import { AlreadyExistsError, InvalidObjectError, NodeEditError, NotFoundError, UsageError } from '../lib/errors.js';
import { CliError } from '../cli/errors.js';
import { containerLogPath, followLog, previousLogPath, readLog } from '../observe/log-files.js';
import { collectItems, findResource, revisionItem, type Item, type Json, type ResourceDef } from './kube-objects.js';
import { APPS_VERSIONS, BadRequestError, buildTable, discovery, selectorFilter, versionInfo, wantsTable } from './kube-discovery.js';
import { PatchError, UnsupportedMediaError } from './patch.js';
import { handleWrite } from './kube-writes.js';
import { watchItems, WatchVersions } from './kube-watch.js';

export interface KubeRequest {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  body(): Promise<string>;
}

export type Reply =
  | { code: number; body: Json | string; contentType?: string }
  | { stream(res: ServerResponse, signal: AbortSignal): Promise<void> };

export interface Route {
  def: ResourceDef;
  /** The version in the path: objects answer in it (apply's patch would otherwise "change" apiVersion). */
  version: string;
  namespace?: string;
  name?: string;
  sub?: string;
}

export function status(code: number, reason: string, message: string): Json {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

/** api/v1/..., apis/apps/v1/...: the resource, namespace, name and subresource, or undefined. */
export function parseRoute(parts: readonly string[]): Route | undefined {
  const version = parts[0] === 'api' ? 'v1' : parts[2] ?? '';
  const [group, rest] = parts[0] === 'api' && parts[1] === 'v1' ? ['', parts.slice(2)]
    : parts[0] === 'apis' && parts[1] === 'apps' && (APPS_VERSIONS as readonly string[]).includes(parts[2] ?? '') ? ['apps', parts.slice(3)] : [undefined, []];
  if (group === undefined || rest.length === 0) return undefined;
  let ns: string | undefined;
  let tail = rest;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    ns = rest[1];
    tail = rest.slice(2);
  }
  const def = findResource(group, tail[0]!);
  if (!def || tail.length > 3 || (ns !== undefined && !def.namespaced)) return undefined;
  return { def, version, ...(ns !== undefined ? { namespace: ns } : {}), ...(tail[1] !== undefined ? { name: tail[1] } : {}), ...(tail[2] !== undefined ? { sub: tail[2] } : {}) };
}

export class KubeApi {
  readonly versions = new WatchVersions();

  constructor(readonly agent: Agent, private readonly pollMs = 1000) {}

  /** The view as of now. `fresh`: reload the manifests (after a write, before the watcher saw it). */
  async view(fresh = false): Promise<{ view: HostView; now: number }> {
    const now = Date.now();
    const ctx = { ...this.agent.ctx, now };
    return { view: await buildLiveView(ctx, this.agent.snapshot(), this.agent.manifestCache, fresh ? undefined : this.agent.currentManifests()), now };
  }

  async handle(req: KubeRequest): Promise<Reply> {
    const parts = req.url.pathname.split('/').filter((p) => p !== '').map(decodeURIComponent);
    try {
      if (parts.length === 1 && parts[0] === 'version') return { code: 200, body: versionInfo() };
      // kubectl before 1.27 validates with OpenAPI v2 (protobuf) and skips kinds it has no schema
      // for: an empty document (zero bytes) parses, and leaves validation to the server.
      if (parts.join('/') === 'openapi/v2' && /protobuf/.test(req.headers.accept ?? '')) {
        return { code: 200, body: '', contentType: 'application/octet-stream' };
      }
      const doc = discovery(parts);
      if (doc) return req.method === 'GET' ? { code: 200, body: doc } : methodNotAllowed(req);
      const lease = parts.join('/').match(/^apis\/coordination\.k8s\.io\/v1\/namespaces\/kube-node-lease\/leases\/([^/]+)$/);
      if (lease && req.method === 'GET') return await this.nodeLease(lease[1]!);
      const route = parseRoute(parts);
      if (!route) return { code: 404, body: status(404, 'NotFound', `the server could not find the requested resource (${req.method} ${req.url.pathname})`) };
      if (req.method === 'GET') return await this.read(req, route);
      return await handleWrite(this, req, route);
    } catch (err) {
      return errorReply(err);
    }
  }

  /**
   * The node's Lease, as the kubelet renews it (`kubectl describe node` shows it): held by the node,
   * renewed at the agent's last condition heartbeat.
   */
  private async nodeLease(name: string): Promise<Reply> {
    const { view } = await this.view();
    const heartbeat = nodeConditions(view).find((c) => c.type === 'Ready')?.lastHeartbeatTime;
    if (name !== view.node.view.name || !view.agent.running || heartbeat === undefined) {
      return { code: 404, body: status(404, 'NotFound', `leases.coordination.k8s.io "${name}" not found`) };
    }
    return { code: 200, body: { kind: 'Lease', apiVersion: 'coordination.k8s.io/v1',
      metadata: { name, namespace: 'kube-node-lease', creationTimestamp: k8sTime(view.node.creationTimestampMs) },
      // The kubelet's lease: 40 s, renewed every 10 s (nodeStatusUpdateFrequency here).
      spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: heartbeat.replace(/(\.\d+)?Z$/, '.000000Z') } } };
  }

  /** Items of a route in its namespace, after selectors; `undefined` name lists. */
  async items(route: Route, params: URLSearchParams, fresh = false): Promise<{ items: Item[]; view: HostView }> {
    const { view, now } = await this.view(fresh);
    const all = route.def.name === 'controllerrevisions' ? await this.revisions(view, route, now) : collectItems(view, route.def.name, now);
    const select = selectorFilter(params);
    const items = all.filter((it) => {
      const meta = it.object['metadata'] as Json;
      if (route.namespace !== undefined && route.def.namespaced && meta['namespace'] !== route.namespace) return false;
      if (route.name !== undefined && meta['name'] !== route.name) return false;
      return select(it.object);
    });
    if (route.def.group === 'apps' && route.version !== 'v1') {
      return { items: items.map((it) => ({ ...it, object: { ...it.object, apiVersion: `apps/${route.version}` } })), view };
    }
    return { items, view };
  }

  private async revisions(view: HostView, route: Route, now: number): Promise<Item[]> {
    const { revisionObjects } = await import('../cli/commands/rollout.js');
    const ctx = { ...this.agent.ctx, now };
    const out: Item[] = [];
    for (const d of view.daemonSets.filter((x) => route.namespace === undefined || (x.ds.metadata.namespace ?? 'default') === route.namespace)) {
      const ns = d.ds.metadata.namespace ?? 'default';
      const revs = await revisionObjects(ctx, view.manifests, ns, d.ds.metadata.name).catch(() => []);
      out.push(...revs.map((r) => revisionItem(view, ns, d.ds.metadata.name, r, now)));
    }
    return out;
  }

  private async read(req: KubeRequest, route: Route): Promise<Reply> {
    const params = req.url.searchParams;
    if (route.sub === 'log' && route.def.name === 'pods') return this.logs(route, params);
    if (route.sub !== undefined) return { code: 404, body: status(404, 'NotFound', `the server could not find the requested resource (${route.def.name}/${route.sub})`) };
    const table = wantsTable(req.headers.accept);
    if (params.get('watch') === 'true' || params.get('watch') === '1') {
      return { stream: (res, signal) => watchItems(this, route, params, table, res, signal, this.pollMs) };
    }
    const { items } = await this.items(route, params);
    const rv = this.versions.record(items);
    if (route.name !== undefined) {
      const it = items[0];
      if (!it) return notFoundReply(route);
      return { code: 200, body: table ? buildTable(route.def, [it], params.get('includeObject'), rv) : it.object };
    }
    if (table) return { code: 200, body: buildTable(route.def, items, params.get('includeObject'), rv) };
    const apiVersion = route.def.group === '' ? 'v1' : `${route.def.group}/${route.version}`;
    return { code: 200, body: { kind: `${route.def.kind}List`, apiVersion, metadata: { resourceVersion: rv }, items: items.map((i) => i.object) } };
  }

  private async logs(route: Route, params: URLSearchParams): Promise<Reply> {
    const { items } = await this.items({ ...route, sub: undefined } as Route, new URLSearchParams());
    const pod = items[0]?.object as { metadata: { name: string }; spec: { containers: { name: string }[]; initContainers?: { name: string }[] } } | undefined;
    if (!pod) return notFoundReply(route);
    const names = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].map((c) => c.name);
    const container = params.get('container') ?? pod.spec.containers[0]?.name ?? '';
    if (!names.includes(container)) return { code: 400, body: status(400, 'BadRequest', `container ${container} is not valid for pod ${pod.metadata.name}`) };
    const path = containerLogPath(this.agent.ctx.paths.logDir, pod.metadata.name, container);
    const previous = params.get('previous') === 'true';
    const tail = Number(params.get('tailLines') ?? 'NaN');
    const text = await readLog(previous ? previousLogPath(path) : path, Number.isInteger(tail) && tail >= 0 ? { tail } : {}).catch(() => '');
    if (params.get('follow') !== 'true' || previous) return { code: 200, body: text };
    return {
      stream: async (res, signal) => {
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        res.write(text);
        await followLog(path, (chunk) => res.write(chunk), signal);
        res.end();
      },
    };
  }
}

export function notFoundReply(route: Route): Reply {
  const what = route.def.group === '' ? route.def.name : `${route.def.name}.${route.def.group}`;
  return { code: 404, body: { ...status(404, 'NotFound', `${what} "${route.name ?? ''}" not found`), details: { name: route.name, group: route.def.group, kind: route.def.name } } };
}

export function methodNotAllowed(req: KubeRequest): Reply {
  return { code: 405, body: status(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource (${req.method} ${req.url.pathname})`) };
}

/** Errors as the API server words them: each family its Status reason and code. */
export function errorReply(err: unknown): Reply {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof NotFoundError) return { code: 404, body: status(404, 'NotFound', message) };
  if (err instanceof AlreadyExistsError) return { code: 409, body: status(409, 'AlreadyExists', message) };
  if (err instanceof BadRequestError) return { code: 400, body: status(400, 'BadRequest', message) };
  if (err instanceof UnsupportedMediaError) return { code: 415, body: status(415, 'UnsupportedMediaType', message) };
  if (err instanceof ForbiddenError) return { code: 403, body: status(403, 'Forbidden', message) };
  if (err instanceof InvalidObjectError || err instanceof PatchError || err instanceof NodeEditError || err instanceof UsageError || err instanceof CliError) {
    return { code: 422, body: status(422, 'Invalid', message) };
  }
  return { code: 500, body: status(500, 'InternalError', message) };
}

export class ForbiddenError extends Error {}
