// The host as read commands see it, computed from the files alone: the Node, every DaemonSet
// with this host's placement decision, and whether an agent runs. No agent is needed for this.
import { promises as fsp } from 'node:fs';
import type { Context } from './context.js';
import type { ManifestIssue } from '../manifest/issues.js';
import type { NodeView } from '../manifest/types.js';
import { loadManifestDir, type LoadedDaemonSet, type LoadResult } from '../manifest/load.js';
import { readNodeFile } from '../host/node-file.js';
import { builtinLabels } from '../host/builtin-labels.js';
import { readHostFacts, type HostFacts } from '../host/facts.js';
import { decidePlacement, type Placement } from '../schedule/decide.js';
import { readAgentStatus, type AgentStatus } from '../state/agent-status.js';
import { readRegistry, registryKey, type Registry } from '../state/object-registry.js';

export interface NodeRecord {
  view: NodeView;
  userLabels: Record<string, string>;
  annotations: Record<string, string>;
  creationTimestampMs: number;
  issues: ManifestIssue[];
}

export interface DaemonSetView extends LoadedDaemonSet {
  placement: Placement;
  creationTimestampMs: number;
  uid?: string;
}

export interface HostView {
  node: NodeRecord;
  facts: HostFacts;
  manifests: LoadResult;
  daemonSets: DaemonSetView[];
  agent: AgentStatus;
}

export async function loadNode(ctx: Context, facts: HostFacts): Promise<NodeRecord> {
  const file = await readNodeFile(ctx.paths.nodeFile);
  const builtin = builtinLabels(ctx.nodeName, facts.os, facts.arch);
  const labels = { ...file.labels, ...builtin };
  const created = file.creationTimestamp ? Date.parse(file.creationTimestamp) : NaN;
  return {
    view: { name: ctx.nodeName, labels, taints: file.taints, unschedulable: file.unschedulable },
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
  const facts = await readHostFacts();
  const [node, manifests, agent, registry] = await Promise.all([
    loadNode(ctx, facts),
    loadManifestDir(ctx.paths.manifestsDir),
    readAgentStatus(ctx.paths.agentPidFile),
    readRegistry(ctx.paths.stateDir),
  ]);
  const daemonSets = manifests.daemonSets.map((d) => viewDaemonSet(d, node.view, ctx.now, registry));
  return { node, facts, manifests, daemonSets, agent };
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
  return { ...d, placement, creationTimestampMs: created, ...(record ? { uid: record.uid } : {}) };
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
