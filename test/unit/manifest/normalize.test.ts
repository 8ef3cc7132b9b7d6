// normalizeDaemonSet: the API server's defaults per API version, applied to a copy.
import { describe, expect, test } from 'vitest';
import { normalizeDaemonSet } from '../../../src/manifest/normalize.js';
import { ctr, pod, validate, validDaemonSet, type Doc } from './validate-fixture.js';

function normalized(api: string, mutate: (ds: Doc) => void = () => {}): Doc {
  const ds = validDaemonSet(api);
  mutate(ds);
  expect(validate(ds, api).filter((i) => i.severity === 'error')).toEqual([]);
  return normalizeDaemonSet(ds, api);
}

describe('update strategy defaults', () => {
  test.each<{ name: string; api: string; strategy?: unknown; want: unknown }>([
    { name: 'apps/v1: RollingUpdate, maxUnavailable 1, maxSurge 0', api: 'apps/v1', want: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } } },
    { name: 'apps/v1beta2: the same', api: 'apps/v1beta2', want: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } } },
    { name: 'extensions/v1beta1: OnDelete', api: 'extensions/v1beta1', want: { type: 'OnDelete' } },
    { name: 'extensions/v1beta1 RollingUpdate gets its parameters', api: 'extensions/v1beta1', strategy: { type: 'RollingUpdate' }, want: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } } },
    { name: 'rollingUpdate without type (nodelocaldns)', api: 'apps/v1', strategy: { rollingUpdate: { maxUnavailable: '10%' } }, want: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%', maxSurge: 0 } } },
    { name: 'surge kept as written', api: 'apps/v1', strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }, want: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } },
    { name: 'OnDelete keeps what is written', api: 'apps/v1', strategy: { type: 'OnDelete' }, want: { type: 'OnDelete' } },
    { name: 'empty type means the default', api: 'apps/v1', strategy: { type: '' }, want: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } } },
  ])('$name', ({ api, strategy, want }) => {
    const out = normalized(api, (ds) => { if (strategy !== undefined) ds.spec.updateStrategy = strategy; });
    expect(out.spec.updateStrategy).toEqual(want);
  });
});

