// The Prometheus endpoint of a real agent: scraped over HTTP on loopback, its series and label
// names checked against kube-state-metrics' documented ones, its numbers against what the daemon
// does (a kill -9 is a restart). Without metrics.address nothing listens and prom-client is never
// loaded: a module-load hook (node --import) lists every module the agent process loads.
import { readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { FIXTURES, prepareRoot, startAgent, statePids, type AgentProcess } from '../helpers/agent.js';
import { REPO, runCli, makeRoot } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';
import { waitForValue } from '../helpers/wait.js';
import { KSM_LABELS, labelNamesOf } from '../helpers/ksm.js';

interface Series { name: string; labels: Record<string, string>; value: number }

/** The text exposition format, enough of it for these checks (no escaped quotes in our values). */
function parseExposition(text: string): Series[] {
  return text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).map((line) => {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k!] = v!;
    return { name: m[1]!, labels, value: Number(m[3]) };
  });
}

async function scrape(port: number, path = '/metrics'): Promise<{ status: number; text: string; type: string | null }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') };
}

const find = (all: Series[], name: string, labels: Record<string, string> = {}): Series[] =>
  all.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

/** Waits until one series matching `labels` has a value for which `ok` holds. */
async function waitForSeries(port: number, name: string, labels: Record<string, string>, ok: (v: number) => boolean, what: string): Promise<Series[]> {
  return waitForValue(async () => {
    const all = parseExposition((await scrape(port)).text);
    return find(all, name, labels).some((s) => ok(s.value)) ? all : undefined;
  }, 15_000, what);
}

const DS = [
  'apiVersion: apps/v1', 'kind: DaemonSet', 'metadata: {name: exporter, namespace: monitoring, labels: {team: infra}}', 'spec:',
  '  selector: {matchLabels: {app: exporter}}', '  template:', '    metadata: {labels: {app: exporter}}', '    spec:',
  '      containers:', '      - name: main', '        image: prom/node-exporter',
  `        command: ${JSON.stringify([process.execPath, join(FIXTURES, 'forever.mjs')])}`,
  '        readinessProbe: {exec: {command: [/bin/true]}, periodSeconds: 1}', '',
].join('\n');

/** A `node --require` hook that appends the path of every module loaded to a file. */
async function moduleLogHook(dir: string): Promise<{ prefix: string[]; loaded: () => Promise<string[]> }> {
  const log = join(dir, 'modules.log');
  // The bundle is CommonJS: every chunk, and every package a chunk could require, passes Module._load.
  await writeFile(join(dir, 'hook.cjs'), [
    "const Module = require('node:module');",
    "const { appendFileSync } = require('node:fs');",
    'const load = Module._load;',
    'Module._load = function (request, parent, isMain) {',
    `  try { appendFileSync(${JSON.stringify(log)}, Module._resolveFilename(request, parent, isMain) + '\\n'); } catch {}`,
    '  return load.apply(this, arguments);',
    '};',
  ].join('\n'));
  return {
    // `env` execs the agent, so the pid is still the agent's.
    prefix: ['env', `NODE_OPTIONS=--require=${join(dir, 'hook.cjs')}`],
    loaded: async () => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter((l) => l !== ''),
  };
}

/** The bundle chunk that holds prom-client (its event-loop metric name is in no other). */
async function promClientChunk(): Promise<string> {
  const dir = join(REPO, 'dist/bundle');
  for (const f of (await readdir(dir)).filter((x) => x.endsWith('.cjs'))) {
    if ((await readFile(join(dir, f), 'utf8')).includes('nodejs_eventloop_lag_seconds')) return f;
  }
  throw new Error('no bundle chunk holds prom-client: run npm run build');
}

