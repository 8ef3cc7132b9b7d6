// The cgroup edge: detects the host's cgroup mode once, creates one cgroup per container with
// limits under the configured parent, reads OOM kills, and kills and removes what is left in a
// cgroup. Decisions (paths, values) come from cgroup-layout.ts.
import { readFile, readdir, rmdir, mkdir, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../observe/logger.js';
import type { ContainerLimits, LimitsStatus } from '../pods/resources.js';
import {
  cgroupDirs, detectCgroupMode, isInCgroup, parseMountInfo, parseOomKills, planCgroup, podOfLeaf,
  type CgroupController, type CgroupMode,
} from './cgroup-layout.js';

export interface CgroupSettings {
  /** Where the cgroup filesystems are mounted (config cgroupMountPoint). */
  mountPoint: string;
  /** The parent of the containers' cgroups inside each hierarchy (config cgroupRoot). */
  root: string;
}

export interface PreparedCgroup extends LimitsStatus {
  /** The cgroup.procs files the process joins before it execs. */
  procs?: string[];
}

/** How long a kill waits for a cgroup to empty before giving up (a process stuck in D state). */
const KILL_DEADLINE_MS = 10_000;
const KILL_POLL_MS = 20;

function errText(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

async function isDir(path: string): Promise<boolean> {
  try {
    await readdir(path);
    return true;
  } catch {
    return false;
  }
}

async function detect(mountPoint: string): Promise<CgroupMode> {
  const mounts = parseMountInfo(await readText('/proc/self/mountinfo') ?? '');
  const v2Controllers = await readText(`${mountPoint}/cgroup.controllers`);
  // A directory that is not a mount (a test's tree) is read by its layout instead.
  const v1Dirs: CgroupController[] = [];
  if (!mounts.some((m) => m.mountPoint.startsWith(mountPoint))) {
    for (const c of ['memory', 'cpu', 'pids'] as const) if (await isDir(`${mountPoint}/${c}`)) v1Dirs.push(c);
  }
  return detectCgroupMode({ mountPoint, mounts, ...(v2Controllers === undefined ? {} : { v2Controllers }), v1Dirs });
}

export class CgroupManager {
  private detected: { mountPoint: string; mode: Promise<CgroupMode> } | undefined;

  constructor(private readonly settings: () => CgroupSettings, private readonly log: Logger) {}

  /** Detected once per mount point (a config reload that changes it detects again). */
  mode(): Promise<CgroupMode> {
    const { mountPoint } = this.settings();
    if (this.detected?.mountPoint !== mountPoint) this.detected = { mountPoint, mode: detect(mountPoint) };
    return this.detected.mode;
  }

  /**
   * A fresh cgroup for a container start: what an earlier run left in it is killed and the
   * directory made anew (so its OOM count starts at 0), then the limits are written. Never
   * throws: a cgroup that cannot be made is reported as limits not enforced, with the reason.
   */
  async prepare(pod: string, container: string, limits: ContainerLimits): Promise<PreparedCgroup> {
    const mode = await this.mode();
    const r = planCgroup(mode, this.settings().root, pod, container, limits);
    if (!r.ok) return { notEnforced: r.reason };
    const { plan } = r;
    await this.remove(plan.path);
    try {
      for (const dir of plan.dirs) await mkdir(dir, { recursive: true });
      for (const w of plan.writes) {
        try {
          await writeFile(w.file, w.value);
        } catch (err) {
          if (!w.optional) throw new Error(`cannot write ${w.value} to ${w.file}: ${errText(err)}`);
        }
      }
    } catch (err) {
      await this.remove(plan.path);
      return { notEnforced: `cannot set up cgroup ${plan.path}: ${(err as Error).message}` };
    }
    return { cgroup: plan.path, procs: plan.procs, ...(plan.notEnforced ? { notEnforced: plan.notEnforced } : {}) };
  }

  /** OOM kills the kernel counted in the container's cgroup since it was made. */
  async oomKills(path: string): Promise<number> {
    const mode = await this.mode();
    if (mode.kind === 'none') return 0;
    const file = mode.kind === 'v2' ? `${mode.mount}${path}/memory.events` : mode.mounts.memory ? `${mode.mounts.memory}${path}/memory.oom_control` : undefined;
    return file === undefined ? 0 : parseOomKills(await readText(file) ?? '');
  }

  /** The live processes in the cgroup; a pid listed in cgroup.procs counts only if /proc confirms it (a stale or fake file never names a victim). */
  private async members(mode: CgroupMode, path: string): Promise<number[]> {
    const pids = new Set<number>();
    for (const dir of cgroupDirs(mode, path)) {
      for (const s of (await readText(`${dir}/cgroup.procs`) ?? '').split('\n')) if (/^\d+$/.test(s)) pids.add(Number(s));
    }
    const out: number[] = [];
    for (const pid of pids) if (isInCgroup(await readText(`/proc/${pid}/cgroup`) ?? '', path)) out.push(pid);
    return out;
  }

  /**
   * SIGKILL to everything in the cgroup, until it is empty: v2's cgroup.kill where the kernel
   * has it; otherwise each listed pid, with v1 pids.max set to 0 first so nothing forks past
   * the listing. Returns the pids killed one by one.
   */
  async kill(path: string): Promise<number[]> {
    const mode = await this.mode();
    const dirs = cgroupDirs(mode, path);
    if (dirs.length === 0 || !(await isDir(dirs[0]!))) return [];
    if (mode.kind === 'v2') await writeFile(`${dirs[0]}/cgroup.kill`, '1', { flag: 'r+' }).catch(() => undefined);
    if (mode.kind === 'v1' && mode.mounts.pids) await writeFile(`${mode.mounts.pids}${path}/pids.max`, '0', { flag: 'r+' }).catch(() => undefined);
    const killed = new Set<number>();
    const deadline = performance.now() + KILL_DEADLINE_MS;
    for (;;) {
      const left = await this.members(mode, path);
      if (left.length === 0) break;
      if (performance.now() > deadline) {
        this.log.warn({ cgroup: path, pids: left }, 'processes remain in the cgroup after SIGKILL');
        break;
      }
      for (const pid of left) {
        try {
          process.kill(pid, 'SIGKILL');
          killed.add(pid);
        } catch {
          // gone between the listing and the kill
        }
      }
      await sleep(KILL_POLL_MS);
    }
    return [...killed];
  }

  /** Kills what is left, then removes the cgroup's directories. */
  async remove(path: string): Promise<number[]> {
    const killed = await this.kill(path);
    const mode = await this.mode();
    for (const dir of cgroupDirs(mode, path)) {
      await rmdir(dir).catch((err: unknown) => {
        if (errText(err) !== 'ENOENT') this.log.debug({ dir, err: errText(err) }, 'cannot remove cgroup');
      });
    }
    return killed;
  }

  /**
   * Removes empty cgroups under the parent whose pod is not in `livePods` (left by an agent that
   * crashed during a stop). A non-empty one is only reported: its processes may be another
   * agent's that shares the parent, and hostds never kills what it cannot attribute.
   */
  async sweep(livePods: ReadonlySet<string>): Promise<string[]> {
    const mode = await this.mode();
    const root = this.settings().root;
    const removed: string[] = [];
    for (const base of cgroupDirs(mode, root)) {
      const entries = await readdir(base, { withFileTypes: true }).catch(() => []);
      for (const e of entries) {
        const pod = e.isDirectory() ? podOfLeaf(e.name) : undefined;
        if (pod === undefined || livePods.has(pod)) continue;
        const path = `${root}/${e.name}`;
        if ((await this.members(mode, path)).length > 0) {
          this.log.warn({ cgroup: path }, 'a cgroup of an unknown pod still has processes; left alone');
          continue;
        }
        try {
          await rmdir(`${base}/${e.name}`);
          if (!removed.includes(path)) removed.push(path);
        } catch (err) {
          this.log.debug({ dir: `${base}/${e.name}`, err: errText(err) }, 'cannot remove cgroup');
        }
      }
    }
    return removed;
  }
}
