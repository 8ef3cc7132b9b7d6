// The bundle's code cache (bin/code-cache.cjs, docs/code-cache.md) with real node processes: V8
// takes the build's cache whole for the CLI and the agent; a chunk changed since the cache was
// made runs as it is now, whatever its length; an unsafe or broken cache file is ignored; an
// install that keeps its cache apart (the .deb) has it written by its agent.
import { spawn, spawnSync } from 'node:child_process';
import { chmod, chown, cp, mkdir, readFile, readdir, rm, stat, symlink, truncate, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import vm from 'node:vm';
import { describe, expect, test } from 'vitest';
import { REPO, dsYaml, runCli, scratchDir } from '../helpers/cli.js';
import { killDaemons, prepareRoot, startAgent, waitForRunning } from '../helpers/agent.js';
import { waitFor } from '../helpers/wait.js';

interface Entry { sha1: string; data: Buffer }
const codeCache = createRequire(import.meta.url)(join(REPO, 'bin/code-cache.cjs')) as {
  readCache(file: string): Map<string, Entry> | undefined;
  writeCache(file: string, entries: Map<string, Entry>): void;
  MAGIC: string;
};

const REPORT = /code cache (\S+): (\d+) chunks from the cache, (\d+) refused, (\d+) compiled/;
const report = (text: string): { file: string; used: number; rejected: number; compiled: number } => {
  const m = REPORT.exec(text);
  if (!m) throw new Error(`no code cache report in:\n${text}`);
  return { file: m[1]!, used: Number(m[2]), rejected: Number(m[3]), compiled: Number(m[4]) };
};

const tempDir = (): Promise<string> => scratchDir('hostds-cc-');

describe("the build's code cache", () => {
  test('V8 takes it for every chunk the CLI loads', async () => {
    const root = await prepareRoot({ 'a.yaml': dsYaml('a') });
    for (const args of [['version'], ['get', 'ds', '-A'], ['describe', 'ds', 'a']]) {
      const r = await runCli(args, { root, env: { HOSTDS_CODE_CACHE: 'report' } });
      expect(r.code, r.stderr).toBe(0);
      const rep = report(r.stderr);
      expect(rep.file).toBe(join(REPO, 'dist/bundle/code-cache.bin'));
      expect(rep.used, args.join(' ')).toBeGreaterThan(5);
      expect({ rejected: rep.rejected, compiled: rep.compiled }, args.join(' ')).toEqual({ rejected: 0, compiled: 0 });
    }
  });

  test('and for every chunk the agent loads, and the agent runs from it (a tcp probe imports node:net from a cached chunk)', async () => {
    const probe = '        readinessProbe: {tcpSocket: {port: 1}, periodSeconds: 1}\n';
    const root = await prepareRoot({ 'a.yaml': dsYaml('a') + probe });
    const agent = await startAgent(root, ['--stop-daemons-on-exit'], ['env', 'HOSTDS_CODE_CACHE=report']);
    try {
      await waitFor(async () => (await runCli(['get', 'events', '-A'], { root })).stdout.includes('Readiness probe failed'), 15_000, 'the tcp probe to fail');
    } finally {
      expect(await agent.stop()).toBe(0);
    }
    expect(agent.output()).not.toMatch(/ERR_VM_DYNAMIC_IMPORT|unhandled error/);
    const rep = report(agent.output());
    expect(rep.used).toBeGreaterThan(10);
    expect({ rejected: rep.rejected, compiled: rep.compiled }).toEqual({ rejected: 0, compiled: 0 });
  });

  test('HOSTDS_CODE_CACHE=off compiles every chunk afresh, and the CLI works the same; an unknown value is said', async () => {
    const root = await prepareRoot({ 'a.yaml': dsYaml('a') });
    const on = await runCli(['get', 'ds', '-A'], { root });
    const off = await runCli(['get', 'ds', '-A'], { root, env: { HOSTDS_CODE_CACHE: 'off' } });
    expect(off).toEqual(on);
    expect(on.stdout).toMatch(/^NAMESPACE\s+NAME\s+DESIRED/);
    const typo = await runCli(['get', 'ds', '-A'], { root, env: { HOSTDS_CODE_CACHE: 'of' } });
    expect(typo.code).toBe(0);
    expect(typo.stdout).toBe(on.stdout);
    expect(typo.stderr).toContain('hostds: HOSTDS_CODE_CACHE="of" is not off or report; the code cache is used as usual\n');
  });
});

/** Runs node with the loader on `dir`: requires one.cjs, prints its value and the counters; writes the cache with `write`. */
function loadChunk(dir: string, opts: { write?: boolean } = {}): { value: string; stats: { used: number; rejected: number; compiled: number } } {
  const script = `
    const cc = require(${JSON.stringify(join(REPO, 'bin/code-cache.cjs'))});
    const h = cc.install({ dir: ${JSON.stringify(dir)}, cacheFile: ${JSON.stringify(join(dir, 'cache.bin'))}, fresh: ${opts.write === true} });
    const value = require(${JSON.stringify(join(dir, 'one.cjs'))})();
    if (${opts.write === true}) h.write(${JSON.stringify(join(dir, 'cache.bin'))});
    process.stdout.write(JSON.stringify({ value, stats: h.stats }));`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as ReturnType<typeof loadChunk>;
}

/** A scratch dir with one.cjs ('AAAA') and the cache a run of it wrote. */
async function trainedChunk(): Promise<{ dir: string; file: string; good: Buffer }> {
  const dir = await tempDir();
  await writeFile(join(dir, 'one.cjs'), chunk('AAAA'));
  loadChunk(dir, { write: true });
  const file = join(dir, 'cache.bin');
  return { dir, file, good: await readFile(file) };
}

const chunk = (word: string): string => `'use strict';\nfunction say() { return '${word}'; }\nmodule.exports = () => say();\n`;

describe('the loader', () => {
  test('a chunk changed since the cache was made runs as it is now, even at the same length', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'one.cjs'), chunk('AAAA'));
    expect(loadChunk(dir, { write: true })).toEqual({ value: 'AAAA', stats: { used: 0, rejected: 0, compiled: 1 } });
    expect(loadChunk(dir)).toEqual({ value: 'AAAA', stats: { used: 1, rejected: 0, compiled: 0 } });

    await writeFile(join(dir, 'one.cjs'), chunk('BBBB'));
    expect(loadChunk(dir)).toEqual({ value: 'BBBB', stats: { used: 0, rejected: 0, compiled: 1 } });

    // Why the loader compares hashes: of the source, V8 itself checks only the length, and the
    // old cache passes its check for the new text.
    const old = codeCache.readCache(join(dir, 'cache.bin'))!.get('one.cjs')!;
    const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) { ${chunk('BBBB')}\n});`, { filename: join(dir, 'one.cjs'), cachedData: old.data });
    expect(script.cachedDataRejected).toBe(false);
  });

  test('a cache file others could have written, or a broken one, is not used', async () => {
    const { dir, file, good } = await trainedChunk();
    expect(codeCache.readCache(file)?.get('one.cjs')?.data.length).toBeGreaterThan(0);

    const unusable = async (what: string, change: () => Promise<void>): Promise<void> => {
      await writeFile(file, good, { mode: 0o644 });
      await chmod(file, 0o644);
      await change();
      expect(codeCache.readCache(file), what).toBeUndefined();
      expect(loadChunk(dir), what).toEqual({ value: 'AAAA', stats: { used: 0, rejected: 0, compiled: 1 } });
    };
    await unusable('group-writable', () => chmod(file, 0o664));
    await unusable('world-writable', () => chmod(file, 0o646));
    if (process.geteuid?.() === 0) await unusable('owned by another user', () => chown(file, 65534, 65534));
    await unusable('cut short', () => truncate(file, good.length - 1));
    await unusable('longer than its index says', () => writeFile(file, Buffer.concat([good, Buffer.from('x')])));
    await unusable('another format', () => writeFile(file, Buffer.concat([Buffer.from('hostds-code-cache 0\n'), good.subarray(codeCache.MAGIC.length)])));
    await unusable('made by another V8', () => writeFile(file, Buffer.from(good.toString('latin1').replace(`"v8":"${process.versions.v8}"`, '"v8":"0.0.0"'), 'latin1')));
    await unusable('an index that points outside the file', () => writeFile(file, Buffer.from(good.toString('latin1').replace('"offset":0', '"offset":99999999'), 'latin1')));
    await unusable('a directory', async () => { await rm(file); await mkdir(file); });
    await rm(file, { recursive: true });
    expect(codeCache.readCache(file)).toBeUndefined();
  });

  test('an entry whose own bytes were damaged is refused before V8 sees them (a release node would run them)', async () => {
    const { dir, file, good } = await trainedChunk();
    const dataStart = good.indexOf(10, codeCache.MAGIC.length) + 1;
    for (const at of [dataStart, dataStart + 64, good.length - 40, good.length - 1]) {
      const bad = Buffer.from(good);
      bad[at] = bad[at]! ^ 0x5a;
      await writeFile(file, bad);
      expect(loadChunk(dir), `byte ${at} flipped`).toEqual({ value: 'AAAA', stats: { used: 0, rejected: 1, compiled: 0 } });
    }
    await writeFile(file, good);
    expect(loadChunk(dir)).toEqual({ value: 'AAAA', stats: { used: 1, rejected: 0, compiled: 0 } });
  });

  test('the writer never writes through a name planted where its temporary file goes', async () => {
    const dir = await tempDir();
    const victim = join(dir, 'victim');
    await writeFile(victim, 'precious');
    const file = join(dir, 'cache.bin');
    // The temporary name is random: plant a symlink at the one the writer will pick, by giving
    // it a name generator that returns a known one.
    const crypto = createRequire(import.meta.url)('node:crypto') as { randomBytes: (n: number) => Buffer };
    const real = crypto.randomBytes;
    crypto.randomBytes = () => Buffer.from('planted', 'latin1');
    try {
      await symlink(victim, `${file}.${Buffer.from('planted', 'latin1').toString('hex')}.tmp`);
      expect(() => codeCache.writeCache(file, new Map([['one.cjs', { sha1: 'x', data: Buffer.from('y') }]]))).toThrow(/EEXIST/);
    } finally { crypto.randomBytes = real; }
    expect(await readFile(victim, 'utf8')).toBe('precious');
    codeCache.writeCache(file, new Map([['one.cjs', { sha1: 'x', data: Buffer.from('y') }]]));
    expect(codeCache.readCache(file)?.get('one.cjs')).toMatchObject({ sha1: 'x', data: Buffer.from('y') });
    expect((await readdir(dir)).filter((f) => f !== 'victim' && !f.endsWith('.tmp'))).toEqual(['cache.bin']);
  });
});

/** bin/, dist/bundle (chunks only, no cache) and dist/native copied aside, the launcher pointed at `cacheFile` as the .deb points it. */
async function stageApartCache(stage: string, cacheFile: string): Promise<string> {
  await cp(join(REPO, 'bin'), join(stage, 'bin'), { recursive: true });
  await mkdir(join(stage, 'dist/bundle'), { recursive: true });
  for (const f of (await readdir(join(REPO, 'dist/bundle'))).filter((x) => x.endsWith('.cjs'))) await cp(join(REPO, 'dist/bundle', f), join(stage, 'dist/bundle', f));
  await cp(join(REPO, 'dist/native'), join(stage, 'dist/native'), { recursive: true });
  await cp(join(REPO, 'package.json'), join(stage, 'package.json'));
  const launcher = await readFile(join(stage, 'bin/hostds'), 'utf8');
  const line = "const CODE_CACHE = { dir: bundle, file: join(bundle, 'code-cache.bin'), agentWrites: false };";
  expect(launcher).toContain(line);
  await writeFile(join(stage, 'bin/hostds'), launcher.replace(line, `const CODE_CACHE = { dir: bundle, file: ${JSON.stringify(cacheFile)}, agentWrites: true };`));
  return join(stage, 'bin/hostds');
}

describe('a cache kept apart from the program (the .deb)', () => {
  test('the agent writes it once its start-up is done, and later processes take it', async () => {
    const stage = await tempDir();
    const cacheFile = join(stage, 'var/cache/hostds/code-cache.bin');
    const bin = await stageApartCache(join(stage, 'lib'), cacheFile);
    const root = await prepareRoot({ 'a.yaml': dsYaml('a') });
    const run = (args: string[]) => spawnSync(process.execPath, [bin, '--root', root, '--node-name', 'h1', ...args], { encoding: 'utf8', env: { ...process.env, HOSTDS_CODE_CACHE: 'report', NO_COLOR: '1' } });

    const before = run(['version']);
    expect(before.status, before.stderr).toBe(0);
    expect(report(before.stderr)).toMatchObject({ file: cacheFile, used: 0, rejected: 0 });

    const agent = spawn(process.execPath, [bin, '--root', root, '--node-name', 'h1', 'agent', '--stop-daemons-on-exit'], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    agent.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    agent.stderr.setEncoding('utf8').on('data', (d: string) => { out += d; });
    const exited = new Promise<number | null>((r) => agent.on('exit', (code) => r(code)));
    try {
      await waitForRunning(root, 1);
      await waitFor(() => out.includes('"code cache written') || agent.exitCode !== null, 20_000, 'the agent to write its code cache');
      expect(out).toContain('"code cache written');
    } finally {
      if (agent.exitCode === null) process.kill(agent.pid!, 'SIGTERM');
      const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(r, 15_000, 'still running'))]);
      if (agent.exitCode === null) process.kill(agent.pid!, 'SIGKILL');
      await killDaemons(root);
      expect(code).toBe(0);
    }
    const chunks = (await readdir(join(stage, 'lib/dist/bundle'))).filter((f) => f.endsWith('.cjs'));
    expect([...codeCache.readCache(cacheFile)!.keys()].sort(), 'every chunk, loaded by the agent or not').toEqual(chunks.sort());
    const st = await stat(cacheFile);
    expect(st.mode & 0o777).toBe(0o644);
    expect((await stat(join(stage, 'var/cache/hostds'))).mode & 0o777).toBe(0o755);

    const after = run(['version']);
    expect(after.status, after.stderr).toBe(0);
    expect(report(after.stderr)).toMatchObject({ file: cacheFile, rejected: 0, compiled: 0 });
    expect(report(after.stderr).used).toBeGreaterThan(5);
  }, 60_000);
});
