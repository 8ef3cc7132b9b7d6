// Built-in labels (kubernetes.io/os, arch, hostname) come from the host: `why` must not offer
// a `hostds label` command that `label` refuses.
import { describe, expect, test } from 'vitest';
import { decidePlacement } from '../../../src/schedule/decide.js';
import type { NodeView, PodSpec } from '../../../src/manifest/types.js';

const node: NodeView = { name: 'h1', labels: { 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', disk: 'hdd' }, taints: [], unschedulable: false };
const pod = (extra: Partial<PodSpec>): PodSpec => ({ containers: [{ name: 'c', command: ['x'] }], ...extra });

describe('fixes for built-in labels name the manifest, not hostds label', () => {
  test.each([
    { name: 'nodeSelector on the OS', spec: pod({ nodeSelector: { 'kubernetes.io/os': 'windows' } }), rule: 'nodeSelector', fix: /kubernetes\.io\/os is set by hostds from the host/ },
    { name: 'affinity In on the arch', spec: pod({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['arm64'] }] }] } } } }), rule: 'nodeAffinity', fix: /kubernetes\.io\/arch is set by hostds from the host/ },
    { name: 'a user label still gets the label command', spec: pod({ nodeSelector: { disk: 'ssd' } }), rule: 'nodeSelector', fix: /^hostds label node h1 disk=ssd --overwrite$/ },
  ])('$name', ({ spec, rule, fix }) => {
    const p = decidePlacement({ podSpec: spec, annotations: {}, node, now: 0 });
    expect(p.shouldRun).toBe(false);
    const r = p.rules.find((x) => x.rule === rule)!;
    expect(r.ok).toBe(false);
    expect(r.fix).toMatch(fix);
    expect(r.fix).not.toMatch(/hostds label node h1 kubernetes\.io/);
  });
});
