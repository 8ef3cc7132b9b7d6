// `hostds describe ds|node NAME`: kubectl's describe layout, plus what only hostds knows (the
// manifest's file and the placement decision).
import type { Context } from '../context.js';
import { loadHostView, viewNotes, type DaemonSetView, type HostView } from '../view.js';
import { CliError, notFound } from '../errors.js';
import { formatCliError } from '../../lib/errors.js';
import type { RejectedDaemonSet } from '../../manifest/load.js';
import { resolveResource, splitTypeName } from '../resources.js';
import { formatLabelSelector, formatSet } from '../../schedule/label-selector.js';
import { formatMapLines, formatTable } from '../output.js';
import { displayedTaints, nodeAddresses, nodeConditions, nodeInfo, nodeRoles } from '../objects.js';
import { renderIssue } from '../../manifest/issues.js';
import type { Container, Taint, Toleration } from '../../manifest/types.js';
import { checkNodeName } from '../../host/node-edit.js';
import { explain } from './why.js';
import { describePod, formatEvents } from './describe-pod.js';
import { daemonSetCounts, podPhase } from '../../pods/display.js';
import { scheduledPods } from '../objects.js';
import { eventsFor } from '../../observe/events.js';
import { humanDuration } from '../../lib/duration.js';
import { isoSeconds } from '../../lib/iso-time.js';

export async function runDescribe(ctx: Context, args: string[], namespace: string | undefined): Promise<number> {
  const [first, ...rest] = args;
  if (first === undefined) throw new CliError('You must specify the type of resource to describe: ds or node');
  const [word, inline] = splitTypeName(first);
  const kind = resolveResource(word);
  const names = inline !== undefined ? [inline, ...rest] : rest;
  if (kind === 'nodes') for (const n of names) checkNodeName(n, ctx.nodeName);
  const view = await loadHostView(ctx);
  for (const n of viewNotes(view, ctx)) ctx.io.err(n + '\n');
  if (kind === 'nodes') {
    ctx.io.out(describeNode(view, ctx.now));
    return 0;
  }
  const ns = namespace ?? 'default';
  if (kind === 'pods') return describePods(ctx, view, names, ns);
  if (kind === 'events') throw new CliError('use hostds get events');
  const inNs = view.daemonSets.filter((d) => (d.ds.metadata.namespace ?? 'default') === ns);
  if (names.length === 0) {
    if (inNs.length === 0) ctx.io.err(`No resources found in ${ns} namespace.\n`);
    else ctx.io.out(inNs.map((d) => describeDaemonSet(d, view, ctx.now)).join('\n\n') + '\n');
    return 0;
  }
  const blocks: string[] = [];
  let exit = 0;
  for (const name of names) {
    const d = inNs.find((x) => x.ds.metadata.name === name);
    const rejected = view.manifests.rejected.find((r) => r.namespace === ns && r.name === name);
    if (d) blocks.push(describeDaemonSet(d, view, ctx.now));
    else if (rejected) blocks.push(describeRejected(rejected));
    else { ctx.io.err(formatCliError(notFound('daemonsets.apps', name)) + '\n'); exit = 1; }
  }
  if (blocks.length > 0) ctx.io.out(blocks.join('\n\n') + '\n');
  return exit;
}

function describePods(ctx: Context, view: HostView, names: string[], ns: string): number {
  const pods = view.pods.filter((p) => p.namespace === ns && (names.length === 0 || names.includes(p.name)));
  let exit = 0;
  for (const n of names) if (!pods.some((p) => p.name === n)) { ctx.io.err(formatCliError(notFound('pods', n)) + '\n'); exit = 1; }
  if (pods.length === 0 && names.length === 0) ctx.io.err(`No resources found in ${ns} namespace.\n`);
  if (pods.length > 0) ctx.io.out(pods.map((p) => describePod(p, view, ctx.now)).join('\n\n') + '\n');
  return exit;
}

/** A DaemonSet whose manifest does not validate: where it is and what to fix. */
function describeRejected(r: RejectedDaemonSet): string {
  return [
    field('Name', r.name),
    field('Namespace', r.namespace),
    field('Manifest', `${r.source.file}:${r.source.line}:${r.source.col}`),
    field('Status', `Invalid: ${r.errors.length} error${r.errors.length === 1 ? '' : 's'} in the manifest; a running agent keeps the last valid version in effect`),
    'Errors:',
    ...r.errors.map((e) => `  ${renderIssue(e)}`),
  ].join('\n');
}

