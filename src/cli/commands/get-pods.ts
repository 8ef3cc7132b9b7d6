// `hostds get pods`: kubectl's columns (NAME READY STATUS RESTARTS AGE, wide: IP NODE NOMINATED
// NODE READINESS GATES). A pod not yet taken by an agent shows as Pending on no node.
import type { Context } from '../context.js';
import type { HostView } from '../view.js';
import type { PodRecord } from '../../pods/types.js';
import type { HostdsEvent } from '../../observe/events.js';
import type { ColumnDef, GetOptions, GetOutput } from './get.js';
import { formatTable, type OutputFormat } from '../output.js';
import { podObject } from '../objects.js';
import { podReadyText, podRestartsText, podStatusText } from '../../pods/display.js';
import { matchesAll, type Requirement } from '../../schedule/label-selector.js';
import { humanDuration } from '../../lib/duration.js';
import { formatCliError } from '../../lib/errors.js';
import { notFound } from '../errors.js';
import { formatLabels, shownColumns } from './get.js';

export function getPods(ctx: Context, view: HostView, names: string[], selector: Requirement[], opts: GetOptions, format: OutputFormat): GetOutput {
  const ns = opts.namespace ?? 'default';
  let items = view.pods.filter((p) => (opts.allNamespaces || p.namespace === ns) && matchesAll(selector, p.labels));
  let exit = 0;
  if (names.length > 0) {
    const found: PodRecord[] = [];
    for (const name of names) {
      const p = items.find((x) => x.name === name);
      if (p) found.push(p);
      else { ctx.io.err(formatCliError(notFound('pods', name)) + '\n'); exit = 1; }
    }
    items = found;
  } else {
    items.sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
  }
  if (items.length === 0 && names.length === 0 && format !== 'json' && format !== 'yaml') {
    ctx.io.err(opts.allNamespaces ? 'No resources found\n' : `No resources found in ${ns} namespace.\n`);
  }
  const hostIP = view.facts.internalIP;
  const structured = format === 'json' || format === 'yaml';
  const out: GetOutput = { exit, objects: structured ? items.map((p) => podObject(p, view.node.view.name, hostIP)) : [], names: items.map((p) => `pod/${p.name}`) };
  if (items.length > 0 && !structured && format !== 'name') out.table = podTable(items, view, ctx.now, format, opts);
  return out;
}

export const POD_COLUMNS: readonly ColumnDef[] = [
  { name: 'NAME' }, { name: 'READY' }, { name: 'STATUS' }, { name: 'RESTARTS' }, { name: 'AGE' },
  { name: 'IP', wide: true }, { name: 'NODE', wide: true }, { name: 'NOMINATED NODE', wide: true }, { name: 'READINESS GATES', wide: true },
];

export function podCells(p: PodRecord, view: HostView, now: number): string[] {
  const scheduled = p.uid !== '';
  return [p.name, podReadyText(p), podStatusText(p, now), podRestartsText(p, now), humanDuration(now - Date.parse(p.creationTimestamp)),
    scheduled ? view.facts.internalIP ?? '<none>' : '<none>', scheduled ? view.node.view.name : '<none>', '<none>', '<none>'];
}

export function podTable(items: PodRecord[], view: HostView, now: number, format: OutputFormat, opts: GetOptions): string {
  const shown = shownColumns(POD_COLUMNS, format);
  const header = shown(POD_COLUMNS.map((c) => c.name));
  if (opts.allNamespaces) header.unshift('NAMESPACE');
  if (opts.showLabels) header.push('LABELS');
  const rows = items.map((p) => {
    const row = shown(podCells(p, view, now));
    if (opts.allNamespaces) row.unshift(p.namespace);
    if (opts.showLabels) row.push(formatLabels(p.labels));
    return row;
  });
  return formatTable(header, rows);
}

export const EVENT_COLUMNS: readonly ColumnDef[] = [{ name: 'LAST SEEN' }, { name: 'TYPE' }, { name: 'REASON' }, { name: 'OBJECT' }, { name: 'MESSAGE' }];

export function eventCells(e: HostdsEvent, now: number): string[] {
  return [humanDuration(now - Date.parse(e.lastTimestamp)), e.type, e.reason, `${e.involvedObject.kind.toLowerCase()}/${e.involvedObject.name}`, e.message];
}

/** `get events`: LAST SEEN TYPE REASON OBJECT MESSAGE, oldest first as kubectl sorts them. */
export function getEvents(ctx: Context, view: HostView, opts: GetOptions): GetOutput {
  const ns = opts.namespace ?? 'default';
  const items = view.events.filter((e) => opts.allNamespaces || (e.involvedObject.namespace ?? 'default') === ns);
  if (items.length === 0) ctx.io.err(opts.allNamespaces ? 'No resources found\n' : `No resources found in ${ns} namespace.\n`);
  const header = EVENT_COLUMNS.map((c) => c.name);
  if (opts.allNamespaces) header.unshift('NAMESPACE');
  const rows = items.map((e) => {
    const row = eventCells(e, ctx.now);
    if (opts.allNamespaces) row.unshift(e.involvedObject.namespace ?? 'default');
    return row;
  });
  const out: GetOutput = {
    exit: 0,
    objects: items.map((e) => ({ apiVersion: 'v1', kind: 'Event', metadata: { namespace: e.involvedObject.namespace ?? 'default', name: `${e.involvedObject.name}.${e.reason}` }, ...e })),
    names: items.map((e) => `event/${e.involvedObject.name}.${e.reason}`),
  };
  if (rows.length > 0) out.table = formatTable(header, rows);
  return out;
}
