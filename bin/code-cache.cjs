'use strict';
// A V8 code cache for the bundle (docs/code-cache.md). Node 20 parses and compiles every function
// of the bundle the first time it runs: ~60 ms of each agent start goes to that. The build runs a
// short training agent (scripts/train-code-cache.mjs) and keeps, per chunk, the bytecode V8 had
// compiled by its exit; a later start hands it back to V8 instead of compiling again.
//
// V8 checks its own version and flags, but of the source only the length, and a node release build
// does not checksum the cached bytes: a flipped byte can run wrong code or abort V8. So an entry is
// used only for a chunk whose SHA-1 is the one it was made from, and only when its own bytes still
// have the SHA-1 they were written with. Anything amiss and the chunk is compiled as node would.
const Module = require('node:module');
const vm = require('node:vm');
const { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, realpathSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const { dirname } = require('node:path');
const crypto = require('node:crypto');

const MAGIC = 'hostds-code-cache 1\n';

const sha1 = (text) => crypto.createHash('sha1').update(text).digest('hex');

/** The header is read first, in one go: ~150 bytes an entry, so 64 KiB is room for ~400 chunks. */
const HEAD_MAX = 64 * 1024;

/**
 * A cache file's index (chunk file name → { sha1 of the chunk, dataSha1, offset, length }) and
 * `read(entry)`, which reads an entry's bytes when its chunk loads (not checked against dataSha1:
 * the caller does). The file stays open, so every entry comes from the file whose index was read
 * even if a new cache replaces it meanwhile, and nothing but the index is held in memory.
 * Undefined when there is none or it is unusable: another format, another V8 or architecture, or
 * cut short. V8 runs what the file holds, so it must be as safe as the code: owned by root or by
 * this user, and writable by no one else.
 */
function openCache(file) {
  let fd;
  try {
    fd = openSync(file, 'r');
    const st = fstatSync(fd);
    const euid = process.geteuid ? process.geteuid() : 0;
    if (!st.isFile() || (st.uid !== 0 && st.uid !== euid) || (st.mode & 0o022) !== 0) throw new Error('unsafe');
    const headBuf = Buffer.alloc(Math.min(HEAD_MAX, st.size));
    const got = readSync(fd, headBuf, 0, headBuf.length, 0);
    if (got <= MAGIC.length || headBuf.toString('latin1', 0, MAGIC.length) !== MAGIC) throw new Error('format');
    const nl = headBuf.indexOf(10, MAGIC.length);
    if (nl < 0 || nl >= got) throw new Error('format');
    const head = JSON.parse(headBuf.toString('utf8', MAGIC.length, nl));
    if (head === null || typeof head !== 'object' || head.v8 !== process.versions.v8 || head.arch !== process.arch) throw new Error('other V8');
    const base = nl + 1;
    if (st.size - base !== head.size || head.entries === null || typeof head.entries !== 'object') throw new Error('size');
    const entries = new Map();
    for (const [name, e] of Object.entries(head.entries)) {
      const ok = e !== null && typeof e === 'object' && typeof e.sha1 === 'string' && typeof e.dataSha1 === 'string'
        && Number.isSafeInteger(e.offset) && Number.isSafeInteger(e.length) && e.offset >= 0 && e.length > 0 && e.offset + e.length <= head.size;
      if (!ok) throw new Error('index');
      entries.set(name, { sha1: e.sha1, dataSha1: e.dataSha1, offset: base + e.offset, length: e.length });
    }
    const read = (entry) => {
      const data = Buffer.allocUnsafe(entry.length);
      return readSync(fd, data, 0, entry.length, entry.offset) === entry.length ? data : undefined;
    };
    return { entries, read };
  } catch {
    if (fd !== undefined) closeSync(fd);
    return undefined;
  }
}

/** The whole of a cache file (name → { sha1, data, dataSha1 }), for the training and for tests. */
function readCache(file) {
  const cache = openCache(file);
  if (cache === undefined) return undefined;
  return new Map([...cache.entries].map(([name, e]) => [name, { sha1: e.sha1, data: cache.read(e), dataSha1: e.dataSha1 }]));
}

/**
 * Writes entries (name → { sha1, data }) as one file, whole or not at all (temporary file, rename).
 * No fsync: a file a crash left short or zeroed fails its checks and is rewritten by the agent.
 */
function writeCache(file, entries) {
  const index = {};
  const parts = [];
  let size = 0;
  for (const [name, { sha1: hash, data }] of entries) {
    index[name] = { sha1: hash, offset: size, length: data.length, dataSha1: sha1(data) };
    parts.push(data);
    size += data.length;
  }
  const head = JSON.stringify({ v8: process.versions.v8, arch: process.arch, node: process.version, size, entries: index });
  mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
  // O_EXCL: a name planted beforehand (a symlink elsewhere) is refused, never written through; a
  // random name, so that one left by a killed writer is never in the way.
  const tmp = `${file}.${crypto.randomBytes(6).toString('hex')}.tmp`;
  try {
    writeFileSync(tmp, Buffer.concat([Buffer.from(`${MAGIC}${head}\n`), ...parts]), { mode: 0o644, flag: 'wx' });
    renameSync(tmp, file);
  } catch (err) {
    if (err.code !== 'EEXIST') rmSync(tmp, { force: true });
    throw err;
  }
}

/** The `require` a chunk gets, bound to its own module as node's loader would bind it. */
function requireFor(mod) {
  const req = (id) => mod.require(id);
  req.resolve = (request, options) => Module._resolveFilename(request, mod, false, options);
  req.resolve.paths = (request) => Module._resolveLookupPaths(request, mod);
  req.main = require.main;
  req.cache = Module._cache;
  req.extensions = Module._extensions;
  return req;
}

/**
 * Compiles the chunks directly in `dir` with the cache in `cacheFile` (when there is a usable one;
 * `fresh`: without it). Returns a handle: `stats` ({ used, rejected, compiled } chunks so far) and,
 * with `keep`, `write(file)`, which writes what V8 has compiled of every chunk in `dir` (a training
 * run, or the agent refreshing a cache that was missing or stale).
 */
function install({ dir, cacheFile, fresh = false, keep = fresh }) {
  const cache = fresh ? undefined : openCache(cacheFile);
  // Module file names are real paths: a symlink on the way to dir must not hide every chunk.
  const real = realpathSync(dir);
  const prefix = real.endsWith('/') ? real : `${real}/`;
  const stats = { used: 0, rejected: 0, compiled: 0 };
  const loaded = [];
  const original = Module.prototype._compile;
  Module.prototype._compile = function compile(content, filename) {
    if (!filename.startsWith(prefix) || filename.includes('/', prefix.length)) return original.apply(this, arguments);
    const name = filename.slice(prefix.length);
    const entry = cache?.entries.get(name);
    // Hashed only when there is an entry to check it against, or a cache to write.
    const hash = entry !== undefined || keep ? sha1(content) : undefined;
    const current = entry !== undefined && entry.sha1 === hash;
    const data = current ? cache.read(entry) : undefined;
    const intact = data !== undefined && sha1(data) === entry.dataSha1;
    const script = new vm.Script(Module.wrap(content), {
      filename,
      cachedData: intact ? data : undefined,
      importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    });
    if (!current) stats.compiled++;
    else if (!intact || script.cachedDataRejected) stats.rejected++;
    else stats.used++;
    // Kept only for a process that will write a cache: the rest need not hold the scripts.
    if (keep) loaded.push({ name, hash, script });
    const fn = script.runInThisContext({ displayErrors: true });
    return fn.call(this.exports, this.exports, requireFor(this), this, filename, dirname(filename));
  };
  // The chunks this process never loaded are compiled, not run, so that another command finds its
  // own: their top level at least (what V8 compiles eagerly), with no module state in this process.
  const write = (file) => {
    if (!keep) throw new Error('this process kept no scripts to write a code cache from');
    const out = new Map(loaded.map(({ name, hash, script }) => [name, { sha1: hash, data: script.createCachedData() }]));
    for (const name of readdirSync(dir).filter((f) => f.endsWith('.cjs') && !out.has(f))) {
      const content = readFileSync(`${prefix}${name}`, 'utf8');
      const script = new vm.Script(Module.wrap(content), { filename: `${prefix}${name}`, importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER });
      out.set(name, { sha1: sha1(content), data: script.createCachedData() });
    }
    writeCache(file, out);
  };
  return { stats, write };
}

// V8's flags for every hostds process, set before the first chunk is compiled: V8 takes a code
// cache only under the flags it was made with, so the CLI and the agent share one set.
// They are for the agent, which allocates in small bursts: V8 would grow its young generation to
// 32 MiB after the start-up parse and keep it. Held at its initial size it costs a few more minor
// GCs and saves ~15-25 MiB of RSS, and every fork of the agent (one per daemon started) copies less.
// optimize-for-size grows the old generation in smaller steps: in a restart storm RSS stays ~4 MiB
// lower, at no measurable CPU cost per restart (docs/benchmarks.md).
// No TurboFan: the agent waits on processes and files, it has no hot loop worth optimising. On
// 2 cores its compile jobs competed with the start-up they were meant to speed up (100 daemons
// started ~10% sooner without them), and its code, its zones and the compiler's own pages of the
// node binary cost 5-9 MiB of RSS, most of the growth in a restart storm.
// always-sparkplug: a function gets Sparkplug's baseline code on its first call instead of after
// some runs in the interpreter. Starting 100 daemons runs each step of a start 100 times, mostly
// interpreted until then: ~12 ms less main thread at N = 100, ~0.7 MiB more RSS (docs/benchmarks.md).
const V8_FLAGS = ['--semi-space-growth-factor=1', '--optimize-for-size', '--no-turbofan', '--always-sparkplug'];

// Node's own modules carry a code cache of their own, made under V8's default flags: once
// V8_FLAGS are set V8 refuses it, and every node module required afterwards is compiled from its
// source. These are the ones the chunks require as they load, for the agent and the CLI alike
// (crypto is already in, for sha1 above), so they are required before the flags: ~6 ms for the
// lot instead of ~20 ms, for every command (docs/code-cache.md). A module missing here only costs
// its compile; one needlessly here costs well under a millisecond.
const NODE_MODULES_FIRST = ['node:net', 'node:os', 'node:child_process', 'node:tty', 'node:fs/promises', 'node:perf_hooks', 'node:timers/promises'];

/** What bin/hostds needs from the agent's side: src/cli/commands/agent.ts refreshes a stale cache. */
const HANDLE = Symbol.for('hostds.codeCache');

/**
 * The launcher's part: V8's flags, then the cache for the chunks in `dir` as the environment says.
 * HOSTDS_CODE_CACHE=off compiles afresh, =report says at exit how many chunks came from the cache;
 * HOSTDS_CODE_CACHE_OUT=FILE compiles afresh and writes FILE at exit (scripts/train-code-cache.mjs).
 * With `agentWrites` (the .deb), the agent rewrites `file` when its start-up found it missing or stale.
 */
function setUp({ dir, file, agentWrites }, env = process.env) {
  const v8 = require('node:v8');
  for (const name of NODE_MODULES_FIRST) require(name);
  for (const flag of V8_FLAGS) v8.setFlagsFromString(flag);
  const mode = env.HOSTDS_CODE_CACHE ?? '';
  if (!['', 'off', 'report'].includes(mode)) {
    // Only speed is at stake, so a typo is said and not fatal.
    process.stderr.write(`hostds: HOSTDS_CODE_CACHE=${JSON.stringify(mode)} is not off or report; the code cache is used as usual\n`);
  }
  if (mode === 'off') return;
  // Without it (node before 20.12) a chunk compiled here could not import(): node's loader, then.
  if (vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER === undefined) return;
  const out = env.HOSTDS_CODE_CACHE_OUT || undefined;
  const handle = install({ dir, cacheFile: file, fresh: out !== undefined, keep: out !== undefined || agentWrites });
  if (out !== undefined) {
    process.on('exit', () => {
      try { handle.write(out); } catch (err) { process.stderr.write(`hostds: cannot write the code cache ${out}: ${err.message}\n`); }
    });
  }
  if (mode === 'report') {
    process.on('exit', () => {
      const { used, rejected, compiled } = handle.stats;
      process.stderr.write(`hostds: code cache ${file}: ${used} chunks from the cache, ${rejected} refused, ${compiled} compiled\n`);
    });
  }
  if (agentWrites) {
    globalThis[HANDLE] = {
      file,
      stale: () => handle.stats.rejected + handle.stats.compiled > 0,
      write: () => handle.write(file),
    };
  }
}

module.exports = { setUp, install, openCache, readCache, writeCache, V8_FLAGS, NODE_MODULES_FIRST, MAGIC };
