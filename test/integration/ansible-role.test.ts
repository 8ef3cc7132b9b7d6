// Issue 7, Ansible: packaging/ansible (role hostds, site.yml, rollout.yml) run by the real
// ansible-playbook against three inventory hosts on this machine (ansible_connection=local). Each
// host has its own temporary root and node name, and uses this checkout's bin/hostds
// (hostds_install: false, hostds_service: false). The site.yml tests check config.yaml,
// manifests.d (an extra manifest is removed), labels and taints as `hostds get node -o json`
// shows them, a second run with changed=0 everywhere, an honest --check --diff (changes
// reported, nothing written), and an invalid config refused before it is put in place.
// The rollout test runs rollout.yml against three real agents: one host at a time, each gated
// on `hostds rollout status`, and a host whose agent is down stops the play.
// The last tests run site.yml as on a real host (hostds_install, hostds_service) inside a systemd
// container (test/helpers/nspawn.ts): the .deb built from this checkout is installed with apt, the
// unit enabled and started, and a config change reloads it.
// Each part is skipped, saying why, when its tools are missing (Debian: apt-get install ansible
// python3-apt systemd-container).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { BIN, dsYaml, NODE, REPO, runCli } from '../helpers/cli.js';
import { getPods, prepareRoot, startAgent, waitForRunning } from '../helpers/agent.js';
import { bootContainer, nspawnSkipReason, type Container, CONTAINER_SLEEPER } from '../helpers/nspawn.js';
import { waitFor } from '../helpers/wait.js';

const ANSIBLE_DIR = join(REPO, 'packaging/ansible');
const SITE = join(ANSIBLE_DIR, 'site.yml');
const ROLLOUT = join(ANSIBLE_DIR, 'rollout.yml');
const PLAYBOOK_TIMEOUT_MS = 90_000;

function findAnsible(): string | undefined {
  const r = spawnSync('ansible-playbook', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? undefined : 'ansible-playbook is not installed (Debian: apt-get install ansible)';
}
const NO_ANSIBLE = findAnsible();

// ---- running ansible-playbook ----------------------------------------------------------------

interface Recap { ok: number; changed: number; unreachable: number; failed: number; skipped: number }
interface PlaybookRun { code: number; output: string; recap: Record<string, Recap> }

const playbooks = new Set<ChildProcess>();
afterEach(() => {
  for (const p of playbooks) if (p.pid !== undefined && p.exitCode === null) process.kill(p.pid, 'SIGKILL');
  playbooks.clear();
});

/** PLAY RECAP lines → per-host counts. */
function parseRecap(output: string): Record<string, Recap> {
  const recap: Record<string, Recap> = {};
  const section = output.slice(output.lastIndexOf('PLAY RECAP'));
  for (const m of section.matchAll(/^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)/gm)) {
    recap[m[1]!] = { ok: Number(m[2]), changed: Number(m[3]), unreachable: Number(m[4]), failed: Number(m[5]), skipped: Number(m[6]) };
  }
  return recap;
}

/** Runs ansible-playbook in `work` (its temp files stay there), with this checkout's node first on PATH for bin/hostds. */
function runPlaybook(work: string, playbook: string, inventory: string, args: string[] = []): Promise<PlaybookRun> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${dirname(process.execPath)}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    ANSIBLE_CONFIG: join(work, 'ansible.cfg'),
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_FORCE_COLOR: '0',
    ANSIBLE_STDOUT_CALLBACK: 'default',
    ANSIBLE_LOCAL_TEMP: join(work, 'tmp-local'),
    ANSIBLE_REMOTE_TEMP: join(work, 'tmp-remote'),
    ANSIBLE_RETRY_FILES_ENABLED: '0',
    ANSIBLE_DEPRECATION_WARNINGS: '0',
    NO_COLOR: '1',
  };
  const child = spawn('ansible-playbook', ['-i', inventory, playbook, ...args], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
  playbooks.add(child);
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { output += d; });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { output += d; });
  const timer = setTimeout(() => child.kill('SIGKILL'), PLAYBOOK_TIMEOUT_MS);
  return new Promise((res, rej) => {
    child.on('error', rej);
    child.on('close', (code) => {
      clearTimeout(timer);
      playbooks.delete(child);
      res({ code: code ?? 1, output, recap: parseRecap(output) });
    });
  });
}

