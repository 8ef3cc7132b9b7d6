// Content digests of the files a DaemonSet's restart-on-change annotation names. Re-hashed only
// when a file's identity, size or times change, so a pass over unchanged files reads nothing.
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';

/** Config files, not data: a file larger than this is hashed by its identity and size only. */
const MAX_HASHED_BYTES = 16 * 1024 * 1024;

interface Cached { sig: string; digest: string }
const cache = new Map<string, Cached>();

function errnoCode(err: unknown): string {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : 'error';
}

/**
 * path → `sha256:<hex>`, or `absent` (creating the file later is a change too), or
 * `unreadable:<errno>`. Symlinks are followed: what the daemon reads is what counts.
 */
export async function digestFiles(paths: readonly string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  await Promise.all(paths.map(async (path) => { out[path] = await digestOne(path); }));
  return out;
}

async function digestOne(path: string): Promise<string> {
  let st;
  try {
    st = await fsp.stat(path);
  } catch (err) {
    cache.delete(path);
    return errnoCode(err) === 'ENOENT' ? 'absent' : `unreadable:${errnoCode(err)}`;
  }
  if (!st.isFile()) return st.isDirectory() ? 'directory' : 'not-a-file';
  const sig = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
  const hit = cache.get(path);
  if (hit?.sig === sig) return hit.digest;
  let digest: string;
  if (st.size > MAX_HASHED_BYTES) digest = `large:${sig}`;
  else {
    try {
      digest = `sha256:${createHash('sha256').update(await fsp.readFile(path)).digest('hex')}`;
    } catch (err) {
      return `unreadable:${errnoCode(err)}`;
    }
  }
  cache.set(path, { sig, digest });
  return digest;
}
