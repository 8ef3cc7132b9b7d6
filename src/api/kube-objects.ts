// The API's resources as Kubernetes objects, built from the host view: what each resource lists,
// with the uids and ownerReferences kubectl follows (describe finds a DaemonSet's pods and events
// by controller uid) and a resourceVersion that changes exactly when the object does.
import { createHash } from 'node:crypto';
import type { HostView } from '../cli/view.js';
import { daemonSetObject, nodeObject, podObject } from '../cli/objects.js';
import { DAEMONSET_COLUMNS, daemonSetCells, NODE_COLUMNS, nodeCells, type ColumnDef } from '../cli/commands/get.js';
import { EVENT_COLUMNS, eventCells, POD_COLUMNS, podCells } from '../cli/commands/get-pods.js';
import type { HostdsEvent } from '../observe/events.js';
import { humanDuration } from '../lib/duration.js';

export type Json = Record<string, unknown>;

export interface ResourceDef {
  name: string;
  singular: string;
  kind: string;
  group: '' | 'apps';
  namespaced: boolean;
  shortNames: string[];
  verbs: string[];
  columns: readonly ColumnDef[];
}

const READ = ['get', 'list', 'watch'];

export const RESOURCES: readonly ResourceDef[] = [
  { name: 'nodes', singular: 'node', kind: 'Node', group: '', namespaced: false, shortNames: ['no'], verbs: [...READ, 'patch', 'update'], columns: NODE_COLUMNS },
  { name: 'pods', singular: 'pod', kind: 'Pod', group: '', namespaced: true, shortNames: ['po'], verbs: [...READ, 'delete'], columns: POD_COLUMNS },
  { name: 'events', singular: 'event', kind: 'Event', group: '', namespaced: true, shortNames: ['ev'], verbs: READ, columns: EVENT_COLUMNS },
  { name: 'namespaces', singular: 'namespace', kind: 'Namespace', group: '', namespaced: false, shortNames: ['ns'], verbs: READ, columns: [{ name: 'NAME' }, { name: 'STATUS' }, { name: 'AGE' }] },
  { name: 'daemonsets', singular: 'daemonset', kind: 'DaemonSet', group: 'apps', namespaced: true, shortNames: ['ds'], verbs: [...READ, 'create', 'update', 'patch', 'delete'], columns: DAEMONSET_COLUMNS },
  { name: 'controllerrevisions', singular: 'controllerrevision', kind: 'ControllerRevision', group: 'apps', namespaced: true, shortNames: [], verbs: ['get', 'list'], columns: [{ name: 'NAME' }, { name: 'CONTROLLER' }, { name: 'REVISION' }, { name: 'AGE' }] },
];

export function findResource(group: string, name: string): ResourceDef | undefined {
  return RESOURCES.find((r) => r.group === group && r.name === name);
}

/** An object with its table cells (every column of its resource). */
export interface Item {
  object: Json;
  cells: string[];
}

/** A uid that stays the same for the same object across agent restarts (hostds keeps none for most). */
export function stableUid(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Opaque to clients; a digest of the object, so a watch sees MODIFIED only when something changed. */
function withResourceVersion(object: Json): Json {
  const meta = object['metadata'] as Json;
  const rv = BigInt('0x' + createHash('sha256').update(JSON.stringify(object)).digest('hex').slice(0, 13)).toString();
  return { ...object, metadata: { ...meta, resourceVersion: rv } };
}

function dsUid(view: HostView, ns: string, name: string): string {
  return view.daemonSets.find((d) => (d.ds.metadata.namespace ?? 'default') === ns && d.ds.metadata.name === name)?.uid ?? stableUid(`daemonset/${ns}/${name}`);
}

function eventObject(view: HostView, e: HostdsEvent): Json {
  const o = e.involvedObject;
  const ns = o.namespace ?? 'default';
  const uid = o.kind === 'Node' ? stableUid(`node/${o.name}`) : o.kind === 'DaemonSet' ? dsUid(view, ns, o.name) : view.pods.find((p) => p.name === o.name)?.uid ?? '';
  const apiVersion = o.kind === 'DaemonSet' ? 'apps/v1' : 'v1';
  return {
    apiVersion: 'v1', kind: 'Event',
    metadata: { name: `${o.name}.${e.reason}`, namespace: ns, creationTimestamp: e.firstTimestamp, uid: stableUid(`event/${ns}/${o.kind}/${o.name}/${e.reason}/${e.firstTimestamp}`) },
    involvedObject: { apiVersion, kind: o.kind, name: o.name, namespace: o.kind === 'Node' ? '' : ns, uid },
    reason: e.reason, message: e.message, type: e.type, count: e.count,
    firstTimestamp: e.firstTimestamp, lastTimestamp: e.lastTimestamp,
    source: { component: 'hostds', host: view.node.view.name },
  };
}

/** Everything a resource lists on this host, every namespace (the caller filters). */
export function collectItems(view: HostView, resource: string, now: number): Item[] {
  switch (resource) {
    case 'nodes': {
      const o = nodeObject(view);
      return [{ object: withResourceVersion({ ...o, metadata: { ...(o['metadata'] as Json), uid: stableUid(`node/${view.node.view.name}`) } }), cells: nodeCells(view, now) }];
    }
    case 'daemonsets':
      return view.daemonSets.map((d) => {
        const o = daemonSetObject(d, now);
        const meta = o['metadata'] as Json;
        return { object: withResourceVersion({ ...o, metadata: { ...meta, uid: dsUid(view, String(meta['namespace']), d.ds.metadata.name) } }), cells: daemonSetCells(d, now) };
      });
    case 'pods':
      return view.pods.map((p) => {
        const o = podObject(p, view.node.view.name, view.facts.internalIP);
        const meta = o['metadata'] as Json;
        const owners = (meta['ownerReferences'] as Json[]).map((r) => ({ ...r, uid: dsUid(view, p.daemonSet.namespace, p.daemonSet.name) }));
        const uid = p.uid || stableUid(`pod/${p.namespace}/${p.name}`);
        return { object: withResourceVersion({ ...o, metadata: { ...meta, uid, ownerReferences: owners } }), cells: podCells(p, view, now) };
      });
    case 'events':
      return view.events.map((e) => ({ object: withResourceVersion(eventObject(view, e)), cells: eventCells(e, now) }));
    case 'namespaces': {
      const names = new Set(['default', ...view.daemonSets.map((d) => d.ds.metadata.namespace ?? 'default')]);
      return [...names].sort().map((name) => ({
        object: withResourceVersion({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, uid: stableUid(`namespace/${name}`) }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } }),
        cells: [name, 'Active', humanDuration(now - view.node.creationTimestampMs)],
      }));
    }
  }
  return [];
}

/** ControllerRevisions come from revisions.json (see rollout.ts); here they get their owner and cells. */
export function revisionItem(view: HostView, ns: string, dsName: string, rev: Json, now: number): Item {
  const meta = rev['metadata'] as Json;
  const uid = dsUid(view, ns, dsName);
  const object = { ...rev, metadata: { ...meta, uid: stableUid(`controllerrevision/${ns}/${String(meta['name'])}`),
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: dsName, uid, controller: true, blockOwnerDeletion: true }] } };
  const created = Date.parse(String(meta['creationTimestamp'] ?? ''));
  return { object: withResourceVersion(object), cells: [String(meta['name']), `daemonset.apps/${dsName}`, String(rev['revision']), Number.isFinite(created) ? humanDuration(now - created) : '<unknown>'] };
}