/** `[task, host, status]` for each host result line, in output order (status: ok, changed, fatal…). */
function hostEvents(output: string): [string, string, string][] {
  const events: [string, string, string][] = [];
  let task = '';
  for (const line of output.split('\n')) {
    const t = /^(?:TASK|RUNNING HANDLER) \[(?:hostds : )?(.*)\] \*+/.exec(line);
    if (t) { task = t[1]!; continue; }
    const h = /^(ok|changed|fatal|failed|skipping): \[([^\]]+)\]/.exec(line);
    if (h) events.push([task, h[2]!, h[1]!]);
  }
  return events;
}

interface Host { name: string; root: string; vars: Record<string, unknown> }

/** A YAML inventory (written as JSON, which is YAML) with the group `hostds`. */
async function writeInventory(work: string, hosts: Host[], groupVars: Record<string, unknown> = {}): Promise<string> {
  const file = join(work, 'hosts.yml');
  const inventory = {
    all: {
      children: {
        hostds: {
          hosts: Object.fromEntries(hosts.map((h) => [h.name, { hostds_root: h.root, ...h.vars }])),
          vars: {
            ansible_connection: 'local',
            ansible_python_interpreter: '{{ ansible_playbook_python }}',
            // The playbooks say `become: true` for real hosts; the test runs as it is, sudo or not.
            ansible_become: false,
            hostds_install: false,
            hostds_service: false,
            hostds_bin: BIN,
            ...groupVars,
          },
        },
      },
    },
  };
  await writeFile(file, JSON.stringify(inventory, null, 2));
  return file;
}

/** A scratch directory for ansible's files and the controller's manifests, with an empty ansible.cfg. */
async function makeWorkDir(): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), 'hostds-ansible-'));
  await writeFile(join(work, 'ansible.cfg'), '[defaults]\n');
  return work;
}

// ---- reading a host ----------------------------------------------------------------------------

interface NodeJson { metadata: { labels: Record<string, string> }; spec: { taints?: { key: string; value?: string; effect: string }[] } }

async function nodeOf(h: Host): Promise<NodeJson> {
  const r = await runCli(['get', 'node', h.name, '-o', 'json'], { root: h.root, nodeName: h.name });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as NodeJson;
}

/** The labels a user owns: without the built-in and discovered ones. */
function userLabels(node: NodeJson): Record<string, string> {
  return Object.fromEntries(Object.entries(node.metadata.labels).filter(([k]) => !k.startsWith('feature.node.kubernetes.io/') && !k.includes('kubernetes.io/')));
}

