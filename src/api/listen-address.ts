// `api.address`: `HOST:PORT`, `[IPv6]:PORT`, `PORT` alone (loopback) or `HOST` alone (port 6443,
// the API server's). Pure, so config validation and the listener agree on what it means.
export const DEFAULT_API_PORT = 6443;

export interface ListenAddress {
  host: string;
  port: number;
}

export function parseListenAddress(text: string, defaultPort = DEFAULT_API_PORT): ListenAddress {
  const t = text.trim();
  let host: string;
  let port: string | undefined;
  const v6 = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(t);
  if (v6) [host, port] = [v6[1]!, v6[2]];
  else if (/^\d+$/.test(t)) [host, port] = ['127.0.0.1', t];
  else if ((t.match(/:/g) ?? []).length === 1) [host, port] = t.split(':') as [string, string];
  else if (t.includes(':')) throw new Error(`"${text}": write an IPv6 address in brackets, e.g. [::1]:${defaultPort}`);
  else host = t;
  if (host === '') throw new Error(`"${text}": give the address to listen on, e.g. 127.0.0.1:${defaultPort}`);
  const n = port === undefined ? defaultPort : Number(port);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`"${text}": the port must be 1-65535`);
  return { host, port: n };
}

/** How a client writes it in a URL. */
export function formatHostPort(a: ListenAddress): string {
  return `${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
}
