// Issue 8, least privilege: the daemon's process really runs as the securityContext says
// (read back from /proc), and runAsNonRoot refuses to start it as root.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
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

describe('env values never reach the agent\'s log or events', () => {
  test('a running, a crash-looping and an unstartable container with a secret in their env', async () => {
    const secret = `s3cr3t-${process.pid}-${Date.now()}`;
    const env = (extra = ''): string => `env: [{name: TOKEN, value: "${secret}"}${extra}]`;
    const container = (name: string, command: string, extra = ''): string => ['apiVersion: apps/v1', 'kind: DaemonSet', `metadata: {name: ${name}}`, 'spec:',
      `  selector: {matchLabels: {app: ${name}}}`, '  template:', `    metadata: {labels: {app: ${name}}}`, '    spec:', '      containers:',
      '      - name: main', '        image: x', `        command: ${command}`, `        ${env(extra)}`, ''].join('\n');
    const root = await prepareRoot({
      'runs.yaml': fixtureDs('runs', 'forever.mjs').replace('        image: fixture\n', `        image: fixture\n        ${env()}\n`),
      // The secret in a command's arguments by $(TOKEN), and in the PATH a failed lookup used to quote.
      'crashes.yaml': container('crashes', `[/bin/sh, -c, 'echo "$(TOKEN)"; exit 3']`),
      'missing.yaml': container('missing', '[no-such-command-anywhere]', `, {name: PATH, value: "/opt/${secret}/bin"}`),
    });
    const agent = await startAgent(root); // at debug level (helpers/agent.ts)
    await waitFor(async () => {
      const events = (await runCli(['get', 'events'], { root })).stdout;
      return /BackOff/.test(events) && /Failed/.test(events) && /Started/.test(events);
    }, 15_000, 'a start, a crash loop and a failed start, with their events');
    const events = await runCli(['get', 'events', '-o', 'json'], { root });
    expect(events.stdout).toContain('no-such-command-anywhere');
    await agent.stop();
    const state = await readFile(join(root, 'var/lib/hostds/state.json'), 'utf8');
    for (const [what, text] of [['agent log', agent.output()], ['events', events.stdout], ['state events', JSON.stringify(JSON.parse(state).events)]] as const) {
      expect(text.includes(secret), `${what} carries the env value: ${text.split("\n").filter((l) => l.includes(secret)).join("\n")}`).toBe(false);
    }
    // The daemon itself saw it: the value did reach the process, just not the agent's words.
    const logs = await runCli(['logs', 'ds/crashes'], { root });
    expect(logs.stdout).toContain(secret);
  }, 40_000);
});
