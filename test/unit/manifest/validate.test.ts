// validateDaemonSet: the whole-document guarantees (all issues in one pass, never a throw) and
// the DaemonSet-level rules: metadata, selector, update strategy. Pod and container rules are in
// validate-pod.test.ts, scheduling in validate-scheduling.test.ts, warnings in validate-warnings.test.ts.
import { describe, expect, test } from 'vitest';
import { renderPath } from '../../../src/manifest/issues.js';
import { ctr, expectClean, expectIssue, pod, show, validate, validDaemonSet, type Doc, type IssueRow } from './validate-fixture.js';

describe('the base DaemonSet', () => {
  test.each(['apps/v1', 'apps/v1beta2', 'extensions/v1beta1'])('is valid and quiet as %s', (api) => {
    expectClean(() => {}, api);
  });
});

describe('one pass', () => {
  test('a manifest with 5 distinct problems gets 5 issues', () => {
    const ds = validDaemonSet();
    ds.metadata.name = 'SSD_Monitor';                              // invalid-name
    ds.spec.template.metadata.labels.app = 'other';                 // selector-mismatch
    pod(ds).restartPolicy = 'OnFailure';                            // unsupported-value
    delete ctr(ds).command;                                         // missing-command
    pod(ds).tolerations = [{ key: 'a', operator: 'Exists', value: 'x' }]; // invalid-value
    const issues = validate(ds);
    expect(issues.map((i) => `${i.code} ${renderPath(i.path)}`).sort(), show(issues)).toEqual([
      'invalid-name metadata.name',
      'invalid-value spec.template.spec.tolerations[0].value',
      'missing-command spec.template.spec.containers[0].command',
      'selector-mismatch spec.template.metadata.labels',
      'unsupported-value spec.template.spec.restartPolicy',
    ]);
  });

  test('errors in several containers and lists are all reported', () => {
    const ds = validDaemonSet();
    pod(ds).containers.push({ name: 'b', image: 'x' }, { name: 'c', image: 'y', command: 'run' });
    pod(ds).tolerations = [{ operator: 'Equal' }, { key: 'k', effect: 'Sometimes' }];
    const codes = validate(ds).filter((i) => i.severity === 'error').map((i) => `${i.code} ${renderPath(i.path)}`);
    expect(codes).toEqual(expect.arrayContaining([
      'missing-command spec.template.spec.containers[1].command',
      'invalid-type spec.template.spec.containers[2].command',
      'invalid-value spec.template.spec.tolerations[0].operator',
      'unsupported-value spec.template.spec.tolerations[1].effect',
    ]));
  });
});

/** Every node of a document, with its path (for the wrong-type sweep). */
function nodesOf(v: unknown, path: (string | number)[] = []): { path: (string | number)[]; value: unknown }[] {
  const here = path.length > 0 ? [{ path, value: v }] : [];
  if (Array.isArray(v)) return [...here, ...v.flatMap((x, i) => nodesOf(x, [...path, i]))];
  if (typeof v === 'object' && v !== null) {
    return [...here, ...Object.entries(v).flatMap(([k, x]) => nodesOf(x, [...path, k]))];
  }
  return here;
}

function setAt(doc: Doc, path: (string | number)[], value: unknown): void {
  let node = doc;
  for (const seg of path.slice(0, -1)) node = node[seg];
  node[path[path.length - 1]!] = value;
}

