// The .deb of `npm run package:deb`, checked and then installed for real on this host: lintian,
// the file list, conffiles and control fields; then dpkg -i → the installed CLI works without any
// node_modules → an upgrade to a newer build keeps a running daemon (same pid, adopted by the
// agent of the new install) → dpkg -r leaves daemons running → dpkg --purge stops the daemons of
// the root / and leaves nothing behind. The lifecycle tests run in order, each from the state the
// one before left; afterAll purges the package and kills every process started here by pid, pass
// or fail. systemd is not PID 1 here: the unit itself is tested in systemd-unit.test.ts.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dsYaml, REPO } from '../helpers/cli.js';
import { isAlive, rootIdOf, statePids, writeTestConfig } from '../helpers/agent.js';
import { waitFor, waitForValue } from '../helpers/wait.js';
import { encodeMarker, listMarkedProcesses } from '../../src/supervise/proc.js';
import { MARKER_ENV } from '../../src/supervise/runner.js';

const VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
const NEXT = `${VERSION}+debtest1`;
// The package ships the hostds-spawn helper (native code), so it is built for this host's architecture.
const ARCH = spawnSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).stdout.trim();
const HOSTDS = '/usr/bin/hostds';

interface Result { code: number; stdout: string; stderr: string }

function runSync(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Result {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: opts.cwd ?? '/', env: { ...process.env, NO_COLOR: '1', ...opts.env }, maxBuffer: 32 << 20 });
  return { code: r.status ?? 128, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error ? r.error.message : ''}` };
}

/** `spawn` without blocking the event loop (the agents started here log through pipes meanwhile). */
function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? '/', env: { ...process.env, NO_COLOR: '1', ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', (err) => resolve({ code: 127, stdout, stderr: `${stderr}${err.message}` }));
    child.on('close', (code) => resolve({ code: code ?? 128, stdout, stderr }));
  });
}

/** Like existsSync, but true for a dangling symlink too (an enable link whose unit is gone). */
function isPresent(path: string): boolean {
  try { lstatSync(path); return true; } catch { return false; }
}

const has = (cmd: string): boolean => runSync('sh', ['-c', `command -v ${cmd}`]).code === 0;
const packageStatus = (): string => runSync('dpkg-query', ['-W', '-f', '${db:Status-Status}', 'hostds']).stdout.trim();

/** dpkg, retried while another apt or dpkg (another test, an engineer) holds its lock. */
async function dpkg(args: string[]): Promise<Result> {
  let result: Result | undefined;
  await waitFor(async () => {
    result = await run('dpkg', args);
    return result.code === 0 || !/\block(ed)?\b/i.test(result.stderr);
  }, 60_000, `the dpkg lock for dpkg ${args.join(' ')}`, 500);
  return result!;
}

function expectOk(r: Result, what: string): string {
  expect(r.code, `${what} failed:\n${r.stdout}${r.stderr}`).toBe(0);
  return r.stdout;
}

/** Why the lifecycle cannot run here, or undefined. It never touches a hostds this test did not install. */
function lifecycleSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  if (!has('dpkg') || !has('dpkg-deb')) return 'dpkg is not installed';
  const node = runSync('dpkg-query', ['-W', '-f', '${Version}', 'nodejs']).stdout.trim();
  if (node === '' || runSync('dpkg', ['--compare-versions', node, 'ge', '20']).code !== 0) return `Depends: nodejs (>= 20) is not met by dpkg's database (nodejs ${node || 'not installed as a package'})`;
  if (!['', 'not-installed'].includes(packageStatus())) return `hostds is already installed here (${packageStatus()}): this test would remove it`;
  for (const dir of ['/etc/hostds', '/var/lib/hostds', '/var/log/hostds', '/var/cache/hostds']) if (existsSync(dir)) return `${dir} exists: this test's purge would delete it`;
  return undefined;
}

const lifecycleSkip = lifecycleSkipReason();
if (lifecycleSkip) process.stderr.write(`deb-package: install/upgrade/purge tests skipped: ${lifecycleSkip}\n`);
const hasLintian = has('lintian');
if (!hasLintian) process.stderr.write('deb-package: lintian check skipped: lintian is not installed (apt-get install -y lintian)\n');

