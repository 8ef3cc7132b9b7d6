// The .deb's maintainer scripts under a real systemd (issue 7): two builds of `scripts/build-deb.mjs`
// installed with dpkg inside a container booted by test/helpers/nspawn.ts (systemd-nspawn over an
// overlay of this host's root, so the host's nodejs package satisfies `Depends: nodejs (>= 20)`
// and everything dpkg writes lands in the overlay's tmpfs: the host never gets hostds installed).
// dpkg -i → hostds.service enabled and started, ready → a DaemonSet runs → dpkg -i of a newer
// build restarts the agent, which adopts the daemon (same pid and start time, 0 restarts) →
// dpkg -r stops the agent, the daemon runs on (as `apt remove kubelet` leaves containers) →
// reinstall, dpkg --purge stops the daemon and leaves nothing behind. Host-side lifecycle without
// systemd: deb-package.test.ts; the unit installed by hand: systemd-unit.test.ts.
// The container is a real host as far as dpkg goes, minus Docker's policy-rc.d (which would keep
// deb-systemd-invoke from starting anything) and man-db's index rebuild (slow, beside the point);
// its dpkg database is its own, and the host's dpkg lock is held while it is up (see below).
// The tests run in order: each starts from the state the one before left.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, realpathSync, statSync } from 'node:fs';
import { appendFile, chmod, chown, copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { REPO } from '../helpers/cli.js';
import { bootContainer, nspawnSkipReason, type Container, type ExecResult, CONTAINER_SLEEPER } from '../helpers/nspawn.js';
import { waitFor } from '../helpers/wait.js';

// Native versions as build-deb.mjs accepts them (/^\d[A-Za-z0-9.+~]*$/, no Debian revision), unique
// to this test so that the host's dpkg database can be checked for them afterwards.
const ARCH = spawnSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).stdout.trim();
const V1 = '0.1.0+t1';
const V2 = '0.1.1+t2';
const DEBS = '/var/cache/hostds-deb-systemd-test'; // inside the container
const UNIT = 'hostds.service';

const SLEEPER = CONTAINER_SLEEPER;

const hostRun = (cmd: string, args: string[]): ExecResult => {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { code: r.status ?? 128, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error?.message ?? ''}` };
};

/** What the host's dpkg database says about hostds ("" when it knows nothing). */
const hostPackage = (): string => hostRun('dpkg-query', ['-W', '-f', '${db:Status-Status} ${Version}', 'hostds']).stdout.trim();

/** Why the .deb cannot be installed in a container here, or undefined. */
function skipReasonHere(): string | undefined {
  const nspawn = nspawnSkipReason();
  if (nspawn) return nspawn;
  if (hostRun('sh', ['-c', 'command -v dpkg-deb']).code !== 0) return 'dpkg-deb is missing';
  // The container's dpkg database is the host's (the overlay's lower layer).
  const node = hostRun('dpkg-query', ['-W', '-f', '${Version}', 'nodejs']).stdout.trim();
  if (node === '' || hostRun('dpkg', ['--compare-versions', node, 'ge', '20']).code !== 0) {
    return `Depends: nodejs (>= 20) is not met by the host's dpkg database, which the container shares (nodejs ${node || 'not installed as a package'})`;
  }
  return undefined;
}

// CI sets HOSTDS_REQUIRE_NSPAWN=1 where containers must work: then a skip is a failure.
const required = process.env['HOSTDS_REQUIRE_NSPAWN'] === '1';
const skipReason = skipReasonHere();
if (skipReason && required) throw new Error(`HOSTDS_REQUIRE_NSPAWN=1 but: ${skipReason}`);
if (skipReason) process.stderr.write(`deb-systemd tests skipped: ${skipReason}\n`);

function build(version: string, out: string): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO, 'scripts/build-deb.mjs'), '--version', version, '--out', out], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', (err) => resolve({ code: 127, stdout, stderr: stderr + err.message }));
    child.on('close', (code) => resolve({ code: code ?? 128, stdout, stderr }));
  });
}

