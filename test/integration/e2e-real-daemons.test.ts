// Issue 7, real daemons: the examples in examples/daemonsets run Debian's prometheus-node-exporter
// and collectd under the real agent. Nothing runs until the host is labelled monitoring=true;
// then both become READY through their own probes, node-exporter serves node_load1 over
// loopback, collectd serves memory values on its unix socket, editing collectd.conf rolls
// collectd, and removing the label stops both (pids checked in /proc).
// The packages are installed when missing (root and apt-get needed); the test is skipped, saying
// why, when they cannot be. The examples are copied with their paths moved under the temporary
// root and node-exporter moved to a free port, so a host's own daemons are never touched.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { getPods, isAlive, prepareRoot, startAgent, statePids, type PodRow } from '../helpers/agent.js';
import { NODE, REPO, runCli, writeManifest } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';
import { waitFor, waitForValue } from '../helpers/wait.js';

const EXAMPLES = join(REPO, 'examples/daemonsets');
const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';
const COLLECTD = '/usr/sbin/collectd';
const COLLECTDCTL = '/usr/bin/collectdctl';
const PACKAGES = ['prometheus-node-exporter', 'collectd-core', 'collectd-utils'];
// The paths the examples use on a real host; the test moves each under its temporary root.
const CONF = '/etc/hostds/collectd/collectd.conf';
const SOCK = '/run/collectd-hostds.sock';
const BASE_DIR = '/var/lib/collectd-hostds';
const PID_FILE = '/run/collectd-hostds.pid';

const run = promisify(execFile);
const hasBinaries = (): boolean => [NODE_EXPORTER, COLLECTD, COLLECTDCTL].every((p) => existsSync(p));

/** Installs the packages when a binary is missing; returns why the test cannot run, or undefined. */
async function ensurePackages(): Promise<string | undefined> {
  if (hasBinaries()) return undefined;
  if (process.getuid?.() !== 0) return `needs ${PACKAGES.join(', ')} installed (not root, so not installing them)`;
  try {
    // Debian's postinst scripts ask invoke-rc.d to start the services; without systemd or a
    // runlevel (CI, containers) it refuses, and the test's own copies use other ports and paths.
    await run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...PACKAGES], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 150_000, maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    const detail = (err as { stderr?: string }).stderr?.trim().split('\n').slice(-2).join(' / ') ?? String(err);
    return `apt-get install ${PACKAGES.join(' ')} failed (offline?): ${detail}`;
  }
  return hasBinaries() ? undefined : `apt-get installed ${PACKAGES.join(' ')} but a binary is still missing`;
}

/** `text` with every `from` replaced; throws when `from` is absent, so a changed example fails loudly. */
function substitute(text: string, pairs: [string, string][]): string {
  return pairs.reduce((t, [from, to]) => {
    if (!t.includes(from)) throw new Error(`the example no longer contains ${JSON.stringify(from)}; update this test`);
    return t.replaceAll(from, to);
  }, text);
}

/** The collectd.conf documented in examples/daemonsets/README.md (its only ```apache block). */
async function collectdConfFromReadme(): Promise<string> {
  const readme = await readFile(join(EXAMPLES, 'README.md'), 'utf8');
  const m = /^```apache\n([\s\S]*?)^```$/m.exec(readme);
  if (!m) throw new Error('examples/daemonsets/README.md has no ```apache block with collectd.conf');
  return m[1]!;
}


/** One command on collectd's unixsock: the status line says how many lines follow. */
async function askCollectd(socket: string, command: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const c = connect(socket);
    let buf = '';
    const timer = setTimeout(() => { c.destroy(); reject(new Error(`no answer to ${command} on ${socket}`)); }, 5000);
    c.setEncoding('utf8');
    c.on('error', (err) => { clearTimeout(timer); reject(err); });
    c.on('connect', () => c.write(`${command}\n`));
    c.on('data', (d: string) => {
      buf += d;
      const lines = buf.split('\n');
      const count = Number.parseInt(lines[0] ?? '', 10);
      if (Number.isNaN(count) || lines.length < 2) return;
      if (count < 0) { clearTimeout(timer); c.destroy(); reject(new Error(`collectd: ${lines[0]}`)); return; }
      if (lines.length - 1 <= count) return;
      clearTimeout(timer);
      c.end();
      resolve(lines.slice(1, 1 + count));
    });
  });
}

async function dsRow(root: string, name: string): Promise<string[]> {
  const line = (await runCli(['get', 'ds', name, '-n', 'monitoring'], { root })).stdout.split('\n')[1] ?? '';
  return line.trim().split(/\s+/);
}

async function cmdline(pid: number): Promise<string> {
  return (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).replaceAll('\0', ' ');
}

async function uidOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^Uid:\s+(\d+)/m.exec(status)![1]);
}

/** The pid of the one container of the pod whose name starts with `prefix-`. */
async function pidOf(root: string, prefix: string): Promise<number | undefined> {
  return Object.entries(await statePids(root)).find(([key]) => key.startsWith(`${prefix}-`))?.[1];
}

const bothReady = (pods: PodRow[]): boolean => ['prometheus-node-exporter-', 'collectd-']
  .every((p) => pods.some((pod) => pod.name.startsWith(p) && pod.status === 'Running' && pod.ready === '1/1'));

// Every daemon this test saw, killed by pid whatever happens (the helpers also kill by marker).
const seen = new Map<number, string>();
afterEach(async () => {
  for (const [pid, binary] of seen) {
    if (await isAlive(pid) && (await cmdline(pid)).includes(binary)) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    }
  }
  seen.clear();
});

