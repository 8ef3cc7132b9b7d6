// `hostds kubeconfig`: a kubeconfig for this host's API (api.address), so that
// `kubectl --kubeconfig FILE get ds` works. The CA is the agent's self-signed certificate itself.
import { stringify } from 'yaml';
import type { Context } from '../context.js';
import { CliError } from '../errors.js';
import { DEFAULT_API_PORT, formatHostPort, parseListenAddress } from '../../lib/listen-address.js';
import { pkiDir, readPki } from '../../api/pki.js';

export async function runKubeconfig(ctx: Context): Promise<number> {
  const address = ctx.config.api.address;
  if (address === undefined) {
    throw new CliError(`the Kubernetes API is off: set api.address (e.g. "api: {address: 127.0.0.1:6443}") in ${ctx.paths.config} and restart the agent`);
  }
  const pki = await readPki(ctx.paths.etc).catch((err: unknown) => {
    throw new CliError(`cannot read ${pkiDir(ctx.paths.etc)}: ${(err as Error).message} (run as root)`);
  });
  if (!pki) throw new CliError(`no API credentials in ${pkiDir(ctx.paths.etc)} yet: start the agent once with api.address set (it creates them)`);
  ctx.io.out(stringify(kubeconfigObject(ctx.nodeName, serverUrl(address), pki.cert, pki.token), { lineWidth: 0 }));
  return 0;
}

export function serverUrl(address: string): string {
  return `https://${formatHostPort(parseListenAddress(address, DEFAULT_API_PORT))}`;
}

export function kubeconfigObject(nodeName: string, server: string, caPem: string, token: string): Record<string, unknown> {
  const id = `hostds-${nodeName}`;
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: id, cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
    users: [{ name: id, user: { token } }],
    contexts: [{ name: nodeName, context: { cluster: id, user: id, namespace: 'default' } }],
    'current-context': nodeName,
    preferences: {},
  };
}
