// Who a container's process runs as: the kubelet's reading of securityContext (the container's
// fields over the pod's), and runAsNonRoot's refusal. Pure: the agent's own uid and the host's
// passwd entries are passed in.
import type { Container, PodSpec } from '../manifest/types.js';

export interface Identity {
  /** Absent: the process keeps the agent's user and groups. */
  uid?: number;
  gid?: number;
  /** Supplementary groups; with a uid and none given, the process gets none. */
  groups?: number[];
}

export type IdentityResult = { ok: true; identity: Identity } | { ok: false; reason: 'CreateContainerConfigError'; message: string };

type Context = { runAsUser?: unknown; runAsGroup?: unknown; runAsNonRoot?: unknown; supplementalGroups?: unknown };

function ctx(v: unknown): Context {
  return typeof v === 'object' && v !== null ? v as Context : {};
}

const asId = (v: unknown): number | undefined => (Number.isInteger(v) && (v as number) >= 0 ? v as number : undefined);

/**
 * `primaryGid(uid)`: the user's group from the host's passwd, as a container runtime takes it
 * from the image's; unknown users get group 0, as Docker and containerd give them.
 */
/** Whether resolveIdentity will ask for a primary group: runAsUser without runAsGroup. Spares the
 * other spawns a stat of /etc/passwd (about 0.1 ms each, a sixth of a spawn's own cost). */
export function needsPrimaryGid(pod: PodSpec | { securityContext?: unknown }, container: Container | { securityContext?: unknown }): boolean {
  const p = ctx(pod.securityContext);
  const c = ctx(container.securityContext);
  return (asId(c.runAsUser) ?? asId(p.runAsUser)) !== undefined && (asId(c.runAsGroup) ?? asId(p.runAsGroup)) === undefined;
}

export function resolveIdentity(
  pod: PodSpec | { securityContext?: unknown },
  container: Container | { name: string; securityContext?: unknown },
  agentUid: number,
  primaryGid: (uid: number) => number | undefined,
  podRef = '',
): IdentityResult {
  const p = ctx(pod.securityContext);
  const c = ctx(container.securityContext);
  const uid = asId(c.runAsUser) ?? asId(p.runAsUser);
  const explicitGid = asId(c.runAsGroup) ?? asId(p.runAsGroup);
  const nonRoot = (c.runAsNonRoot ?? p.runAsNonRoot) === true;
  const effectiveUid = uid ?? agentUid;
  if (nonRoot && effectiveUid === 0) {
    const why = uid === 0 ? 'runAsUser is 0' : 'no runAsUser is set and hostds runs as root';
    return { ok: false, reason: 'CreateContainerConfigError',
      message: `container has runAsNonRoot and image will run as root (pod: "${podRef}", container: ${container.name}): ${why}; set securityContext.runAsUser to a non-zero uid` };
  }
  const groups = Array.isArray(p.supplementalGroups) ? p.supplementalGroups.map(asId).filter((g): g is number => g !== undefined) : undefined;
  if (uid === undefined && explicitGid === undefined && groups === undefined) return { ok: true, identity: {} };
  const identity: Identity = {};
  if (uid !== undefined) identity.uid = uid;
  const gid = explicitGid ?? (uid !== undefined ? primaryGid(uid) ?? 0 : undefined);
  if (gid !== undefined) identity.gid = gid;
  if (groups !== undefined || uid !== undefined) identity.groups = groups ?? [];
  return { ok: true, identity };
}
