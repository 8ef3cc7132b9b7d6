// `hostds get ds|nodes`: kubectl's columns, order, `<none>` and AGE, computed from the files.
import type { Context } from '../context.js';
import { loadHostView, viewNotes, type DaemonSetView, type HostView } from '../view.js';
import { asList, formatJson, formatTable, formatYaml, parseOutputFormat, type OutputFormat } from '../output.js';
import { daemonSetObject, nodeObject, nodeRoles, nodeStatusText } from '../objects.js';
import { humanDuration } from '../../lib/duration.js';
import { formatLabelSelector, formatSet, matchesAll, parseSelector, type Requirement } from '../../schedule/label-selector.js';
import { CliError, notFound } from '../errors.js';
import { formatCliError } from '../../lib/errors.js';
import { resolveResource, splitTypeName } from '../resources.js';
import { kubeletVersion } from '../../version.js';
import { checkNodeName } from '../../host/node-edit.js';

export interface GetOptions {
  selector?: string;
  namespace?: string;
  allNamespaces?: boolean;
  showLabels?: boolean;
}

export async function runGet(ctx: Context, args: string[], opts: GetOptions): Promise<number> {
  const first = args[0];
  const [word, inlineName] = first ? splitTypeName(first) : [undefined, undefined];
  const kind = resolveResource(word);
  const names = inlineName !== undefined ? [inlineName, ...args.slice(1)] : args.slice(1);
  const selector = parseSelectorOption(opts.selector);
  parseOutputFormat(ctx.output, ['table', 'wide', 'json', 'yaml', 'name']);
  if (kind === 'nodes') for (const n of names) checkNodeName(n, ctx.nodeName);
  const view = await loadHostView(ctx);
  for (const n of viewNotes(view, ctx)) ctx.io.err(n + '\n');
  if (kind === 'daemonsets') return getDaemonSets(ctx, view, names, selector, opts);
  if (kind === 'nodes') return getNodes(ctx, view, names, selector, opts);
  throw new CliError('get pods needs the agent, which arrives with the next release of hostds');
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

function getDaemonSets(ctx: Context, view: HostView, names: string[], selector: Requirement[], opts: GetOptions): number {
  const format = parseOutputFormat(ctx.output, ['table', 'wide', 'json', 'yaml', 'name']);
  let items = view.daemonSets.filter((d) => inNamespace(d, opts) && matchesAll(selector, d.ds.metadata.labels ?? {}));
  let exit = 0;
  if (names.length > 0) {
    const found: DaemonSetView[] = [];
    for (const name of names) {
      const d = items.find((x) => x.ds.metadata.name === name);
      if (d) found.push(d);
      else { ctx.io.err(formatCliError(notFound('daemonsets.apps', name)) + '\n'); exit = 1; }
    }
    items = found;
  }
  items.sort((a, b) => key(a).localeCompare(key(b)));
  if (format === 'json' || format === 'yaml') {
    const objs = items.map(daemonSetObject);
    const body = names.length === 1 && objs.length === 1 ? objs[0] : asList(objs);
    if (names.length === 1 && objs.length === 0) return exit;
    ctx.io.out(format === 'json' ? formatJson(body) : formatYaml(body));
    return exit;
  }
  if (items.length === 0) {
    if (names.length === 0) ctx.io.err(opts.allNamespaces ? 'No resources found\n' : `No resources found in ${opts.namespace ?? 'default'} namespace.\n`);
    return exit;
  }
  if (format === 'name') {
    for (const d of items) ctx.io.out(`daemonset.apps/${d.ds.metadata.name}\n`);
    return exit;
  }
  ctx.io.out(daemonSetTable(items, ctx.now, format, opts));
  return exit;
}

function key(d: DaemonSetView): string {
  return `${d.ds.metadata.namespace ?? 'default'}/${d.ds.metadata.name}`;
}

export function daemonSetTable(items: DaemonSetView[], now: number, format: OutputFormat, opts: GetOptions): string {
  const header = ['NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR', 'AGE'];
  if (format === 'wide') header.push('CONTAINERS', 'IMAGES', 'SELECTOR');
  if (opts.allNamespaces) header.unshift('NAMESPACE');
  if (opts.showLabels) header.push('LABELS');
  const rows = items.map((d) => {
    const spec = d.ds.spec.template.spec;
    const row = [d.ds.metadata.name, d.placement.shouldRun ? '1' : '0', '0', '0', '0', '0', formatSet(spec.nodeSelector),
      humanDuration(now - d.creationTimestampMs)];
    if (format === 'wide') {
      row.push(spec.containers.map((c) => c.name).join(','), spec.containers.map((c) => c.image ?? '').join(','),
        formatLabelSelector(d.ds.spec.selector));
    }
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

function getNodes(ctx: Context, view: HostView, names: string[], selector: Requirement[], opts: GetOptions): number {
  const format = parseOutputFormat(ctx.output, ['table', 'wide', 'json', 'yaml', 'name']);
  const selected = matchesAll(selector, view.node.view.labels);
  if (!selected) {
    if (names.length === 0) ctx.io.err('No resources found\n');
    else { ctx.io.err(formatCliError(notFound('nodes', names[0]!)) + '\n'); return 1; }
    return 0;
  }
  if (format === 'json' || format === 'yaml') {
    const obj = names.length > 0 ? nodeObject(view) : asList([nodeObject(view)]);
    ctx.io.out(format === 'json' ? formatJson(obj) : formatYaml(obj));
    return 0;
  }
  if (format === 'name') {
    ctx.io.out(`node/${view.node.view.name}\n`);
    return 0;
  }
  ctx.io.out(nodeTable(view, ctx.now, format, opts.showLabels === true));
  return 0;
}

function nodeTable(view: HostView, now: number, format: OutputFormat, showLabels: boolean): string {
  const header = ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION'];
  const n = view.node;
  const row = [n.view.name, nodeStatusText(view), nodeRoles(n.view.labels), humanDuration(now - n.creationTimestampMs), kubeletVersion()];
  if (format === 'wide') {
    header.push('INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME');
    row.push(view.facts.internalIP ?? '<none>', '<none>', view.facts.osImage, view.facts.kernelVersion, 'hostds');
  }
  if (showLabels) {
    header.push('LABELS');
    row.push(formatLabels(n.view.labels));
  }
  return formatTable(header, [row]);
}