/** A valid DaemonSet that touches every structure the validator reads. */
function richDaemonSet(): Doc {
  const ds = validDaemonSet();
  ds.metadata.annotations = { 'example.com/note': 'x' };
  ds.spec.selector.matchExpressions = [{ key: 'tier', operator: 'In', values: ['node'] }];
  ds.spec.template.metadata.labels.tier = 'node';
  ds.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } };
  ds.spec.minReadySeconds = 5;
  Object.assign(pod(ds), {
    hostNetwork: true, terminationGracePeriodSeconds: 10, nodeName: 'host-1',
    tolerations: [{ key: 'k', operator: 'Equal', value: 'v', effect: 'NoExecute', tolerationSeconds: 30 }],
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [
      { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }], matchFields: [{ key: 'metadata.name', operator: 'In', values: ['host-1'] }] },
    ] } } },
    securityContext: { runAsUser: 1000, supplementalGroups: [10] },
    initContainers: [{ name: 'init', image: 'busybox', command: ['/bin/true'] }],
  });
  Object.assign(ctr(ds), {
    workingDir: '/tmp',
    resources: { limits: { cpu: '1', memory: '64Mi' }, requests: { cpu: 0.5 } },
    livenessProbe: { exec: { command: ['/bin/true'] }, periodSeconds: 5 },
    readinessProbe: { httpGet: { path: '/healthz', port: 8080, httpHeaders: [{ name: 'X', value: 'y' }] } },
    lifecycle: { preStop: { exec: { command: ['/bin/stop'] } } },
    securityContext: { runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true },
  });
  ctr(ds).env.push({ name: 'MODE', value: 'fast' });
  return ds;
}

describe('wrong types anywhere never throw', () => {
  const base = richDaemonSet();
  const nodes = nodesOf(base);
  const replacements: unknown[] = [null, 42, 1.5, 'text', true, [], {}, [null], [42], { x: null }];

  test('the rich DaemonSet itself is clean', () => {
    expect(show(validate(base))).toBe('');
  });

  test.each(nodes.map((n) => [n.path.join('.'), n.path] as const))('replacing %s by any type', (_, path) => {
    for (const r of replacements) {
      const ds = structuredClone(base);
      setAt(ds, path, r);
      const issues = validate(ds);
      for (const i of issues) {
        expect(typeof i.message).toBe('string');
        expect(i.message.length).toBeGreaterThan(0);
      }
    }
  });

  test.each(nodes.filter((n) => typeof n.value === 'object' && n.value !== null).map((n) => [n.path.join('.'), n.path] as const))(
    'a number where %s has a map or list is an invalid-type issue there', (_, path) => {
      const ds = structuredClone(base);
      setAt(ds, path, 7);
      const issues = validate(ds);
      const hit = issues.find((i) => i.code === 'invalid-type' && renderPath(i.path) === renderPath(path));
      expect(hit, show(issues)).toBeDefined();
      expect(hit!.message).toMatch(/^expected a (map|list), got a number/);
    });

  test('null everywhere at once', () => {
    const ds = structuredClone(base);
    for (const n of nodesOf(base).reverse()) setAt(ds, n.path, null);
    expect(() => validate(ds)).not.toThrow();
    expect(show(validate(ds))).toContain('spec: Required value');
  });

  test.each([null, undefined, 42, 'DaemonSet', [], [{}], true])('a document that is %j', (v) => {
    const issues = validate(v);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.code).toBe('invalid-type');
    expect(issues[0]!.path).toEqual([]);
  });

  test('a string where a list is expected says how to write the list', () => {
    expectIssue({ name: 'command string', mutate: (ds) => { ctr(ds).command = '/bin/run'; },
      code: 'invalid-type', path: 'spec.template.spec.containers[0].command', message: 'expected a list, got a string' });
  });

  test('cyclic documents (YAML aliases) do not hang or throw', () => {
    const ds = richDaemonSet();
    ctr(ds).extra = ds;
    pod(ds).volumes.push(pod(ds).volumes[0]);
    expect(() => validate(ds)).not.toThrow();
  });
});

