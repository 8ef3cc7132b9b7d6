// The control API: HTTP on the unix socket P/run/hostds/hostds.sock (mode 0600), with Kubernetes
// REST paths and object shapes, so tooling that speaks the API reads hostds unchanged.
import http from 'node:http';
import { promises as fsp } from 'node:fs';
import type { Agent } from '../agent/agent.js';
import { buildLiveView, packView, type LiveSnapshot } from '../cli/view.js';
import { daemonSetObject, nodeObject, podObject } from '../cli/objects.js';
import { hostdsVersion } from '../version.js';
import { containerLogPath, readLog } from '../observe/log-files.js';

export interface ApiServer {
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

function status(code: number, reason: string, message: string): Json {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

function list(kind: string, apiVersion: string, items: unknown[]): Json {
  return { kind, apiVersion, metadata: { resourceVersion: '' }, items };
}

/**
 * `readOnly`: the second socket for api.readOnlyGroup, mode 0660 owned by that group: it answers
 * GETs only. Node cannot read a unix socket peer's credentials (SO_PEERCRED), so who may do what
 * is decided by which socket the file modes let them open.
 */
export async function startApiServer(socket: string, agent: Agent, readOnly?: { gid: number }): Promise<ApiServer> {
  await fsp.rm(socket, { force: true });
  const server = http.createServer((req, res) => {
    const answer: Promise<[number, Json | string]> = readOnly && req.method !== 'GET'
      ? Promise.resolve([403, status(403, 'Forbidden', `${req.method ?? ''} is not allowed on the read-only socket ${socket}`)])
      : handle(agent, req);
    void answer.then(([code, body]) => {
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(code, { 'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json' });
      res.end(text);
    }, (err: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify(status(500, 'InternalError', (err as Error).message)));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // umask first: the socket must never exist with looser permissions, even for an instant.
    const old = process.umask(0o177);
    server.listen(socket, () => { process.umask(old); resolve(); });
  });
  if (readOnly) {
    await fsp.chown(socket, 0, readOnly.gid);
    await fsp.chmod(socket, 0o660);
  } else await fsp.chmod(socket, 0o600);
  return {
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

async function handle(agent: Agent, req: http.IncomingMessage): Promise<[number, Json | string]> {
  const url = new URL(req.url ?? '/', 'http://hostds');
  const parts = url.pathname.split('/').filter((p) => p !== '');
  const snap: LiveSnapshot = agent.snapshot();
  if (req.method === 'GET' && url.pathname === '/hostds/v1/state') return [200, snap as unknown as Json];
  if (req.method === 'GET' && url.pathname === '/hostds/v1/view') return [200, packView(await buildLiveView(agent.ctx, snap, agent.manifestCache, agent.currentManifests()))];
  if (req.method === 'GET' && url.pathname === '/version') return [200, { gitVersion: `v${hostdsVersion()}`, platform: `${process.platform}/${process.arch}` }];
  const podRoute = matchPods(parts);
  if (podRoute) return handlePods(agent, req.method ?? 'GET', podRoute, snap, url);
  if (req.method !== 'GET') return [405, status(405, 'MethodNotAllowed', `${req.method} is not supported on ${url.pathname}`)];
  const view = await buildLiveView(agent.ctx, snap, agent.manifestCache, agent.currentManifests());
  if (parts[0] === 'api' && parts[1] === 'v1' && parts[2] === 'nodes') {
    if (parts.length === 3) return [200, list('NodeList', 'v1', [nodeObject(view)])];
    return parts[3] === view.node.view.name ? [200, nodeObject(view)] : [404, status(404, 'NotFound', `nodes "${parts[3]}" not found`)];
  }
  if (parts[0] === 'api' && parts[1] === 'v1' && parts.at(-1) === 'events') {
    return [200, list('EventList', 'v1', snap.events.map((e) => ({ kind: 'Event', apiVersion: 'v1', ...e, metadata: { name: `${e.involvedObject.name}.${e.reason}`, namespace: e.involvedObject.namespace ?? 'default' } })))];
  }
  const ds = matchDaemonSets(parts);
  if (ds) {
    const items = view.daemonSets.filter((d) => (ds.namespace === undefined || (d.ds.metadata.namespace ?? 'default') === ds.namespace) && (ds.name === undefined || d.ds.metadata.name === ds.name));
    if (ds.name !== undefined) return items[0] ? [200, daemonSetObject(items[0], Date.now())] : [404, status(404, 'NotFound', `daemonsets.apps "${ds.name}" not found`)];
    return [200, list('DaemonSetList', 'apps/v1', items.map((d) => daemonSetObject(d, Date.now())))];
  }
  return [404, status(404, 'NotFound', `the server could not find the requested resource (${url.pathname})`)];
}

function matchDaemonSets(parts: string[]): { namespace?: string; name?: string } | undefined {
  if (parts[0] !== 'apis' || parts[1] !== 'apps' || parts[2] !== 'v1') return undefined;
  if (parts[3] === 'daemonsets' && parts.length === 4) return {};
  if (parts[3] === 'namespaces' && parts[5] === 'daemonsets' && parts.length <= 7) {
    return { namespace: parts[4]!, ...(parts[6] !== undefined ? { name: parts[6] } : {}) };
  }
  return undefined;
}

interface PodRoute { namespace?: string; name?: string; log?: boolean }

function matchPods(parts: string[]): PodRoute | undefined {
  if (parts[0] !== 'api' || parts[1] !== 'v1') return undefined;
  if (parts[2] === 'pods' && parts.length === 3) return {};
  if (parts[2] === 'namespaces' && parts[4] === 'pods') {
    if (parts.length === 5) return { namespace: parts[3]! };
    if (parts.length === 6) return { namespace: parts[3]!, name: parts[5]! };
    if (parts.length === 7 && parts[6] === 'log') return { namespace: parts[3]!, name: parts[5]!, log: true };
  }
  return undefined;
}

async function handlePods(agent: Agent, method: string, route: PodRoute, snap: LiveSnapshot, url: URL): Promise<[number, Json | string]> {
  const pods = snap.pods.filter((p) => (route.namespace === undefined || p.namespace === route.namespace) && (route.name === undefined || p.name === route.name));
  if (route.name !== undefined && pods.length === 0) return [404, status(404, 'NotFound', `pods "${route.name}" not found`)];
  if (method === 'DELETE' && route.name !== undefined && !route.log) {
    await agent.deletePod(route.namespace ?? 'default', route.name);
    return [200, podObject(pods[0]!, agent.ctx.nodeName)];
  }
  if (method !== 'GET') return [405, status(405, 'MethodNotAllowed', `${method} is not supported here`)];
  if (route.log) {
    const pod = pods[0]!;
    const container = url.searchParams.get('container') ?? pod.containers[0]?.name ?? '';
    const tail = url.searchParams.get('tailLines');
    const text = await readLog(containerLogPath(agent.ctx.paths.logDir, pod.name, container), {
      ...(tail !== null ? { tail: Number(tail) } : {}), previous: url.searchParams.get('previous') === 'true',
    }).catch(() => '');
    return [200, text];
  }
  if (route.name !== undefined) return [200, podObject(pods[0]!, agent.ctx.nodeName)];
  return [200, list('PodList', 'v1', pods.map((p) => podObject(p, agent.ctx.nodeName)))];
}