let skipReason: string | undefined;
beforeAll(async () => { skipReason = await ensurePackages(); }, 180_000);

describe('real daemons from Debian packages (examples/daemonsets)', () => {
  test('label → node-exporter and collectd READY and serving; config edit rolls collectd; unlabel → both gone', async (ctx) => {
    if (skipReason !== undefined) ctx.skip(skipReason);
    const root = await prepareRoot();
    const port = await freePort();
    const at = (p: string): string => join(root, p);
    const exporterYaml = substitute(await readFile(join(EXAMPLES, 'prometheus-node-exporter.yaml'), 'utf8'),
      [['127.0.0.1:9100', `127.0.0.1:${port}`], ['port: 9100', `port: ${port}`]]);
    const collectdYaml = substitute(await readFile(join(EXAMPLES, 'collectd.yaml'), 'utf8'), [[CONF, at(CONF)], [SOCK, at(SOCK)]]);
    const conf = substitute(await collectdConfFromReadme(), [[BASE_DIR, at(BASE_DIR)], [SOCK, at(SOCK)], [PID_FILE, at(PID_FILE)]]);
    await mkdir(at('/etc/hostds/collectd'), { recursive: true });
    await mkdir(at('/run'), { recursive: true });
    await writeFile(at(CONF), conf);
    await writeManifest(root, 'prometheus-node-exporter.yaml', exporterYaml);
    await writeManifest(root, 'collectd.yaml', collectdYaml);
    const hostds = (...args: string[]) => runCli(args, { root });
    const agent = await startAgent(root);

    // No label: nothing runs, and `why` names the missing label.
    for (const ds of ['prometheus-node-exporter', 'collectd']) {
      await waitFor(async () => (await dsRow(root, ds)).slice(0, 3).join(' ') === `${ds} 0 0`, 5000, `${ds} DESIRED 0`);
      const why = await hostds('why', 'ds', ds, '-n', 'monitoring');
      expect(why.stdout).toContain('DESIRED 0');
      expect(why.stdout).toContain('this host has no label monitoring');
      expect(why.stdout).toContain(`hostds label node ${NODE} monitoring=true`);
    }
    expect(await getPods(root)).toEqual([]);

    // Label: both start and their own probes make them READY.
    expect((await hostds('label', 'node', NODE, 'monitoring=true')).stdout).toBe(`node/${NODE} labeled\n`);
    await waitFor(async () => bothReady(await getPods(root)), 25_000, 'both pods Running and READY 1/1');
    const exporterPid = (await pidOf(root, 'prometheus-node-exporter'))!;
    const collectdPid = (await pidOf(root, 'collectd'))!;
    seen.set(exporterPid, NODE_EXPORTER).set(collectdPid, COLLECTD);
    expect(await cmdline(exporterPid)).toContain(`${NODE_EXPORTER} --web.listen-address=127.0.0.1:${port}`);
    expect(await uidOf(exporterPid)).toBe(65534);
    expect(await cmdline(collectdPid)).toContain(`${COLLECTD} -f -C ${at(CONF)}`);
    await waitFor(async () => (await dsRow(root, 'prometheus-node-exporter')).slice(1, 6).join(' ') === '1 1 1 1 1', 5000, 'node-exporter 1 1 1 1 1');
    await waitFor(async () => (await dsRow(root, 'collectd')).slice(1, 6).join(' ') === '1 1 1 1 1', 5000, 'collectd 1 1 1 1 1');

    // node-exporter serves the host's metrics over loopback.
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/^node_load1 \d/m);

    // collectd serves memory values on its unix socket.
    const memory = await waitForValue(async () => (await askCollectd(at(SOCK), 'LISTVAL'))
      .map((l) => l.split(' ')[1] ?? '').find((id) => /\/memory\/memory-used$/.test(id)), 10_000, 'a memory value in LISTVAL');
    const [value] = await askCollectd(at(SOCK), `GETVAL "${memory}"`);
    expect(Number(/^value=(\S+)$/.exec(value ?? '')?.[1])).toBeGreaterThan(0);

    // Editing collectd.conf (restart-on-change) rolls collectd; node-exporter is left alone.
    await appendFile(at(CONF), '# edited by the test\n');
    await waitFor(async () => !(await isAlive(collectdPid)), 15_000, 'the old collectd to stop after the config edit');
    await waitFor(async () => bothReady(await getPods(root)), 20_000, 'the new collectd READY 1/1');
    const rolledPid = (await pidOf(root, 'collectd'))!;
    seen.set(rolledPid, COLLECTD);
    expect(rolledPid).not.toBe(collectdPid);
    expect(await isAlive(exporterPid)).toBe(true);

    // Unlabel: both stop, their processes are gone.
    expect((await hostds('label', 'node', NODE, 'monitoring-')).stdout).toBe(`node/${NODE} unlabeled\n`);
    await waitFor(async () => !(await isAlive(exporterPid)) && !(await isAlive(rolledPid)), 15_000, 'both daemons to stop');
    await waitFor(async () => (await getPods(root)).length === 0, 5000, 'no pods');
    for (const ds of ['prometheus-node-exporter', 'collectd']) expect((await dsRow(root, ds)).slice(0, 3).join(' ')).toBe(`${ds} 0 0`);
    expect(existsSync(at(SOCK))).toBe(false);
    await agent.stop();
  }, 60_000);
});
