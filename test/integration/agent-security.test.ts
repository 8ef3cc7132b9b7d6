// Issue 8, least privilege: the daemon's process really runs as the securityContext says
// (read back from /proc), and runAsNonRoot refuses to start it as root.
import { readFile } from 'node:fs/promises';
import { describe, expect, test } from 'vitest';
import { fixtureDs, getPods, prepareRoot, startAgent, statePids } from '../helpers/agent.js';
import { runCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';

async function ids(pid: number): Promise<{ uid: string; gid: string; groups: string }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const field = (k: string): string => (new RegExp(`^${k}:[ \\t]*(.*)$`, 'm').exec(status)?.[1] ?? '').trim();
  return { uid: field('Uid').split(/\s+/)[0]!, gid: field('Gid').split(/\s+/)[0]!, groups: field('Groups') };
}

describe('securityContext', () => {
  test.skipIf(process.getuid?.() !== 0)('runAsUser, runAsGroup and supplementalGroups reach the process; runAsNonRoot refuses root', async () => {
    const root = await prepareRoot({
      'nobody.yaml': fixtureDs('nobody', 'forever.mjs', [], 'securityContext: {runAsUser: 65534, runAsGroup: 65534, supplementalGroups: [100, 4]}'),
      'plain.yaml': fixtureDs('plain', 'forever.mjs', [], 'securityContext: {runAsUser: 65534}'),
      'strict.yaml': fixtureDs('strict', 'forever.mjs', [], 'securityContext: {runAsNonRoot: true}'),
    });
    const agent = await startAgent(root);
    await waitFor(async () => Object.keys(await statePids(root)).length === 2, 10_000, 'two daemons running');
    const pids = await statePids(root);
    const nobody = Object.entries(pids).find(([k]) => k.startsWith('nobody-'))![1];
    const plain = Object.entries(pids).find(([k]) => k.startsWith('plain-'))![1];
    expect(await ids(nobody)).toEqual({ uid: '65534', gid: '65534', groups: '4 100' });
    // runAsUser alone: the user's passwd group, and none of root's supplementary groups.
    expect(await ids(plain)).toEqual({ uid: '65534', gid: '65534', groups: '' });

    await waitFor(async () => (await getPods(root)).some((p) => p.name.startsWith('strict-') && p.status === 'CreateContainerConfigError'), 10_000, 'strict refused');
    const name = (await getPods(root)).find((p) => p.name.startsWith('strict-'))!.name;
    const describe = await runCli(['describe', 'pod', name], { root });
    expect(describe.stdout).toContain('container has runAsNonRoot and image will run as root');
    expect(Object.keys(await statePids(root)).some((k) => k.startsWith('strict-'))).toBe(false);
    await agent.stop();
  }, 30_000);
});
