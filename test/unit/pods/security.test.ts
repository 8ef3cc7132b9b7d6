import { describe, expect, test } from 'vitest';
import { needsPrimaryGid, resolveIdentity } from '../../../src/pods/security.js';

const passwd = (uid: number): number | undefined => ({ 65534: 65534, 1000: 1000 } as Record<number, number>)[uid];

describe('resolveIdentity: securityContext, the container over the pod', () => {
  test.each([
    { name: 'nothing set: the agent\'s user', pod: {}, ctr: {}, agent: 0, want: {} },
    { name: 'runAsUser: its passwd group, no supplementary groups', pod: {}, ctr: { runAsUser: 65534 }, agent: 0, want: { uid: 65534, gid: 65534, groups: [] } },
    { name: 'a uid unknown to passwd: group 0, as container runtimes do', pod: {}, ctr: { runAsUser: 4242 }, agent: 0, want: { uid: 4242, gid: 0, groups: [] } },
    { name: 'runAsGroup wins over passwd', pod: {}, ctr: { runAsUser: 1000, runAsGroup: 50 }, agent: 0, want: { uid: 1000, gid: 50, groups: [] } },
    { name: 'pod-level values apply', pod: { runAsUser: 1000, runAsGroup: 100, supplementalGroups: [4, 27] }, ctr: {}, agent: 0, want: { uid: 1000, gid: 100, groups: [4, 27] } },
    { name: 'the container wins', pod: { runAsUser: 1000, runAsGroup: 100 }, ctr: { runAsUser: 65534 }, agent: 0, want: { uid: 65534, gid: 100, groups: [] } },
    { name: 'supplementalGroups alone keep the user', pod: { supplementalGroups: [44] }, ctr: {}, agent: 0, want: { groups: [44] } },
    { name: 'runAsNonRoot with a non-zero uid runs', pod: { runAsNonRoot: true }, ctr: { runAsUser: 65534 }, agent: 0, want: { uid: 65534, gid: 65534, groups: [] } },
    { name: 'runAsNonRoot with an unprivileged agent and no uid runs', pod: {}, ctr: { runAsNonRoot: true }, agent: 1000, want: {} },
  ])('$name', ({ pod, ctr, agent, want }) => {
    expect(resolveIdentity({ securityContext: pod }, { name: 'main', securityContext: ctr }, agent, passwd)).toEqual({ ok: true, identity: want });
  });

  test.each([
    { name: 'runAsNonRoot and no runAsUser under a root agent', pod: {}, ctr: { runAsNonRoot: true }, why: 'no runAsUser is set and hostds runs as root' },
    { name: 'runAsNonRoot and runAsUser 0', pod: { runAsNonRoot: true }, ctr: { runAsUser: 0 }, why: 'runAsUser is 0' },
    { name: 'the container\'s runAsNonRoot over the pod\'s false', pod: { runAsNonRoot: false }, ctr: { runAsNonRoot: true }, why: 'no runAsUser is set' },
  ])('refused: $name', ({ pod, ctr, why }) => {
    const r = resolveIdentity({ securityContext: pod }, { name: 'main', securityContext: ctr }, 0, passwd, 'default/p(u1)');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toBe('CreateContainerConfigError');
      expect(r.message).toContain('container has runAsNonRoot and image will run as root (pod: "default/p(u1)", container: main)');
      expect(r.message).toContain(why);
    }
  });
});

describe('needsPrimaryGid: the supervisor skips /etc/passwd unless it says so', () => {
  const throwing = (): number => { throw new Error('passwd consulted'); };
  test.each([
    { pod: {}, ctr: {}, want: false },
    { pod: {}, ctr: { runAsUser: 1000 }, want: true },
    { pod: { runAsUser: 1000 }, ctr: {}, want: true },
    { pod: { runAsUser: 1000 }, ctr: { runAsGroup: 5 }, want: false },
    { pod: { runAsGroup: 5 }, ctr: { runAsUser: 1000 }, want: false },
    { pod: { supplementalGroups: [4] }, ctr: {}, want: false },
    { pod: {}, ctr: { runAsNonRoot: true, runAsUser: 65534 }, want: true },
  ])('pod $pod, container $ctr → $want', ({ pod, ctr, want }) => {
    expect(needsPrimaryGid({ securityContext: pod }, { securityContext: ctr })).toBe(want);
    // Where it says no, resolving must not consult passwd at all.
    if (!want) expect(() => resolveIdentity({ securityContext: pod }, { name: 'main', securityContext: ctr }, 0, throwing)).not.toThrow();
    else expect(() => resolveIdentity({ securityContext: pod }, { name: 'main', securityContext: ctr }, 0, throwing)).toThrow('passwd consulted');
  });
});
