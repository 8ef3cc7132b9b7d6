// The host as read commands see it: the Node, every DaemonSet with this host's placement
// decision, and the pods. With an agent the pods are live (asked over its socket); without one
// they are the last known ones from its state file, plus `Pending` pods for what should run.
import { promises as fsp } from 'node:fs';
import type { Context } from './context.js';
import type { ManifestIssue } from '../manifest/issues.js';
import type { NodeView } from '../manifest/types.js';
import { listManifestFiles, loadManifestDir, type LoadedDaemonSet, type LoadResult, type ManifestCache } from '../manifest/load.js';
import { computeEffective } from '../agent/desired.js';
import { readNodeFile } from '../host/node-file.js';
import { builtinLabels } from '../host/builtin-labels.js';
import { readHostFacts, type HostFacts } from '../host/facts.js';
import { decidePlacement, type Placement } from '../schedule/decide.js';
import { readAgentStatus, type AgentStatus } from '../state/agent-status.js';
import { readRegistry, registryKey, type Registry } from '../state/object-registry.js';
import type { PodRecord } from '../pods/types.js';
import type { NodeStatus } from '../host/node-status.js';
import type { HostdsEvent } from '../observe/events.js';
import { loadState, type LastGood } from '../state/store.js';
import { restartOnChangePaths, revisionHash, templateHashOf } from '../pods/revision.js';
import { digestFiles } from '../host/file-digests.js';
import { buildPod, podNameFor } from '../agent/pod-factory.js';
import { isoSeconds } from '../lib/iso-time.js';

/** What the agent knows that the files do not. */
export interface LiveSnapshot {
  pods: PodRecord[];
  events: HostdsEvent[];
  heldBack: string[];
  lastGood: Record<string, LastGood>;
  podCounters: Record<string, number>;
  nodeName: string;
  rootId: string;
  /** The agent's measured conditions and discovered labels. */
  nodeStatus?: NodeStatus;
}

export interface NodeRecord {
  view: NodeView;
  userLabels: Record<string, string>;
  annotations: Record<string, string>;
  creationTimestampMs: number;
  issues: ManifestIssue[];
  /** Conditions, measurements and where each derived taint comes from. */
  status?: NodeStatus;
}

export interface DaemonSetView extends LoadedDaemonSet {
  placement: Placement;
  creationTimestampMs: number;
  uid?: string;
  templateHash: string;
  /** This DaemonSet's pods (live, last known, or Pending ones synthesized without an agent). */
  pods: PodRecord[];
  /** Its manifest is invalid now; this is the last valid version, still in effect. */
  heldBack?: boolean;
}

export interface HostView {
  node: NodeRecord;
  facts: HostFacts;
  manifests: LoadResult;
  daemonSets: DaemonSetView[];
  agent: AgentStatus;
  /** True when pods and events come from a running agent. */
  live: boolean;
  pods: PodRecord[];
  events: HostdsEvent[];
}

/**
 * Labels: discovered ones, overridden by node.yaml's, overridden by the built-in ones (which
 * describe the host itself). Taints: node.yaml's, plus the host's own from `status`.
 */
export async function loadNode(ctx: Context, facts: HostFacts, status?: NodeStatus): Promise<NodeRecord> {
  const file = await readNodeFile(ctx.paths.nodeFile);
  const builtin = builtinLabels(ctx.nodeName, facts.os, facts.arch);
  const labels = { ...status?.discoveredLabels, ...file.labels, ...builtin };
  const created = file.creationTimestamp ? Date.parse(file.creationTimestamp) : NaN;
  return {
    view: {
      name: ctx.nodeName, labels, taints: file.taints, unschedulable: file.unschedulable,
      ...(status ? { derivedTaints: status.derivedTaints, conditions: status.conditions } : {}),
    },
    ...(status ? { status } : {}),
    userLabels: file.labels,
    annotations: file.annotations ?? {},
    creationTimestampMs: Number.isFinite(created) ? created : await etcBirthtime(ctx),
    issues: file.issues,
  };
}

/** A node.yaml that was never written has no creation time: the age of the hostds install is the next best. */
async function etcBirthtime(ctx: Context): Promise<number> {
  const st = await fsp.stat(ctx.paths.etc).catch(() => undefined);
  if (!st) return ctx.now;
  return st.birthtimeMs > 0 ? st.birthtimeMs : st.mtimeMs;
}

