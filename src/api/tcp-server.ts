// api.address: the socket's API over HTTPS with a bearer token, so the real kubectl works against
// this host. Loaded only when api.address is set (TLS and the certificate code cost start-up time).
import https from 'node:https';
import type { Agent } from '../agent/agent.js';
import { closer, createListener, type ApiServer } from './server.js';
import { status } from './kube.js';
import { ensurePki, isAuthorized } from './pki.js';
import { DEFAULT_API_PORT, parseListenAddress, type ListenAddress } from '../lib/listen-address.js';

export async function startTcpApiServer(address: string, agent: Agent): Promise<ApiServer & { address: ListenAddress }> {
  const where = parseListenAddress(address, DEFAULT_API_PORT);
  // Every interface: loopback (in the SANs anyway) is how this host's kubeconfig reaches it.
  const pki = await ensurePki(agent.ctx.paths.etc, where.host ?? '127.0.0.1', agent.ctx.nodeName);
  // No anonymous access, not even to /version: a host's API says what runs on it.
  const server = https.createServer({ cert: pki.cert, key: pki.key }, createListener(agent, (req) => (isAuthorized(req.headers.authorization, pki.token)
    ? undefined
    : { code: 401, body: status(401, 'Unauthorized', 'Unauthorized') })));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(where.port, where.host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return { ...closer(server), address: { ...where, port } };
}
