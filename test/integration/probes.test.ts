// The probe runner and manager against real servers and real processes: a fixture daemon that a
// test flips unhealthy or hung by creating a file, a port that never completes a connection,
// and real exec probes. Every process a test starts is SIGKILLed by pid in afterEach.
import { execFile, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { ProbeManager } from '../../src/probes/manager.js';
import { runProbe } from '../../src/probes/run.js';
import type { ProbeHandler, ProbeSpec } from '../../src/probes/spec.js';
import type { ProbeEvent, ProbeResult } from '../../src/probes/tracker.js';
import { bundleModule } from '../helpers/bundle.js';
import { waitFor, waitForValue } from '../helpers/wait.js';

const REPO = resolve(import.meta.dirname, '../..');
const fixture = (name: string): string => join(REPO, 'test/fixtures', name);
const ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

function procStart(pid: number): string | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Gone from /proc, or a zombie (this host's init may not reap orphans). */
function isGone(pid: number): boolean {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

const tracked: { pid: number; start: string }[] = [];
function track(pid: number): void {
  const start = procStart(pid);
  if (start !== undefined) tracked.push({ pid, start });
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hostds-probes-'));
});
afterEach(async () => {
  for (const { pid, start } of tracked.splice(0)) {
    if (procStart(pid) !== start) continue; // gone, or the pid was reused
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await rm(dir, { recursive: true, force: true });
});

/** Starts a fixture that prints `READY {json}` and returns that json. */
async function startFixture<T>(script: string, args: string[]): Promise<T> {
  const child = spawn(process.execPath, [fixture(script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  if (child.pid !== undefined) track(child.pid);
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d: string) => { out += d; });
  const line = await waitForValue(() => /^READY (.*)$/m.exec(out)?.[1] ?? (child.exitCode !== null ? 'exited' : undefined), 10_000, `${script} to listen`);
  if (line === 'exited') throw new Error(`${script} exited with ${child.exitCode}`);
  child.stdout.destroy();
  return JSON.parse(line) as T;
}

interface Ports { pid: number; http: number; tcp: number; https?: number }

async function startServer(extra: string[] = []): Promise<Ports & { unhealthy: string; hang: string }> {
  const unhealthy = join(dir, 'unhealthy');
  const hang = join(dir, 'hang');
  const ports = await startFixture<Ports>('probe-server.mjs', ['--http', '0', '--tcp', '0', '--unhealthy', unhealthy, '--hang', hang, ...extra]);
  return { ...ports, unhealthy, hang };
}

async function stats(port: number, reset = false): Promise<{ current: number; max: number; total: number }> {
  const res = await fetch(`http://127.0.0.1:${port}/__stats${reset ? '?reset=1' : ''}`);
  return (await res.json()) as { current: number; max: number; total: number };
}

/** A port nothing listens on (just closed). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((ok) => server.close(ok));
  return port;
}

function spec(handler: ProbeHandler, over: Partial<ProbeSpec> = {}): ProbeSpec {
  return { kind: 'liveness', handler, initialDelayMs: 0, periodMs: 10_000, timeoutMs: 5_000, successThreshold: 1, failureThreshold: 3, ...over };
}
const http = (port: number, path: string, headers: [string, string][] = [], scheme: 'HTTP' | 'HTTPS' = 'HTTP'): ProbeHandler =>
  ({ type: 'http', scheme, host: '127.0.0.1', port, path, headers });
const sh = (script: string, over: Partial<{ workingDir: string }> = {}): ProbeHandler => ({ type: 'exec', command: ['/bin/sh', '-c', script], ...over });

async function timed(p: Promise<ProbeResult>): Promise<ProbeResult & { ms: number }> {
  const t0 = performance.now();
  const r = await p;
  return { ...r, ms: performance.now() - t0 };
}

describe('http probes', () => {
  test('200 → success with the body; 500 while the unhealthy file exists; 200 again once removed', async () => {
    const s = await startServer();
    const probe = spec(http(s.http, '/healthz'));
    expect(await runProbe(probe, ENV)).toEqual({ ok: true, message: 'ok' });
    await writeFile(s.unhealthy, '');
    expect(await runProbe(probe, ENV)).toEqual({ ok: false, message: 'HTTP probe failed with statuscode: 500' });
    await rm(s.unhealthy);
    expect((await runProbe(probe, ENV)).ok).toBe(true);
  });

  test.each([
    { status: 204, ok: true, warning: undefined },
    { status: 304, ok: true, warning: true },
    { status: 399, ok: true, warning: true },
    { status: 400, ok: false, warning: undefined },
    { status: 404, ok: false, warning: undefined },
    { status: 503, ok: false, warning: undefined },
  ])('status $status → ok $ok', async ({ status, ok, warning }) => {
    const s = await startServer();
    const r = await runProbe(spec(http(s.http, `/status/${status}`)), ENV);
    expect(r.ok).toBe(ok);
    expect(r.warning).toBe(warning);
    if (!ok) expect(r.message).toBe(`HTTP probe failed with statuscode: ${status}`);
  });

  test('a hung server → timeout after timeoutSeconds, Go client wording', async () => {
    const s = await startServer();
    await writeFile(s.hang, '');
    const r = await timed(runProbe(spec(http(s.http, '/healthz'), { timeoutMs: 1_000 }), ENV));
    expect(r.ok).toBe(false);
    expect(r.message).toBe(`Get "http://127.0.0.1:${s.http}/healthz": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`);
    expect(r.ms).toBeGreaterThanOrEqual(900);
    expect(r.ms).toBeLessThan(5_000);
    await waitFor(async () => (await stats(s.http)).current === 0, 5_000, 'the server to see the probe hang up');
  });

  test('headers sent, body never → timeout while reading the body', async () => {
    const s = await startServer();
    const r = await runProbe(spec(http(s.http, '/slow-body'), { timeoutMs: 1_000 }), ENV);
    expect(r).toEqual({ ok: false, message: `Get "http://127.0.0.1:${s.http}/slow-body": context deadline exceeded (Client.Timeout or context cancellation while reading body)` });
  });

  test('connection refused', async () => {
    const port = await freePort();
    const r = await runProbe(spec(http(port, '/healthz')), ENV);
    expect(r).toEqual({ ok: false, message: `Get "http://127.0.0.1:${port}/healthz": dial tcp 127.0.0.1:${port}: connect: connection refused` });
  });

  test('request headers: kube-probe User-Agent, Accept */*, Host from httpHeaders, custom ones', async () => {
    const s = await startServer();
    const r = await runProbe(spec(http(s.http, '/headers', [['Host', 'svc.example'], ['X-Probe', 'yes']])), ENV);
    expect(r.ok).toBe(true);
    const seen = JSON.parse(r.message) as Record<string, string>;
    expect(seen).toMatchObject({ 'user-agent': 'kube-probe/1.31', accept: '*/*', host: 'svc.example', 'x-probe': 'yes' });
    expect(seen['accept-encoding']).toBeUndefined();
  });

  test('without a Host header the host is the address probed', async () => {
    const s = await startServer();
    const seen = JSON.parse((await runProbe(spec(http(s.http, '/headers')), ENV)).message) as Record<string, string>;
    expect(seen['host']).toBe(`127.0.0.1:${s.http}`);
  });

  test('redirects: same host followed; another host not followed, success with a warning; a loop stops after 10', async () => {
    const s = await startServer();
    expect(await runProbe(spec(http(s.http, '/redirect/same')), ENV)).toEqual({ ok: true, message: 'ok' });
    expect(await runProbe(spec(http(s.http, '/redirect/other')), ENV))
      .toEqual({ ok: true, warning: true, message: 'Probe terminated redirects, Response body: moved elsewhere' });
    expect(await runProbe(spec(http(s.http, '/redirect/loop')), ENV))
      .toEqual({ ok: false, message: `Get "http://127.0.0.1:${s.http}/redirect/loop": stopped after 10 redirects` });
  });

  test('a large body is read up to 10 KiB', async () => {
    const s = await startServer();
    const r = await runProbe(spec(http(s.http, '/big')), ENV);
    expect(r.ok).toBe(true);
    expect(r.message).toHaveLength(10 * 1024);
  });

  test('an aborted probe ends at once', async () => {
    const s = await startServer();
    await writeFile(s.hang, '');
    const controller = new AbortController();
    const pending = timed(runProbe(spec(http(s.http, '/healthz'), { timeoutMs: 20_000 }), ENV, controller.signal));
    await waitFor(async () => (await stats(s.http)).current === 1, 5_000, 'the probe to reach the server');
    controller.abort();
    const r = await pending;
    expect(r).toMatchObject({ ok: false, message: 'probe aborted' });
    expect(r.ms).toBeLessThan(10_000);
  });

  test('HTTPS with a self-signed certificate: not verified, like the kubelet', async (ctx) => {
    if (spawnSync('openssl', ['version']).status !== 0) {
      ctx.skip('openssl is not installed: cannot make a self-signed certificate');
      return;
    }
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    expect(made.status).toBe(0);
    const s = await startServer(['--https', '0', '--cert', cert, '--key', key]);
    expect(await runProbe(spec(http(s.https!, '/healthz', [], 'HTTPS')), ENV)).toEqual({ ok: true, message: 'ok' });
    await writeFile(s.unhealthy, '');
    expect(await runProbe(spec(http(s.https!, '/healthz', [], 'HTTPS')), ENV)).toEqual({ ok: false, message: 'HTTP probe failed with statuscode: 500' });
  });
});

