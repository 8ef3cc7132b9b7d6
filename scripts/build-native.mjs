#!/usr/bin/env node
// Builds the two native parts into dist/native, run by `npm run build` after the bundle:
// - native/hostds-spawn.c → hostds-spawn, the helper that forks daemons (docs/spawner.md);
// - native/hostds-trim.c → hostds-trim.node, the addon that gives back start-up pages
//   (docs/memory-trim.md), built against node's own headers (node_api.h).
// Both are optimisations: without a C compiler (or node's headers, for the addon) the build still
// succeeds and the agent does without. CI sets CI=true, which makes anything missing or a failed
// compile an error (and -Werror), so both are tested. scripts/build-deb.mjs imports the compile
// functions with Debian's dpkg-buildflags instead.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));
export const HELPER_SOURCE = join(REPO, 'native/hostds-spawn.c');
export const HELPER_OUT = join(REPO, 'dist/native/hostds-spawn');
export const TRIM_SOURCE = join(REPO, 'native/hostds-trim.c');
export const TRIM_OUT = join(REPO, 'dist/native/hostds-trim.node');

// Hardening a distribution would add anyway; dpkg-buildflags supplies its own set for the .deb.
const HARDENING_CFLAGS = ['-O2', '-g', '-Wall', '-Wextra', '-D_FORTIFY_SOURCE=2', '-fstack-protector-strong', '-fPIE'];
const HARDENING_LDFLAGS = ['-pie', '-Wl,-z,relro', '-Wl,-z,now'];
// The addon is a shared object: position-independent code, linked -shared instead of -pie.
const ADDON_CFLAGS = [...HARDENING_CFLAGS.filter((f) => f !== '-fPIE'), '-fPIC'];
const ADDON_LDFLAGS = ['-shared', ...HARDENING_LDFLAGS.filter((f) => f !== '-pie')];

/** The first of $CC, cc, gcc that runs; undefined when there is none. */
export function findCompiler() {
  for (const cc of [process.env.CC, 'cc', 'gcc'].filter(Boolean)) {
    if (spawnSync(cc, ['--version'], { stdio: 'ignore' }).status === 0) return cc;
  }
  return undefined;
}

/**
 * The directory with node_api.h for the node running this script: node's own install layout
 * (PREFIX/bin/node, PREFIX/include/node), as Debian's and NodeSource's packages and the official
 * tarballs have it. Undefined when the headers are not installed.
 */
export const NODE_HEADERS = join(dirname(dirname(process.execPath)), 'include/node');

export function findNodeHeaders() {
  return existsSync(join(NODE_HEADERS, 'node_api.h')) ? NODE_HEADERS : undefined;
}

function compile(cc, args) {
  const r = spawnSync(cc, args, { encoding: 'utf8' });
  if (r.error) return r.error.message;
  return r.status === 0 ? undefined : `${r.stdout}${r.stderr}`;
}

/** Compiles the helper to `out`; returns the compiler's error output on failure, undefined on success. */
export function compileHelper({ cc, out, cflags = HARDENING_CFLAGS, ldflags = HARDENING_LDFLAGS, extra = [] }) {
  mkdirSync(dirname(out), { recursive: true });
  return compile(cc, [...cflags, ...extra, '-o', out, HELPER_SOURCE, ...ldflags]);
}

/**
 * Compiles the addon to `out` (a shared object; node provides the napi_* symbols when it loads
 * it). Returns the compiler's error output on failure, undefined on success.
 */
export function compileTrimAddon({ cc, out, headers, cflags = ADDON_CFLAGS, ldflags = ADDON_LDFLAGS, extra = [] }) {
  mkdirSync(dirname(out), { recursive: true });
  return compile(cc, [...cflags, ...extra, `-I${headers}`, '-o', out, TRIM_SOURCE, ...ldflags]);
}

function main() {
  const strict = process.env.CI === 'true' || process.env.CI === '1';
  // A stale binary from an earlier build must not outlive a failed one.
  rmSync(HELPER_OUT, { force: true });
  rmSync(TRIM_OUT, { force: true });
  const problem = (line) => {
    if (strict) { process.stderr.write(`${line}\n(CI=true: this is an error)\n`); process.exitCode = 1; } else process.stdout.write(`${line}\n`);
  };
  const cc = findCompiler();
  if (cc === undefined) {
    problem('build-native: no C compiler (cc, gcc or $CC) found; hostds-spawn and hostds-trim.node not built: the agent uses child_process.spawn and keeps its start-up pages');
    return;
  }
  const extra = strict ? ['-Werror'] : [];
  const failure = compileHelper({ cc, out: HELPER_OUT, extra });
  if (failure !== undefined) {
    rmSync(HELPER_OUT, { force: true });
    problem(`build-native: ${cc} failed on native/hostds-spawn.c; the agent will use child_process.spawn\n${failure}`);
  }
  const headers = findNodeHeaders();
  if (headers === undefined) {
    problem(`build-native: node's headers (node_api.h) are not in ${NODE_HEADERS}; hostds-trim.node not built: the agent keeps its start-up pages`);
    return;
  }
  const trimFailure = compileTrimAddon({ cc, out: TRIM_OUT, headers, extra });
  if (trimFailure !== undefined) {
    rmSync(TRIM_OUT, { force: true });
    problem(`build-native: ${cc} failed on native/hostds-trim.c; the agent keeps its start-up pages\n${trimFailure}`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
