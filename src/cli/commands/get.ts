// `hostds get ds|nodes`: kubectl's columns, order, `<none>` and AGE, computed from the files.
import type { Context } from '../context.js';
import { loadHostView, viewNotes, type DaemonSetView, type HostView } from '../view.js';
import { asList, formatJson, formatTable, formatYaml, parseOutputFormat, type OutputFormat } from '../output.js';
import { daemonSetObject, nodeObject, nodeRoles, nodeStatusText, scheduledPods } from '../objects.js';
import { humanDuration } from '../../lib/duration.js';
import { formatLabelSelector, formatSet, matchesAll, parseSelector, type Requirement } from '../../schedule/label-selector.js';
import { CliError, notFound } from '../errors.js';
import { formatCliError } from '../../lib/errors.js';
import { resolveResource, splitTypeName, type ResourceKind } from '../resources.js';
import { kubeletVersion } from '../../version.js';
import { daemonSetCounts } from '../../pods/display.js';
import { getEvents, getPods } from './get-pods.js';
import { checkNodeName } from '../../host/node-edit.js';

export interface GetOptions {
  watch?: boolean;
  selector?: string;
  namespace?: string;
  allNamespaces?: boolean;
  showLabels?: boolean;
  /** false with --no-headers (commander's negated option). */
  headers?: boolean;
}

/** One resource kind asked for, with its names (empty: all). */
interface GetRequest {
  kind: ResourceKind;
  names: string[];
}

/** kubectl's argument forms: `ds [NAME…]`, `ds,nodes`, `ds/NAME node/NAME …`. */
export function parseGetArgs(args: string[]): GetRequest[] {
  const [first, ...rest] = args;
  if (first !== undefined && first.includes('/')) {
    const requests: GetRequest[] = [];
    for (const arg of args) {
      const [word, name] = splitTypeName(arg);
      if (name === undefined || name === '') throw new CliError(`there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'hostds get resource/<resource_name>' instead of 'hostds get resource resource/<resource_name>'): ${arg}`);
      const kind = resolveResource(word);
      const last = requests[requests.length - 1];
      if (last && last.kind === kind) last.names.push(name);
      else requests.push({ kind, names: [name] });
    }
    return requests;
  }
  const kinds = [...new Set((first ?? '').split(',').filter((w) => w !== '').map((w) => resolveResource(w)))];
  if (kinds.length === 0) resolveResource(undefined);
  if (kinds.length > 1 && rest.length > 0) throw new CliError('you must specify only one resource type when you give names, or use the TYPE/NAME form');
  return kinds.map((kind) => ({ kind, names: rest }));
}

export interface GetOutput {
  exit: number;
  /** Objects for -o json|yaml, names for -o name, a table otherwise. */
  objects: Record<string, unknown>[];
  names: string[];
  table?: string;
}

/** `load`: the agent answering a `get` itself passes its own live view (cli/agent-get.ts). */
export async function runGet(ctx: Context, args: string[], opts: GetOptions, load: (ctx: Context) => Promise<HostView> = loadHostView): Promise<number> {
  const requests = parseGetArgs(args);
  const selector = parseSelectorOption(opts.selector);
  const format = parseOutputFormat(ctx.output, ['table', 'wide', 'json', 'yaml', 'name']);
  if (selector.length > 0 && requests.some((r) => r.names.length > 0)) throw new CliError('name cannot be provided when a selector is specified');
  for (const r of requests) {
    if (r.kind === 'nodes') for (const n of r.names) checkNodeName(n, ctx.nodeName);
  }
  const view = await load(ctx);
  for (const n of viewNotes(view, ctx)) ctx.io.err(n + '\n');
  const outputs = requests.map((r) => (r.kind === 'daemonsets'
    ? getDaemonSets(ctx, view, r.names, selector, opts, format)
    : r.kind === 'pods' ? getPods(ctx, view, r.names, selector, opts, format)
      : r.kind === 'events' ? getEvents(ctx, view, opts) : getNodes(ctx, view, selector, opts, format)));
  const objects = outputs.flatMap((o) => o.objects);
  if (format === 'json' || format === 'yaml') {
    const named = requests.length === 1 && requests[0]!.names.length === 1;
    if (objects.length > 0 || !named) {
      const body = named && objects.length === 1 ? objects[0] : asList(objects);
      ctx.io.out(format === 'json' ? formatJson(body) : formatYaml(body));
    }
  } else if (format === 'name') {
    for (const o of outputs) for (const n of o.names) ctx.io.out(n + '\n');
  } else {
    // --no-headers drops each table's first line, as kubectl does, for scripts that count rows.
    const tables = outputs.map((o) => o.table).filter((t): t is string => t !== undefined);
    ctx.io.out((opts.headers === false ? tables.map((t) => t.slice(t.indexOf('\n') + 1)).filter((t) => t !== '') : tables).join(opts.headers === false ? '' : '\n'));
  }
  return Math.max(0, ...outputs.map((o) => o.exit));
}

