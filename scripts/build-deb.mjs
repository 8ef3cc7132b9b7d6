#!/usr/bin/env node
// `npm run package:deb`: builds build/hostds_<version>_<arch>.deb from this checkout with
// `dpkg-deb --root-owner-group --build` (no debhelper). Options: --version X (default: package.json's;
// the test builds an upgrade this way), --out DIR (default: build/). packaging/deb/README.md explains
// the layout and each decision. Needs node_modules (rolldown), dpkg-deb, dpkg-dev (dpkg-buildflags,
// dpkg-shlibdeps), gzip, a C compiler for the hostds-spawn helper, and node's headers (node_api.h) for the
// hostds-trim.node addon.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync,
  statSync, symlinkSync, utimesSync, writeFileSync, lstatSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { describePackage, listBundledPackageDirs, renderCopyright } from '../packaging/deb/lib/copyright.mjs';
import { renderManPage } from '../packaging/deb/lib/manpage.mjs';
import { compileHelper, compileTrimAddon, findCompiler, findNodeHeaders } from './build-native.mjs';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const DEB = join(REPO, 'packaging/deb');
const LIB = '/usr/lib/hostds';
const UNIT_FROM_REPO = join(REPO, 'units/hostds.service');

/** A build error: main() prints it and exits 1, after its `finally` removed the scratch directory. */
class BuildError extends Error {}