let work = '';
let deb = '';
let nextDeb = '';
let installed = false;
const children = new Set<ChildProcess>();
const groups = new Set<number>();
const roots: string[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'hostds-deb-test-'));
  const build = (args: string[]) => run(process.execPath, [join(REPO, 'scripts/build-deb.mjs'), ...args], { cwd: REPO });
  const [base, next] = await Promise.all([build(['--out', join(work, 'base')]), build(['--version', NEXT, '--out', join(work, 'next')])]);
  expectOk(base, 'build-deb');
  expectOk(next, `build-deb --version ${NEXT}`);
  deb = join(work, 'base', `hostds_${VERSION}_${ARCH}.deb`);
  nextDeb = join(work, 'next', `hostds_${NEXT}_${ARCH}.deb`);
}, 60_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const pgid of groups) { try { process.kill(-pgid, 'SIGKILL'); } catch { /* gone */ } }
  for (const root of roots) for (const p of await listMarkedProcesses(rootIdOf(root))) { try { process.kill(-p.pid, 'SIGKILL'); } catch { /* gone */ } }
  if (installed && !['', 'not-installed'].includes(packageStatus())) await dpkg(['--purge', 'hostds']);
  if (work) await rm(work, { recursive: true, force: true });
  await Promise.all(roots.map((r) => rm(r, { recursive: true, force: true })));
}, 90_000);