function parseSelectorOption(text: string | undefined): Requirement[] {
  if (text === undefined) return [];
  try {
    return parseSelector(text);
  } catch (err) {
    throw new CliError(`unable to parse label selector "${text}": ${(err as Error).message}`);
  }
}

function inNamespace(d: DaemonSetView, opts: GetOptions): boolean {
  return opts.allNamespaces === true || (d.ds.metadata.namespace ?? 'default') === (opts.namespace ?? 'default');
}

function getDaemonSets(ctx: Context, view: HostView, names: string[], selector: Requirement[], opts: GetOptions, format: OutputFormat): GetOutput {
  let items = view.daemonSets.filter((d) => inNamespace(d, opts) && matchesAll(selector, d.ds.metadata.labels ?? {}));
  let exit = 0;
  if (names.length > 0) {
    const found: DaemonSetView[] = [];
    for (const name of names) {
      const d = items.find((x) => x.ds.metadata.name === name);
      if (d) found.push(d);
      else { ctx.io.err(missingDaemonSet(view, name, opts.namespace ?? 'default') + '\n'); exit = 1; }
    }
    items = found;
  } else {
    items.sort((a, b) => key(a).localeCompare(key(b)));
  }
  if (items.length === 0 && names.length === 0 && format !== 'json' && format !== 'yaml') {
    ctx.io.err(opts.allNamespaces ? 'No resources found\n' : `No resources found in ${opts.namespace ?? 'default'} namespace.\n`);
  }
  // Only the form asked for is built: Kubernetes objects for 500 DaemonSets are not free.
  const structured = format === 'json' || format === 'yaml';
  const out: GetOutput = { exit, objects: structured ? items.map((d) => daemonSetObject(d, ctx.now)) : [], names: items.map((d) => `daemonset.apps/${d.ds.metadata.name}`) };
  if (items.length > 0 && !structured && format !== 'name') out.table = daemonSetTable(items, ctx.now, format, opts);
  return out;
}

/** NotFound, or, for a DaemonSet whose manifest is invalid, where its errors are. */
function missingDaemonSet(view: HostView, name: string, ns: string): string {
  const r = view.manifests.rejected.find((x) => x.name === name && x.namespace === ns);
  if (!r) return formatCliError(notFound('daemonsets.apps', name));
  const e = r.errors[0];
  return `error: daemonset ${ns}/${name} is not valid: ${e ? `${e.file}:${e.line}:${e.col}: ${e.message}` : r.source.file}` +
    (r.errors.length > 1 ? ` (and ${r.errors.length - 1} more)` : '') + `; run \`hostds validate -f ${r.source.file}\``;
}

function key(d: DaemonSetView): string {
  return `${d.ds.metadata.namespace ?? 'default'}/${d.ds.metadata.name}`;
}

/** A column as the API's Table defines it: `wide` ones (priority 1) show only with -o wide. */
export interface ColumnDef {
  name: string;
  wide?: boolean;
}

