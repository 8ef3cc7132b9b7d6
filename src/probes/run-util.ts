// What the probe runners share: result constructors, kubelet-style (Go) wording of durations
// and network errors, and a byte-capped output buffer.
import type { ProbeResult } from './tracker.js';

/** The kubelet reads at most 10 KiB of exec output or of an HTTP body (maxReadLength). */
export const MAX_OUTPUT_BYTES = 10 * 1024;

/** Options of one run that are not part of the probe itself. */
export interface RunOptions {
  /** Let the process exit while this probe runs: the manager's probes must never hold it. */
  unref?: boolean;
}

export const ABORTED = 'probe aborted';

export const failure = (message: string): ProbeResult => ({ ok: false, message });

/** Go's time.Duration.String for whole milliseconds: 500ms, 1s, 1.5s, 1m30s. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${ms / 1000}s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes}m${(ms - minutes * 60_000) / 1000}s`;
}

/** net.JoinHostPort: an IPv6 literal gets brackets. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

const DIAL_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connect: connection refused',
  EHOSTUNREACH: 'connect: no route to host',
  ENETUNREACH: 'connect: network is unreachable',
  EADDRNOTAVAIL: 'connect: cannot assign requested address',
};

/**
 * A failed connection worded like Go's net.Dial error, which is what operators find in the
 * kubelet's events and search for: `dial tcp 127.0.0.1:8080: connect: connection refused`.
 */
export function describeDialError(err: unknown, host: string, port: number): string {
  const code = errnoCode(err) ?? '';
  const known = DIAL_ERRORS[code];
  if (known !== undefined) return `dial tcp ${joinHostPort(host, port)}: ${known}`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `dial tcp: lookup ${host}: no such host`;
  if (code === 'ECONNRESET') return 'read: connection reset by peer';
  return err instanceof Error ? err.message : String(err);
}

/** Keeps the first `limit` bytes written to it and counts (but drops) the rest. */
export class CappedBuffer {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly limit = MAX_OUTPUT_BYTES) {}

  /** Returns false once the buffer is full, so a reader can stop early. */
  push(chunk: Buffer): boolean {
    const room = this.limit - this.size;
    if (room > 0) {
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      this.chunks.push(part);
      this.size += part.length;
    }
    return this.size < this.limit;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/**
 * A timer that also fires on `signal`, cleared by `done()`. One place for the deadline so that
 * every runner gives up the same way, and an unref'ed one never holds the process.
 */
export function deadline(
  ms: number,
  signal: AbortSignal | undefined,
  onTimeout: () => void,
  onAbort: () => void,
  unref: boolean,
): { done(): void } {
  const timer = setTimeout(onTimeout, ms);
  if (unref) timer.unref();
  if (signal?.aborted === true) queueMicrotask(onAbort);
  else signal?.addEventListener('abort', onAbort, { once: true });
  return {
    done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    },
  };
}
