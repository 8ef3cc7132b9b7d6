// What the API server would remember about an object and a file cannot: when a DaemonSet was
// first created, and its uid. Rewriting a manifest (apply, an editor, Ansible's template module)
// makes a new file, so the file's own times would reset AGE on every update.
import { promises as fsp } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { withFileLock, writeFileAtomic } from './atomic-file.js';
import { isoSeconds } from '../lib/iso-time.js';

export interface ObjectRecord {
  creationTimestamp: string;
  uid: string;
}

export type Registry = Record<string, ObjectRecord>;

const FILE = 'daemonsets.json';

export function registryKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export async function readRegistry(stateDir: string): Promise<Registry> {
  try {
    const parsed = JSON.parse(await fsp.readFile(join(stateDir, FILE), 'utf8')) as unknown;
    return isRegistry(parsed) ? parsed : {};
  } catch {
    // Missing or damaged: AGE falls back to the manifest file's time, nothing else depends on it.
    return {};
  }
}

function isRegistry(v: unknown): v is Registry {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  return Object.values(v).every((r) => typeof r === 'object' && r !== null &&
    typeof (r as ObjectRecord).creationTimestamp === 'string' && typeof (r as ObjectRecord).uid === 'string');
}

/** Records `created` for keys not yet known, forgets `deleted` ones; one locked read-modify-write. */
export async function updateRegistry(stateDir: string, change: { created?: string[]; deleted?: string[] }, now: Date): Promise<void> {
  await fsp.mkdir(stateDir, { recursive: true });
  await withFileLock(join(stateDir, `${FILE}.lock`), async () => {
    const reg = await readRegistry(stateDir);
    let changed = false;
    for (const key of change.created ?? []) {
      if (reg[key]) continue;
      reg[key] = { creationTimestamp: isoSeconds(now.getTime()), uid: randomUUID() };
      changed = true;
    }
    for (const key of change.deleted ?? []) {
      if (reg[key]) { delete reg[key]; changed = true; }
    }
    if (changed) await writeFileAtomic(join(stateDir, FILE), JSON.stringify(reg, null, 2) + '\n', { mode: 0o644 });
  }, { timeoutMs: 10_000 });
}