export const DAEMONSET_COLUMNS: readonly ColumnDef[] = [
  { name: 'NAME' }, { name: 'DESIRED' }, { name: 'CURRENT' }, { name: 'READY' }, { name: 'UP-TO-DATE' }, { name: 'AVAILABLE' },
  { name: 'NODE SELECTOR' }, { name: 'AGE' }, { name: 'CONTAINERS', wide: true }, { name: 'IMAGES', wide: true }, { name: 'SELECTOR', wide: true },
];

/** Every column of DAEMONSET_COLUMNS, for this table and the API's. */
export function daemonSetCells(d: DaemonSetView, now: number): string[] {
  const spec = d.ds.spec.template.spec;
  const n = daemonSetCounts(scheduledPods(d.pods), d.placement, d.templateHash, now);
  return [d.ds.metadata.name, String(n.desiredNumberScheduled), String(n.currentNumberScheduled), String(n.numberReady),
    String(n.updatedNumberScheduled), String(n.numberAvailable), formatSet(spec.nodeSelector), humanDuration(now - d.creationTimestampMs),
    spec.containers.map((c) => c.name).join(','), spec.containers.map((c) => c.image ?? '').join(','), formatLabelSelector(d.ds.spec.selector)];
}

/** The columns and cells to print: the wide ones only with -o wide. */
export function shownColumns(columns: readonly ColumnDef[], format: OutputFormat): (row: string[]) => string[] {
  return (row) => row.filter((_, i) => format === 'wide' || columns[i]?.wide !== true);
}

export function daemonSetTable(items: DaemonSetView[], now: number, format: OutputFormat, opts: GetOptions): string {
  const shown = shownColumns(DAEMONSET_COLUMNS, format);
  const header = shown(DAEMONSET_COLUMNS.map((c) => c.name));
  if (opts.allNamespaces) header.unshift('NAMESPACE');
  if (opts.showLabels) header.push('LABELS');
  const rows = items.map((d) => {
    const row = shown(daemonSetCells(d, now));
    if (opts.allNamespaces) row.unshift(d.ds.metadata.namespace ?? 'default');
    if (opts.showLabels) row.push(formatLabels(d.ds.metadata.labels));
    return row;
  });
  return formatTable(header, rows);
}

export function formatLabels(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  return keys.length === 0 ? '<none>' : keys.map((k) => `${k}=${labels![k]}`).join(',');
}

/** Names were checked up front: the only node is this host. */
function getNodes(ctx: Context, view: HostView, selector: Requirement[], opts: GetOptions, format: OutputFormat): GetOutput {
  if (!matchesAll(selector, view.node.view.labels)) {
    ctx.io.err('No resources found\n');
    return { exit: 0, objects: [], names: [] };
  }
  return {
    exit: 0,
    objects: [nodeObject(view)],
    names: [`node/${view.node.view.name}`],
    table: nodeTable(view, ctx.now, format, opts.showLabels === true),
  };
}

export const NODE_COLUMNS: readonly ColumnDef[] = [
  { name: 'NAME' }, { name: 'STATUS' }, { name: 'ROLES' }, { name: 'AGE' }, { name: 'VERSION' }, { name: 'INTERNAL-IP', wide: true },
  { name: 'EXTERNAL-IP', wide: true }, { name: 'OS-IMAGE', wide: true }, { name: 'KERNEL-VERSION', wide: true }, { name: 'CONTAINER-RUNTIME', wide: true },
];

export function nodeCells(view: HostView, now: number): string[] {
  const n = view.node;
  return [n.view.name, nodeStatusText(view), nodeRoles(n.view.labels), humanDuration(now - n.creationTimestampMs), kubeletVersion(),
    view.facts.internalIP ?? '<none>', '<none>', view.facts.osImage, view.facts.kernelVersion, 'hostds'];
}

function nodeTable(view: HostView, now: number, format: OutputFormat, showLabels: boolean): string {
  const shown = shownColumns(NODE_COLUMNS, format);
  const header = shown(NODE_COLUMNS.map((c) => c.name));
  const row = shown(nodeCells(view, now));
  if (showLabels) {
    header.push('LABELS');
    row.push(formatLabels(view.node.view.labels));
  }
  return formatTable(header, [row]);
}
