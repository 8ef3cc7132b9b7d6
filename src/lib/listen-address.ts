// Listen addresses from config: `metrics.address` and `api.address`. Pure, so config validation
// and the listeners agree on what a value means.
//   HOST:PORT, [IPv6]:PORT   that address
//   :PORT                    every interface
//   PORT, HOST, [IPv6]       only where a default port is given (api.address: 6443, loopback for PORT)

/** The Kubernetes API server's port: api.address without one. */
export const DEFAULT_API_PORT = 6443;

export interface ListenAddress {
  /** Undefined: every interface. */
  host?: string;
  port: number;
}

/** Throws a TypeError naming the value and what is expected. */
export function parseListenAddress(text: string, defaultPort?: number): ListenAddress {
  const t = text.trim();
  const fail = (why: string): never => {
    throw new TypeError(`invalid listen address ${JSON.stringify(text)}: ${why}`);
  };
  const example = defaultPort === undefined ? '127.0.0.1:9847' : `127.0.0.1:${defaultPort}`;
  let host: string | undefined;
  let port: string | undefined;
  const v6 = /^\[([0-9a-fA-F:.]+)\](?::(\d*))?$/.exec(t);
  if (v6) [host, port] = [v6[1], v6[2]];
  else if (/^\d+$/.test(t) && defaultPort !== undefined) [host, port] = ['127.0.0.1', t];
  else if ((t.match(/:/g) ?? []).length === 1) [host, port] = t.split(':') as [string, string];
  else if (t.includes(':')) fail(`write an IPv6 address in brackets, e.g. [::1]:${defaultPort ?? 9847}`);
  else if (/^[\w.-]+$/.test(t)) host = t;
  else fail(`expected host:port, [ipv6]:port or :port, e.g. ${example}`);
  if (port === undefined && defaultPort === undefined) fail(`give a port: host:port, [ipv6]:port or :port, e.g. ${example}`);
  const n = port === undefined ? defaultPort! : /^\d{1,5}$/.test(port) ? Number(port) : NaN;
  if (!(n >= 1 && n <= 65535)) fail('the port must be 1-65535');
  return host ? { host, port: n } : { port: n };
}

/** How a client writes it in a URL; every interface is reached over loopback from this host. */
export function formatHostPort(a: ListenAddress): string {
  const host = a.host === undefined || a.host === '0.0.0.0' ? '127.0.0.1' : a.host === '::' ? '::1' : a.host;
  return `${host.includes(':') ? `[${host}]` : host}:${a.port}`;
}
