// The HTTP probe (pkg/probe/http/http.go and request.go): GET, success when 200 ≤ status < 400.
// As in the kubelet: no keep-alive, no proxy, no compression, TLS without verification (a
// daemon's certificate is rarely issued for 127.0.0.1), User-Agent kube-probe/<version> and
// Accept */* unless the manifest sets them, a `Host` header taken from httpHeaders, at most
// 10 KiB of body read, one timeout for the whole exchange including redirects.
//
// Redirects, as the kubelet (followNonLocalRedirects=false): one to the same host name is
// followed (at most 10); one to another host is not followed and counts as a success with a
// warning ("Probe terminated redirects"), because the kubelet must not be turned into a client
// of arbitrary hosts by a container's answer. Any final 3xx is that same warning-success.
import http, { type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { ProbeResult } from './tracker.js';
import {
  ABORTED, CappedBuffer, deadline, describeDialError, failure, joinHostPort, type RunOptions,
} from './run-util.js';

export interface HttpHandler {
  scheme: 'HTTP' | 'HTTPS';
  host: string;
  port: number;
  path: string;
  headers: [string, string][];
}

/** The kubelet's User-Agent is kube-probe/<major>.<minor> of its own version. */
export const PROBE_USER_AGENT = 'kube-probe/1.31';
const MAX_REDIRECTS = 10;
const FOLLOWED = new Set([301, 302, 303, 307, 308]);

interface Response {
  status: number;
  location: string | undefined;
  body: string;
}

/** The request was cancelled (timeout or abort); the caller knows which. */
class Cancelled extends Error {}

export async function runHttpProbe(
  h: HttpHandler,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  options: RunOptions = {},
): Promise<ProbeResult> {
  let url: URL;
  try {
    url = new URL(`${h.scheme.toLowerCase()}://${joinHostPort(h.host, h.port)}${h.path}`);
  } catch {
    return failure(`parse ${JSON.stringify(h.path)}: invalid URL`);
  }
  const controller = new AbortController();
  let timedOut = false;
  const timer = deadline(timeoutMs, signal, () => { timedOut = true; controller.abort(); }, () => controller.abort(), options.unref === true);
  let phase = 'awaiting headers';
  try {
    return await follow(url, h.headers, controller.signal, options.unref === true, (p) => { phase = p; });
  } catch (err) {
    if (timedOut) {
      const why = phase === 'reading body' ? 'Client.Timeout or context cancellation while reading body' : 'Client.Timeout exceeded while awaiting headers';
      return failure(`Get ${JSON.stringify(url.href)}: context deadline exceeded (${why})`);
    }
    if (controller.signal.aborted || err instanceof Cancelled) return failure(ABORTED);
    return failure(err instanceof Error ? err.message : String(err));
  } finally {
    timer.done();
  }
}

/** Requests `first`, following same-host redirects; throws Error with a Go-like message. */
async function follow(
  first: URL,
  pairs: [string, string][],
  signal: AbortSignal,
  unref: boolean,
  onPhase: (phase: string) => void,
): Promise<ProbeResult> {
  const { headers, host: customHost } = buildHeaders(pairs);
  let url = first;
  let host = customHost;
  for (let hops = 0; ; hops++) {
    const res = await requestOnce(url, host === undefined ? headers : { ...headers, host }, signal, unref, onPhase);
    if (res.status >= 200 && res.status < 300) return { ok: true, message: res.body };
    if (res.status < 300 || res.status >= 400) return failure(`HTTP probe failed with statuscode: ${res.status}`);
    if (!FOLLOWED.has(res.status) || res.location === undefined || res.location === '') return terminated(res);
    let next: URL;
    try {
      next = new URL(res.location, url);
    } catch {
      throw new Error(`Get ${JSON.stringify(url.href)}: failed to parse Location header ${JSON.stringify(res.location)}`);
    }
    if (next.hostname !== first.hostname) return terminated(res);
    if (hops + 1 >= MAX_REDIRECTS) throw new Error(`Get ${JSON.stringify(next.href)}: stopped after ${MAX_REDIRECTS} redirects`);
    if (next.protocol !== 'http:' && next.protocol !== 'https:') {
      throw new Error(`Get ${JSON.stringify(next.href)}: unsupported protocol scheme ${JSON.stringify(next.protocol.slice(0, -1))}`);
    }
    // Go keeps a custom Host header through a redirect only when the Location is relative.
    if (!isRelative(res.location)) host = undefined;
    url = next;
  }
}

const terminated = (res: Response): ProbeResult => ({ ok: true, warning: true, message: `Probe terminated redirects, Response body: ${res.body}` });

function isRelative(location: string): boolean {
  return !/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(location) && !location.startsWith('//');
}

/**
 * request.go's header rules: the manifest's headers (repeats allowed), User-Agent and Accept
 * added when absent, an Accept set to "" removed, and Host taken out to become the request's host.
 */
export function buildHeaders(pairs: readonly [string, string][]): { headers: OutgoingHttpHeaders; host: string | undefined } {
  const byName = new Map<string, { name: string; values: string[] }>();
  for (const [name, value] of pairs) {
    const key = name.toLowerCase();
    const entry = byName.get(key) ?? { name, values: [] };
    entry.values.push(value);
    byName.set(key, entry);
  }
  const host = byName.get('host')?.values[0];
  byName.delete('host');
  if (!byName.has('user-agent')) byName.set('user-agent', { name: 'User-Agent', values: [PROBE_USER_AGENT] });
  const accept = byName.get('accept');
  if (accept === undefined) byName.set('accept', { name: 'Accept', values: ['*/*'] });
  else if (accept.values[0] === '') byName.delete('accept');
  const headers: OutgoingHttpHeaders = {};
  for (const { name, values } of byName.values()) headers[name] = values.length === 1 ? values[0] : values;
  return { headers, host: host === '' ? undefined : host };
}

function requestOnce(
  url: URL,
  headers: OutgoingHttpHeaders,
  signal: AbortSignal,
  unref: boolean,
  onPhase: (phase: string) => void,
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const isHttps = url.protocol === 'https:';
    const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const port = Number(url.port || (isHttps ? 443 : 80));
    const options = { hostname, port, path: `${url.pathname}${url.search}`, method: 'GET', headers, agent: false as const, signal };
    const req = isHttps ? https.request({ ...options, rejectUnauthorized: false }) : http.request(options);
    onPhase('awaiting headers');
    req.on('socket', (socket) => { if (unref) socket.unref(); });
    req.on('error', (err) => reject(signal.aborted ? new Cancelled() : new Error(`Get ${JSON.stringify(url.href)}: ${describeRequestError(err, hostname, port)}`)));
    req.on('response', (res: IncomingMessage) => {
      onPhase('reading body');
      const body = new CappedBuffer();
      const done = (): void => {
        res.destroy();
        resolve({ status: res.statusCode ?? 0, location: res.headers.location, body: body.text() });
      };
      res.on('data', (chunk: Buffer) => { if (!body.push(chunk)) done(); });
      res.on('end', done);
      // Closed before the end (after done() it is a no-op): the server went away mid-body.
      res.on('error', () => undefined);
      res.on('close', () => reject(signal.aborted ? new Cancelled() : new Error(`Get ${JSON.stringify(url.href)}: unexpected EOF`)));
    });
    req.end();
  });
}

function describeRequestError(err: Error, host: string, port: number): string {
  // Node's "socket hang up": the server closed the connection without answering (Go: EOF).
  if ((err as { code?: string }).code === 'ECONNRESET' && err.message === 'socket hang up') return 'EOF';
  return describeDialError(err, host, port);
}
