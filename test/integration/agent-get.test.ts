// `hostds get` answered by the running agent (src/cli/agent-get.ts, src/api/cli-get.ts): for every
// form below, bin/hostds must print exactly what the whole CLI prints, errors and exit codes
// included, and it must really have been the agent that answered.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { tryAgentGet } from '../../src/cli/agent-get.js';
import { dsYaml, NODE, runCli, type CliResult } from '../helpers/cli.js';
import { fixtureDs, prepareRoot, startAgent, waitForRunning } from '../helpers/agent.js';

/** The same argv through the launcher (agent first) and through the whole CLI. */
async function both(root: string, args: string[]): Promise<[CliResult, CliResult]> {
  return [await runCli(args, { root }), await runCli(args, { root, fullCli: true })];
}

/** Equal output, asked again when an AGE column ticked over between the two runs. */
async function expectSame(root: string, args: string[]): Promise<CliResult> {
  let pair = await both(root, args);
  for (let i = 0; i < 3 && JSON.stringify(pair[0]) !== JSON.stringify(pair[1]); i++) pair = await both(root, args);
  expect(pair[0], args.join(' ')).toEqual(pair[1]);
  return pair[0];
}

/** Runs tryAgentGet in this process: a number means the agent answered. */
async function askAgent(root: string, args: string[]): Promise<{ exit: number | undefined; out: string; err: string }> {
  let out = '';
  let err = '';
  const exit = await tryAgentGet(['--root', root, '--node-name', NODE, ...args], {}, { out: (s) => { out += s; }, err: (s) => { err += s; } });
  return { exit, out, err };
}

describe('get answered by the agent', () => {
  test('every output form, selector, namespace and error matches the whole CLI', async () => {
    const root = await prepareRoot({
      'a.yaml': fixtureDs('a', 'forever.mjs'),
      'b.yaml': dsYaml('b', { podSpec: 'nodeSelector: {disk: ssd}', labels: 'team: db' }),
      'c.yaml': dsYaml('c', { namespace: 'kube-system' }),
      'broken.yaml': 'apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: broken}\nspec: [\n',
    });
    await startAgent(root);
    await waitForRunning(root, 2);
    const forms = [
      ['get', 'ds'], ['get', 'ds', '-o', 'wide'], ['get', 'ds', '-o', 'json'], ['get', 'ds', 'a', '-o', 'yaml'], ['get', 'daemonsets', '-o', 'name'],
      ['get', 'ds/a', 'pod/nope'], ['get', 'ds', 'a', 'nope'], ['get', 'ds', '-l', 'team=db'], ['get', 'ds', '-l', 'a in b'],
      ['get', 'ds', '-n', 'kube-system'], ['get', 'ds,pods', '-A', '--show-labels'], ['get', 'pods'], ['get', 'pods', '-o', 'wide', '--no-headers'],
      ['get', 'po', '-o=name'], ['get', 'events'], ['get', 'nodes'], ['get', 'node', NODE, '-o', 'json'], ['get', 'nodes', 'other-host'],
      ['get', 'foo'], ['get', 'ds', '-o', 'table-ish'], ['-o', 'name', 'get', 'ds'], ['get', 'ds', '--node-name', 'Not_A_Name'],
    ];
    for (const args of forms) {
      await expectSame(root, args);
      expect((await askAgent(root, args)).exit, `agent answered ${args.join(' ')}`).toBeTypeOf('number');
    }
    // The table and the notes, not only equality: the broken manifest is named on stderr.
    const table = await expectSame(root, ['get', 'ds']);
    expect(table.stdout).toMatch(/^a\s+1\s+1\s+1\s+1\s+1\s+<none>\s+\d+s$/m);
    expect(table.stderr).toContain('broken.yaml');
    expect((await expectSame(root, ['get', 'ds', 'nope'])).code).toBe(1);
  });

  test('a broken config.yaml gives the CLI\'s own error although the agent keeps its previous config', async () => {
    const root = await prepareRoot({ 'a.yaml': fixtureDs('a', 'forever.mjs') });
    await startAgent(root);
    await waitForRunning(root, 1);
    await writeFile(join(root, 'etc/hostds/config.yaml'), 'restartBackoff: {initial: [\n');
    const r = await expectSame(root, ['get', 'ds']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: invalid config .*config\.yaml:\d+:\d+: /m);
    expect((await askAgent(root, ['get', 'ds'])).exit).toBe(1);
  });

  test('what the agent is not asked: other commands and flags, no agent at all', async () => {
    const root = await prepareRoot({ 'a.yaml': dsYaml('a') });
    for (const args of [['get', 'ds', '-w'], ['--config', join(root, 'etc/hostds/config.yaml'), 'get', 'ds'], ['get', 'ds', '--debug'], ['describe', 'ds', 'a'], ['get']]) {
      expect((await askAgent(root, args)).exit, args.join(' ')).toBeUndefined();
    }
    // No agent: the launcher falls back to the files, with the CLI's warning.
    expect((await askAgent(root, ['get', 'ds'])).exit).toBeUndefined();
    const r = await expectSame(root, ['get', 'ds']);
    expect(r.stderr).toMatch(/the hostds agent is not running/);
    expect(r.stdout).toMatch(/^a\s+1\s+0\s+0\s+0\s+0\s+<none>\s+/m);
  });
});
