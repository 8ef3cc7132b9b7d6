// Real DaemonSet manifests from public projects (../shared/corpus/daemonsets, see its INDEX.md):
// each is accepted, or rejected with specific, positioned messages; none crashes the loader.
// The corpus lives beside the checkout (CI has it); a user's clone does not, so this skips there.
import { describe, expect, test } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadManifests, type LoadResult } from '../../src/manifest/load.js';
import { REPO, runCli } from '../helpers/cli.js';

const CORPUS = join(REPO, '../shared/corpus/daemonsets');
const HAVE = existsSync(CORPUS);
const FILES = HAVE ? readdirSync(CORPUS).filter((f) => f.endsWith('.yaml')).sort() : [];

interface Expectation {
  /** DaemonSets accepted as they are. */
  accepted?: number;
  /** Codes of errors expected (each at least once); no other error codes may appear. */
  errors?: string[];
  /** Warning codes expected at least once. */
  warnings?: string[];
  /** Containers named in missing-command errors. */
  missingCommand?: string[];
  /** A message fragment at an exact line:col. */
  at?: { line: number; col: number; text: RegExp };
}

const EXPECT: Record<string, Expectation> = {
  'amazon-vpc-cni-k8s--aws-k8s-cni.yaml': { errors: ['missing-command'], missingCommand: ['aws-node'], warnings: ['unknown-kind', 'ignored-field'] },
  'beats--filebeat-daemonset.yaml': { errors: ['missing-command'], missingCommand: ['filebeat'] },
  'cadvisor--cadvisor-args.yaml': { errors: ['required', 'missing-command'], missingCommand: ['cadvisor'], at: { line: 11, col: 3, text: /spec\.selector.*Required value/ } },
  'cadvisor--daemonset.yaml': { errors: ['required', 'missing-command'], missingCommand: ['cadvisor'] },
  'calico--calico.yaml': { errors: ['missing-command'], missingCommand: ['calico-node'], warnings: ['unknown-kind', 'placeholder'] },
  'cilium--cilium-ds.yaml': { accepted: 1, warnings: ['ignored-field'] },
  'csi-driver-nfs--csi-nfs-node.yaml': { errors: ['missing-command'], missingCommand: ['liveness-probe', 'node-driver-registrar', 'nfs'] },
  'datadog-agent--agent.yaml': { errors: ['missing-command'], missingCommand: ['datadog-agent'] },
  'datadog-agent--daemonset.yaml': { accepted: 1 },
  'flannel--kube-flannel.yaml': { accepted: 5, warnings: ['unknown-kind'] },
  'fluentd-kubernetes-daemonset--fluentd-daemonset-elasticsearch-rbac.yaml': { errors: ['missing-command'], missingCommand: ['fluentd'] },
  'grafana-alloy--daemonset.yaml': { errors: ['missing-command'], missingCommand: ['alloy', 'config-reloader'] },
  'intel-device-plugins--intel-gpu-plugin.yaml': { errors: ['missing-command'], missingCommand: ['intel-gpu-plugin'] },
  'kube-prometheus--nodeExporter-daemonset.yaml': { errors: ['missing-command'], missingCommand: ['node-exporter', 'kube-rbac-proxy'] },
  'kube-router--kube-router-firewall-daemonset.yaml': { errors: ['missing-command'], missingCommand: ['kube-router'] },
  'kubernetes--fluentd-es-ds.yaml': { errors: ['missing-command'], missingCommand: ['fluentd-es'] },
  'kubernetes--ip-masq-agent.yaml': { errors: ['missing-command'], missingCommand: ['ip-masq-agent'] },
  'kubernetes--kube-proxy-ds.yaml': { errors: ['template', 'yaml-syntax'] },
  'kubernetes--metadata-proxy.yaml': { accepted: 1 },
  'kubernetes--nodelocaldns.yaml': { errors: ['missing-command'], missingCommand: ['node-cache'], warnings: ['placeholder'] },
  'kubernetes--nvidia-gpu-device-plugin-daemonset.yaml': { accepted: 1 },
  'kubernetes-examples--newrelic-daemonset.yaml': { accepted: 1 },
  'kured--daemonset.yaml': { errors: ['template', 'yaml-syntax'], at: { line: 4, col: 9, text: /Helm\/Go\/Jinja template/ } },
  'kured--kured-ds.yaml': { accepted: 1 },
  'local-static-provisioner--default_example_provisioner_generated.yaml': { errors: ['missing-command'], missingCommand: ['provisioner'] },
  'node-problem-detector--node-problem-detector.yaml': { accepted: 1 },
  'nvidia-k8s-device-plugin--daemonset.yaml': { errors: ['template', 'yaml-syntax'] },
  'nvidia-k8s-device-plugin--extensions-v1beta1-nvidia-device-plugin.yaml': { errors: ['missing-command'], missingCommand: ['nvidia-device-plugin-ctr'] },
  'nvidia-k8s-device-plugin--nvidia-device-plugin.yaml': { errors: ['missing-command'], missingCommand: ['nvidia-device-plugin-ctr'] },
  // The upstream file is invalid YAML (kubectl: "yaml: line 93: did not find expected key").
  'opentelemetry-collector-contrib--otel-collector.yaml': { errors: ['yaml-syntax'], at: { line: 93, col: 1, text: /./ } },
  'prometheus-operator--node-exporter-daemonset.yaml': { errors: ['missing-command'], missingCommand: ['node-exporter', 'kube-rbac-proxy'] },
  // One `kind: List`: the DaemonSet inside is found, its five RBAC neighbours are skipped with warnings.
  'weave--weave-daemonset-k8s-1.11.yaml': { errors: ['missing-command'], missingCommand: ['weave-npc'], warnings: ['unknown-kind'] },
};