function taintsOf(node: NodeJson): string[] {
  return (node.spec.taints ?? []).map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`).sort();
}

/** Every file and directory under `dir` with its mode and a hash of its content. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    const st = await stat(path);
    out[path] = entry.isDirectory() ? `dir ${st.mode}` : `${st.mode} ${createHash('sha256').update(await readFile(path)).digest('hex')}`;
  }
  return out;
}

function jsonDs(name: string): string {
  return JSON.stringify({
    apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image: 'example/main', command: ['/bin/sleep', '100000'] }] } },
    },
  }, null, 2);
}

async function manifestNames(root: string): Promise<string[]> {
  return (await readdir(join(root, 'etc/hostds/manifests.d'))).sort();
}

// ---- site.yml ----------------------------------------------------------------------------------

describe.skipIf(NO_ANSIBLE !== undefined)(`site.yml with role hostds on three local hosts${NO_ANSIBLE ? ` (skipped: ${NO_ANSIBLE})` : ''}`, () => {
  let work = '';
  let manifests = '';
  let inventory = '';
  let hosts: Host[] = [];
  const groupVars = (): Record<string, unknown> => ({
    hostds_config: { evictionPressureTransitionPeriod: '3s', onExit: 'stop' },
    hostds_manifests: [manifests, join(work, 'extra/c.yml')],
  });

  beforeAll(async () => {
    work = await makeWorkDir();
    manifests = join(work, 'manifests');
    await mkdir(manifests);
    await mkdir(join(work, 'extra'));
    await writeFile(join(manifests, 'a.yaml'), dsYaml('a'));
    await writeFile(join(manifests, 'b.json'), jsonDs('b'));
    await writeFile(join(manifests, 'README.md'), 'not a manifest: not copied\n');
    await writeFile(join(work, 'extra/c.yml'), dsYaml('c'));
    const root = async (): Promise<string> => mkdtemp(join(tmpdir(), 'hostds-ansible-root-'));
    hosts = [
      { name: 'web-1', root: await root(), vars: {
        hostds_node_name: 'web-1',
        hostds_labels: { monitoring: 'true', 'k8s.51reboot.com/disk': 'ssd', obsolete: null },
        hostds_taints: [{ key: 'dedicated', value: 'monitoring', effect: 'NoSchedule' }],
      } },
      { name: 'web-2', root: await root(), vars: {
        hostds_node_name: 'web-2',
        hostds_labels: { monitoring: true, tier: 2 },
        hostds_labels_exclusive: true,
      } },
      { name: 'db-1', root: await root(), vars: {
        hostds_node_name: 'db-1',
        hostds_taints: [{ key: 'old', state: 'absent' }, { key: 'maintenance', value: 'yes', effect: 'NoExecute' }],
      } },
    ];
    // What was there before Ansible: a stale manifest, a hidden file and a text file in every
    // manifests.d; labels by hand on web-1 (null in hostds_labels: removed), web-2 (exclusive:
    // removed) and db-1 (kept); two taints with one key on db-1 (state: absent: both removed).
    for (const h of hosts) {
      await mkdir(join(h.root, 'etc/hostds/manifests.d'), { recursive: true });
      await writeFile(join(h.root, 'etc/hostds/manifests.d/stale.yaml'), dsYaml('stale'));
      await writeFile(join(h.root, 'etc/hostds/manifests.d/.hidden.yaml'), 'kept: true\n');
      await writeFile(join(h.root, 'etc/hostds/manifests.d/notes.txt'), 'kept\n');
    }
    for (const [h, args] of [[hosts[0]!, ['label', 'node', 'web-1', 'obsolete=yes']],
      [hosts[1]!, ['label', 'node', 'web-2', 'handmade=yes']], [hosts[2]!, ['label', 'node', 'db-1', 'handmade=yes']],
      [hosts[2]!, ['taint', 'node', 'db-1', 'old=1:NoSchedule', 'old=2:NoExecute']]] as const) {
      const r = await runCli([...args], { root: h.root, nodeName: h.name });
      expect(r.code, r.stderr).toBe(0);
    }
    inventory = await writeInventory(work, hosts, groupVars());
  });

  afterAll(async () => {
    await Promise.all([work, ...hosts.map((h) => h.root)].filter((d) => d !== '').map((d) => rm(d, { recursive: true, force: true })));
  });

  test('first run: config.yaml, manifests.d synced (extra manifest removed), labels and taints set', async () => {
    const run = await runPlaybook(work, SITE, inventory);
    expect(run.code, run.output).toBe(0);
    for (const h of hosts) {
      expect(run.recap[h.name], run.output).toMatchObject({ failed: 0, unreachable: 0 });
      expect(run.recap[h.name]!.changed).toBeGreaterThan(0);
      const config = parseYaml(await readFile(join(h.root, 'etc/hostds/config.yaml'), 'utf8')) as unknown;
      expect(config).toEqual({ nodeName: h.name, evictionPressureTransitionPeriod: '3s', onExit: 'stop' });
      // b.json is installed as b.yaml (hostds reads *.yaml and *.yml); hidden and other files stay.
      expect(await manifestNames(h.root)).toEqual(['.hidden.yaml', 'a.yaml', 'b.yaml', 'c.yml', 'notes.txt']);
      expect(await readFile(join(h.root, 'etc/hostds/manifests.d/a.yaml'), 'utf8')).toBe(dsYaml('a'));
      const ds = await runCli(['get', 'ds', '-o', 'name'], { root: h.root, nodeName: h.name });
      expect(ds.stdout.trim().split('\n').sort()).toEqual(['daemonset.apps/a', 'daemonset.apps/b', 'daemonset.apps/c']);
      const validate = await runCli(['validate'], { root: h.root, nodeName: h.name });
      expect(validate.code, validate.stdout + validate.stderr).toBe(0);
    }
    const [web1, web2, db1] = await Promise.all(hosts.map(nodeOf));
    expect(userLabels(web1!)).toEqual({ monitoring: 'true', 'k8s.51reboot.com/disk': 'ssd' });
    expect(taintsOf(web1!)).toEqual(['dedicated=monitoring:NoSchedule']);
    expect(userLabels(web2!)).toEqual({ monitoring: 'true', tier: '2' });
    expect(userLabels(db1!)).toEqual({ handmade: 'yes' });
    expect(taintsOf(db1!)).toEqual(['maintenance=yes:NoExecute']);
    // Built-in labels are the host's own, untouched.
    expect(web1!.metadata.labels['kubernetes.io/hostname']).toBe('web-1');
  }, 120_000);

  test('second run: changed=0 on every host', async () => {
    const run = await runPlaybook(work, SITE, inventory);
    expect(run.code, run.output).toBe(0);
    expect(Object.keys(run.recap).sort()).toEqual(['db-1', 'web-1', 'web-2']);
    for (const h of hosts) expect(run.recap[h.name], run.output).toMatchObject({ changed: 0, failed: 0 });
  }, 120_000);

  test('--check --diff after an input change reports the changes and writes nothing', async () => {
    hosts[0]!.vars.hostds_labels = { monitoring: 'true', 'k8s.51reboot.com/disk': null, obsolete: null, zone: 'a' };
    hosts[1]!.vars.hostds_taints = [{ key: 'gpu', effect: 'NoSchedule' }];
    await writeFile(join(manifests, 'd.yaml'), dsYaml('d'));
    await writeFile(join(manifests, 'a.yaml'), dsYaml('a').replace('example/main', 'example/main:2'));
    inventory = await writeInventory(work, hosts, { ...groupVars(), hostds_config: { evictionPressureTransitionPeriod: '5s', onExit: 'stop' } });
    const before = Object.assign({}, ...(await Promise.all(hosts.map((h) => snapshot(h.root))))) as Record<string, string>;
    const run = await runPlaybook(work, SITE, inventory, ['--check', '--diff']);
    expect(run.code, run.output).toBe(0);
    for (const h of hosts) expect(run.recap[h.name]!.changed, run.output).toBeGreaterThan(0);
    // The diffs: config.yaml and the manifests by content, labels and taints as the commands.
    expect(run.output).toContain('-evictionPressureTransitionPeriod: 3s\n+evictionPressureTransitionPeriod: 5s');
    expect(run.output).toContain('-        image: example/main\n+        image: example/main:2');
    expect(run.output).toMatch(/^\+ {8}command: \["\/bin\/sleep", "100000"\]$/m); // d.yaml, new
    expect(run.output).toContain('would run: hostds label node web-1 zone=a k8s.51reboot.com/disk- --overwrite');
    expect(run.output).toContain('would run: hostds taint node web-2 gpu:NoSchedule --overwrite');
    const after = Object.assign({}, ...(await Promise.all(hosts.map((h) => snapshot(h.root))))) as Record<string, string>;
    expect(after).toEqual(before);
  }, 120_000);

  test('an invalid config is refused by `hostds validate` and the old config.yaml stays', async () => {
    const h = hosts[0]!;
    const old = await readFile(join(h.root, 'etc/hostds/config.yaml'), 'utf8');
    const bad = await writeInventory(work, hosts, { ...groupVars(), hostds_config: { onExit: 'sometimes' } });
    const run = await runPlaybook(work, SITE, bad, ['--limit', h.name]);
    expect(run.code).not.toBe(0);
    expect(run.recap[h.name], run.output).toMatchObject({ failed: 1 });
    expect(run.output).toContain('onExit: Unsupported value: \\"sometimes\\"');
    expect(await readFile(join(h.root, 'etc/hostds/config.yaml'), 'utf8')).toBe(old);
  }, 120_000);
});

// ---- rollout.yml -------------------------------------------------------------------------------

describe.skipIf(NO_ANSIBLE !== undefined)(`rollout.yml against three running agents${NO_ANSIBLE ? ` (skipped: ${NO_ANSIBLE})` : ''}`, () => {
  let work = '';
  afterAll(async () => { if (work) await rm(work, { recursive: true, force: true }); });

  /** The sleeper DaemonSet; `version` goes into the image tag and the sleep, so each is a new template. */
  const sleeper = (version: number): string => dsYaml('sleeper')
    .replace('image: example/main', `image: example/sleeper:${version}`)
    .replace('"100000"', `"10000${version}"`);

  test('updates the manifest host by host, each gated on `rollout status`; a host that does not come up stops the play', async () => {
    work = await makeWorkDir();
    // startAgent names every node NODE; each host has its own root, so one name does no harm.
    const roots = await Promise.all([1, 2, 3].map(() => prepareRoot({ 'sleeper.yaml': sleeper(1) })));
    const agents = await Promise.all(roots.map((r) => startAgent(r)));
    const firstPods = await Promise.all(roots.map((r) => waitForRunning(r, 1)));
    const hosts: Host[] = roots.map((root, i) => ({ name: `host-${i + 1}`, root, vars: { hostds_node_name: NODE } }));
    const inventory = await writeInventory(work, hosts);

    // A controller file named otherwise: it must replace sleeper.yaml, not sit beside it.
    await writeFile(join(work, 'sleeper-v2.yaml'), sleeper(2));
    const run = await runPlaybook(work, ROLLOUT, inventory, ['-e', `hostds_rollout_manifest=${join(work, 'sleeper-v2.yaml')}`, '-e', 'hostds_rollout_timeout=30s']);
    expect(run.code, run.output).toBe(0);
    // serial: 1: each host installs and passes `rollout status` before the next one starts.
    const gated = hostEvents(run.output).filter(([task]) => /^Rollout \| (install the manifest|hostds rollout status)$/.test(task));
    expect(gated.map(([task, host, status]) => `${host} ${task.replace('Rollout | ', '')} ${status}`)).toEqual([
      'host-1 install the manifest changed', 'host-1 hostds rollout status ok',
      'host-2 install the manifest changed', 'host-2 hostds rollout status ok',
      'host-3 install the manifest changed', 'host-3 hostds rollout status ok',
    ]);
    for (const [i, root] of roots.entries()) {
      expect(await manifestNames(root)).toEqual(['sleeper.yaml']);
      expect(await readFile(join(root, 'etc/hostds/manifests.d/sleeper.yaml'), 'utf8')).toBe(sleeper(2));
      const pods = (await getPods(root)).filter((p) => p.status === 'Running');
      expect(pods).toHaveLength(1);
      expect(pods[0]!.name).not.toBe(firstPods[i]![0]!.name);
      const status = await runCli(['rollout', 'status', 'ds/sleeper', '--timeout', '1s'], { root });
      expect(status.code, status.stderr).toBe(0);
    }

    // host-2's agent is down: host-1 rolls, host-2 times out and fails, host-3 is never touched.
    await agents[1]!.stop();
    await writeFile(join(work, 'sleeper-v3.yaml'), sleeper(3));
    const gate = await runPlaybook(work, ROLLOUT, inventory, ['-e', `hostds_rollout_manifest=${join(work, 'sleeper-v3.yaml')}`, '-e', 'hostds_rollout_timeout=3s']);
    expect(gate.code, gate.output).not.toBe(0);
    expect(gate.recap['host-1'], gate.output).toMatchObject({ failed: 0, changed: 1 });
    expect(gate.recap['host-2'], gate.output).toMatchObject({ failed: 1 });
    expect(gate.recap['host-3']?.ok ?? 0, gate.output).toBe(0);
    expect(gate.output).toContain('timed out waiting for the condition');
    expect(await readFile(join(roots[0]!, 'etc/hostds/manifests.d/sleeper.yaml'), 'utf8')).toBe(sleeper(3));
    expect(await readFile(join(roots[2]!, 'etc/hostds/manifests.d/sleeper.yaml'), 'utf8')).toBe(sleeper(2));
    await Promise.all([agents[0]!.stop(), agents[2]!.stop()]);
  }, 120_000);
});

// ---- hostds_install: true, hostds_service: true ---------------------------------------------

// Installing the .deb and starting the unit would change this machine, so it happens in a
// throwaway systemd container over an overlay of this host's root (test/helpers/nspawn.ts). Its
// ansible-playbook runs inside, with ansible_connection=local against the container itself.
// CI sets HOSTDS_REQUIRE_NSPAWN=1 where containers must work: then a skip for that is a failure.
const NSPAWN_REQUIRED = process.env['HOSTDS_REQUIRE_NSPAWN'] === '1';

const hasPythonApt = (): boolean => spawnSync('/usr/bin/python3', ['-c', 'import apt'], { stdio: 'ignore' }).status === 0;

/** Why the container tests cannot run here, or undefined; `nspawn` says whether containers are the reason. */
function installSkipReason(): { reason: string; nspawn: boolean } | undefined {
  if (NO_ANSIBLE) return { reason: NO_ANSIBLE, nspawn: false };
  const nspawn = nspawnSkipReason();
  if (nspawn) return { reason: nspawn, nspawn: true };
  if (!existsSync(join(REPO, 'scripts/build-deb.mjs'))) return { reason: 'no scripts/build-deb.mjs to build the .deb', nspawn: false };
  // ansible's apt module needs python3-apt, and the container has no network to fetch it: like
  // the nspawn helper with systemd-container, install it here when root.
  if (!hasPythonApt() && process.getuid?.() === 0) {
    spawnSync('apt-get', ['install', '-y', '-qq', '-o', 'DPkg::Lock::Timeout=120', 'python3-apt'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
  if (!hasPythonApt()) return { reason: 'python3-apt is not installed (apt-get install python3-apt)', nspawn: false };
  return undefined;
}
const INSTALL_SKIP = installSkipReason();
// A container that cannot boot where CI requires one is a failure, not a skip.
if (INSTALL_SKIP?.nspawn === true && NSPAWN_REQUIRED) {
  test('HOSTDS_REQUIRE_NSPAWN=1: the systemd container must be available', () => {
    throw new Error(`HOSTDS_REQUIRE_NSPAWN=1 but: ${INSTALL_SKIP.reason}`);
  });
}

const BOX = '/opt/hostds-ansible';
const SLEEPER_BOX = CONTAINER_SLEEPER;

/**
 * The container starts from this host's dpkg database: if another test (deb-package) has hostds
 * installed here right now, apt in the container would see it. Drop it from the container's copy
 * (written to the overlay, so the copy no longer follows the host's).
 */
async function forgetHostPackage(root: string): Promise<void> {
  const status = join(root, 'var/lib/dpkg/status');
  const stanzas = (await readFile(status, 'utf8')).split(/\n\n+/);
  await writeFile(status, `${stanzas.filter((st) => !/^Package: hostds$/m.test(st)).join('\n\n').trimEnd()}\n`);
  const info = join(root, 'var/lib/dpkg/info');
  for (const f of await readdir(info)) if (f.startsWith('hostds.')) await rm(join(info, f), { force: true });
  for (const d of ['var/lib/systemd/deb-systemd-helper-enabled', 'var/lib/systemd/deb-systemd-helper-masked']) {
    for (const e of await readdir(join(root, d), { recursive: true }).catch(() => [] as string[])) {
      if (e.endsWith('hostds.service') || e.endsWith('hostds.service.dsh-also')) await rm(join(root, d, e), { recursive: true, force: true });
    }
  }
}

describe.skipIf(INSTALL_SKIP !== undefined)(`site.yml with hostds_install: true and hostds_service: true in a systemd container${INSTALL_SKIP ? ` (skipped: ${INSTALL_SKIP.reason})` : ''}`, () => {
  let c: Container | undefined;
  let bootError = '';
  let work = '';
  let deb = '';

  /** The inventory inside the container: one host, box-1 (not the container's hostname). */
  async function writeBoxInventory(config: Record<string, unknown>): Promise<void> {
    const host = {
      ansible_connection: 'local', ansible_python_interpreter: '/usr/bin/python3', ansible_become: false,
      hostds_deb: `${BOX}/${deb}`, hostds_config: config, hostds_labels: { role: 'box' },
      hostds_manifests: [`${BOX}/manifests`],
    };
    await writeFile(join(c!.root, BOX, 'hosts.yml'), JSON.stringify({ all: { children: { hostds: { hosts: { 'box-1': host } } } } }, null, 2));
  }

  async function boxPlaybook(): Promise<PlaybookRun> {
    const r = await c!.exec(['sh', '-c', `cd ${BOX} && ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 ansible-playbook -i hosts.yml site.yml 2>&1`], PLAYBOOK_TIMEOUT_MS);
    return { code: r.code, output: r.stdout + r.stderr, recap: parseRecap(r.stdout) };
  }

  async function sh(argv: string[]): Promise<string> {
    const r = await c!.exec(argv);
    if (r.code !== 0) throw new Error(`${argv.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
    return r.stdout.trim();
  }
  const mainPid = async (): Promise<number> => Number(await sh(['systemctl', 'show', '-p', 'MainPID', '--value', 'hostds']));

  beforeAll(async () => {
    work = await makeWorkDir();
    const build = spawnSync(process.execPath, [join(REPO, 'scripts/build-deb.mjs'), '--out', work], { cwd: REPO, encoding: 'utf8' });
    expect(build.status, `build-deb: ${build.stdout}${build.stderr}`).toBe(0);
    deb = readdirSync(work).find((f) => /^hostds_.*_[a-z0-9]+\.deb$/.test(f))!;
    const booting = bootContainer({
      prepare: async (root) => {
        // A hostds installed on this host must not leak in: these rm's only write whiteouts.
        for (const p of ['usr/lib/hostds', 'usr/bin/hostds', 'etc/hostds', 'var/lib/hostds', 'var/log/hostds', 'lib/systemd/system/hostds.service',
          'etc/systemd/system/hostds.service', 'etc/systemd/system/hostds.service.d', 'etc/systemd/system/multi-user.target.wants/hostds.service',
          'var/lib/dpkg/info/hostds.list', 'var/cache/hostds', BOX.slice(1)]) {
          await rm(join(root, p), { recursive: true, force: true });
        }
        await forgetHostPackage(root);
        await cp(ANSIBLE_DIR, join(root, BOX), { recursive: true });
        await cp(join(work, deb), join(root, BOX, deb));
        await mkdir(join(root, BOX, 'manifests'));
        await writeFile(join(root, BOX, 'manifests/sleeper.yaml'), SLEEPER_BOX);
      },
    });
    try {
      c = await booting;
    } catch (err) {
      if (NSPAWN_REQUIRED) throw err;
      bootError = (err as Error).message;
      process.stderr.write(`ansible-role container tests skipped: ${bootError}\n`);
    }
  }, 120_000);

  afterAll(async () => {
    const left = await c?.stop();
    if (work) await rm(work, { recursive: true, force: true });
    expect(left ?? [], 'what the container left on the host').toEqual([]);
  }, 60_000);

  test('first run: the .deb is installed, the service enabled and running as box-1 with the DaemonSet', async ({ skip }) => {
    if (!c) skip(`no container: ${bootError}`);
    await writeBoxInventory({ onExit: 'keep' });
    const run = await boxPlaybook();
    expect(run.code, run.output).toBe(0);
    expect(run.recap['box-1'], run.output).toMatchObject({ failed: 0 });
    expect(await sh(['dpkg-query', '-W', '-f', '${db:Status-Status}', 'hostds'])).toBe('installed');
    expect(await sh(['systemctl', 'is-enabled', 'hostds'])).toBe('enabled');
    expect(await sh(['systemctl', 'is-active', 'hostds'])).toBe('active');
    // The .deb started the agent under the container's hostname; nodeName changed, so the
    // handler restarted it (SIGHUP does not rename a node), and the pod is box-1's.
    expect(hostEvents(run.output).filter(([task]) => task === 'Reload hostds')).toEqual([['Reload hostds', 'box-1', 'changed']]);
    let nodeName = '';
    await waitFor(async () => {
      const r = await c!.exec(['hostds', 'get', 'pods', '-o', 'json']);
      const items = r.code === 0 ? (JSON.parse(r.stdout) as { items: { spec: { nodeName?: string }; status: { phase: string } }[] }).items : [];
      nodeName = items[0]?.spec.nodeName ?? '';
      return items.length === 1 && items[0]!.status.phase === 'Running';
    }, 20_000, 'the sleeper pod to run', 200);
    expect(nodeName).toBe('box-1');
    const node = JSON.parse(await sh(['hostds', 'get', 'node', 'box-1', '-o', 'json'])) as NodeJson;
    expect(node.metadata.labels['role']).toBe('box');
  }, 180_000);

  // One run for two checks (a run in the container takes ~20 s): with only config.yaml changed,
  // changed=2 (the template and its handler) shows that the install and service steps are
  // idempotent, and the same MainPID shows that the handler reloaded rather than restarted.
  test('second run with only a config change: changed=2 (config.yaml, reload), same MainPID', async ({ skip }) => {
    if (!c) skip(`no container: ${bootError}`);
    const pid = await mainPid();
    await writeBoxInventory({ onExit: 'keep', nodeStatusUpdateFrequency: '5s' });
    const run = await boxPlaybook();
    expect(run.code, run.output).toBe(0);
    const journal = (await c!.exec(['journalctl', '-u', 'hostds', '--no-pager', '-n', '60', '-o', 'short-monotonic'])).stdout;
    expect(run.recap['box-1'], `${run.output}\njournal:\n${journal}`).toMatchObject({ changed: 2, failed: 0 });
    expect(hostEvents(run.output).filter(([, , status]) => status === 'changed').map(([task]) => task)).toEqual(['Config | config.yaml', 'Reload hostds']);
    expect(await sh(['systemctl', 'is-active', 'hostds'])).toBe('active');
    expect(await mainPid()).toBe(pid);
    expect(await sh(['grep', '-c', '^nodeStatusUpdateFrequency: 5s$', '/etc/hostds/config.yaml'])).toBe('1');
  }, 120_000);
});