function fail(message) {
  throw new BuildError(message);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (r.error) fail(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stdout ?? ''}${r.stderr ?? ''}`);
  return r.stdout;
}

function readOptions() {
  let values;
  try {
    ({ values } = parseArgs({ options: { version: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (err) {
    fail(`${err.message}\nusage: node scripts/build-deb.mjs [--version X] [--out DIR]`);
  }
  if (values.help) {
    process.stdout.write('usage: node scripts/build-deb.mjs [--version X] [--out DIR]\n');
    return undefined;
  }
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
  const version = values.version ?? pkg.version;
  // Debian versions: digits first, then [A-Za-z0-9.+~]; no '-' (a native package, no revision).
  if (!/^\d[A-Za-z0-9.+~]*$/.test(version)) fail(`--version ${JSON.stringify(version)} is not a native Debian version such as 1.2.3 or 1.2.3+test1`);
  return { version, out: resolve(values.out ?? join(REPO, 'build')), pkg };
}

/** Seconds since the epoch for every timestamp in the package: the last commit's, so rebuilds match. */
function sourceDateEpoch() {
  if (process.env.SOURCE_DATE_EPOCH) return Number(process.env.SOURCE_DATE_EPOCH);
  const r = spawnSync('git', ['log', '-1', '--format=%ct'], { cwd: REPO, encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() !== '' ? Number(r.stdout.trim()) : Math.floor(Date.now() / 1000);
}

/**
 * Bundles src/ with the checkout's own rolldown.config.mjs, run from a scratch directory whose
 * package.json carries `version` (the config bakes it into the bundle) so that the checkout's
 * dist/ is never touched while others run tests from it. Returns the scratch dist/bundle.
 */
function bundle(work, pkg, version) {
  mkdirSync(work);
  copyFileSync(join(REPO, 'rolldown.config.mjs'), join(work, 'rolldown.config.mjs'));
  writeFileSync(join(work, 'package.json'), `${JSON.stringify({ ...pkg, version }, null, 2)}\n`);
  for (const name of ['src', 'node_modules', 'tsconfig.json']) symlinkSync(join(REPO, name), join(work, name));
  const rolldown = join(REPO, 'node_modules/.bin/rolldown');
  if (!existsSync(rolldown)) fail('node_modules/.bin/rolldown is missing: run `npm ci` first');
  run(rolldown, ['-c', 'rolldown.config.mjs'], { cwd: work });
  return join(work, 'dist/bundle');
}

/** Fails when a bundle file imports a package instead of a node: builtin or a sibling chunk. */
function checkSelfContained(bundleDir) {
  const builtins = new Set(builtinModules);
  const pattern = /^(?!\s*(?:\/\/|\/?\*)).*?(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)["']([^"']+)["']/gm;
  for (const file of readdirSync(bundleDir).filter((f) => f.endsWith('.cjs'))) {
    for (const [, spec] of readFileSync(join(bundleDir, file), 'utf8').matchAll(pattern)) {
      const isPackageName = /^(@[\w.-]+\/)?\w[\w.-]*(\/[\w.-]+)*$/.test(spec);
      if (!isPackageName || spec.startsWith('node:') || builtins.has(spec)) continue;
      fail(`${file} imports ${JSON.stringify(spec)}: the bundle must not need node_modules at run time`);
    }
  }
}

const CODE_CACHE_FILE = '/var/cache/hostds/code-cache.bin';

/** The /usr/lib/hostds tree: the launcher (its shebang pointing at Debian's node) and its code-cache loader, the bundle without source maps, a trimmed package.json. */
function stageProgram(stage, bundleDir, pkg, version) {
  const lib = join(stage, LIB.slice(1));
  mkdirSync(join(lib, 'bin'), { recursive: true });
  mkdirSync(join(lib, 'dist/bundle'), { recursive: true });
  // The code cache lives in /var/cache/hostds, written by the agent (docs/code-cache.md): a trained
  // cache is not the same bytes twice, and the package must be.
  const cacheLine = /^const CODE_CACHE = \{ dir: bundle, file: join\(bundle, 'code-cache.bin'\), agentWrites: false \};$/m;
  const source = readFileSync(join(REPO, 'bin/hostds'), 'utf8');
  if (!cacheLine.test(source)) fail('bin/hostds has no CODE_CACHE line to point at /var/cache/hostds');
  const launcher = source.replace(/^#!\S*env -S node/, '#!/usr/bin/node')
    .replace(cacheLine, `const CODE_CACHE = { dir: bundle, file: '${CODE_CACHE_FILE}', agentWrites: true };`);
  writeFileSync(join(lib, 'bin/hostds'), launcher, { mode: 0o755 });
  for (const file of ['code-cache.cjs', 'package.json']) copyFileSync(join(REPO, 'bin', file), join(lib, 'bin', file));
  for (const file of readdirSync(bundleDir).filter((f) => f.endsWith('.cjs'))) {
    // Source maps stay out: node does not read them without --enable-source-maps, and they embed every source.
    const code = readFileSync(join(bundleDir, file), 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
    writeFileSync(join(lib, 'dist/bundle', file), code);
  }
  // The bundle is CommonJS (.cjs) and bin/package.json says the launcher is; nothing here installs dependencies.
  const { name, description, license } = pkg;
  writeFileSync(join(lib, 'package.json'), `${JSON.stringify({ name, version, description, license, private: true, bin: { hostds: 'bin/hostds' }, engines: pkg.engines }, null, 2)}\n`);
  mkdirSync(join(stage, 'usr/bin'), { recursive: true });
  symlinkSync('../lib/hostds/bin/hostds', join(stage, 'usr/bin/hostds'));
}

/**
 * The native parts, built with Debian's flags (dpkg-buildflags, every hardening feature) and
 * stripped, where the bundle looks for them: /usr/lib/hostds/dist/native. hostds-spawn
 * (docs/spawner.md) and hostds-trim.node (docs/memory-trim.md; node's N-API, which is stable
 * across node versions). Returns the shlibs:Depends dpkg-shlibdeps computes for them (the libc6
 * version they need).
 */
function stageHelper(stage, work) {
  const cc = findCompiler();
  if (cc === undefined) fail('no C compiler (cc, gcc or $CC): the package ships the hostds-spawn helper; apt-get install gcc libc6-dev');
  const headers = findNodeHeaders();
  if (headers === undefined) fail("no node_api.h beside this node (PREFIX/include/node): the package ships the hostds-trim.node addon; install node's headers (Debian: libnode-dev)");
  const env = { ...process.env, DEB_BUILD_MAINT_OPTIONS: 'hardening=+all' };
  const flags = (name) => run('dpkg-buildflags', ['--get', name], { env }).trim().split(/\s+/).filter(Boolean);
  const cflags = [...flags('CPPFLAGS'), ...flags('CFLAGS'), '-Wall', '-Wextra', '-Werror'];
  const out = join(stage, LIB.slice(1), 'dist/native/hostds-spawn');
  const failure = compileHelper({ cc, out, cflags, ldflags: flags('LDFLAGS') });
  if (failure !== undefined) fail(`${cc} failed on native/hostds-spawn.c:\n${failure}`);
  const addon = join(stage, LIB.slice(1), 'dist/native/hostds-trim.node');
  const addonFailure = compileTrimAddon({ cc, out: addon, headers, cflags: [...cflags, '-fPIC'], ldflags: ['-shared', ...flags('LDFLAGS')] });
  if (addonFailure !== undefined) fail(`${cc} failed on native/hostds-trim.c:\n${addonFailure}`);
  for (const file of [out, addon]) run('strip', ['--remove-section=.comment', '--remove-section=.note', '--strip-unneeded', file]);
  // An addon is not an executable: 0644, as Debian's policy wants shared objects.
  chmodSync(addon, 0o644);
  // dpkg-shlibdeps wants a source tree: a debian/control naming the package is all it reads.
  const src = join(work, 'shlibs');
  mkdirSync(join(src, 'debian'), { recursive: true });
  writeFileSync(join(src, 'debian/control'), 'Source: hostds\n\nPackage: hostds\nArchitecture: any\n');
  // The addon's napi_* symbols come from node when it loads the addon: dpkg-shlibdeps says it looks
  // like a plugin, a warning only.
  const line = run('dpkg-shlibdeps', ['-O', '-e', out, '-e', addon], { cwd: src }).trim();
  const depends = /^shlibs:Depends=(.+)$/m.exec(line)?.[1];
  if (depends === undefined) fail(`dpkg-shlibdeps printed no shlibs:Depends: ${line}`);
  return depends;
}

/** Runs the staged CLI far from any node_modules; also loads every chunk (lazy ones included). */
function smokeTest(stage, version) {
  const cli = join(stage, LIB.slice(1), 'bin/hostds');
  const opts = { cwd: '/', env: { PATH: process.env.PATH, NO_COLOR: '1' } };
  const printed = run(process.execPath, [cli, 'version'], opts).trim();
  if (printed !== `hostds v${version}`) fail(`the staged CLI prints ${JSON.stringify(printed)}, expected "hostds v${version}"`);
  const chunks = readdirSync(join(stage, LIB.slice(1), 'dist/bundle')).filter((f) => f.endsWith('.cjs')).map((f) => join(stage, LIB.slice(1), 'dist/bundle', f));
  run(process.execPath, ['-e', `for (const c of ${JSON.stringify(chunks)}) require(c);`], opts);
  return run(process.execPath, [cli, '--help'], { ...opts, env: { ...opts.env, COLUMNS: '200' } });
}

function gzip9n(text) {
  return execFileSync('gzip', ['-9n', '-c'], { input: text, maxBuffer: 64 << 20 });
}

/** packaging/deb/changelog, with an entry on top when `version` has none yet (a test or snapshot build). */
function changelogFor(version, maintainer, epoch) {
  const text = readFileSync(join(DEB, 'changelog'), 'utf8');
  const top = /^hostds \(([^)]+)\)/.exec(text)?.[1];
  if (top === version) return text;
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).stdout?.trim() || 'unknown';
  const date = new Date(epoch * 1000).toUTCString().replace('GMT', '+0000');
  return `hostds (${version}) unstable; urgency=medium\n\n  * Snapshot built from commit ${commit}; packaging/deb/changelog has no\n    entry for this version.\n\n -- ${maintainer}  ${date}\n\n${text}`;
}

function stageDocs(stage, { version, help, bundleDir, maintainer, epoch }) {
  const doc = join(stage, 'usr/share/doc/hostds');
  mkdirSync(doc, { recursive: true });
  const dirs = listBundledPackageDirs(bundleDir);
  const hasRuntime = readdirSync(bundleDir).some((f) => f.endsWith('.cjs') && readFileSync(join(bundleDir, f), 'utf8').includes('rolldown/runtime.js'));
  if (hasRuntime) dirs.push('node_modules/rolldown'); // rolldown's runtime helpers are part of the bundle
  const packages = dirs.map((d) => describePackage(REPO, d));
  writeFileSync(join(doc, 'copyright'), renderCopyright({ packages, licensesDir: join(DEB, 'licenses'), bundleDir: `${LIB}/dist/bundle/` }));
  writeFileSync(join(doc, 'changelog.gz'), gzip9n(changelogFor(version, maintainer, epoch)));
  const man = join(stage, 'usr/share/man/man1');
  mkdirSync(man, { recursive: true });
  const date = new Date(epoch * 1000).toISOString().slice(0, 10);
  writeFileSync(join(man, 'hostds.1.gz'), gzip9n(renderManPage({ help, version, date, summary: 'Kubernetes DaemonSets for hosts without Kubernetes' })));
  const overrides = join(stage, 'usr/share/lintian/overrides');
  mkdirSync(overrides, { recursive: true });
  copyFileSync(join(DEB, 'lintian-overrides'), join(overrides, 'hostds'));
  return packages;
}

/** The unit from units/, the one the systemd tests boot. */
function stageSystem(stage) {
  const unit = UNIT_FROM_REPO;
  if (!existsSync(unit)) throw new Error(`build-deb: ${unit} is missing`);
  mkdirSync(join(stage, 'lib/systemd/system'), { recursive: true });
  copyFileSync(unit, join(stage, 'lib/systemd/system/hostds.service'));
  mkdirSync(join(stage, 'etc/hostds/manifests.d'), { recursive: true });
  copyFileSync(join(REPO, 'examples/root/etc/hostds/config.yaml'), join(stage, 'etc/hostds/config.yaml'));
  return relative(REPO, unit);
}

function walk(dir, out = []) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    out.push(path);
    if (lstatSync(path).isDirectory()) walk(path, out);
  }
  return out;
}

/** Modes as policy wants them (0755 directories and programs, 0644 the rest), one mtime, md5sums. */
function finishTree(stage, epoch, conffiles) {
  const md5 = [];
  for (const path of walk(stage)) {
    const st = lstatSync(path);
    if (st.isSymbolicLink()) continue;
    if (st.isDirectory()) chmodSync(path, 0o755);
    else {
      chmodSync(path, st.mode & 0o111 ? 0o755 : 0o644);
      const rel = relative(stage, path);
      if (!conffiles.includes(`/${rel}`)) md5.push(`${createHash('md5').update(readFileSync(path)).digest('hex')}  ${rel}`);
    }
  }
  for (const path of walk(stage).reverse()) if (!lstatSync(path).isSymbolicLink()) utimesSync(path, epoch, epoch);
  return `${md5.join('\n')}\n`;
}

function installedSizeKiB(stage) {
  // dpkg's rule: the sum of each file's size rounded up to 1 KiB, plus 1 KiB per directory and symlink.
  return walk(stage).reduce((sum, p) => { const st = lstatSync(p); return sum + (st.isFile() ? Math.ceil(st.size / 1024) : 1); }, 0);
}

function writeControl(stage, { version, md5sums, conffiles, arch, shlibs }) {
  const control = join(stage, 'DEBIAN');
  mkdirSync(control, { recursive: true });
  const text = readFileSync(join(DEB, 'control'), 'utf8').replace('@VERSION@', version).replace('@INSTALLED_SIZE@', String(installedSizeKiB(stage)))
    .replace('@ARCH@', arch).replace('@SHLIBS_DEPENDS@', shlibs);
  writeFileSync(join(control, 'control'), text);
  writeFileSync(join(control, 'md5sums'), md5sums);
  writeFileSync(join(control, 'conffiles'), `${conffiles.join('\n')}\n`);
  for (const script of ['postinst', 'prerm', 'postrm']) {
    copyFileSync(join(DEB, script), join(control, script));
    chmodSync(join(control, script), 0o755);
  }
  chmodSync(control, 0o755);
  for (const f of ['control', 'md5sums', 'conffiles']) chmodSync(join(control, f), 0o644);
  return text;
}

function main() {
  const options = readOptions();
  if (options === undefined) return;
  const { version, out, pkg } = options;
  const epoch = sourceDateEpoch();
  const work = mkdtempSync(join(tmpdir(), 'hostds-deb-'));
  try {
    const bundleDir = bundle(join(work, 'bundle-work'), pkg, version);
    checkSelfContained(bundleDir);
    const stage = join(work, 'root');
    stageProgram(stage, bundleDir, pkg, version);
    const shlibs = stageHelper(stage, work);
    const arch = run('dpkg', ['--print-architecture']).trim();
    const help = smokeTest(stage, version);
    const maintainer = /^Maintainer: (.*)$/m.exec(readFileSync(join(DEB, 'control'), 'utf8'))[1];
    const packages = stageDocs(stage, { version, help, bundleDir, maintainer, epoch });
    const unit = stageSystem(stage);
    const conffiles = ['/etc/hostds/config.yaml'];
    const md5sums = finishTree(stage, epoch, conffiles);
    writeControl(stage, { version, md5sums, conffiles, arch, shlibs });
    mkdirSync(out, { recursive: true });
    const deb = join(out, `hostds_${version}_${arch}.deb`);
    run('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', stage, deb], { env: { ...process.env, SOURCE_DATE_EPOCH: String(epoch) } });
    process.stdout.write(`${relative(process.cwd(), deb) || deb}: hostds ${version}, unit from ${unit}, ${packages.length} bundled npm packages in copyright, ${Math.round(statSync(deb).size / 1024)} KiB\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

try {
  main();
} catch (err) {
  process.stderr.write(`build-deb: ${err instanceof BuildError ? err.message : err?.stack ?? err}\n`);
  process.exitCode = 1;
}