describe('the .deb', () => {
  test.runIf(hasLintian)('lintian: no errors and no warnings (overrides are justified in the package)', async () => {
    const r = await run('lintian', ['--fail-on', 'error,warning', '--no-tag-display-limit', deb]);
    expect(r.stdout.split('\n').filter((l) => /^[EW]: /.test(l)), r.stdout + r.stderr).toEqual([]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  }, 60_000);
  test.skipIf(hasLintian)('lintian: skipped, lintian is not installed (apt-get install -y lintian)', () => {});

  test('control fields, conffiles, maintainer scripts and file list', () => {
    const field = (name: string) => expectOk(runSync('dpkg-deb', ['-f', deb, name]), `dpkg-deb -f ${name}`).trim();
    expect(field('Package')).toBe('hostds');
    expect(field('Version')).toBe(VERSION);
    expect(field('Architecture')).toBe(ARCH);
    // libc6's version comes from dpkg-shlibdeps on the helper.
    expect(field('Depends')).toMatch(/^nodejs \(>= 20\), libc6 \(>= [\d.]+\)$/);
    expect(Number(field('Installed-Size'))).toBeGreaterThan(100);
    expect(expectOk(runSync('dpkg-deb', ['-I', deb, 'conffiles']), 'conffiles').trim().split('\n')).toEqual(['/etc/hostds/config.yaml']);
    const control = expectOk(runSync('dpkg-deb', ['-I', deb]), 'dpkg-deb -I');
    for (const script of ['postinst', 'prerm', 'postrm', 'md5sums']) expect(control).toContain(` ${script} `);

    const listing = expectOk(runSync('dpkg-deb', ['-c', deb]), 'dpkg-deb -c').trim().split('\n');
    const paths = listing.map((l) => l.split(/\s+/).slice(5).join(' ').replace(/^\.\//, '/'));
    for (const p of ['/usr/lib/hostds/bin/hostds', '/usr/lib/hostds/dist/bundle/hostds.cjs', '/usr/lib/hostds/package.json', '/usr/lib/hostds/dist/native/hostds-spawn',
      '/lib/systemd/system/hostds.service', '/etc/hostds/config.yaml', '/etc/hostds/manifests.d/',
      '/usr/share/doc/hostds/copyright', '/usr/share/doc/hostds/changelog.gz', '/usr/share/man/man1/hostds.1.gz',
      '/usr/share/lintian/overrides/hostds']) expect(paths, p).toContain(p);
    expect(paths).toContain('/usr/bin/hostds -> ../lib/hostds/bin/hostds');
    expect(paths.filter((p) => p.includes('node_modules') || p.endsWith('.map')), 'no node_modules, no source maps').toEqual([]);
    for (const line of listing) expect(line, 'owned by root (--root-owner-group)').toMatch(/ root\/root /);
  });

  test('the copyright file lists hostds (Apache-2.0) and each bundled npm package with its license', async () => {
    const dir = join(work, 'x');
    expectOk(runSync('dpkg-deb', ['-x', deb, dir]), 'dpkg-deb -x');
    const copyright = await readFile(join(dir, 'usr/share/doc/hostds/copyright'), 'utf8');
    expect(copyright).toMatch(/^Format: https:\/\/www\.debian\.org\/doc\/packaging-manuals\/copyright-format\/1\.0\/\n/);
    expect(copyright).toMatch(/^Files: \*\nCopyright: .+\nLicense: Apache-2\.0$/m);
    for (const [pkg, license] of [['yaml', 'ISC'], ['commander', 'Expat'], ['chokidar', 'Expat'], ['pino-pretty', 'Expat'], ['secure-json-parse', 'BSD-3-clause']]) {
      expect(copyright, pkg).toMatch(new RegExp(`^Files: node_modules/${pkg}/\\*\\nCopyright: .+(\\n .+)*\\nLicense: ${license}$`, 'm'));
    }
    // Only what the bundle contains: pino is a devDependency now (the logger's tests compare with it).
    expect(copyright).not.toMatch(/^Files: node_modules\/pino\/\*$/m);
    for (const license of ['Apache-2.0', 'Expat', 'ISC', 'BSD-3-clause']) expect(copyright).toMatch(new RegExp(`^License: ${license}\\n `, 'm'));
    const man = expectOk(runSync('sh', ['-c', `zcat '${join(dir, 'usr/share/man/man1/hostds.1.gz')}'`]), 'zcat');
    expect(man).toMatch(/^\.TH HOSTDS 1 /);
    expect(man).toContain('\\-\\-root');
  });
});

async function startAgent(root: string): Promise<{ child: ChildProcess; output: () => string; stop: () => Promise<number | null> }> {
  const child = spawn(HOSTDS, ['--root', root, '--node-name', 'h1', 'agent'], { cwd: '/', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOSTDS_LOG_LEVEL: 'debug' } });
  children.add(child);
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { out += d; });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { out += d; });
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  await waitFor(() => out.includes('"agent ready"') || child.exitCode !== null, 20_000, 'the installed agent to be ready');
  if (!out.includes('"agent ready"')) throw new Error(`the installed agent did not start:\n${out}`);
  return { child, output: () => out, stop: async () => { if (child.exitCode === null) child.kill('SIGTERM'); return exited; } };
}

/** A process group that looks like a daemon of the installed agent (root /): `sh` leading a `sleep`. */
function startMarkedGroup(rootId: string, name: string): number {
  const marker = encodeMarker({ rootId, pod: `${name}-x1`, podUid: `uid-${name}`, container: 'main', daemonSet: `default/${name}`, templateHash: 'h' });
  const child = spawn('/bin/sh', ['-c', 'sleep 100000 & wait'], { detached: true, stdio: 'ignore', env: { PATH: process.env['PATH'], [MARKER_ENV]: marker } });
  children.add(child);
  groups.add(child.pid!);
  return child.pid!;
}

/** True while a process that is not a zombie is in group `pgid`. */
async function isGroupAlive(pgid: number): Promise<boolean> {
  for (const name of (await readdir('/proc')).filter((n) => /^\d+$/.test(n))) {
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z') return true;
  }
  return false;
}

