// `host:port` listen addresses from config (metrics.address): `127.0.0.1:9847`, `[::1]:9847`,
// `localhost:9847`, or `:9847` for every interface, as Prometheus exporters take them.

export interface ListenAddress {
  /** Undefined: every interface. */
  host?: string;
  port: number;
}

/** Throws a TypeError naming the value and what is expected. */
export function parseListenAddress(text: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]*)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port < 1 || port > 65535) {
    throw new TypeError(`invalid listen address ${JSON.stringify(text)}: expected host:port, [ipv6]:port or :port (port 1-65535), e.g. 127.0.0.1:9847`);
  }
  const host = m[1] ?? m[2];
  return host ? { host, port } : { port };
}