describe('other defaults', () => {
  test.each<{ name: string; api?: string; mutate?: (ds: Doc) => void; get: (ds: Doc) => unknown; want: unknown }>([
    { name: 'namespace default', mutate: (ds) => { delete ds.metadata.namespace; }, get: (ds) => ds.metadata.namespace, want: 'default' },
    { name: 'namespace kept', mutate: (ds) => { ds.metadata.namespace = 'monitoring'; }, get: (ds) => ds.metadata.namespace, want: 'monitoring' },
    { name: 'revisionHistoryLimit 10', get: (ds) => ds.spec.revisionHistoryLimit, want: 10 },
    { name: 'revisionHistoryLimit 0 kept', mutate: (ds) => { ds.spec.revisionHistoryLimit = 0; }, get: (ds) => ds.spec.revisionHistoryLimit, want: 0 },
    { name: 'minReadySeconds 0', get: (ds) => ds.spec.minReadySeconds, want: 0 },
    { name: 'restartPolicy Always', get: (ds) => pod(ds).restartPolicy, want: 'Always' },
    { name: 'terminationGracePeriodSeconds 30', get: (ds) => pod(ds).terminationGracePeriodSeconds, want: 30 },
    { name: 'terminationGracePeriodSeconds 0 kept', mutate: (ds) => { pod(ds).terminationGracePeriodSeconds = 0; }, get: (ds) => pod(ds).terminationGracePeriodSeconds, want: 0 },
    { name: 'extensions/v1beta1 selector from template labels', api: 'extensions/v1beta1', mutate: (ds) => { delete ds.spec.selector; ds.spec.template.metadata.labels.tier = 'node'; }, get: (ds) => ds.spec.selector, want: { matchLabels: { app: 'ssd-monitor', tier: 'node' } } },
    { name: 'a written selector is kept', api: 'extensions/v1beta1', get: (ds) => ds.spec.selector, want: { matchLabels: { app: 'ssd-monitor' } } },
    { name: 'apiVersion and kind', api: 'apps/v1beta2', get: (ds) => [ds.apiVersion, ds.kind], want: ['apps/v1beta2', 'DaemonSet'] },
    { name: 'tolerations as written: no defaults added, operator untouched', mutate: (ds) => { pod(ds).tolerations = [{ key: 'k', effect: 'NoSchedule' }]; }, get: (ds) => pod(ds).tolerations, want: [{ key: 'k', effect: 'NoSchedule' }] },
    { name: 'no tolerations stay none', get: (ds) => pod(ds).tolerations, want: undefined },
    { name: 'null fields are dropped', mutate: (ds) => { pod(ds).tolerations = null; ctr(ds).env.push({ name: 'E', value: null }); }, get: (ds) => [pod(ds).tolerations, ctr(ds).env[1]], want: [undefined, { name: 'E' }] },
    { name: 'numeric quantities become strings', mutate: (ds) => { ctr(ds).resources = { limits: { cpu: 0.15, memory: '64Mi' }, requests: { cpu: 0.1 } }; }, get: (ds) => ctr(ds).resources, want: { limits: { cpu: '0.15', memory: '64Mi' }, requests: { cpu: '0.1' } } },
    { name: 'probe defaults', mutate: (ds) => { ctr(ds).readinessProbe = { httpGet: { port: 8080 } }; }, get: (ds) => ctr(ds).readinessProbe, want: { httpGet: { port: 8080, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 } },
    { name: 'status dropped', mutate: (ds) => { ds.status = { numberReady: 3 }; }, get: (ds) => ds.status, want: undefined },
  ])('$name', ({ api = 'apps/v1', mutate, get, want }) => {
    expect(get(normalized(api, mutate))).toEqual(want);
  });
});

describe('purity', () => {
  test('the input is not changed', () => {
    const ds = validDaemonSet('extensions/v1beta1');
    delete ds.spec.selector;
    pod(ds).tolerations = null;
    const before = structuredClone(ds);
    normalizeDaemonSet(ds, 'extensions/v1beta1');
    expect(ds).toEqual(before);
  });
  test('the result shares nothing with the input', () => {
    const ds = validDaemonSet();
    const out = normalizeDaemonSet(ds, 'apps/v1');
    out.spec.template.spec.containers[0]!.name = 'changed';
    expect(ctr(ds).name).toBe('main');
  });
  test('a map reached twice (a YAML alias) is copied once and shared, as structuredClone shares it', () => {
    const ds = validDaemonSet();
    const shared = { team: 'obs', gone: null };
    ds.metadata.labels = shared;
    ds.spec.template.metadata.annotations = shared;
    const out = normalizeDaemonSet(ds, 'apps/v1');
    expect(out.metadata.labels).toEqual({ team: 'obs' });
    expect(out.spec.template.metadata.annotations).toBe(out.metadata.labels);
    expect(out.metadata.labels).not.toBe(shared);
  });
  test('a key named __proto__ stays a key, and the copy keeps its prototype', () => {
    const ds = validDaemonSet();
    const annotations = JSON.parse('{"__proto__": {"polluted": "yes"}, "kept": "x"}') as Record<string, unknown>;
    ds.spec.template.metadata.annotations = annotations;
    const copy = normalizeDaemonSet(ds, 'apps/v1').spec.template.metadata.annotations as Record<string, unknown>;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(['__proto__', 'kept']);
    expect(Object.getOwnPropertyDescriptor(copy, '__proto__')?.value).toEqual({ polluted: 'yes' });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
  test('normalizing twice changes nothing more', () => {
    const once = normalizeDaemonSet(validDaemonSet('extensions/v1beta1'), 'extensions/v1beta1');
    expect(normalizeDaemonSet(once, 'extensions/v1beta1')).toEqual(once);
  });
});