describe.skipIf(lifecycleSkip !== undefined)('installed on this host: install, upgrade, remove, purge', () => {
  let root = '';
  let daemonPid = 0;
  let ownFiles: string[] = [];

  test('dpkg -i installs it; the installed hostds runs without any node_modules', async () => {
    installed = true;
    expectOk(await dpkg(['-i', deb]), 'dpkg -i');
    expect(packageStatus()).toBe('installed');
    expect(expectOk(await run(HOSTDS, ['version']), 'hostds version').trim()).toBe(`hostds v${VERSION}`);
    expect(isPresent('/etc/systemd/system/multi-user.target.wants/hostds.service'), 'enabled by deb-systemd-helper').toBe(true);
    ownFiles = expectOk(await run('dpkg', ['-L', 'hostds']), 'dpkg -L').trim().split('\n');
    expect(ownFiles).toContain('/usr/bin/hostds');
    // Every chunk, lazy ones included, loads from /usr/lib/hostds with nothing but node's builtins.
    const bundle = '/usr/lib/hostds/dist/bundle';
    const chunks = (await readdir(bundle)).filter((f) => f.endsWith('.cjs')).map((f) => join(bundle, f));
    expect(chunks.length).toBeGreaterThan(10);
    expectOk(await run(process.execPath, ['-e', `for (const c of ${JSON.stringify(chunks)}) require(c);`], { env: { NODE_PATH: '' } }), 'loading every chunk');

    root = await mkdtemp(join(tmpdir(), 'hostds-deb-root-'));
    roots.push(root);
    await mkdir(join(root, 'etc/hostds/manifests.d'), { recursive: true });
    await writeTestConfig(root);
    await writeFile(join(root, 'etc/hostds/manifests.d/sleeper.yaml'), dsYaml('sleeper'));
    const get = expectOk(await run(HOSTDS, ['--root', root, '--node-name', 'h1', 'get', 'ds']), 'hostds get ds');
    expect(get).toMatch(/^NAME\s+DESIRED/);
    expect(get).toMatch(/^sleeper\s+1\s/m);
  });

  test(`an upgrade to ${NEXT} keeps the running daemon: same pid, adopted by the new agent`, async () => {
    const agent = await startAgent(root);
    const before = await waitForValue(async () => {
      const pids = await statePids(root).catch((): Record<string, number> => ({}));
      return Object.keys(pids).length === 1 ? pids : undefined;
    }, 20_000, 'the sleeper daemon to run');
    daemonPid = Object.values(before)[0]!;
    groups.add(daemonPid);
    // Forked by the packaged helper, as the agent said when it was ready.
    expect(agent.output()).toMatch(/"agent ready".*"spawner":"helper"|"spawner":"helper".*"agent ready"/);
    const parent = /^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${daemonPid}/status`, 'utf8'))?.[1];
    expect(runSync('readlink', [`/proc/${parent}/exe`]).stdout.trim()).toBe('/usr/lib/hostds/dist/native/hostds-spawn');
    // The package ships no code cache (it would not be the same bytes twice): the agent writes one
    // after its start-up, and the CLI compiles nothing it loads from then on (docs/code-cache.md).
    await waitFor(() => agent.output().includes('"code cache written'), 20_000, 'the installed agent to write its code cache');
    expect(statSync('/var/cache/hostds/code-cache.bin').mode & 0o777).toBe(0o644);
    const report = await run(HOSTDS, ['version'], { env: { ...process.env, HOSTDS_CODE_CACHE: 'report' } });
    expect(report.stderr).toMatch(/code cache \/var\/cache\/hostds\/code-cache\.bin: [1-9]\d* chunks from the cache, 0 refused, 0 compiled/);
    // The packaged addon gave back the start-up pages, and again once the cache write had compiled
    // every chunk (docs/memory-trim.md).
    expect(readFileSync(`/proc/${agent.child.pid}/maps`, 'utf8')).toContain('/usr/lib/hostds/dist/native/hostds-trim.node');
    await waitFor(() => /"reason":"code cache written".*"msg":"memory trimmed"/.test(agent.output()), 5_000, 'the trim after the cache write');
    await waitFor(() => /"reason":"start-up".*"msg":"memory trimmed"/.test(agent.output()), 15_000, 'the start-up trim');

    // The old agent keeps running while dpkg replaces its files, as under systemd until postinst restarts it.
    expectOk(await dpkg(['-i', nextDeb]), `dpkg -i ${NEXT}`);
    expect(agent.child.exitCode, `the old agent survived the unpack:\n${agent.output()}`).toBe(null);
    expect(await agent.stop()).toBe(0);
    expect(await isAlive(daemonPid), 'the daemon outlives the old agent').toBe(true);

    expect(expectOk(await run(HOSTDS, ['version']), 'hostds version').trim()).toBe(`hostds v${NEXT}`);
    const next = await startAgent(root);
    const recovered = next.output().split('\n').filter((l) => l.includes('"recovered daemons"')).map((l) => JSON.parse(l) as { adopted: number; lost: number; rebuilt: number });
    expect(recovered).toEqual([expect.objectContaining({ adopted: 1, lost: 0, rebuilt: 0 })]);
    expect(await statePids(root)).toEqual(before);
    const pods = JSON.parse(expectOk(await run(HOSTDS, ['--root', root, '--node-name', 'h1', 'get', 'pods', '-A', '-o', 'json']), 'get pods')) as
      { items: { status: { phase: string; containerStatuses: { restartCount: number }[] } }[] };
    expect(pods.items.map((p) => [p.status.phase, p.status.containerStatuses[0]!.restartCount])).toEqual([['Running', 0]]);
    expect(await next.stop()).toBe(0);
    expect(await isAlive(daemonPid)).toBe(true);
  }, 60_000);

  test('dpkg -r removes the program but keeps daemons running and the configuration', async () => {
    const slashDaemon = startMarkedGroup(rootIdOf('/'), 'deb-test');
    // What an agent on / leaves behind: node.yaml, a manifest, state, logs, runtime files.
    await writeFile('/etc/hostds/node.yaml', 'metadata: {labels: {a: b}}\n');
    await writeFile('/etc/hostds/manifests.d/deb-test.yaml', dsYaml('deb-test'));
    for (const dir of ['/var/lib/hostds', '/var/log/hostds/pods/deb-test-x1', '/run/hostds']) await mkdir(dir, { recursive: true });
    await writeFile('/var/lib/hostds/state.json', '{}');
    await writeFile('/var/log/hostds/pods/deb-test-x1/main.log', 'hello\n');
    await writeFile('/run/hostds/agent.pid', '1 1\n');
    await waitFor(async () => (await listMarkedProcesses(rootIdOf('/'))).some((p) => p.pid === slashDaemon), 5000, 'the marked process to start');

    expectOk(await dpkg(['-r', 'hostds']), 'dpkg -r');
    expect(packageStatus()).toBe('config-files');
    expect(existsSync(HOSTDS)).toBe(false);
    expect(existsSync('/etc/hostds/config.yaml'), 'a conffile stays until purge').toBe(true);
    expect(existsSync('/var/cache/hostds'), 'the code cache goes with the program').toBe(false);
    expect(await isGroupAlive(slashDaemon), 'remove leaves the daemons of / running').toBe(true);
    expect(await isAlive(daemonPid)).toBe(true);
  }, 60_000);

  test('dpkg --purge stops the daemons of / (not those of other roots) and leaves nothing behind', async () => {
    const slash = (await listMarkedProcesses(rootIdOf('/'))).map((p) => p.pid);
    expect(slash.length).toBeGreaterThan(0);
    expectOk(await dpkg(['--purge', 'hostds']), 'dpkg --purge');
    expect(['', 'not-installed'], 'hostds is unknown to dpkg').toContain(packageStatus());
    expect(runSync('dpkg', ['-L', 'hostds']).code).not.toBe(0);
    for (const pgid of slash) expect(await isGroupAlive(pgid), `daemon group ${pgid} of / stopped`).toBe(false);
    expect(await isAlive(daemonPid), 'a daemon of another root is not the package\'s').toBe(true);
    const left = [...ownFiles.filter((p) => p.includes('hostds')), '/etc/hostds', '/var/lib/hostds', '/var/log/hostds', '/run/hostds', '/var/cache/hostds',
      '/etc/systemd/system/multi-user.target.wants/hostds.service', '/etc/systemd/system/hostds.service',
      '/var/lib/systemd/deb-systemd-helper-enabled/hostds.service.dsh-also'].filter(isPresent);
    expect(left).toEqual([]);
    installed = false;
  }, 60_000);
});
