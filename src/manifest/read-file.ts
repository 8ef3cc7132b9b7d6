// Reads one manifest file defensively: a FIFO, a device, a directory named x.yaml, a dangling
// symlink, an unreadable or huge file each become one positioned issue instead of a hang or crash.
import { closeSync, constants, fstatSync, openSync, readlinkSync, readSync } from 'node:fs';
import type { ManifestIssue } from './issues.js';
import { refusal } from '../state/trust.js';

/** Kubernetes refuses request bodies over 3 MiB; a manifest larger than that is a mistake. */
export const MAX_MANIFEST_BYTES = 3 * 1024 * 1024;

export type ReadResult =
  | { ok: true; text: string; birthtimeMs: number; mtimeMs: number }
  | { ok: false; issue: ManifestIssue };

function fail(file: string, code: ManifestIssue['code'], message: string, line = 1, col = 1): ReadResult {
  return { ok: false, issue: { code, severity: 'error', file, line, col, path: '', message } };
}

/**
 * `trusted`: a file hostds acts on (the root's manifests, node.yaml), refused when another user could change it.
 * The reads are synchronous: through fs.promises each file cost a FileHandle and five thread-pool
 * round trips, ~0.9 ms of the agent's main thread against ~0.03 ms inline, 450 ms of its start
 * with 500 files (docs/benchmarks.md). These are local configuration files, and a FIFO cannot
 * block the open (O_NONBLOCK) and is refused before any read.
 */
export async function readManifestFile(path: string, display: string, opts: { trusted?: boolean } = {}): Promise<ReadResult> {
  return readManifestFileSync(path, display, opts);
}

function readManifestFileSync(path: string, display: string, opts: { trusted?: boolean }): ReadResult {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; we refuse it after fstat anyway.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    return fail(display, 'unreadable', describeOpenError(path, err));
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) return fail(display, 'unreadable', 'is a directory, not a manifest file');
    if (!st.isFile()) return fail(display, 'unreadable', 'is not a regular file (a FIFO, socket or device); refusing to read it');
    const refused = opts.trusted ? refusal(st, path) : undefined;
    if (refused) return fail(display, 'unsafe-permissions', refused);
    if (st.size > MAX_MANIFEST_BYTES) {
      return fail(display, 'file-too-large',
        `is ${st.size} bytes; manifests are limited to ${MAX_MANIFEST_BYTES} bytes (3 MiB, as the Kubernetes API server)`);
    }
    const buf = Buffer.alloc(Math.min(st.size, MAX_MANIFEST_BYTES) + 1);
    let length = 0;
    // Read to EOF rather than trusting st.size: the file may grow while we read it.
    for (;;) {
      const want = buf.length - length;
      const bytesRead = readSync(fd, buf, length, want, null);
      length += bytesRead;
      // A short read of a regular file is its end: no second call just to be told so.
      if (bytesRead < want || bytesRead === 0) break;
      if (length > MAX_MANIFEST_BYTES) {
        return fail(display, 'file-too-large', `grew past ${MAX_MANIFEST_BYTES} bytes while being read`);
      }
    }
    const decoded = decodeUtf8(buf.subarray(0, length), display);
    if (!decoded.ok) return decoded;
    const birth = st.birthtimeMs > 0 ? st.birthtimeMs : st.mtimeMs;
    return { ok: true, text: decoded.text, birthtimeMs: birth, mtimeMs: st.mtimeMs };
  } catch (err) {
    return fail(display, 'unreadable', `cannot read: ${(err as Error).message}`);
  } finally {
    try { closeSync(fd); } catch { /* nothing was written; nothing to lose */ }
  }
}

function describeOpenError(path: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') {
    let target: string | undefined;
    try { target = readlinkSync(path); } catch { target = undefined; }
    return target !== undefined ? `is a dangling symlink to ${target}` : 'does not exist';
  }
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ELOOP') return 'is a symlink loop';
  return `cannot open: ${(err as Error).message}`;
}

/** One decoder for every file: a new one each time cost ~6 µs of a ~20 µs read. */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Strict UTF-8 (as the API server): the first invalid byte is reported with its line and column. */
export function decodeUtf8(bytes: Uint8Array, display: string): { ok: true; text: string } | { ok: false; issue: ManifestIssue } {
  try {
    let text = STRICT_UTF8.decode(bytes);
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    return { ok: true, text };
  } catch {
    const offset = firstInvalidUtf8(bytes);
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) { line++; lineStart = i + 1; }
    const prefix = new TextDecoder('utf-8').decode(bytes.subarray(lineStart, offset));
    const hex = (bytes[offset] ?? 0).toString(16).padStart(2, '0');
    return {
      ok: false,
      issue: { code: 'not-utf8', severity: 'error', file: display, line, col: [...prefix].length + 1, path: '',
        message: `invalid UTF-8 byte 0x${hex}: manifests must be UTF-8 text` },
    };
  }
}

function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    const need = c < 0x80 ? 0 : (c & 0xe0) === 0xc0 && c >= 0xc2 ? 1 : (c & 0xf0) === 0xe0 ? 2 : (c & 0xf8) === 0xf0 && c <= 0xf4 ? 3 : -1;
    if (need < 0) return i;
    for (let k = 1; k <= need; k++) if (((b[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    i += need + 1;
  }
  return b.length;
}