const META: IssueRow[] = [
  { name: 'name missing', mutate: (ds) => { delete ds.metadata.name; }, code: 'required', path: 'metadata.name', message: 'Required value' },
  { name: 'name empty', mutate: (ds) => { ds.metadata.name = ''; }, code: 'required', path: 'metadata.name', message: 'Required value' },
  { name: 'metadata missing', mutate: (ds) => { delete ds.metadata; }, code: 'required', path: 'metadata.name', message: 'Required value' },
  { name: 'name not a subdomain', mutate: (ds) => { ds.metadata.name = 'SSD_monitor'; }, code: 'invalid-name', path: 'metadata.name', message: 'Invalid value: "SSD_monitor": a lowercase RFC 1123 subdomain' },
  { name: 'name a number', mutate: (ds) => { ds.metadata.name = 42; }, code: 'invalid-type', path: 'metadata.name', message: 'expected a string, got a number (42); quote it: "42"' },
  { name: 'namespace not a label', mutate: (ds) => { ds.metadata.namespace = 'kube.system'; }, code: 'invalid-name', path: 'metadata.namespace', message: 'RFC 1123 label' },
  { name: 'label key', mutate: (ds) => { ds.metadata.labels['bad key'] = 'x'; }, code: 'invalid-label', path: 'metadata.labels[bad key]', message: 'Invalid value: "bad key"', at: 'key' },
  { name: 'label value', mutate: (ds) => { ds.metadata.labels.tier = '-x-'; }, code: 'invalid-label', path: 'metadata.labels[tier]', message: 'Invalid value: "-x-"' },
  { name: 'label value a number', mutate: (ds) => { ds.metadata.labels.version = 1.1; }, code: 'invalid-type', path: 'metadata.labels[version]', message: 'quote it: "1.1"' },
  { name: 'annotation key', mutate: (ds) => { ds.metadata.annotations = { 'a/b/c': 'x' }; }, code: 'invalid-value', path: 'metadata.annotations[a/b/c]', message: 'qualified name', at: 'key' },
  { name: 'annotations over 256 KiB', mutate: (ds) => { ds.metadata.annotations = { big: 'x'.repeat(262_144) }; }, code: 'invalid-value', path: 'metadata.annotations', message: 'Too long: must have at most 262144 bytes' },
  { name: 'default-tolerations value', mutate: (ds) => { ds.metadata.annotations = { 'hostds.io/default-tolerations': 'off' }; }, code: 'unsupported-value', path: 'metadata.annotations[hostds.io/default-tolerations]', message: 'Unsupported value: "off": supported values: "none"' },
  { name: 'restart-on-change relative path', mutate: (ds) => { ds.metadata.annotations = { 'hostds.io/restart-on-change': '/etc/a.conf, b.conf' }; }, code: 'invalid-value', path: 'metadata.annotations[hostds.io/restart-on-change]', message: 'paths must be absolute: "b.conf"' },
  { name: 'unknown hostds annotation', mutate: (ds) => { ds.metadata.annotations = { 'hostds.io/default-toleration': 'none' }; }, code: 'unknown-field', path: 'metadata.annotations[hostds.io/default-toleration]', message: 'unknown hostds annotation', severity: 'warning', at: 'key' },
];

describe('metadata', () => {
  test.each(META)('$name', (row) => { expectIssue(row); });
  test('annotation values may be any string, and an absent namespace is fine', () => {
    expectClean((ds) => { ds.metadata.annotations = { 'example.com/json': '{"a": [1, 2]} with spaces' }; delete ds.metadata.namespace; });
  });
});