describe('tcp probes', () => {
  test('a listening port → success', async () => {
    const s = await startServer();
    expect(await runProbe(spec({ type: 'tcp', host: '127.0.0.1', port: s.tcp }), ENV)).toEqual({ ok: true, message: '' });
  });

  test('connection refused', async () => {
    const port = await freePort();
    expect(await runProbe(spec({ type: 'tcp', host: '127.0.0.1', port }), ENV))
      .toEqual({ ok: false, message: `dial tcp 127.0.0.1:${port}: connect: connection refused` });
  });

  test('a port that never completes the handshake → i/o timeout', async () => {
    const { port } = await startFixture<{ port: number }>('probe-blackhole.mjs', []);
    // Fill the blackhole's accept queue; later SYNs are dropped.
    let connected = 0;
    const fillers = Array.from({ length: 4 }, () =>
      net.connect({ host: '127.0.0.1', port }).on('error', () => undefined).on('connect', () => { connected++; }));
    try {
      await waitFor(() => connected >= 1, 5_000, 'the accept queue to fill');
      const r = await timed(runProbe(spec({ type: 'tcp', host: '127.0.0.1', port }, { timeoutMs: 1_000 }), ENV));
      expect(r).toMatchObject({ ok: false, message: `dial tcp 127.0.0.1:${port}: i/o timeout` });
      expect(r.ms).toBeLessThan(5_000);
    } finally {
      for (const f of fillers) f.destroy();
    }
  });
});

