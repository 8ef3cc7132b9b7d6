// Fields only a Kubernetes cluster or a container runtime acts on (serviceAccountName,
// priorityClassName, imagePullPolicy...) appear in most real manifests. One warning per
// DaemonSet, at the first of them in document order, keeps that visible without drowning
// the issues that matter.
import { issue, type FieldPath, type PathSeg } from './issues.js';
import { isObj, type Ctx } from './shape.js';

export function reportClusterOnly(ctx: Ctx, root: unknown): void {
  if (ctx.clusterOnly.length === 0) return;
  const sorted = [...ctx.clusterOnly].sort((a, b) => compareDocOrder(root, a.path, b.path));
  const names = [...new Set(sorted.map((f) => f.name))];
  const first = sorted[0]!;
  ctx.out.push(issue.warning('ignored-field', first.path,
    `ignored by hostds (only a Kubernetes cluster or a container runtime uses them): ${names.join(', ')}`, 'key'));
}

/**
 * Orders two paths as their nodes appear in the YAML: `toJS` keeps keys in document order, so a
 * map key's position among its siblings is its position in the file.
 */
export function compareDocOrder(root: unknown, a: FieldPath, b: FieldPath): number {
  let node = root;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const sa = a[i]!;
    const sb = b[i]!;
    if (!sameSeg(sa, sb)) return position(node, sa) - position(node, sb);
    node = step(node, sa);
  }
  return a.length - b.length;
}

function sameSeg(a: PathSeg, b: PathSeg): boolean {
  if (typeof a === 'object' && typeof b === 'object') return a.key === b.key;
  return a === b;
}

function position(node: unknown, seg: PathSeg): number {
  if (typeof seg === 'number') return seg;
  return isObj(node) ? Object.keys(node).indexOf(typeof seg === 'string' ? seg : seg.key) : 0;
}

function step(node: unknown, seg: PathSeg): unknown {
  if (typeof seg === 'number') return Array.isArray(node) ? node[seg] : undefined;
  return isObj(node) ? node[typeof seg === 'string' ? seg : seg.key] : undefined;
}
