// The article's steps (seed/daemonset-article.zh.md) with `hostds` in place of `kubectl`, run
// through the real bin/hostds against a temporary root. No agent runs here: DESIRED is the
// decision, which flips with the label and survives a cordon exactly as in the article.
import { describe, expect, test } from 'vitest';
import { join } from 'node:path';
import { makeRoot, REPO, runCli } from '../helpers/cli.js';

const EXAMPLE = join(REPO, 'examples/ssd-monitor-daemonset.yaml');
const WIDE_HEADER = /^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR$/m;
const row = (desired: number): RegExp =>
  new RegExp(`^ssd-monitor\\s+${desired}\\s+0\\s+0\\s+0\\s+0\\s+k8s\\.51reboot\\.com/disk=ssd\\s+\\d+s\\s+main\\s+luksa/ssd-monitor\\s+app=ssd-monitor$`, 'm');

describe('the article, step by step', () => {
  test('create → DESIRED 0 → label → DESIRED 1 → unlabel → DESIRED 0 → cordon keeps DESIRED 1 → delete and recreate while cordoned', async () => {
    const root = await makeRoot();
    const hostds = (...args: string[]) => runCli(args, { root });

    expect(await hostds('create', '-f', EXAMPLE)).toMatchObject({ code: 0, stdout: 'daemonset.apps/ssd-monitor created\n' });
    let r = await hostds('get', 'ds', '-owide');
    expect(r.stdout).toMatch(WIDE_HEADER);
    expect(r.stdout).toMatch(row(0));
    expect(r.stderr).toMatch(/agent is not running/);

    r = await hostds('why', 'ds', 'ssd-monitor');
    expect(r.stdout).toMatch(/DESIRED 0/);
    expect(r.stdout).toMatch(/nodeSelector\s+FAIL\s+nodeSelector k8s\.51reboot\.com\/disk=ssd: this host has no label k8s\.51reboot\.com\/disk/);
    expect(r.stdout).toMatch(/fix: hostds label node h1 k8s\.51reboot\.com\/disk=ssd/);

    r = await hostds('get', 'node', '--show-labels');
    expect(r.stdout).toMatch(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\s+LABELS$/m);
    expect(r.stdout).toMatch(/^h1\s+NotReady\s+<none>\s+\S+\s+v\d+\.\d+\.\d+-hostds\s+beta\.kubernetes\.io\/arch=\w+,beta\.kubernetes\.io\/os=linux,(feature\.node\.kubernetes\.io\/[^,=]+=[^,]*,)+kubernetes\.io\/arch=\w+,kubernetes\.io\/hostname=h1,kubernetes\.io\/os=linux$/m);

    expect(await hostds('label', 'nodes', 'h1', 'k8s.51reboot.com/disk=ssd')).toMatchObject({ code: 0, stdout: 'node/h1 labeled\n' });
    r = await hostds('get', 'node', '--show-labels');
    expect(r.stdout).toMatch(/k8s\.51reboot\.com\/disk=ssd,kubernetes\.io\/arch=/);
    expect((await hostds('get', 'ds', '-o', 'wide')).stdout).toMatch(row(1));
    expect((await hostds('why', 'ds', 'ssd-monitor')).stdout).toMatch(/DESIRED 1/);

    expect(await hostds('label', 'nodes', 'h1', 'k8s.51reboot.com/disk-')).toMatchObject({ code: 0, stdout: 'node/h1 unlabeled\n' });
    expect((await hostds('get', 'ds', '-o', 'wide')).stdout).toMatch(row(0));

    expect((await hostds('label', 'nodes', 'h1', 'k8s.51reboot.com/disk=ssd')).stdout).toBe('node/h1 labeled\n');
    expect((await hostds('label', 'nodes', 'h1', 'k8s.51reboot.com/disk=ssd')).stdout).toBe('node/h1 not labeled\n');
    expect(await hostds('cordon', 'h1')).toMatchObject({ code: 0, stdout: 'node/h1 cordoned\n' });
    expect((await hostds('cordon', 'h1')).stdout).toBe('node/h1 already cordoned\n');
    r = await hostds('get', 'node');
    expect(r.stdout).toMatch(/^h1\s+NotReady,SchedulingDisabled\s+<none>\s+/m);
    expect((await hostds('get', 'ds', '-o', 'wide')).stdout).toMatch(row(1));

    expect(await hostds('delete', 'ds', 'ssd-monitor')).toMatchObject({ code: 0, stdout: 'daemonset.apps "ssd-monitor" deleted\n' });
    r = await hostds('get', 'ds');
    expect(r.stderr).toMatch(/No resources found in default namespace\./);
    expect((await hostds('create', '-f', EXAMPLE)).stdout).toBe('daemonset.apps/ssd-monitor created\n');
    expect((await hostds('get', 'ds', '-o', 'wide')).stdout).toMatch(row(1));
    r = await hostds('why', 'ds', 'ssd-monitor');
    expect(r.stdout).toMatch(/taints\s+ok\s+.*node\.kubernetes\.io\/unschedulable/);

    expect((await hostds('uncordon', 'h1')).stdout).toBe('node/h1 uncordoned\n');
    expect((await hostds('uncordon', 'h1')).stdout).toBe('node/h1 already uncordoned\n');
  });

  test('describe node shows labels, taints and what each DaemonSet does here', async () => {
    const root = await makeRoot();
    const hostds = (...args: string[]) => runCli(args, { root });
    await hostds('create', '-f', EXAMPLE);
    await hostds('taint', 'node', 'h1', 'dedicated=db:NoSchedule');
    await hostds('cordon', 'h1');
    const r = await hostds('describe', 'node', 'h1');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Name:\s+h1$/m);
    expect(r.stdout).toMatch(/^Taints:\s+dedicated=db:NoSchedule\n\s+node\.kubernetes\.io\/unschedulable:NoSchedule$/m);
    expect(r.stdout).toMatch(/^Unschedulable:\s+true$/m);
    expect(r.stdout).toMatch(/^\s+Ready\s+Unknown\s+/m);
    expect(r.stdout).toMatch(/default\s+ssd-monitor\s+0\s+nodeSelector k8s\.51reboot\.com\/disk=ssd: this host has no label/);
  });
});