describe('exec probes', () => {
  test('exit 0 → success with the output; non-zero → failure with the output', async () => {
    expect(await runProbe(spec(sh('echo fine')), ENV)).toEqual({ ok: true, message: 'fine\n' });
    expect(await runProbe(spec(sh('echo sick >&2; exit 3')), ENV)).toEqual({ ok: false, message: 'sick\n' });
  });

  test('the classic: cat a file that exists, then does not', async () => {
    const file = join(dir, 'healthy');
    await writeFile(file, 'yes\n');
    const probe = spec({ type: 'exec', command: ['cat', file] });
    expect(await runProbe(probe, ENV)).toEqual({ ok: true, message: 'yes\n' });
    await rm(file);
    const r = await runProbe(probe, ENV);
    expect(r.ok).toBe(false);
    expect(r.message).toContain('No such file or directory');
  });

  test('no output → the message says how it ended', async () => {
    expect(await runProbe(spec(sh('exit 4')), ENV)).toEqual({ ok: false, message: 'command exited with code 4' });
  });

  test('runs with the given environment, in the working directory, without a shell', async () => {
    expect(await runProbe(spec(sh('echo "$GREETING"')), { ...ENV, GREETING: 'hi there' })).toEqual({ ok: true, message: 'hi there\n' });
    expect(await runProbe(spec(sh('pwd', { workingDir: dir })), ENV)).toEqual({ ok: true, message: `${dir}\n` });
    expect(await runProbe(spec({ type: 'exec', command: ['echo', '$HOME', '*'] }), ENV)).toEqual({ ok: true, message: '$HOME *\n' });
  });

  test('a missing command or working directory fails with the runtime\'s words', async () => {
    expect(await runProbe(spec({ type: 'exec', command: ['no-such-probe-command'] }), ENV))
      .toEqual({ ok: false, message: 'exec: "no-such-probe-command": executable file not found in $PATH' });
    expect(await runProbe(spec({ type: 'exec', command: ['true'], workingDir: join(dir, 'nope') }), ENV))
      .toEqual({ ok: false, message: `chdir to cwd ("${join(dir, 'nope')}") failed: no such file or directory` });
  });

  test('runs as the container\'s user (as root), or says why it cannot (as anyone else)', async () => {
    const root = process.getuid?.() === 0;
    const r = await runProbe(spec({ type: 'exec', command: ['id', '-u'], uid: root ? 65534 : 0, gid: root ? 65534 : 0 }), ENV);
    expect(r).toEqual(root
      ? { ok: true, message: '65534\n' }
      : { ok: false, message: 'exec: "id": cannot run as the container\'s user: operation not permitted (the agent is not root)' });
  });

  test('output is capped at 10 KiB', async () => {
    const r = await runProbe(spec(sh('head -c 20000 /dev/zero | tr "\\0" x; exit 1')), ENV);
    expect(r).toMatchObject({ ok: false });
    expect(r.message).toHaveLength(10 * 1024);
  });

  test('timeout → failure, and the probe\'s whole process group is killed', async () => {
    const pids = join(dir, 'pids');
    const r = await timed(runProbe(spec(sh(`sleep 30 & echo "$$ $!" > ${pids}; wait`), { timeoutMs: 1_000 }), ENV));
    expect(r).toMatchObject({ ok: false, message: 'command timed out after 1s' });
    expect(r.ms).toBeLessThan(5_000);
    const [shell, sleeper] = (await readFile(pids, 'utf8')).trim().split(' ').map(Number) as [number, number];
    await waitFor(() => isGone(shell) && isGone(sleeper), 5_000, `pids ${shell} and ${sleeper} to be gone`);
  });

  test('whatever a finished probe left running in its group is killed too', async () => {
    const pids = join(dir, 'pids');
    const r = await timed(runProbe(spec(sh(`sleep 30 & echo $! > ${pids}; echo done`), { timeoutMs: 10_000 }), ENV));
    expect(r).toMatchObject({ ok: true, message: 'done\n' });
    expect(r.ms).toBeLessThan(5_000); // not held until the timeout by the sleeper's open stdout
    const sleeper = Number((await readFile(pids, 'utf8')).trim());
    await waitFor(() => isGone(sleeper), 5_000, `pid ${sleeper} to be gone`);
  });
});

