// Runs one probe once (the kubelet's prober.runProbe): the effect behind the pure tracker. Every
// outcome is a result, never a throw: a probe that cannot even start is a failed probe, as the
// kubelet turns dial and exec errors into failures. Each run ends by the probe's timeout at the
// latest and leaves nothing behind (process group killed, socket closed).
// node:net, node:http and node:https (with tls) are loaded on a probe's first run, not with the
// agent: ~15 ms of its start-up before the first daemon, for hosts whose daemons may have no probes.
import { runExecProbe } from './run-exec.js';
import { ABORTED, deadline, describeDialError, failure, joinHostPort, type RunOptions } from './run-util.js';
import type { ProbeSpec } from './spec.js';
import type { ProbeResult } from './tracker.js';

export type { RunOptions } from './run-util.js';

export const GRPC_UNSUPPORTED = 'grpc probes are not supported by hostds';

/**
 * `env` is the container's environment (exec probes run with it). `signal` cancels the run
 * (result "probe aborted"). `options.unref` lets the process exit while the probe runs.
 */
export async function runProbe(
  spec: ProbeSpec,
  env: Record<string, string>,
  signal?: AbortSignal,
  options: RunOptions = {},
): Promise<ProbeResult> {
  if (signal?.aborted === true) return failure(ABORTED);
  const timeoutMs = Math.max(1, spec.timeoutMs);
  const h = spec.handler;
  switch (h.type) {
    case 'exec': return runExecProbe(h, timeoutMs, env, signal, options);
    case 'http': return (await import('./run-http.js')).runHttpProbe(h, timeoutMs, signal, options);
    case 'tcp': return runTcpProbe(h.host, h.port, timeoutMs, signal, options);
    case 'grpc': return failure(GRPC_UNSUPPORTED);
  }
}

/** pkg/probe/tcp: success when a connection opens; it is closed at once. */
export async function runTcpProbe(
  host: string,
  port: number,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  options: RunOptions = {},
): Promise<ProbeResult> {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    if (options.unref === true) socket.unref();
    const finish = (result: ProbeResult): void => {
      timer.done();
      socket.destroy();
      resolve(result);
    };
    const timer = deadline(
      timeoutMs,
      signal,
      () => finish(failure(`dial tcp ${joinHostPort(host, port)}: i/o timeout`)),
      () => finish(failure(ABORTED)),
      options.unref === true,
    );
    socket.once('connect', () => finish({ ok: true, message: '' }));
    socket.once('error', (err) => finish(failure(describeDialError(err, host, port))));
  });
}
