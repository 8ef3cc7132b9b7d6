// The control API: HTTP on the unix socket P/run/hostds/hostds.sock (mode 0600), with Kubernetes
// REST paths and object shapes, so tooling that speaks the API reads hostds unchanged. The same
// listener serves api.address over HTTPS (tcp-server.ts), behind a bearer token.
import http from 'node:http';
import { promises as fsp } from 'node:fs';
import type { Agent } from '../agent/agent.js';
import { buildLiveView, packView } from '../cli/view.js';
import { AGENT_GET_PATH } from '../cli/agent-get.js';
import { answerGet } from './cli-get.js';
import { errorReply, KubeApi, status, type KubeRequest, type Reply } from './kube.js';

export interface ApiServer {
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * One request listener for every transport. `gate` answers first when it refuses the request
 * (the read-only socket's non-GETs, the TCP API's missing token).
 */
export function createListener(agent: Agent, gate?: (req: http.IncomingMessage) => Reply | undefined): http.RequestListener {
  const api = new KubeApi(agent);
  return (req, res) => {
    const refused = gate?.(req);
    const answer = refused ? Promise.resolve(refused) : handle(agent, api, req).catch(errorReply);
    void answer.then((reply) => send(reply, res), (err: unknown) => send(errorReply(err), res));
  };
}

async function send(reply: Reply, res: http.ServerResponse): Promise<void> {
  if ('stream' in reply) {
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    try {
      await reply.stream(res, abort.signal);
    } catch {
      res.destroy();
    }
    return;
  }
  const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  res.writeHead(reply.code, { 'content-type': reply.contentType ?? (typeof reply.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json') });
  res.end(text);
}

async function handle(agent: Agent, api: KubeApi, req: http.IncomingMessage): Promise<Reply> {
  const url = new URL(req.url ?? '/', 'http://hostds');
  if (req.method === 'GET' && url.pathname === '/hostds/v1/state') return { code: 200, body: agent.snapshot() as unknown as Record<string, unknown> };
  if (req.method === 'GET' && url.pathname === '/hostds/v1/view') {
    return { code: 200, body: packView(await buildLiveView(agent.ctx, agent.snapshot(), agent.manifestCache, agent.currentManifests())) };
  }
  if (req.method === 'GET' && url.pathname === AGENT_GET_PATH) return answerGet(agent, url.searchParams.get('q'));
  const request: KubeRequest = { method: req.method ?? 'GET', url, headers: req.headers, body: () => readBody(req) };
  return api.handle(request);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) req.destroy(new Error(`the request body is larger than ${MAX_BODY_BYTES} bytes`));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * `readOnly`: the second socket for api.readOnlyGroup, mode 0660 owned by that group: it answers
 * GETs only. Node cannot read a unix socket peer's credentials (SO_PEERCRED), so who may do what
 * is decided by which socket the file modes let them open.
 */
export async function startApiServer(socket: string, agent: Agent, readOnly?: { gid: number }): Promise<ApiServer> {
  await fsp.rm(socket, { force: true });
  const server = http.createServer(createListener(agent, (req) => (readOnly && req.method !== 'GET'
    ? { code: 403, body: status(403, 'Forbidden', `${req.method ?? ''} is not allowed on the read-only socket ${socket}`) }
    : undefined)));
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
  return closer(server);
}

export function closer(server: http.Server): ApiServer {
  return {
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