export async function loadHostView(ctx: Context): Promise<HostView> {
  const agent = await readAgentStatus(ctx.paths.agentPidFile);
  // With an agent, take its whole view: it has parsed the manifests already (and caches them).
  // The client (node:http) is loaded here, not with this module, which the agent loads before it
  // starts its first daemon.
  const live = agent.running ? await (await import('../api/client.js')).getJson<HostView>(ctx.paths.socket, '/hostds/v1/view') : undefined;
  if (live) return unpackView(live);
  const { state } = await loadState(ctx.paths.stateDir);
  const snap: LiveSnapshot = { pods: state.pods, events: state.events, heldBack: [], lastGood: state.lastGood,
    podCounters: state.podCounters ?? {}, nodeName: ctx.nodeName, rootId: '' };
  return buildView(ctx, snap, agent.running ? agent : { running: false }, false);
}

/** The agent's API builds the same view from its memory and its parse cache. */
export async function buildLiveView(ctx: Context, snap: LiveSnapshot, cache?: ManifestCache, loaded?: Loaded): Promise<HostView> {
  return buildView(ctx, snap, { running: true, pid: process.pid }, true, cache, loaded);
}

/** Manifests already loaded by the caller (the agent's last pass), still current. */
interface Loaded {
  manifests: LoadResult;
  files: string[];
}

async function buildView(ctx: Context, snap: LiveSnapshot, agent: AgentStatus, live: boolean, cache?: ManifestCache, preloaded?: Loaded): Promise<HostView> {
  const [facts, status] = await Promise.all([
    readHostFacts(),
    snap.nodeStatus ?? import('../host/node-status.js').then((m) => m.oneShotNodeStatus(ctx.config, ctx.paths)),
  ]);
  const [node, manifests, registry, files] = await Promise.all([
    loadNode(ctx, facts, status),
    preloaded?.manifests ?? loadManifestDir(ctx.paths.manifestsDir, undefined, cache),
    readRegistry(ctx.paths.stateDir),
    preloaded?.files ?? listManifestFiles(ctx.paths.manifestsDir),
  ]);
  const loaded: { d: LoadedDaemonSet; heldBack: boolean }[] = manifests.daemonSets.map((d) => ({ d, heldBack: false }));
  // A DaemonSet whose manifest broke keeps running at its last valid version (the agent's own
  // rule, computeEffective): show that version, marked.
  const effective = computeEffective(manifests, snap.lastGood, new Set(files));
  for (const key of effective.heldBack) {
    const last = effective.inEffect[key]!;
    const source = { file: last.file, path: last.path, docIndex: 0, line: last.line, col: 1, namePos: { line: last.line, col: 1 }, birthtimeMs: 0 };
    loaded.push({ d: { ds: last.ds, source, warnings: [] }, heldBack: true });
  }
  const podsByDs = new Map<string, PodRecord[]>();
  for (const p of snap.pods) {
    const key = `${p.daemonSet.namespace}/${p.daemonSet.name}`;
    const list = podsByDs.get(key);
    if (list) list.push(p);
    else podsByDs.set(key, [p]);
  }
  // restart-on-change files are part of the revision: the same hash as the agent's, or UP-TO-DATE lies.
  const digests = new Map<LoadedDaemonSet, Record<string, string>>();
  await Promise.all(loaded.map(async ({ d }) => {
    const files = restartOnChangePaths(d.ds);
    if (files.length > 0) digests.set(d, await digestFiles(files));
  }));
  const daemonSets = loaded.map(({ d, heldBack }) => {
    const v = viewDaemonSet(d, node.view, ctx.now, registry);
    const fileDigests = digests.get(d);
    if (fileDigests) v.templateHash = revisionHash(d.ds.spec.template, fileDigests);
    v.pods = [...(podsByDs.get(`${d.ds.metadata.namespace ?? 'default'}/${d.ds.metadata.name}`) ?? [])];
    if (heldBack) v.heldBack = true;
    // A held-back DaemonSet never created through hostds has no recorded creation: its pods are the next best.
    if (v.creationTimestampMs === 0) v.creationTimestampMs = Math.min(ctx.now, ...v.pods.map((p) => Date.parse(p.creationTimestamp)).filter(Number.isFinite));
    if (!live && v.placement.shouldRun && !v.pods.some((p) => !p.deletionTimestamp)) v.pods.push(pendingPod(v, snap, ctx));
    return v;
  });
  const pods = [...snap.pods, ...daemonSets.flatMap((d) => d.pods.filter((p) => !snap.pods.includes(p)))];
  return { node, facts, manifests, daemonSets, agent, live, pods, events: snap.events };
}