const SELECTOR: IssueRow[] = [
  { name: 'missing on apps/v1', mutate: (ds) => { delete ds.spec.selector; }, code: 'required', path: 'spec.selector', message: 'Required value: apps/v1 requires spec.selector; add selector: {matchLabels: {app: "ssd-monitor"}}' },
  { name: 'missing on apps/v1beta2', api: 'apps/v1beta2', mutate: (ds) => { delete ds.spec.selector; }, code: 'required', path: 'spec.selector', message: 'apps/v1beta2 requires spec.selector' },
  { name: 'empty', mutate: (ds) => { ds.spec.selector = {}; }, code: 'invalid-value', path: 'spec.selector', message: 'empty selector is invalid for daemonset' },
  { name: 'does not match the template', mutate: (ds) => { ds.spec.selector.matchLabels.app = 'other'; }, code: 'selector-mismatch', path: 'spec.template.metadata.labels', message: '`selector` does not match template `labels` (selector: app=other)' },
  { name: 'expression does not match', mutate: (ds) => { ds.spec.selector.matchExpressions = [{ key: 'app', operator: 'NotIn', values: ['ssd-monitor'] }]; }, code: 'selector-mismatch', path: 'spec.template.metadata.labels', message: 'does not match' },
  { name: 'template labels missing', mutate: (ds) => { delete ds.spec.template.metadata.labels; }, code: 'required', path: 'spec.template.metadata.labels', message: 'Required value' },
  { name: 'template labels missing on extensions/v1beta1', api: 'extensions/v1beta1', mutate: (ds) => { delete ds.spec.selector; ds.spec.template.metadata = {}; }, code: 'required', path: 'spec.template.metadata.labels', message: 'Required value' },
  { name: 'matchLabels value', mutate: (ds) => { ds.spec.selector.matchLabels.app = 'a b'; }, code: 'invalid-label', path: 'spec.selector.matchLabels[app]', message: 'Invalid value: "a b"' },
  { name: 'In without values', mutate: (ds) => { ds.spec.selector.matchExpressions = [{ key: 'app', operator: 'In', values: [] }]; }, code: 'required', path: 'spec.selector.matchExpressions[0].values', message: "must be specified when `operator` is 'In' or 'NotIn'" },
  { name: 'Exists with values', mutate: (ds) => { ds.spec.selector.matchExpressions = [{ key: 'app', operator: 'Exists', values: ['x'] }]; }, code: 'forbidden', path: 'spec.selector.matchExpressions[0].values', message: "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'" },
  { name: 'unknown operator', mutate: (ds) => { ds.spec.selector.matchExpressions = [{ key: 'app', operator: 'Equals', values: ['x'] }]; }, code: 'unsupported-value', path: 'spec.selector.matchExpressions[0].operator', message: 'Unsupported value: "Equals": supported values: "In", "NotIn", "Exists", "DoesNotExist"' },
  { name: 'expression key', mutate: (ds) => { ds.spec.selector.matchExpressions = [{ key: 'a b', operator: 'Exists' }]; }, code: 'invalid-label', path: 'spec.selector.matchExpressions[0].key', message: 'Invalid value: "a b"' },
  { name: 'template missing', mutate: (ds) => { delete ds.spec.template; }, code: 'required', path: 'spec.template', message: 'Required value' },
  { name: 'spec missing', mutate: (ds) => { delete ds.spec; }, code: 'required', path: 'spec', message: 'Required value' },
];

describe('selector and template labels', () => {
  test.each(SELECTOR)('$name', (row) => { expectIssue(row); });
  test('extensions/v1beta1 defaults a missing selector from the template labels', () => {
    expectClean((ds) => { delete ds.spec.selector; }, 'extensions/v1beta1');
  });
  test('a selector matching a subset of the labels, with expressions', () => {
    expectClean((ds) => {
      ds.spec.template.metadata.labels.tier = 'node';
      ds.spec.selector.matchExpressions = [{ key: 'tier', operator: 'In', values: ['node', 'edge'] }, { key: 'legacy', operator: 'DoesNotExist' }];
    });
  });
});

