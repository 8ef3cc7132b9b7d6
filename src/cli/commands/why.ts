// `hostds why ds NAME`: the article's question "why is DESIRED 0?", answered rule by rule in
// the order Kubernetes checks them, each failing rule with the command that fixes it.
import type { Context } from '../context.js';
import { loadHostView, viewNotes, type DaemonSetView, type HostView } from '../view.js';
import { formatJson, parseOutputFormat } from '../output.js';
import { notFound, CliError } from '../errors.js';
import { renderIssue } from '../../manifest/issues.js';
import { resolveResource, splitTypeName } from '../resources.js';
import { summarizeLimits } from '../../pods/resources.js';

export async function runWhy(ctx: Context, args: string[], namespace: string | undefined): Promise<number> {
  const { name } = parseTarget(args);
  const format = parseOutputFormat(ctx.output, ['table', 'json']);
  const view = await loadHostView(ctx);
  const ns = namespace ?? 'default';
  const d = view.daemonSets.find((x) => x.ds.metadata.name === name && (x.ds.metadata.namespace ?? 'default') === ns);
  if (!d) return explainMissing(ctx, view, ns, name);
  for (const n of viewNotes(view, ctx).filter((x) => x.includes('agent is not running') || x.includes('node.yaml'))) ctx.io.err(n + '\n');
  if (format === 'json') {
    ctx.io.out(formatJson(whyObject(d, view)));
    return 0;
  }
  ctx.io.out(explain(d, view));
  return 0;
}

function parseTarget(args: string[]): { name: string } {
  const [first, second] = args;
  if (first === undefined) throw new CliError('usage: hostds why ds NAME');
  const [word, inline] = splitTypeName(first);
  if (resolveResource(word) !== 'daemonsets') throw new CliError('hostds why explains DaemonSets: hostds why ds NAME');
  const name = inline ?? second;
  if (name === undefined) throw new CliError('usage: hostds why ds NAME');
  return { name };
}

function explainMissing(ctx: Context, view: HostView, ns: string, name: string): number {
  const rejected = view.manifests.rejected.find((r) => r.name === name && r.namespace === ns);
  if (!rejected) throw notFound('daemonsets.apps', name, `hostds reads DaemonSets from ${ctx.paths.manifestsDir}`);
  ctx.io.out(`daemonset ${ns}/${name} is not running on node ${view.node.view.name} because its manifest is not valid:\n` +
    rejected.errors.map((e) => `  ${renderIssue(e)}\n`).join('') +
    `fix the manifest (hostds validate -f ${rejected.source.file}); a running agent keeps the last valid version in effect.\n`);
  return 1;
}

function whyObject(d: DaemonSetView, view: HostView): Record<string, unknown> {
  return {
    daemonSet: { namespace: d.ds.metadata.namespace ?? 'default', name: d.ds.metadata.name, manifest: `${d.source.file}:${d.source.line}` },
    node: view.node.view.name,
    desired: d.placement.shouldRun ? 1 : 0,
    shouldRun: d.placement.shouldRun,
    shouldContinueRunning: d.placement.shouldContinueRunning,
    ...(d.placement.evictAt !== undefined ? { evictAt: new Date(d.placement.evictAt).toISOString() } : {}),
    rules: d.placement.rules,
    tolerations: d.placement.tolerations,
    ...(unenforced(d).length > 0 ? { limitsNotEnforced: unenforced(d) } : {}),
  };
}

interface Unenforced { pod: string; container: string; limits: string; reason: string }

/** Containers of this DaemonSet's pods whose limits no cgroup enforces: placement is fine, but the answer should say so. */
function unenforced(d: DaemonSetView): Unenforced[] {
  return d.pods.flatMap((pod) => [...pod.initContainers, ...pod.containers].flatMap((rec) => {
    const reason = rec.limits?.notEnforced;
    if (reason === undefined) return [];
    const spec = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].find((c) => c.name === rec.name);
    return [{ pod: pod.name, container: rec.name, limits: spec ? summarizeLimits(spec) : '', reason }];
  }));
}

export function explain(d: DaemonSetView, view: HostView): string {
  const p = d.placement;
  const id = `${d.ds.metadata.namespace ?? 'default'}/${d.ds.metadata.name}`;
  const node = view.node.view.name;
  const lines: string[] = [];
  if (p.shouldRun) lines.push(`daemonset ${id} on node ${node}: DESIRED 1 — it runs on this host.`);
  else if (p.shouldContinueRunning) {
    lines.push(`daemonset ${id} on node ${node}: DESIRED 0 — a new pod would not start here, but a running one keeps running (no untolerated NoExecute taint).`);
  } else lines.push(`daemonset ${id} on node ${node}: DESIRED 0 — it does not run on this host.`);
  const width = Math.max(...p.rules.map((r) => r.rule.length));
  for (const r of p.rules) {
    // The rule is already named in the first column.
    const message = r.message.startsWith(`${r.rule}: `) ? r.message.slice(r.rule.length + 2) : r.message;
    lines.push(`  ${r.rule.padEnd(width)}  ${r.ok ? 'ok  ' : 'FAIL'}  ${message}`);
    if (!r.ok && r.fix) lines.push(`  ${' '.repeat(width)}        fix: ${r.fix}`);
  }
  const nodeErrors = view.node.issues.filter((i) => i.severity === 'error');
  if (nodeErrors.length > 0) {
    lines.push(`(node.yaml has ${nodeErrors.length} error${nodeErrors.length === 1 ? '' : 's'}, first at ${nodeErrors[0]!.line}:${nodeErrors[0]!.col}: ${nodeErrors[0]!.message}; this decision uses only its valid entries)`);
  }
  for (const u of unenforced(d)) lines.push(`  limits: ${u.limits} of container ${u.container} (pod ${u.pod}) not enforced: ${u.reason}`);
  if (!view.agent.running) lines.push('(the hostds agent is not running: nothing is started until it runs)');
  return lines.join('\n') + '\n';
}