function field(label: string, value: string, width = 16): string {
  return `${(label + ':').padEnd(width)}${value}`;
}

function describeDaemonSet(d: DaemonSetView, view: HostView, now: number): string {
  const { ds, placement } = d;
  const spec = ds.spec.template.spec;
  const pods = scheduledPods(d.pods);
  const n = daemonSetCounts(pods, placement, d.templateHash, now, ds.spec.minReadySeconds ?? 0);
  const phases = pods.map(podPhase);
  const count = (ph: string): number => phases.filter((x) => x === ph).length;
  const out = [
    field('Name', ds.metadata.name),
    field('Namespace', ds.metadata.namespace ?? 'default'),
    field('Selector', formatLabelSelector(ds.spec.selector)),
    field('Node-Selector', formatSet(spec.nodeSelector)),
    field('Labels', formatMapLines(ds.metadata.labels, 16)),
    field('Annotations', formatMapLines(ds.metadata.annotations, 16)),
    field('Manifest', `${d.source.file}:${d.source.line}:${d.source.col}`),
    `Desired Number of Nodes Scheduled: ${n.desiredNumberScheduled}`,
    `Current Number of Nodes Scheduled: ${n.currentNumberScheduled}`,
    `Number of Nodes Scheduled with Up-to-date Pods: ${n.updatedNumberScheduled}`,
    `Number of Nodes Scheduled with Available Pods: ${n.numberAvailable}`,
    `Number of Nodes Misscheduled: ${n.numberMisscheduled}`,
    `Pods Status:  ${count('Running')} Running / ${d.pods.length - pods.length + count('Pending')} Waiting / ${count('Succeeded')} Succeeded / ${count('Failed')} Failed`,
    ...(d.heldBack ? [`Manifest Status:  INVALID now; this is the last valid version, still in effect (run hostds validate -f ${d.source.file})`] : []),
    `Update Strategy:  ${ds.spec.updateStrategy?.type ?? 'RollingUpdate'}`,
    'Pod Template:',
    `  ${field('Labels', formatMapLines(ds.spec.template.metadata?.labels, 13), 11)}`,
  ];
  if (spec.initContainers && spec.initContainers.length > 0) {
    out.push('  Init Containers:', ...spec.initContainers.flatMap(describeContainer));
  }
  out.push('  Containers:', ...spec.containers.flatMap(describeContainer));
  out.push(`  ${field('Node-Selectors', formatSet(spec.nodeSelector), 16)}`);
  out.push(`  ${field('Tolerations', formatTolerations(placement.tolerations, 18), 16)}`);
  out.push('Placement on this host:', ...explain(d, view).trimEnd().split('\n').map((l) => `  ${l}`));
  if (d.warnings.length > 0) out.push('Warnings:', ...d.warnings.map((w) => `  ${renderIssue(w)}`));
  out.push(formatEvents(eventsFor(view.events, 'DaemonSet', ds.metadata.name, ds.metadata.namespace ?? 'default'), now));
  return out.join('\n');
}

function describeContainer(c: Container): string[] {
  const lines = [`   ${c.name}:`, `    ${field('Image', c.image ?? '<none>', 14)}`];
  if (c.command && c.command.length > 0) lines.push('    Command:', ...argLines(c.command));
  if (c.args && c.args.length > 0) lines.push('    Args:', ...argLines(c.args));
  const env = c.env ?? [];
  if (env.length === 0) lines.push(`    ${field('Environment', '<none>', 14)}`);
  else {
    lines.push('    Environment:');
    for (const e of env) {
      const from = e.valueFrom?.fieldRef ? `(v1:${e.valueFrom.fieldRef.fieldPath})` : e.valueFrom ? '(not supported by hostds)' : e.value ?? '';
      lines.push(`      ${e.name}:  ${from}`);
    }
  }
  return lines;
}

/** As kubectl: each element on its own line, a multi-line element split and indented alike. */
function argLines(list: readonly string[]): string[] {
  return list.flatMap((x) => x.replace(/\n$/, '').split('\n').map((l) => `      ${l}`));
}

