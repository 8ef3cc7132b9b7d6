// Issue 8, trust boundaries: under root, hostds acts only on files no other user can change, as
// sshd's StrictModes. Each case changes a mode or an owner for real and shows the refusal, and
// that a daemon already running is never stopped by it.
import { chmod, chown, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { fixtureDs, prepareRoot, startAgent, statePids, writeTestConfig, isAlive } from '../helpers/agent.js';
import { manifestPath, runCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';

const asRoot = process.getuid?.() === 0;

describe.skipIf(!asRoot)('StrictModes for manifests, node.yaml and config.yaml', () => {
  test('a world-writable manifest is refused with the fix; a running daemon keeps running; chmod fixes it', async () => {
    const root = await prepareRoot({ 'a.yaml': fixtureDs('a', 'forever.mjs'), 'b.yaml': fixtureDs('b', 'forever.mjs') });
    await chmod(manifestPath(root, 'b.yaml'), 0o666);
    const agent = await startAgent(root);
    await waitFor(async () => Object.keys(await statePids(root)).length === 1, 10_000, 'a running');
    expect(Object.keys(await statePids(root))[0]).toMatch(/^a-/);
    const v = await runCli(['validate'], { root });
    expect(v.code).toBe(1);
    expect(v.stdout + v.stderr).toContain(`b.yaml is group- and world-writable (mode 0666): chmod go-w ${manifestPath(root, 'b.yaml')}`);
    expect(v.stdout + v.stderr).toContain('[unsafe-permissions]');

    // a runs; its manifest turning unsafe holds it at its last valid version, it is not stopped.
    const aPid = Object.values(await statePids(root))[0]!;
    await chmod(manifestPath(root, 'a.yaml'), 0o664);
    await writeFile(manifestPath(root, 'a.yaml'), fixtureDs('a', 'forever.mjs', ['changed']));
    await waitFor(() => agent.output().includes('manifest is invalid; the last valid version stays in effect'), 10_000, 'the refusal seen by the agent');
    await new Promise((r) => setTimeout(r, 300));
    expect(await isAlive(aPid)).toBe(true);
    expect(Object.values(await statePids(root))).toEqual([aPid]);

    await chmod(manifestPath(root, 'b.yaml'), 0o644);
    await waitFor(async () => Object.keys(await statePids(root)).some((k) => k.startsWith('b-')), 10_000, 'b starts once fixed');
    await agent.stop();
  }, 30_000);

  test('a manifest owned by another user, or in a world-writable directory, is refused', async () => {
    const root = await prepareRoot({ 'o.yaml': fixtureDs('o', 'forever.mjs') });
    await chown(manifestPath(root, 'o.yaml'), 65534, 65534);
    let v = await runCli(['validate'], { root });
    expect(v.stdout + v.stderr).toContain('o.yaml is owned by uid 65534, not root: chown root');
    await chown(manifestPath(root, 'o.yaml'), 0, 0);
    const dir = join(root, 'etc/hostds/manifests.d');
    await chmod(dir, 0o777);
    v = await runCli(['validate'], { root });
    expect(v.stdout + v.stderr).toContain(`${dir} is group- and world-writable (mode 0777): chmod go-w ${dir}`);
    // Not acted on, not refused: a file given with -f is only checked.
    expect((await runCli(['validate', '-f', manifestPath(root, 'o.yaml')], { root })).code).toBe(0);
    await chmod(dir, 0o755);
  });

  test('a world-writable config.yaml stops every command with the fix; strictModes: false relaxes manifests, loudly', async () => {
    const root = await prepareRoot({ 'w.yaml': fixtureDs('w', 'forever.mjs') });
    const config = join(root, 'etc/hostds/config.yaml');
    await chmod(config, 0o666);
    const r = await runCli(['get', 'ds'], { root });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`config ${config}: refusing to act on it: hostds runs as root and ${config} is group- and world-writable (mode 0666): chmod go-w ${config}`);
    await chmod(config, 0o644);

    await writeTestConfig(root, 'strictModes: false\n');
    await chmod(manifestPath(root, 'w.yaml'), 0o666);
    const agent = await startAgent(root);
    await waitFor(async () => Object.keys(await statePids(root)).length === 1, 10_000, 'w running despite its mode');
    expect(agent.output()).toContain('strictModes is off: manifests and node.yaml that other users can change are acted on as root');
    await agent.stop();
  }, 30_000);

  test('a world-writable node.yaml keeps the last good node in the agent', async () => {
    const root = await prepareRoot({ 'sel.yaml': fixtureDs('sel', 'forever.mjs', [], 'nodeSelector: {role: web}') });
    expect((await runCli(['label', 'node', 'h1', 'role=web'], { root })).code).toBe(0);
    const agent = await startAgent(root);
    await waitFor(async () => Object.keys(await statePids(root)).length === 1, 10_000, 'sel running');
    const pid = Object.values(await statePids(root))[0]!;
    const nodeFile = join(root, 'etc/hostds/node.yaml');
    await chmod(nodeFile, 0o666);
    await writeFile(nodeFile, 'metadata: {labels: {}}\n'); // an attacker's edit: drop the label
    // Wait for the agent to have seen the edit (a pass ran), then: the daemon is still there.
    await waitFor(() => agent.output().includes('node.yaml has errors; keeping the last good node'), 10_000, 'the refusal logged');
    await new Promise((r) => setTimeout(r, 300)); // a stop, had one been planned, would have begun
    expect(await isAlive(pid)).toBe(true);
    await agent.stop();
  }, 30_000);
});
