#!/usr/bin/env node
// Builds native/hostds-spawn.c into dist/native/hostds-spawn (docs/spawner.md), run by
// `npm run build` after the bundle. The helper is an optimisation: without a C compiler the build
// still succeeds and the agent starts daemons with child_process.spawn. CI sets CI=true, which
// makes a missing compiler or a failed compile an error (and -Werror), so the helper is tested.
// scripts/build-deb.mjs imports compileHelper with Debian's dpkg-buildflags instead.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));
export const HELPER_SOURCE = join(REPO, 'native/hostds-spawn.c');
export const HELPER_OUT = join(REPO, 'dist/native/hostds-spawn');

// Hardening a distribution would add anyway; dpkg-buildflags supplies its own set for the .deb.
const HARDENING_CFLAGS = ['-O2', '-g', '-Wall', '-Wextra', '-D_FORTIFY_SOURCE=2', '-fstack-protector-strong', '-fPIE'];
const HARDENING_LDFLAGS = ['-pie', '-Wl,-z,relro', '-Wl,-z,now'];

/** The first of $CC, cc, gcc that runs; undefined when there is none. */
export function findCompiler() {
  for (const cc of [process.env.CC, 'cc', 'gcc'].filter(Boolean)) {
    if (spawnSync(cc, ['--version'], { stdio: 'ignore' }).status === 0) return cc;
  }
  return undefined;
}

/** Compiles the helper to `out`; returns the compiler's error output on failure, undefined on success. */
export function compileHelper({ cc, out, cflags = HARDENING_CFLAGS, ldflags = HARDENING_LDFLAGS, extra = [] }) {
  mkdirSync(dirname(out), { recursive: true });
  const r = spawnSync(cc, [...cflags, ...extra, '-o', out, HELPER_SOURCE, ...ldflags], { encoding: 'utf8' });
  if (r.error) return r.error.message;
  return r.status === 0 ? undefined : `${r.stdout}${r.stderr}`;
}

function main() {
  const strict = process.env.CI === 'true' || process.env.CI === '1';
  // A stale binary from an earlier build must not outlive a failed one.
  rmSync(HELPER_OUT, { force: true });
  const cc = findCompiler();
  if (cc === undefined) {
    const line = 'build-native: no C compiler (cc, gcc or $CC) found; hostds-spawn not built, the agent will use child_process.spawn';
    if (strict) { process.stderr.write(`${line}\n(CI=true: this is an error)\n`); process.exitCode = 1; return; }
    process.stdout.write(`${line}\n`);
    return;
  }
  const failure = compileHelper({ cc, out: HELPER_OUT, extra: strict ? ['-Werror'] : [] });
  if (failure !== undefined) {
    rmSync(HELPER_OUT, { force: true });
    process.stderr.write(`build-native: ${cc} failed on native/hostds-spawn.c; the agent will use child_process.spawn\n${failure}`);
    if (strict) process.exitCode = 1;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
