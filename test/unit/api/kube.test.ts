import { describe, expect, test } from 'vitest';
import { parseDocument } from 'yaml';
import { isAuthorized } from '../../../src/api/pki.js';
import { DEFAULT_API_PORT, parseListenAddress } from '../../../src/lib/listen-address.js';
import { serverUrl } from '../../../src/cli/commands/kubeconfig.js';
import { buildTable, parseFieldSelector, selectorFilter, wantsTable } from '../../../src/api/kube-discovery.js';
import { findResource } from '../../../src/api/kube-objects.js';
import { parseRoute } from '../../../src/api/kube.js';
import { diffItems } from '../../../src/api/kube-watch.js';
import { syncYaml, taintChange } from '../../../src/api/kube-writes.js';
import { subjectAltNames } from '../../../src/api/pki.js';

describe('bearer token', () => {
  test.each([
    { name: 'the token', header: 'Bearer s3cret', ok: true },
    { name: 'lower-case scheme', header: 'bearer s3cret', ok: true },
    { name: 'a wrong token', header: 'Bearer s3cre', ok: false },
    { name: 'a longer token', header: 'Bearer s3cret0', ok: false },
    { name: 'no header', header: undefined, ok: false },
    { name: 'basic auth', header: 'Basic czNjcmV0', ok: false },
  ])('$name → $ok', ({ header, ok }) => {
    expect(isAuthorized(header, 's3cret')).toBe(ok);
  });
  test('an empty configured token admits nobody', () => {
    expect(isAuthorized('Bearer ', '')).toBe(false);
  });
});

describe('api.address', () => {
  test.each([
    { text: '127.0.0.1:6443', want: { host: '127.0.0.1', port: 6443 } },
    { text: '[::1]:7443', want: { host: '::1', port: 7443 } },
    { text: '8443', want: { host: '127.0.0.1', port: 8443 } },
    { text: 'localhost', want: { host: 'localhost', port: 6443 } },
      { text: ':6443', want: { port: 6443 } },
    { text: '[::1]', want: { host: '::1', port: 6443 } },
  ])('$text', ({ text, want }) => expect(parseListenAddress(text, DEFAULT_API_PORT)).toEqual(want));
  test.each(['::1:6443', '127.0.0.1:99999', 'a b'])('%s is refused', (text) => expect(() => parseListenAddress(text, DEFAULT_API_PORT)).toThrow(`invalid listen address ${JSON.stringify(text)}`));
  test.each([
    { address: ':6443', url: 'https://127.0.0.1:6443' },
    { address: '0.0.0.0:6443', url: 'https://127.0.0.1:6443' },
    { address: '[::]:6443', url: 'https://[::1]:6443' },
    { address: '[::1]', url: 'https://[::1]:6443' },
  ])('kubeconfig reaches $address at $url', ({ address, url }) => expect(serverUrl(address)).toBe(url));
  test('the certificate names loopback, localhost, the node and the address served', () => {
    expect(subjectAltNames('10.0.0.5', 'h1')).toEqual(['DNS:localhost', 'DNS:h1', 'IP:127.0.0.1', 'IP:::1', 'IP:10.0.0.5']);
  });
});

describe('routes', () => {
  test.each([
    { path: 'api/v1/nodes/h1', want: { resource: 'nodes', name: 'h1' } },
    { path: 'api/v1/namespaces/default/pods/p/log', want: { resource: 'pods', namespace: 'default', name: 'p', sub: 'log' } },
    { path: 'apis/apps/v1/daemonsets', want: { resource: 'daemonsets' } },
    { path: 'apis/apps/v1beta2/namespaces/ns/daemonsets/x', want: { resource: 'daemonsets', namespace: 'ns', name: 'x' } },
    { path: 'api/v1/namespaces/default', want: { resource: 'namespaces', name: 'default' } },
  ])('$path', ({ path, want }) => {
    const r = parseRoute(path.split('/'))!;
    expect({ resource: r.def.name, namespace: r.namespace, name: r.name, sub: r.sub }).toEqual({ namespace: undefined, name: undefined, sub: undefined, ...want });
  });
  test.each(['apis/batch/v1/jobs', 'api/v1/namespaces/default/nodes/h1', 'api/v2/pods', 'api/v1/secrets'])('%s is not served', (path) => {
    expect(parseRoute(path.split('/'))).toBeUndefined();
  });
});

