'use strict';
// A V8 code cache for the bundle (docs/code-cache.md). Node 20 parses and compiles every function
// of the bundle the first time it runs: ~60 ms of each agent start goes to that. The build runs a
// short training agent (scripts/train-code-cache.mjs) and keeps, per chunk, the bytecode V8 had
// compiled by its exit; a later start hands it back to V8 instead of compiling again.
//
// V8 checks its own version and flags, but of the source only the length: a cache entry is used
// only for a chunk whose SHA-1 is the one it was made from, so a changed chunk always runs as it is.
const Module = require('node:module');
const vm = require('node:vm');
const { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const { dirname } = require('node:path');
const { createHash } = require('node:crypto');

const MAGIC = 'hostds-code-cache 1\n';

const sha1 = (text) => createHash('sha1').update(text).digest('hex');

/**
 * The entries of a cache file (chunk file name → { sha1, data }), or undefined when there is none
 * or it is unusable: another format, another V8 or architecture, or cut short. V8 runs what the
 * file holds, so it must be as safe as the code: owned by root or by this user, and writable by
 * no one else.
 */
function readCache(file) {
  let buf;
  try {
    const fd = openSync(file, 'r');
    try {
      const st = fstatSync(fd);
      const euid = process.geteuid ? process.geteuid() : 0;
      if (!st.isFile() || (st.uid !== 0 && st.uid !== euid) || (st.mode & 0o022) !== 0) return undefined;
      buf = readFileSync(fd);
    } finally { closeSync(fd); }
  } catch { return undefined; }
  if (buf.length <= MAGIC.length || buf.toString('latin1', 0, MAGIC.length) !== MAGIC) return undefined;
  const nl = buf.indexOf(10, MAGIC.length);
  if (nl < 0) return undefined;
  let head;
  try { head = JSON.parse(buf.toString('utf8', MAGIC.length, nl)); } catch { return undefined; }
  if (head === null || typeof head !== 'object' || head.v8 !== process.versions.v8 || head.arch !== process.arch) return undefined;
  const base = nl + 1;
  if (buf.length - base !== head.size || head.entries === null || typeof head.entries !== 'object') return undefined;
  const entries = new Map();
  for (const [name, e] of Object.entries(head.entries)) {
    const ok = e !== null && typeof e === 'object' && typeof e.sha1 === 'string' && Number.isSafeInteger(e.offset) && Number.isSafeInteger(e.length)
      && e.offset >= 0 && e.length > 0 && e.offset + e.length <= head.size;
    if (!ok) return undefined;
    entries.set(name, { sha1: e.sha1, data: buf.subarray(base + e.offset, base + e.offset + e.length) });
  }
  return entries;
}

/** Writes entries (name → { sha1, data }) as one file, whole or not at all (temporary file, rename). */
function writeCache(file, entries) {
  const index = {};
  const parts = [];
  let size = 0;
  for (const [name, { sha1: hash, data }] of entries) {
    index[name] = { sha1: hash, offset: size, length: data.length };
    parts.push(data);
    size += data.length;
  }
  const head = JSON.stringify({ v8: process.versions.v8, arch: process.arch, node: process.version, size, entries: index });
  mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, Buffer.concat([Buffer.from(`${MAGIC}${head}\n`), ...parts]), { mode: 0o644 });
  renameSync(tmp, file);
}

/** The `require` a chunk gets, bound to its own module as node's loader would bind it. */
function requireFor(mod) {
  const req = (id) => mod.require(id);
  req.resolve = (request, options) => Module._resolveFilename(request, mod, false, options);
  req.main = require.main;
  req.cache = Module._cache;
  req.extensions = Module._extensions;
  return req;
}

/**
 * Compiles the chunks directly in `dir` with the cache in `cacheFile` (when there is a usable one).
 * Returns a handle: `stats` ({ used, rejected, compiled } chunks so far) and `write(file)`, which
 * writes what V8 has compiled of every chunk in `dir` (a training run, or the agent refreshing a
 * cache that was missing or stale).
 */
function install({ dir, cacheFile, fresh = false }) {
  const entries = fresh ? undefined : readCache(cacheFile);
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  const stats = { used: 0, rejected: 0, compiled: 0 };
  const loaded = [];
  const original = Module.prototype._compile;
  Module.prototype._compile = function compile(content, filename) {
    if (!filename.startsWith(prefix) || filename.includes('/', prefix.length)) return original.call(this, content, filename);
    const name = filename.slice(prefix.length);
    const hash = sha1(content);
    const entry = entries?.get(name);
    const cachedData = entry !== undefined && entry.sha1 === hash ? entry.data : undefined;
    const script = new vm.Script(Module.wrap(content), {
      filename,
      cachedData,
      importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    });
    if (cachedData === undefined) stats.compiled++;
    else if (script.cachedDataRejected) stats.rejected++;
    else stats.used++;
    loaded.push({ name, hash, script });
    const fn = script.runInThisContext({ displayErrors: true });
    return fn.call(this.exports, this.exports, requireFor(this), this, filename, dirname(filename));
  };
  // The chunks this process never loaded are compiled, not run, so that another command finds its
  // own: their top level at least (what V8 compiles eagerly), with no module state in this process.
  const write = (file) => {
    const entries = new Map(loaded.map(({ name, hash, script }) => [name, { sha1: hash, data: script.createCachedData() }]));
    for (const name of readdirSync(dir).filter((f) => f.endsWith('.cjs') && !entries.has(f))) {
      const content = readFileSync(`${prefix}${name}`, 'utf8');
      const script = new vm.Script(Module.wrap(content), { filename: `${prefix}${name}`, importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER });
      entries.set(name, { sha1: sha1(content), data: script.createCachedData() });
    }
    writeCache(file, entries);
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
const V8_FLAGS = ['--semi-space-growth-factor=1', '--optimize-for-size', '--no-turbofan'];

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
  for (const flag of V8_FLAGS) v8.setFlagsFromString(flag);
  if (env.HOSTDS_CODE_CACHE === 'off') return;
  const out = env.HOSTDS_CODE_CACHE_OUT || undefined;
  const handle = install({ dir, cacheFile: file, fresh: out !== undefined });
  if (out !== undefined) {
    process.on('exit', () => {
      try { handle.write(out); } catch (err) { process.stderr.write(`hostds: cannot write the code cache ${out}: ${err.message}\n`); }
    });
  }
  if (env.HOSTDS_CODE_CACHE === 'report') {
    process.on('exit', () => {
      const { used, rejected, compiled } = handle.stats;
      process.stderr.write(`hostds: code cache ${file}: ${used} chunks from the cache, ${rejected} rejected by V8, ${compiled} compiled\n`);
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

module.exports = { setUp, install, readCache, writeCache, V8_FLAGS, MAGIC };