const STRATEGY: IssueRow[] = [
  { name: 'unknown type', mutate: (ds) => { ds.spec.updateStrategy = { type: 'Rolling' }; }, code: 'unsupported-value', path: 'spec.updateStrategy.type', message: 'Unsupported value: "Rolling": supported values: "RollingUpdate", "OnDelete"' },
  { name: 'negative maxUnavailable', mutate: (ds) => { ds.spec.updateStrategy = { rollingUpdate: { maxUnavailable: -1 } }; }, code: 'invalid-value', path: 'spec.updateStrategy.rollingUpdate.maxUnavailable', message: 'must be greater than or equal to 0' },
  { name: 'number as a string', mutate: (ds) => { ds.spec.updateStrategy = { rollingUpdate: { maxUnavailable: '1' } }; }, code: 'invalid-value', path: 'spec.updateStrategy.rollingUpdate.maxUnavailable', message: 'a valid percent string' },
  { name: 'over 100%', mutate: (ds) => { ds.spec.updateStrategy = { rollingUpdate: { maxSurge: '150%', maxUnavailable: 0 } }; }, code: 'invalid-value', path: 'spec.updateStrategy.rollingUpdate.maxSurge', message: 'must not be greater than 100%' },
  { name: 'a float', mutate: (ds) => { ds.spec.updateStrategy = { rollingUpdate: { maxUnavailable: 0.5 } }; }, code: 'invalid-type', path: 'spec.updateStrategy.rollingUpdate.maxUnavailable', message: 'expected an integer or a string' },
  { name: 'both zero', mutate: (ds) => { ds.spec.updateStrategy = { rollingUpdate: { maxUnavailable: 0, maxSurge: '0%' } }; }, code: 'invalid-value', path: 'spec.updateStrategy.rollingUpdate.maxUnavailable', message: 'cannot be 0 when maxSurge is 0' },
  { name: 'both non-zero', mutate: (ds) => { ds.spec.updateStrategy = { rollingUpdate: { maxUnavailable: '10%', maxSurge: 1 } }; }, code: 'invalid-value', path: 'spec.updateStrategy.rollingUpdate.maxSurge', message: 'may not be set when maxUnavailable is non-zero' },
  { name: 'surge alone (maxUnavailable defaults to 1)', mutate: (ds) => { ds.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } }; }, code: 'invalid-value', path: 'spec.updateStrategy.rollingUpdate.maxSurge', message: 'set maxUnavailable: 0 to surge' },
  { name: 'negative minReadySeconds', mutate: (ds) => { ds.spec.minReadySeconds = -5; }, code: 'invalid-value', path: 'spec.minReadySeconds', message: 'Invalid value: -5: must be greater than or equal to 0' },
  { name: 'negative revisionHistoryLimit', mutate: (ds) => { ds.spec.revisionHistoryLimit = -1; }, code: 'invalid-value', path: 'spec.revisionHistoryLimit', message: 'must be greater than or equal to 0' },
  { name: 'revisionHistoryLimit a string', mutate: (ds) => { ds.spec.revisionHistoryLimit = '10'; }, code: 'invalid-type', path: 'spec.revisionHistoryLimit', message: 'expected an integer, got a string' },
  { name: 'rollingUpdate with OnDelete', mutate: (ds) => { ds.spec.updateStrategy = { type: 'OnDelete', rollingUpdate: { maxUnavailable: 1 } }; }, code: 'ignored-field', path: 'spec.updateStrategy.rollingUpdate', message: 'applies only when type is RollingUpdate', severity: 'warning', at: 'key' },
  { name: 'rollingUpdate without type on extensions/v1beta1', api: 'extensions/v1beta1', mutate: (ds) => { ds.spec.updateStrategy = { rollingUpdate: { maxUnavailable: 1 } }; }, code: 'ignored-field', path: 'spec.updateStrategy.rollingUpdate', message: 'defaults to OnDelete in extensions/v1beta1', severity: 'warning' },
];

describe('update strategy', () => {
  test.each(STRATEGY)('$name', (row) => { expectIssue(row); });
  test.each<{ name: string; strategy: unknown }>([
    { name: 'surge with maxUnavailable 0', strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } },
    { name: 'a percentage', strategy: { rollingUpdate: { maxUnavailable: '10%' } } },
    { name: 'OnDelete', strategy: { type: 'OnDelete' } },
    { name: 'type alone', strategy: { type: 'RollingUpdate' } },
    { name: 'null rollingUpdate', strategy: { type: 'RollingUpdate', rollingUpdate: null } },
  ])('valid: $name', ({ strategy }) => {
    expectClean((ds) => { ds.spec.updateStrategy = strategy; ds.spec.revisionHistoryLimit = 0; });
  });
});