describe('selectors and tables', () => {
  const pod = { metadata: { name: 'p', labels: { app: 'a' } }, spec: { nodeName: 'h1' }, status: { phase: 'Running' } };
  test.each([
    { q: 'labelSelector=app%3Da', ok: true },
    { q: 'labelSelector=app%3Db', ok: false },
    { q: 'fieldSelector=spec.nodeName%3Dh1,status.phase!%3DFailed', ok: true },
    { q: 'fieldSelector=metadata.name%3Dq', ok: false },
  ])('$q', ({ q, ok }) => expect(selectorFilter(new URLSearchParams(q))(pod)).toBe(ok));
  test('a field selector without an operator is a bad request', () => {
    expect(() => parseFieldSelector('spec.nodeName')).toThrow(/invalid field selector/);
  });
  test('kubectl get asks for a Table; -o json does not', () => {
    expect(wantsTable('application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json')).toBe(true);
    expect(wantsTable('application/json')).toBe(false);
  });
  test('Table: the hostds get columns, wide ones at priority 1, rows with the object metadata', () => {
    const def = findResource('apps', 'daemonsets')!;
    const t = buildTable(def, [{ object: { metadata: { name: 'x', labels: { a: 'b' } } }, cells: ['x', '1'] }], null, '7') as any;
    expect(t.columnDefinitions.map((c: { name: string; priority: number }) => `${c.name}:${c.priority}`)).toEqual([
      'NAME:0', 'DESIRED:0', 'CURRENT:0', 'READY:0', 'UP-TO-DATE:0', 'AVAILABLE:0', 'NODE SELECTOR:0', 'AGE:0', 'CONTAINERS:1', 'IMAGES:1', 'SELECTOR:1',
    ]);
    expect(t.rows[0]).toEqual({ cells: ['x', '1'], object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { name: 'x', labels: { a: 'b' } } } });
    expect((buildTable(def, [{ object: { metadata: {} }, cells: [] }], 'None', '7') as any).rows[0]).toEqual({ cells: [] });
  });
});

describe('watch diff', () => {
  const item = (name: string, rv: string) => ({ object: { metadata: { name, namespace: 'default', resourceVersion: rv } }, cells: [] });
  test('added, modified by resourceVersion, deleted with the last object; unchanged says nothing', () => {
    const before = new Map([['default/a', item('a', '1')], ['default/b', item('b', '1')], ['default/c', item('c', '1')]]);
    const events = diffItems(before, [item('a', '1'), item('b', '2'), item('d', '1')]).map((e) => `${e.event.type} ${(e.event.object.metadata as { name: string }).name}`);
    expect(events).toEqual(['MODIFIED b', 'ADDED d', 'DELETED c']);
  });
});

describe('writes', () => {
  test('syncYaml changes only what differs: comments survive', () => {
    const doc = parseDocument('# the monitor\nmetadata:\n  name: x # keep\n  labels: {a: b}\nspec:\n  n: 1\n');
    syncYaml(doc, [], doc.toJS(), { metadata: { name: 'x', labels: { a: 'b', c: 'd' } } });
    expect(doc.toString()).toBe('# the monitor\nmetadata:\n  name: x # keep\n  labels: { a: b, c: d }\n');
  });
  test.each([
    { name: 'a taint added beside a derived one', shown: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }], own: [], wanted: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }, { key: 'd', value: 'db', effect: 'NoSchedule' }], want: { add: [{ key: 'd', value: 'db', effect: 'NoSchedule' }], remove: [] } },
    { name: 'an own taint removed', shown: [{ key: 'd', effect: 'NoSchedule' }], own: [{ key: 'd', effect: 'NoSchedule' }], wanted: [], want: { add: [], remove: [{ key: 'd', effect: 'NoSchedule' }] } },
  ] as const)('$name', ({ shown, own, wanted, want }) => {
    expect(taintChange(shown as any, own as any, wanted as any)).toEqual(want);
  });
  test('removing a taint hostds derives is refused', () => {
    expect(() => taintChange([{ key: 'node.kubernetes.io/disk-pressure', effect: 'NoSchedule' }], [], [])).toThrow(/set by hostds/);
  });
});