test('grpc probes fail with a clear message', async () => {
  expect(await runProbe(spec({ type: 'grpc', port: 9090 }), ENV)).toEqual({ ok: false, message: 'grpc probes are not supported by hostds' });
});

describe('the manager with real probes', () => {
  test('20 containers with hung probes, cap 4: never more than 4 in flight, no pile-up, all ready once healed', async () => {
    const s = await startServer();
    await writeFile(s.hang, '');
    let inFlight = 0;
    let maxInFlight = 0;
    const perKey = new Map<string, number>();
    let overlap = false;
    const run = async (p: ProbeSpec, env: Record<string, string>, signal?: AbortSignal, o?: { unref?: boolean }): Promise<ProbeResult> => {
      const key = env['KEY']!;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      perKey.set(key, (perKey.get(key) ?? 0) + 1);
      if (perKey.get(key)! > 1) overlap = true;
      try {
        return await runProbe(p, env, signal, o);
      } finally {
        inFlight--;
        perKey.set(key, perKey.get(key)! - 1);
      }
    };
    const manager = new ProbeManager({ maxConcurrent: 4, run });
    const ready = new Set<string>();
    const unhealthy = new Map<string, number>();
    try {
      const t0 = performance.now();
      for (let i = 0; i < 20; i++) {
        const key = `ds-${i}`;
        manager.add(key, [spec(http(s.http, '/healthz'), { kind: 'readiness', periodMs: 1_000, timeoutMs: 1_000 })], { KEY: key }, (e: ProbeEvent) => {
          if (e.type === 'Ready') ready.add(key);
          if (e.type === 'Unhealthy') unhealthy.set(key, (unhealthy.get(key) ?? 0) + 1);
        }, 'main');
      }
      await waitFor(async () => (await stats(s.http)).total >= 12, 20_000, 'three rounds of hung probes');
      const server = await stats(s.http);
      const elapsed = performance.now() - t0;
      expect(server.max).toBeLessThanOrEqual(4);
      expect(maxInFlight).toBe(4);
      expect(overlap).toBe(false);
      // Each slot holds a hung probe for its 1 s timeout: no more runs than the slots allow.
      expect(server.total).toBeLessThanOrEqual(4 * (Math.ceil(elapsed / 1_000) + 1));
      expect(manager.stats().queued).toBeLessThanOrEqual(16);
      expect([...unhealthy.values()].reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(8);

      await stats(s.http, true);
      const healed = performance.now();
      await rm(s.hang);
      await waitFor(() => ready.size === 20, 20_000, 'all 20 containers to turn ready');
      const after = await stats(s.http);
      // No backlog burst once healed: at most one run per container per period, plus those in flight.
      expect(after.total).toBeLessThanOrEqual(20 * (Math.ceil((performance.now() - healed) / 1_000) + 1) + 4);
      expect(after.max).toBeLessThanOrEqual(4);
      expect(maxInFlight).toBe(4);
      expect(overlap).toBe(false);
    } finally {
      manager.close();
    }
  });

  test('liveness through the manager: Unhealthy ×3 then LivenessFailed with kubelet messages; reset probes again', async () => {
    const s = await startServer();
    await writeFile(s.unhealthy, '');
    const manager = new ProbeManager({});
    const events: ProbeEvent[] = [];
    try {
      manager.add('p', [spec(http(s.http, '/healthz'), { periodMs: 200, timeoutMs: 2_000 })], ENV, (e) => events.push(e), 'main');
      await waitFor(() => events.some((e) => e.type === 'LivenessFailed'), 10_000, 'LivenessFailed');
      expect(events.map((e) => e.message)).toEqual([
        'Liveness probe failed: HTTP probe failed with statuscode: 500',
        'Liveness probe failed: HTTP probe failed with statuscode: 500',
        'Liveness probe failed: HTTP probe failed with statuscode: 500',
        'Container main failed liveness probe, will be restarted',
      ]);
      expect(manager.state('p')).toMatchObject({ live: false });
      await rm(s.unhealthy);
      manager.reset('p');
      await waitFor(async () => (manager.state('p')?.probes.liveness?.successes ?? 0) >= 1, 10_000, 'a success after reset');
      expect(manager.state('p')!.live).toBe(true);
    } finally {
      manager.close();
    }
  });

  test('remove() aborts an in-flight exec probe and kills its group', async () => {
    const pids = join(dir, 'pids');
    const manager = new ProbeManager({});
    const events: ProbeEvent[] = [];
    try {
      manager.add('p', [spec(sh(`echo $$ > ${pids}; exec sleep 30`), { timeoutMs: 20_000 })], ENV, (e) => events.push(e));
      const pid = await waitForValue(async () => {
        const text = await readFile(pids, 'utf8').catch(() => '');
        return text.trim() === '' ? undefined : Number(text.trim());
      }, 10_000, 'the probe to start');
      manager.remove('p');
      await waitFor(() => isGone(pid), 5_000, `probe pid ${pid} to be gone`);
      await waitFor(() => manager.stats().inFlight === 0, 5_000, 'the slot to be freed');
      expect(events).toEqual([]);
    } finally {
      manager.close();
    }
  });
});

describe('probes never hold the process', () => {
  const bundle = join(tmpdir(), `hostds-probes-bundle-${process.pid}.mjs`);
  beforeAll(async () => {
    // The owner is plain node: it runs the module bundled.
    await bundleModule('src/probes/manager.ts', bundle);
  });
  afterAll(async () => {
    await rm(bundle, { force: true });
  });

  test('a process with probes scheduled and in flight exits by itself, and its exec probe dies with it', async () => {
    const s = await startServer();
    await writeFile(s.hang, '');
    const pidFile = join(dir, 'probe.pid');
    const t0 = performance.now();
    const { stdout } = await promisify(execFile)(process.execPath,
      [fixture('probe-owner.mjs'), bundle, String(s.http), pidFile], { timeout: 15_000 });
    expect(performance.now() - t0).toBeLessThan(15_000);
    expect(stdout).toContain('LEAVING');
    const pid = Number((await readFile(pidFile, 'utf8')).trim());
    await waitFor(() => isGone(pid), 5_000, `exec probe pid ${pid} to be gone`);
  });
});