/** kubectl prints `key=value:Effect op=Exists for 300s`, one per line. */
export function formatTolerations(ts: readonly Toleration[], indent: number): string {
  if (ts.length === 0) return '<none>';
  return ts.map((t, i) => {
    let s = t.key ?? '';
    if (t.value) s += `=${t.value}`;
    if (t.effect) s += `:${t.effect}`;
    if (t.operator === 'Exists') s += s === '' ? 'op=Exists' : ' op=Exists';
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null) s += ` for ${t.tolerationSeconds}s`;
    return (i === 0 ? '' : ' '.repeat(indent)) + s;
  }).join('\n');
}

/** `from` marks the host's own taints with where they come from, so an operator does not try to remove them. */
function formatTaints(ts: readonly Taint[], indent: number, from: Record<string, string> = {}): string {
  if (ts.length === 0) return '<none>';
  return ts.map((t, i) => {
    const origin = from[`${t.key}:${t.effect}`];
    return `${i === 0 ? '' : ' '.repeat(indent)}${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}${origin ? `  (set by hostds: ${origin})` : ''}`;
  }).join('\n');
}

/** Each measured signal against its threshold, as `describe node` prints what the kubelet decides on. */
function formatPressure(status: NonNullable<HostView['node']['status']>): string[] {
  const rows = status.conditions.flatMap((c) => (c.observed ?? []).map((o) => [o.signal, o.value, o.threshold, o.path ?? '', c.type]));
  const when = status.measurement ? isoSeconds(status.measurement.atMs) : 'never';
  const head = `Pressure (measured ${when}; a condition clears once its threshold has not been met for ${humanDuration(status.transitionPeriodMs)}):`;
  if (rows.length === 0) return [head, '  <none measured>'];
  return [head, indentBlock(formatTable(['Signal', 'Value', 'Threshold', 'Path', 'Condition'], rows), 2)];
}

function describeNode(view: HostView, now: number): string {
  const n = view.node;
  const info = nodeInfo(view.facts);
  const conditions = nodeConditions(view);
  const out = [
    field('Name', n.view.name, 20),
    field('Roles', nodeRoles(n.view.labels), 20),
    field('Labels', formatMapLines(n.view.labels, 20), 20),
    field('Annotations', formatMapLines(n.annotations, 20), 20),
    field('CreationTimestamp', new Date(n.creationTimestampMs).toUTCString(), 20),
    field('Taints', formatTaints(displayedTaints(n), 20, n.status?.derivedFrom), 20),
    field('Unschedulable', String(n.view.unschedulable), 20),
    'Conditions:',
    indentBlock(formatTable(['Type', 'Status', 'LastHeartbeatTime', 'LastTransitionTime', 'Reason', 'Message'],
      conditions.map((c) => [c.type, c.status, c.lastHeartbeatTime ?? '-', c.lastTransitionTime ?? '-', c.reason, c.message])), 2),
    ...(n.status ? formatPressure(n.status) : []),
    'Addresses:',
    indentBlock(formatTable(['', ''], nodeAddresses(n.view.name, view.facts).map((a) => [`${a.type}:`, a.address])).replace(/^\s*\n/, ''), 2),
    'System Info:',
    `  Kernel Version:             ${info['kernelVersion']}`,
    `  OS Image:                   ${info['osImage']}`,
    `  Operating System:           ${info['operatingSystem']}`,
    `  Architecture:               ${info['architecture']}`,
    `  Container Runtime Version:  ${info['containerRuntimeVersion']}`,
    `  Kubelet Version:            ${info['kubeletVersion']}`,
    `DaemonSets (${view.daemonSets.length} in manifests.d):`,
  ];
  if (view.daemonSets.length === 0) out.push('  <none>');
  else {
    const rows = view.daemonSets.map((d) => {
      const failed = d.placement.rules.find((r) => !r.ok);
      return [d.ds.metadata.namespace ?? 'default', d.ds.metadata.name, d.placement.shouldRun ? '1' : '0', failed ? failed.message : 'runs here'];
    });
    out.push(indentBlock(formatTable(['Namespace', 'Name', 'Desired', 'Why'], rows), 2));
  }
  out.push(formatEvents(eventsFor(view.events, 'Node', n.view.name), now));
  return out.join('\n') + '\n';
}

function indentBlock(text: string, n: number): string {
  return text.trimEnd().split('\n').map((l) => ' '.repeat(n) + l).join('\n');
}