/**
 * Holds the host's dpkg locks (lock-frontend, then lock, as dpkg takes them) while the container is
 * up: the overlay's lower layer is the live host root, and a host-side dpkg run meanwhile (deb-package
 * .test.ts in a parallel `npm test`, which installs and purges hostds on the host) changes files under
 * the container's feet. Overlayfs leaves that undefined, and it shows: a deb-systemd-helper state
 * file vanishing between `mask` and `unmask` left the reinstalled unit masked. dpkg and apt wait for
 * the lock (deb-package.test.ts retries for 60 s; apt-get with -o DPkg::Lock::Timeout=N). The locks
 * are fcntl locks, which node cannot take: python3 does (nodejs depends on it). The holder exits when
 * its stdin closes, so also when this process dies. Resolves with a release function, or undefined
 * (and a note) when the locks could not be had within `timeoutMs`.
 */
async function holdHostDpkgLock(timeoutMs = 60_000): Promise<(() => Promise<void>) | undefined> {
  const code = `import fcntl, os, sys
for p in ('/var/lib/dpkg/lock-frontend', '/var/lib/dpkg/lock'):
    fd = os.open(p, os.O_RDWR | os.O_CREAT, 0o640)
    fcntl.lockf(fd, fcntl.LOCK_EX)
print('locked', flush=True)
sys.stdin.read()
`;
  const child = spawn('python3', ['-c', code], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
  child.stderr.setEncoding('utf8').on('data', (d: string) => { out += d; });
  const exited = new Promise<void>((resolve) => { child.on('close', () => resolve()); child.on('error', (err) => { out += err.message; resolve(); }); });
  const release = async (): Promise<void> => {
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  const locked = await waitFor(() => out.includes('locked\n') || child.exitCode !== null || child.signalCode !== null, timeoutMs, 'the host\'s dpkg locks', 50)
    .then(() => out.includes('locked\n'), () => false);
  if (locked) return release;
  await release();
  process.stderr.write(`deb-systemd: running without the host's dpkg lock (a host-side dpkg run may disturb the container): ${out.trim() || `not free after ${timeoutMs} ms`}\n`);
  return undefined;
}

/**
 * Paths of hostds that the container must not inherit from the host, where hostds may be installed
 * (deb-package.test.ts, between two of its dpkg runs) or appear later (when the lock could not be
 * had): the package's own top-level entries (from `dpkg-deb -c`), its state, what
 * deb-systemd-helper writes, and dpkg's info/hostds.*. Whited out in the upper layer before the
 * overlay is mounted, so that they hide what the host creates later too.
 */
function hostdsPaths(deb: string): string[] {
  const r = hostRun('dpkg-deb', ['-c', deb]);
  if (r.code !== 0) throw new Error(`dpkg-deb -c ${deb}: ${r.stderr}`);
  const listed = r.stdout.trim().split('\n').map((l) => l.split(/\s+/)[5]!.replace(/^\.\//, '/').replace(/\/$/, ''));
  const dsh = '/var/lib/systemd/deb-systemd-helper';
  const all = [...listed, '/var/lib/hostds', '/var/log/hostds', '/etc/systemd/system/hostds.service', '/etc/systemd/system/hostds.service.d',
    '/etc/systemd/system/multi-user.target.wants/hostds.service', `${dsh}-enabled/hostds.service.dsh-also`,
    `${dsh}-enabled/multi-user.target.wants/hostds.service`, `${dsh}-masked/hostds.service`,
    ...['list', 'md5sums', 'conffiles', 'preinst', 'postinst', 'prerm', 'postrm', 'triggers'].map((x) => `/var/lib/dpkg/info/hostds.${x}`)];
  const tops = all.filter((p) => basename(p).includes('hostds')).sort();
  return tops.filter((p, i) => !tops.slice(0, i).some((q) => p.startsWith(`${q}/`)));
}

/** `path` with the symlinks of its existing ancestors resolved on the host (/lib → /usr/lib). */
function resolvedOnHost(path: string): string {
  let dir = dirname(path);
  const rest = [basename(path)];
  while (!existsSync(dir)) { rest.unshift(basename(dir)); dir = dirname(dir); }
  return join(realpathSync(dir), ...rest);
}

/** Whiteouts (character devices 0/0) for `paths` in the empty upper layer; parents as on the host. */
async function whiteOut(upper: string, paths: string[]): Promise<void> {
  for (const path of paths.map(resolvedOnHost)) {
    let dir = '/';
    for (const part of dirname(path).split('/').filter(Boolean)) {
      dir = join(dir, part);
      if (existsSync(join(upper, dir))) continue;
      await mkdir(join(upper, dir));
      const st = statSync(dir, { throwIfNoEntry: false });
      if (st) { await chmod(join(upper, dir), st.mode & 0o7777); await chown(join(upper, dir), st.uid, st.gid); }
    }
    const r = hostRun('mknod', [join(upper, path), 'c', '0', '0']);
    if (r.code !== 0) throw new Error(`mknod ${join(upper, path)}: ${r.stderr}`);
  }
}

/**
 * Makes the container's dpkg database its own: the host's as of its last checkpoint, without hostds.
 * Through the overlay, a host-side dpkg run would otherwise write into what the container's dpkg
 * reads: the journal in updates/ (applied on top of status by every dpkg run) and the trigger files.
 * The lock files are copied up too, so the container's dpkg never waits for the host's lock.
 */
async function privateDpkgDatabase(dir: string): Promise<void> {
  const status = await readFile(join(dir, 'status'), 'utf8');
  const stanzas = status.split(/\n{2,}/).map((s) => s.replace(/^\n+|\n+$/g, '')).filter((s) => s !== '' && !/^Package: hostds$/m.test(s));
  await writeFile(join(dir, 'status'), `${stanzas.join('\n\n')}\n\n`);
  await rm(join(dir, 'updates'), { recursive: true, force: true, maxRetries: 5 });
  await mkdir(join(dir, 'updates')); // made over a whiteout: an opaque directory
  // Copied up now (an open for writing does it): from here on the container's own.
  for (const sub of [dir, join(dir, 'triggers')]) {
    for (const e of await readdir(sub, { withFileTypes: true })) if (e.isFile()) await appendFile(join(sub, e.name), '');
  }
}

/** The container's view before boot: the two .debs, its own dpkg database, no Docker service policy. */
async function prepare(root: string, work: string): Promise<void> {
  // Docker-derived roots (this one's too) have /usr/sbin/policy-rc.d exit 101, so that image builds
  // start no services; deb-systemd-invoke honours it and would neither start nor stop hostds.service.
  // A real host has none: the container gets a whiteout (the host's file stays).
  await rm(join(root, 'usr/sbin/policy-rc.d'), { force: true });
  // man-db's trigger rebuilds the whole man index (4-5 s) after every dpkg run that touches
  // /usr/share/man; without this flag (debconf man-db/auto-update=false) it says so and skips.
  await rm(join(root, 'var/lib/man-db/auto-update'), { force: true });
  await privateDpkgDatabase(join(root, 'var/lib/dpkg'));
  await mkdir(join(root, DEBS.slice(1)), { recursive: true });
  for (const v of [V1, V2]) await copyFile(join(work, `hostds_${v}_${ARCH}.deb`), join(root, DEBS.slice(1), `hostds_${v}_${ARCH}.deb`));
}

describe.skipIf(skipReason !== undefined)('the .deb under systemd: install, upgrade, remove, purge', () => {
  let c: Container | undefined;
  let work = '';
  let bootError = '';
  const timings: string[] = [];
  let hide: string[] = [];
  let unlockHost: (() => Promise<void>) | undefined;
  const hostBefore = hostPackage();

  beforeAll(async () => {
    const t0 = performance.now();
    work = await mkdtemp(join(tmpdir(), 'hostds-deb-systemd-'));
    const builds = await Promise.all([build(V1, work), build(V2, work)]);
    for (const [i, r] of builds.entries()) if (r.code !== 0) throw new Error(`build-deb --version ${[V1, V2][i]} exited ${r.code}:\n${r.stdout}${r.stderr}`);
    timings.push(`builds ${Math.round(performance.now() - t0)} ms`);
    try {
      hide = hostdsPaths(join(work, `hostds_${V1}_${ARCH}.deb`));
      const t1 = performance.now();
      unlockHost = await holdHostDpkgLock();
      if (unlockHost) timings.push(`host dpkg lock ${Math.round(performance.now() - t1)} ms`);
      c = await bootContainer({ prepareUpper: (upper) => whiteOut(upper, hide), prepare: (root) => prepare(root, work) });
      timings.push(`boot ${c.bootMs} ms`);
    } catch (err) {
      await unlockHost?.();
      unlockHost = undefined;
      if (required) throw err;
      bootError = (err as Error).message;
      process.stderr.write(`deb-systemd tests skipped: ${bootError}\n`);
    }
  }, 120_000);

  afterAll(async () => {
    const left = await c?.stop();
    await unlockHost?.();
    if (work) await rm(work, { recursive: true, force: true });
    if (timings.length) process.stderr.write(`deb-systemd timings: ${timings.join(', ')}\n`);
    expect(left ?? [], 'what the container left on the host').toEqual([]);
    // Everything happened in the overlay: the host's dpkg database never saw these versions.
    const after = hostPackage();
    expect(after, `the host's hostds package (before: ${JSON.stringify(hostBefore)})`).not.toMatch(/\+t[12]$/);
  }, 60_000);

  /** The running container, or skips the test when it could not boot. */
  function box(skip: (note?: string) => void): Container {
    if (!c) skip(`no container: ${bootError}`);
    return c!;
  }

  const journal = async (): Promise<string> => (await c!.exec(['journalctl', '-u', UNIT, '--no-pager', '-n', '40', '-o', 'cat'])).stdout;

  async function sh(argv: string[], timeoutMs?: number): Promise<string> {
    const r = await c!.exec(argv, timeoutMs);
    if (r.code !== 0) throw new Error(`${argv.join(' ')} exited ${r.code}:\n${r.stdout}${r.stderr}\njournal of ${UNIT}:\n${await journal()}`);
    return r.stdout.trim();
  }

  /** A timed dpkg step inside the container; returns what the maintainer scripts printed. */
  async function dpkg(args: string[]): Promise<string> {
    const t = performance.now();
    const out = await sh(['dpkg', ...args], 90_000);
    timings.push(`dpkg ${args.join(' ').replace(`${DEBS}/`, '')} ${Math.round(performance.now() - t)} ms`);
    return out;
  }

  const systemctl = async (...args: string[]): Promise<string> => (await c!.exec(['systemctl', ...args])).stdout.trim();
  const mainPid = async (): Promise<number> => Number(await systemctl('show', '-p', 'MainPID', '--value', UNIT));
  const status = async (): Promise<string> => (await c!.exec(['dpkg-query', '-W', '-f', '${db:Status-Status} ${Version}', 'hostds'])).stdout.trim();
  const exists = async (path: string): Promise<boolean> => (await c!.exec(['test', '-e', path])).code === 0 || (await c!.exec(['test', '-L', path])).code === 0;
  const hasSocket = async (): Promise<boolean> => (await c!.exec(['test', '-S', '/run/hostds/hostds.sock'])).code === 0;

  /** `pid@starttime` of each `sleep 100000` in the container: a reused pid would differ. */
  async function sleepers(): Promise<string[]> {
    const rows = (await sh(['ps', '-eo', 'pid=,args='])).split('\n').map((l) => l.trim().split(/\s+(.*)/) as [string, string?]);
    const pids = rows.filter(([, args]) => args === 'sleep 100000').map(([pid]) => pid);
    const out: string[] = [];
    for (const pid of pids) {
      const st = (await c!.exec(['cat', `/proc/${pid}/stat`])).stdout;
      if (st) out.push(`${pid}@${st.slice(st.lastIndexOf(')') + 2).split(' ')[19]}`);
    }
    return out;
  }

  /** The one daemon, as pid@starttime. */
  async function daemon(): Promise<string> {
    const all = await sleepers();
    expect(all, 'sleep 100000 processes in the container').toHaveLength(1);
    return all[0]!;
  }

  async function pods(): Promise<{ phase: string; restarts: number }[]> {
    const items = (JSON.parse(await sh(['hostds', 'get', 'pods', '-o', 'json'])) as {
      items: { status: { phase: string; containerStatuses?: { restartCount: number }[] } }[];
    }).items;
    return items.map((p) => ({ phase: p.status.phase, restarts: p.status.containerStatuses?.[0]?.restartCount ?? -1 }));
  }

  /** The "recovered daemons" lines the agent with this pid logged at start (adopted, lost, rebuilt). */
  async function recovered(pid: number): Promise<unknown[]> {
    let lines: string[] = [];
    // journald reads the agent's stdout on its own time: wait for the line rather than race it.
    await waitFor(async () => {
      const out = (await c!.exec(['journalctl', '-u', UNIT, `_PID=${pid}`, '--no-pager', '-o', 'cat'])).stdout;
      lines = out.split('\n').filter((l) => l.includes('"recovered daemons"'));
      return lines.length > 0;
    }, 10_000, `agent ${pid}'s "recovered daemons" line in the journal`, 200).catch(() => undefined);
    return lines.map((l) => {
      const { adopted, lost, rebuilt } = JSON.parse(l) as Record<string, number>;
      return { adopted, lost, rebuilt };
    });
  }

  let first = '';
  let agentV1 = 0;

  test('inside: nodejs (>= 20) is a dpkg package (the host\'s /usr), hostds is unknown to dpkg', async ({ skip }) => {
    box(skip);
    const node = await sh(['dpkg-query', '-W', '-f', '${db:Status-Status} ${Version}', 'nodejs']);
    expect(node).toMatch(/^installed \S+$/);
    expect((await c!.exec(['dpkg', '--compare-versions', node.split(' ')[1]!, 'ge', '20'])).code, node).toBe(0);
    expect(await sh(['node', '--version'])).toMatch(/^v(2\d|[3-9]\d)\./);
    expect(['', 'not-installed']).toContain((await status()).split(' ')[0]);
    expect(await exists('/usr/sbin/policy-rc.d'), 'no policy-rc.d in the container').toBe(false);
    expect(await systemctl('is-system-running')).toMatch(/^(running|degraded)$/);
  });

  test(`dpkg -i ${V1}: the postinst enables and starts ${UNIT}, ready with its socket`, async ({ skip }) => {
    box(skip);
    await dpkg(['-i', `${DEBS}/hostds_${V1}_${ARCH}.deb`]);
    expect(await status()).toBe(`installed ${V1}`);
    expect(await systemctl('is-enabled', UNIT)).toBe('enabled');
    // deb-systemd-invoke start → systemctl start, which waits for ExecStartPost (the socket).
    expect(await systemctl('is-active', UNIT)).toBe('active');
    expect(await hasSocket(), 'control socket once dpkg -i returned').toBe(true);
    expect(await sh(['hostds', 'version'])).toBe(`hostds v${V1}`);
    expect(await sh(['readlink', '-f', '/proc/1/exe'])).toMatch(/\/systemd$/);
    agentV1 = await mainPid();
    expect(agentV1).toBeGreaterThan(1);
    expect(await sh(['readlink', '-f', `/proc/${agentV1}/cwd`])).toBe('/');
    expect(await sh(['cat', `/proc/${agentV1}/cmdline`])).toContain('/usr/bin/hostds\0agent');
  });

  test('a DaemonSet dropped into /etc/hostds/manifests.d runs', async ({ skip }) => {
    box(skip);
    const t = performance.now();
    // Written through the overlay's merged mount, which is the container's / too.
    await writeFile(join(c!.root, 'etc/hostds/manifests.d/sleeper.yaml'), SLEEPER);
    await waitFor(async () => {
      const p = await pods();
      return p.length === 1 && p[0]!.phase === 'Running';
    }, 20_000, 'hostds get pods to show the sleeper Running', 200);
    timings.push(`manifest → Running ${Math.round(performance.now() - t)} ms`);
    first = await daemon();
    expect(await pods()).toEqual([{ phase: 'Running', restarts: 0 }]);
    expect(await sh(['hostds', 'get', 'pods'])).toMatch(/^sleeper-\S+\s+1\/1\s+Running\s+0\s/m);
    // The daemon is in the unit's cgroup (KillMode=process keeps it there across agent restarts).
    const cgroup = await sh(['cat', `/proc/${first.split('@')[0]}/cgroup`]);
    expect(cgroup).toContain(`/${UNIT}`);
  }, 40_000);

  test(`dpkg -i ${V2} (upgrade): a new agent, the same daemon (adopted, 0 restarts)`, async ({ skip }) => {
    box(skip);
    await dpkg(['-i', `${DEBS}/hostds_${V2}_${ARCH}.deb`]);
    expect(await status()).toBe(`installed ${V2}`);
    expect(await systemctl('is-enabled', UNIT)).toBe('enabled');
    expect(await systemctl('is-active', UNIT)).toBe('active');
    expect(await hasSocket()).toBe(true);
    const agentV2 = await mainPid();
    expect(agentV2, 'the postinst restarted the agent').not.toBe(agentV1);
    expect(agentV2).toBeGreaterThan(1);
    expect(await sh(['hostds', 'version'])).toBe(`hostds v${V2}`);
    expect(await daemon(), 'same pid and start time').toBe(first);
    expect(await recovered(agentV2)).toEqual([{ adopted: 1, lost: 0, rebuilt: 0 }]);
    expect(await pods()).toEqual([{ phase: 'Running', restarts: 0 }]);
    expect(Number(await systemctl('show', '-p', 'NRestarts', '--value', UNIT)), 'no automatic restart (a crash) on the way').toBe(0);
  }, 60_000);

  test('dpkg -r: the agent stops, the daemon runs on, the configuration stays', async ({ skip }) => {
    box(skip);
    const agent = await mainPid();
    await dpkg(['-r', 'hostds']);
    expect(await status()).toBe(`config-files ${V2}`);
    expect(await systemctl('is-active', UNIT)).toBe('inactive');
    expect(await exists(`/proc/${agent}`), 'the agent process is gone').toBe(false);
    expect(await exists('/usr/bin/hostds')).toBe(false);
    expect(await exists('/lib/systemd/system/hostds.service')).toBe(false);
    expect(await exists('/etc/hostds/config.yaml'), 'a conffile stays until purge').toBe(true);
    expect(await exists('/etc/hostds/manifests.d/sleeper.yaml')).toBe(true);
    expect(await daemon(), 'remove leaves the daemon running').toBe(first);
    // The postrm masks the unit on remove, as debhelper's does (nothing starts it without its files).
    expect(await systemctl('is-enabled', UNIT)).toBe('masked');
  }, 60_000);

  test('reinstall, then dpkg --purge: the daemon stopped, nothing of hostds left', async ({ skip }) => {
    box(skip);
    await dpkg(['-i', `${DEBS}/hostds_${V2}_${ARCH}.deb`]);
    expect(await status()).toBe(`installed ${V2}`);
    expect(await systemctl('is-enabled', UNIT), 'enabled again: the admin never disabled it').toBe('enabled');
    expect(await systemctl('is-active', UNIT)).toBe('active');
    expect(await daemon(), 'the reinstalled agent adopts the daemon that outlived dpkg -r').toBe(first);
    expect(await recovered(await mainPid())).toEqual([{ adopted: 1, lost: 0, rebuilt: 0 }]);

    await dpkg(['--purge', 'hostds']);
    expect(['', 'not-installed']).toContain((await status()).split(' ')[0]);
    expect((await c!.exec(['dpkg', '-L', 'hostds'])).code, 'dpkg -L hostds').not.toBe(0);
    expect(await sleepers(), 'the daemon is stopped').toEqual([]);
    expect((await c!.exec(['pgrep', '-f', 'hostds'])).stdout.trim(), 'no hostds process').toBe('');
    // Every path of the package, its state and runtime directories, its enable and mask links.
    const left = [];
    for (const p of [...hide, '/run/hostds']) if (await exists(p)) left.push(p);
    expect(hide).toEqual(expect.arrayContaining(['/etc/hostds', '/var/lib/hostds', '/var/log/hostds', '/usr/lib/hostds', '/usr/bin/hostds',
      '/lib/systemd/system/hostds.service', '/etc/systemd/system/multi-user.target.wants/hostds.service']));
    expect(left, 'left behind by the purge').toEqual([]);
    expect(await sh(['systemctl', 'list-unit-files', '--no-legend', '--no-pager'])).not.toMatch(/^hostds/m);
    expect(await systemctl('show', '-p', 'LoadState', '--value', UNIT)).toBe('not-found');
    expect(await systemctl('--failed', '--no-legend', '--no-pager'), 'the stopped agent and the killed daemon failed nothing').not.toMatch(/hostds/);
  }, 60_000);
});
