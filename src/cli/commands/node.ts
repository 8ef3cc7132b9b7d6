// `hostds label|taint|cordon|uncordon`: kubectl's node edits on this host's node.yaml, each a
// locked read-modify-write so concurrent callers (Ansible forks, scripts) never lose a change.
import type { Context } from '../context.js';
import { applyCordon, applyLabels, applyTaints, checkNodeName, parseLabelArgs, parseTaintArgs, splitEditArgs, type LabelChange } from '../../host/node-edit.js';
import { updateNodeFile, type NodeFileState } from '../../host/node-file.js';
import { isBuiltinLabel } from '../../host/builtin-labels.js';
import { UsageError } from '../../lib/errors.js';

/** `node NAME...`, `nodes NAME`, `node/NAME` → the names, each checked to be this host. */
function nodeNames(resources: string[], ctx: Context): string[] {
  const [first, ...rest] = resources;
  if (first === undefined) throw new UsageError('one or more resources must be specified as <resource> <name> or <resource>/<name>');
  if (first.includes('/')) return resources.map((r) => checkNodeName(r, ctx.nodeName));
  if (!['node', 'nodes', 'no'].includes(first.toLowerCase())) {
    throw new UsageError(`hostds manages only this host's node: use "node ${ctx.nodeName}" (got resource type "${first}")`);
  }
  if (rest.length === 0) throw new UsageError('resource(s) were provided, but no name was specified');
  return rest.map((r) => checkNodeName(r, ctx.nodeName));
}

async function update(ctx: Context, mutate: (n: NodeFileState) => NodeFileState | undefined): Promise<void> {
  await updateNodeFile(ctx.paths.nodeFile, mutate, { nodeName: ctx.nodeName });
}

/** kubernetes.io/hostname, os and arch describe the host: neither `label` nor the API may change them. */
export function assertUserLabels(change: LabelChange): void {
  for (const key of [...Object.keys(change.set), ...change.remove]) {
    if (isBuiltinLabel(key)) throw new UsageError(`label "${key}" is set by hostds from this host and cannot be changed`);
  }
}

export async function runLabel(ctx: Context, args: string[], overwrite: boolean): Promise<number> {
  const { resources, edits } = splitEditArgs(args, 'label');
  const names = nodeNames(resources, ctx);
  const change = parseLabelArgs(edits);
  assertUserLabels(change);
  for (const name of names) {
    let operation = '';
    await update(ctx, (node) => {
      const r = applyLabels(node.labels, change, overwrite);
      // kubectl prints these on stdout, before the verb.
      for (const w of r.warnings) ctx.io.out(w + '\n');
      operation = r.operation;
      return r.changed ? { ...node, labels: r.labels } : undefined;
    });
    ctx.io.out(`node/${name} ${operation}\n`);
  }
  return 0;
}

export async function runTaint(ctx: Context, args: string[], overwrite: boolean): Promise<number> {
  const { resources, edits } = splitEditArgs(args, 'taint');
  const names = nodeNames(resources, ctx);
  const change = parseTaintArgs(edits);
  for (const name of names) {
    let operation = '';
    await update(ctx, (node) => {
      const r = applyTaints(node.taints, change, overwrite, new Date(ctx.now), name);
      operation = r.operation;
      return r.changed ? { ...node, taints: r.taints } : undefined;
    });
    ctx.io.out(`node/${name} ${operation}\n`);
  }
  return 0;
}

export async function runCordon(ctx: Context, nameArg: string, want: boolean): Promise<number> {
  const name = checkNodeName(nameArg, ctx.nodeName);
  let operation = '';
  await update(ctx, (node) => {
    operation = applyCordon(node.unschedulable, want);
    return node.unschedulable === want ? undefined : { ...node, unschedulable: want };
  });
  ctx.io.out(`node/${name} ${operation}\n`);
  return 0;
}
