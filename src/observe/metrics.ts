// The opt-in Prometheus endpoint (metrics.address): GET /metrics on a TCP listener. Loaded only
// when the address is set, so neither the CLI nor an agent without metrics loads prom-client.
// The kube-state-metrics series and the gauges are computed at scrape time from the agent's view
// (metrics-view.ts, pure); what the view cannot hold (counters of restarts and probe results,
// the reconcile histogram) is recorded by the agent through the MetricsRecorder hooks.
import http from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { HostView } from '../cli/view.js';
import { CliError } from '../cli/errors.js';
import type { PodRecord } from '../pods/types.js';
import type { ProbeKind } from '../probes/spec.js';
import { parseListenAddress } from '../lib/listen-address.js';
import type { Logger } from './logger.js';
import type { MetricFamily } from './metrics-family.js';
import { viewFamilies } from './metrics-view.js';

/** The agent's hooks: each is a few counter increments, cheap enough for every event. */
export interface MetricsRecorder {
  /** One reconcile call (its passes until nothing changed), in seconds. */
  observeReconcile(seconds: number): void;
  observeProbe(kind: ProbeKind, ok: boolean): void;
  /** A pod record changed: restarts since it was last seen are counted. */
  observePod(pod: PodRecord): void;
}

export interface MetricsEndpoint extends MetricsRecorder {
  /** The bound address, `host:port` (the port is the real one when 0 was asked for). */
  readonly address: string;
  close(): Promise<void>;
}

export interface MetricsSource {
  view(): Promise<HostView>;
  /** The pods the agent runs now (restarts of adopted pods before the endpoint started do not count). */
  pods(): readonly PodRecord[];
}

const PROBE_TYPE: Record<ProbeKind, string> = { liveness: 'Liveness', readiness: 'Readiness', startup: 'Startup' };

/**
 * `hostds_container_restarts_total` by DaemonSet and container, so it keeps counting across pod
 * replacements (kube_pod_container_status_restarts_total starts again at 0 with every new pod).
 */
class RestartCounter {
  private readonly seen = new Map<string, number>();

  constructor(private readonly counter: Counter<'namespace' | 'daemonset' | 'container'>, pods: readonly PodRecord[]) {
    for (const p of pods) for (const [key, c] of containersOf(p)) this.seen.set(key, c.restartCount);
  }

  observe(pod: PodRecord): void {
    for (const [key, c] of containersOf(pod)) {
      const delta = c.restartCount - (this.seen.get(key) ?? 0);
      this.seen.set(key, c.restartCount);
      if (delta > 0) this.counter.inc({ namespace: pod.daemonSet.namespace, daemonset: pod.daemonSet.name, container: c.name }, delta);
    }
  }

  /** Pods that are gone are forgotten, so the map does not grow with every replaced pod. */
  prune(pods: readonly PodRecord[]): void {
    const live = new Set(pods.map((p) => p.uid));
    for (const key of this.seen.keys()) if (!live.has(key.slice(0, key.indexOf('/')))) this.seen.delete(key);
  }
}

function containersOf(pod: PodRecord): [string, { name: string; restartCount: number }][] {
  return [...pod.initContainers.map((c) => [`${pod.uid}/init/${c.name}`, c] as [string, typeof c]),
    ...pod.containers.map((c) => [`${pod.uid}/main/${c.name}`, c] as [string, typeof c])];
}

/** A fresh registry per scrape: the label sets of kube_node_labels and the like change with the objects. */
function familiesRegistry(families: readonly MetricFamily[]): Registry {
  const registry = new Registry();
  for (const f of families) {
    // An empty family without labels would print a made-up 0: leave it out.
    if (f.samples.length === 0) continue;
    const labelNames = [...new Set(f.samples.flatMap((s) => Object.keys(s.labels)))];
    if (f.type === 'counter') {
      const c = new Counter({ name: f.name, help: f.help, labelNames, registers: [registry] });
      for (const s of f.samples) c.inc(s.labels, s.value);
    } else {
      const g = new Gauge({ name: f.name, help: f.help, labelNames, registers: [registry] });
      for (const s of f.samples) g.set(s.labels, s.value);
    }
  }
  return registry;
}

export async function startMetrics(address: string, source: MetricsSource, log: Logger): Promise<MetricsEndpoint> {
  const { host, port } = parseListenAddress(address);
  const own = new Registry();
  // Process metrics are read on scrape; only the event-loop delay histogram samples all the time,
  // and at 1 s rather than prom-client's 10 ms it costs one wake-up a second.
  collectDefaultMetrics({ register: own, eventLoopMonitoringPrecision: 1000 });
  const reconcile = new Histogram({
    name: 'hostds_reconcile_duration_seconds', help: 'Time of one reconcile (files, node and pods → plan → effects)',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [own],
  });
  const probes = new Counter({ name: 'hostds_probe_total', help: 'Probe results by probe type (Liveness, Readiness, Startup) and result (successful, failed)',
    labelNames: ['probe_type', 'result'] as const, registers: [own] });
  const restarts = new RestartCounter(new Counter({ name: 'hostds_container_restarts_total', help: 'Container restarts by this agent, by DaemonSet and container',
    labelNames: ['namespace', 'daemonset', 'container'] as const, registers: [own] }), source.pods());

  const scrape = async (): Promise<string> => {
    const view = await source.view();
    // After the view: a restart it shows is counted in the same scrape (the view never runs ahead).
    const pods = source.pods();
    for (const p of pods) restarts.observe(p);
    restarts.prune(pods);
    return Registry.merge([familiesRegistry(viewFamilies(view, Date.now())), own]).metrics();
  };
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://metrics').pathname;
    if (path !== '/metrics') { res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics\n'); return; }
    if (req.method !== 'GET' && req.method !== 'HEAD') { res.writeHead(405, { allow: 'GET, HEAD' }).end(); return; }
    scrape().then((text) => {
      res.writeHead(200, { 'content-type': own.contentType }).end(req.method === 'HEAD' ? undefined : text);
    }, (err: unknown) => {
      log.error({ err: (err as Error).stack }, 'metrics scrape failed');
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`${(err as Error).message}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new CliError(`metrics.address ${address}: cannot listen: ${err.message}`)));
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as { address: string; port: number };
  const shown = `${bound.address.includes(':') ? `[${bound.address}]` : bound.address}:${bound.port}`;
  log.info({ address: shown }, 'serving metrics');
  return {
    address: shown,
    observeReconcile: (seconds) => reconcile.observe(seconds),
    observeProbe: (kind, ok) => probes.inc({ probe_type: PROBE_TYPE[kind], result: ok ? 'successful' : 'failed' }),
    observePod: (pod) => restarts.observe(pod),
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