/**
 * The view as sent over the socket: each pod once (not again under its DaemonSet) and the
 * accepted DaemonSets once (not again under `manifests`). With 500 pods this halves the payload.
 */
export function packView(view: HostView): Record<string, unknown> {
  return {
    ...view,
    manifests: { ...view.manifests, daemonSets: [] },
    daemonSets: view.daemonSets.map((d) => ({ ...d, pods: d.pods.map((p) => p.name) })),
  };
}

export function unpackView(packed: HostView): HostView {
  const byName = new Map(packed.pods.map((p) => [p.name, p]));
  const daemonSets = packed.daemonSets.map((d) => ({
    ...d, pods: (d.pods as unknown as string[]).map((n) => byName.get(n)).filter((p): p is PodRecord => p !== undefined),
  }));
  return { ...packed, daemonSets, manifests: { ...packed.manifests, daemonSets } };
}

/** With no agent, a pod that should exist is shown Pending, under the name the agent will give it. */
function pendingPod(v: DaemonSetView, snap: LiveSnapshot, ctx: Context): PodRecord {
  const now = ctx.now;
  const key = `${v.ds.metadata.namespace ?? 'default'}/${v.ds.metadata.name}`;
  const name = podNameFor(v.ds, v.uid ?? key, snap.podCounters[key] ?? 0, ctx.nodeName);
  const pod = buildPod({ ds: v.ds, name, uid: '', templateHash: v.templateHash, templateGeneration: v.ds.metadata.generation ?? 1,
    nowIso: isoSeconds(Math.max(v.creationTimestampMs, now - 1000)) });
  for (const c of [...pod.initContainers, ...pod.containers]) delete c.reason;
  return pod;
}

/** AGE: the registry's creation time (kept across rewrites), else the manifest's, else the file's. */
export function viewDaemonSet(d: LoadedDaemonSet, node: NodeView, now: number, registry: Registry = {}): DaemonSetView {
  const spec = d.ds.spec.template.spec;
  const placement = decidePlacement({
    ...(spec.nodeName !== undefined ? { nodeName: spec.nodeName } : {}),
    podSpec: spec,
    annotations: d.ds.metadata.annotations ?? {},
    node,
    now,
  });
  const record = registry[registryKey(d.ds.metadata.namespace ?? 'default', d.ds.metadata.name)];
  const recorded = record ? Date.parse(record.creationTimestamp) : NaN;
  const declared = d.ds.metadata.creationTimestamp ? Date.parse(d.ds.metadata.creationTimestamp) : NaN;
  const created = Number.isFinite(recorded) ? recorded : Number.isFinite(declared) ? declared : d.source.birthtimeMs;
  return { ...d, placement, creationTimestampMs: created, templateHash: templateHashOf(d.ds.spec.template), pods: [], ...(record ? { uid: record.uid } : {}) };
}

/** Notes for stderr that every read command shares: no agent, broken files. */
export function viewNotes(view: HostView, ctx: Context): string[] {
  const notes: string[] = [];
  if (!view.agent.running) {
    notes.push(`Warning: the hostds agent is not running for ${ctx.paths.root === '/' ? 'this host' : `root ${ctx.paths.root}`}; showing what it would do from the files`);
  }
  for (const r of view.manifests.rejected) {
    const e = r.errors[0];
    const where = e ? `${e.file}:${e.line}:${e.col}` : r.source.file;
    notes.push(`Warning: daemonset ${r.namespace}/${r.name} is not valid (${r.errors.length} error${r.errors.length === 1 ? '' : 's'}, first at ${where}); run \`hostds validate -f ${r.source.file}\``);
  }
  const broken = new Set(view.manifests.issues.filter((i) => i.severity === 'error').map((i) => i.file));
  for (const r of view.manifests.rejected) broken.delete(r.source.file);
  for (const file of broken) notes.push(`Warning: ${file} has errors and was skipped; run \`hostds validate -f ${file}\``);
  for (const i of view.node.issues) notes.push(`Warning: node.yaml ${i.line}:${i.col}: ${i.message}`);
  return notes;
}
