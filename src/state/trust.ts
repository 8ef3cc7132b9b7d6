// sshd's StrictModes for hostds: while it runs as root it acts only on files no other user can
// change. A manifest, node.yaml or config.yaml owned by another user, or writable by group or
// others, or in a directory like that, would let that user run programs as root.
import { statSync } from 'node:fs';
import { dirname } from 'node:path';

const isRoot = typeof process.geteuid === 'function' && process.geteuid() === 0;
let strict = isRoot;

/** config.yaml's strictModes (default true); only meaningful when running as root. */
export function setStrictModes(on: boolean): void {
  strict = on && isRoot;
}

export function strictModesInEffect(): boolean {
  return strict;
}

export interface StatLike { uid: number; mode: number }

/**
 * Why `st` is not to be trusted, with the fix, or undefined. A root-owned directory with the
 * sticky bit (like /tmp) is accepted: others may add entries, but cannot replace root's.
 */
export function untrustedReason(st: StatLike, path: string, isDir: boolean): string | undefined {
  if (st.uid !== 0) return `${path} is owned by uid ${st.uid}, not root: chown root ${path}`;
  const writable = st.mode & 0o022;
  if (writable === 0) return undefined;
  if (isDir && (st.mode & 0o1000) !== 0) return undefined;
  const who = writable === 0o022 ? 'group- and world-writable' : writable & 0o002 ? 'world-writable' : 'group-writable';
  return `${path} is ${who} (mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')}): chmod go-w ${path}`;
}

const dirCache = new Map<string, { at: number; reason: string | undefined }>();

/** The first untrusted directory from `dir` up to `/` (checked at most every 500 ms per directory). */
export function untrustedDirectory(dir: string, now = Date.now()): string | undefined {
  let d = dir;
  for (;;) {
    const hit = dirCache.get(d);
    let reason: string | undefined;
    if (hit && now - hit.at < 500) reason = hit.reason;
    else {
      try {
        reason = untrustedReason(statSync(d), d, true);
      } catch {
        reason = undefined; // a missing directory has no contents to trust
      }
      dirCache.set(d, { at: now, reason });
    }
    if (reason) return reason;
    const up = dirname(d);
    if (up === d) return undefined;
    d = up;
  }
}

/**
 * The whole reason a file must be refused (its own ownership and mode, then its directories'),
 * or undefined when strict modes are off or the file is safe.
 */
export function refusal(st: StatLike, path: string, always = false): string | undefined {
  if (!strict && !(always && isRoot)) return undefined;
  const reason = untrustedReason(st, path, false) ?? untrustedDirectory(dirname(path));
  return reason ? `refusing to act on it: hostds runs as root and ${reason} (or set strictModes: false in config.yaml)` : undefined;
}