describe.skipIf(!HAVE)('the DaemonSet corpus', () => {
  test('every corpus file has an expectation here', () => {
    expect(FILES.length).toBeGreaterThanOrEqual(30);
    expect(FILES.filter((f) => !(f in EXPECT))).toEqual([]);
  });

  test.each(FILES)('%s', async (file) => {
    const want = EXPECT[file]!;
    const r: LoadResult = await loadManifests(join(CORPUS, file), CORPUS);
    for (const i of r.issues) {
      expect(i.file).toBe(file);
      expect(i.line).toBeGreaterThanOrEqual(1);
      expect(i.col).toBeGreaterThanOrEqual(1);
      expect(i.message.length).toBeGreaterThan(10);
    }
    const errors = r.issues.filter((i) => i.severity === 'error');
    const warnings = r.issues.filter((i) => i.severity === 'warning');
    expect(r.daemonSets.length).toBe(want.accepted ?? 0);
    expect([...new Set(errors.map((e) => e.code))].sort()).toEqual([...(want.errors ?? [])].sort());
    for (const w of want.warnings ?? []) expect(warnings.map((x) => x.code)).toContain(w);
    // Real manifests carry no typos: an unknown-field warning here would be a gap in our field lists.
    expect(warnings.filter((x) => x.code === 'unknown-field')).toEqual([]);
    for (const e of errors.filter((x) => x.code !== 'yaml-syntax' && x.code !== 'template')) expect(e.path).not.toBe('');
    const named = errors.filter((e) => e.code === 'missing-command').map((e) => /container "([^"]+)"/.exec(e.message)?.[1]);
    expect(named).toEqual(want.missingCommand ?? []);
    for (const e of errors.filter((x) => x.code === 'missing-command')) expect(e.message).toMatch(/add command: \[/);
    if (want.at) {
      expect(r.issues.some((i) => i.line === want.at!.line && i.col === want.at!.col && want.at!.text.test(`${i.path}: ${i.message}`))).toBe(true);
    }
  });

  test('validate -f over the whole corpus finishes, exits 1 and prints file:line:col lines only', async () => {
    const r = await runCli(['validate', '-f', CORPUS]);
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(60);
    for (const l of lines) expect(l).toMatch(/^\/.+\.yaml:\d+:\d+: .+ \[[a-z-]+\]$/);
    expect(r.stderr).toMatch(/^32 files, 12 valid DaemonSets, \d+ errors, \d+ warnings$/m);
  });
});

test.runIf(!HAVE)(`corpus not found at ${CORPUS}: a user's clone has no ../shared, so the corpus checks are skipped`, () => {
  expect(HAVE).toBe(false);
});
