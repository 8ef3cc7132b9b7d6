// Primary groups from the host's /etc/passwd, for a runAsUser without runAsGroup. Re-read when
// the file changes, so a user added after the agent started is seen.
import { promises as fsp } from 'node:fs';

let cached: { mtimeMs: number; size: number; gids: Map<number, number> } | undefined;

export async function primaryGids(path = '/etc/passwd'): Promise<(uid: number) => number | undefined> {
  try {
    const st = await fsp.stat(path);
    if (!cached || cached.mtimeMs !== st.mtimeMs || cached.size !== st.size) {
      const gids = new Map<number, number>();
      for (const line of (await fsp.readFile(path, 'utf8')).split('\n')) {
        const f = line.split(':');
        const uid = Number(f[2]);
        const gid = Number(f[3]);
        if (f.length >= 4 && f[2] !== '' && Number.isInteger(uid) && Number.isInteger(gid) && !gids.has(uid)) gids.set(uid, gid);
      }
      cached = { mtimeMs: st.mtimeMs, size: st.size, gids };
    }
    const { gids } = cached;
    return (uid) => gids.get(uid);
  } catch {
    return () => undefined;
  }
}