/** TCP sockets the process listens on: its socket fds matched against /proc/net/tcp{,6} LISTEN rows. */
async function listeningPorts(pid: number): Promise<number[]> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`)) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const m = /^socket:\[(\d+)\]$/.exec(target);
    if (m) inodes.add(m[1]!);
  }
  const ports: number[] = [];
  for (const table of ['tcp', 'tcp6']) {
    const rows = (await readFile(`/proc/${pid}/net/${table}`, 'utf8').catch(() => '')).split('\n').slice(1);
    for (const row of rows) {
      const f = row.trim().split(/\s+/);
      if (f[3] === '0A' && inodes.has(f[9]!)) ports.push(parseInt(f[1]!.split(':')[1]!, 16));
    }
  }
  return ports;
}

describe('metrics endpoint', () => {
  test('kube-state-metrics series and labels, restarts after kill -9, node conditions, taints and labels', async () => {
    const port = await freePort();
    const root = await prepareRoot({ 'exporter.yaml': DS }, `metrics: {address: "127.0.0.1:${port}"}\n`);
    expect((await runCli(['label', 'node', 'h1', 'disk=ssd'], { root })).code).toBe(0);
    expect((await runCli(['taint', 'node', 'h1', 'dedicated=db:PreferNoSchedule'], { root })).code).toBe(0);
    const hook = await moduleLogHook(root);
    const agent: AgentProcess = await startAgent(root, [], hook.prefix);
    try {
      const ds = { namespace: 'monitoring', daemonset: 'exporter' };
      let all = await waitForSeries(port, 'kube_daemonset_status_number_ready', ds, (v) => v === 1, 'the DaemonSet ready in the metrics');
      for (const name of ['kube_daemonset_status_desired_number_scheduled', 'kube_daemonset_status_current_number_scheduled', 'kube_daemonset_status_number_available', 'kube_daemonset_status_updated_number_scheduled']) {
        expect(find(all, name, ds).map((s) => s.value), name).toEqual([1]);
      }
      expect(find(all, 'kube_daemonset_status_number_misscheduled', ds).map((s) => s.value)).toEqual([0]);
      expect(find(all, 'kube_daemonset_labels', ds)[0]?.labels['label_team']).toBe('infra');

      // Every kube_* series is one kube-state-metrics documents, with its label names.
      const kube = all.filter((s) => s.name.startsWith('kube_'));
      expect(kube.length).toBeGreaterThan(40);
      for (const s of kube) {
        expect(KSM_LABELS[s.name], `${s.name} is not a kube-state-metrics series`).toBeDefined();
        expect(labelNamesOf(s.name, s.labels), s.name).toEqual([...KSM_LABELS[s.name]!].sort());
      }

      const pod = find(all, 'kube_pod_info', { namespace: 'monitoring', created_by_kind: 'DaemonSet', created_by_name: 'exporter' });
      expect(pod).toHaveLength(1);
      expect(pod[0]!.labels['node']).toBe('h1');
      const podName = pod[0]!.labels['pod']!;
      expect(podName).toMatch(/^exporter-[a-z0-9]{5}$/);
      const phases = Object.fromEntries(find(all, 'kube_pod_status_phase', { pod: podName }).map((s) => [s.labels['phase'], s.value]));
      expect(phases).toEqual({ Pending: 0, Running: 1, Succeeded: 0, Failed: 0, Unknown: 0 });
      expect(find(all, 'kube_pod_status_ready', { pod: podName, condition: 'true' }).map((s) => s.value)).toEqual([1]);

      expect(find(all, 'kube_node_status_condition', { node: 'h1', condition: 'Ready', status: 'true' }).map((s) => s.value)).toEqual([1]);
      for (const c of ['MemoryPressure', 'DiskPressure', 'PIDPressure']) expect(find(all, 'kube_node_status_condition', { node: 'h1', condition: c })).toHaveLength(3);
      expect(find(all, 'kube_node_spec_taint', { node: 'h1', key: 'dedicated', value: 'db', effect: 'PreferNoSchedule' }).map((s) => s.value)).toEqual([1]);
      expect(find(all, 'kube_node_labels', { node: 'h1', label_disk: 'ssd', label_kubernetes_io_hostname: 'h1' })).toHaveLength(1);
      expect(find(all, 'kube_node_spec_unschedulable', { node: 'h1' }).map((s) => s.value)).toEqual([0]);

      // hostds's own: the measurements, a reconcile observed, process metrics.
      expect(find(all, 'hostds_node_memory_available_bytes')[0]?.value).toBeGreaterThan(0);
      expect(find(all, 'hostds_nodefs_available_bytes').length).toBeGreaterThan(0);
      expect(find(all, 'hostds_reconcile_duration_seconds_count')[0]?.value).toBeGreaterThan(0);
      expect(find(all, 'process_resident_memory_bytes')[0]?.value).toBeGreaterThan(0);
      expect(find(all, 'process_cpu_seconds_total')).toHaveLength(1);
      expect(all.some((s) => s.name.startsWith('nodejs_heap_size_used_bytes'))).toBe(true);
      await waitForSeries(port, 'hostds_probe_total', { probe_type: 'Readiness', result: 'successful' }, (v) => v > 0, 'a readiness probe result counted');

      // kill -9 the daemon: the container restarts in the same pod.
      const pid = Object.values(await statePids(root))[0]!;
      process.kill(pid, 'SIGKILL');
      all = await waitForSeries(port, 'kube_pod_container_status_restarts_total', { pod: podName, container: 'main' }, (v) => v === 1, 'the restart in the metrics');
      expect(find(all, 'kube_pod_container_status_last_terminated_reason', { pod: podName, container: 'main' }).map((s) => s.value)).toEqual([1]);
      expect(find(all, 'kube_pod_container_status_last_terminated_exitcode', { pod: podName, container: 'main' }).map((s) => s.value)).toEqual([137]);
      expect(find(all, 'hostds_container_restarts_total', { ...ds, container: 'main' }).map((s) => s.value)).toEqual([1]);

      // Only /metrics; the listener is the agent's own, and it loaded prom-client's chunk.
      expect((await scrape(port, '/')).status).toBe(404);
      const ok = await scrape(port);
      expect(ok.status).toBe(200);
      expect(ok.type).toContain('text/plain; version=0.0.4');
      expect(await listeningPorts(agent.pid)).toContain(port);
      const chunk = await promClientChunk();
      expect((await hook.loaded()).some((u) => u.endsWith(`/${chunk}`))).toBe(true);
    } finally {
      expect(await agent.stop()).toBe(0);
    }
    // Closed at shutdown.
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });

  test('without metrics.address nothing listens and prom-client is never loaded (agent and CLI)', async () => {
    const root = await prepareRoot({ 'exporter.yaml': DS });
    const hook = await moduleLogHook(await makeRoot());
    const agent = await startAgent(root, [], hook.prefix);
    try {
      const r = await runCli(['get', 'ds', '-A'], { root, env: { NODE_OPTIONS: hook.prefix[1]!.slice('NODE_OPTIONS='.length) } });
      expect(r.stdout).toContain('exporter');
      expect(await listeningPorts(agent.pid)).toEqual([]);
      const loaded = await hook.loaded();
      const chunk = await promClientChunk();
      // The hook saw the agent's own chunks (so it works), and never prom-client's.
      expect(loaded.some((u) => /\/dist\/bundle\/agent-[^/]+\.cjs$/.test(u))).toBe(true);
      expect(loaded.filter((u) => u.endsWith(`/${chunk}`) || u.includes('prom-client'))).toEqual([]);
    } finally {
      expect(await agent.stop()).toBe(0);
    }
  });
});
