// Unrendered template placeholders in an otherwise valid document: Helm/Jinja/Liquid `{{ ... }}`
// and the `__PILLAR__...__` tokens that Kubernetes addon scripts replace with sed. The YAML
// parses, but the daemon would be started with the placeholder as its argument.
import { renderPath, type FieldPath } from './issues.js';
import { isObj, type Field } from './shape.js';

const MAX_DEPTH = 64;

/** Warns on every string value that still holds a placeholder; annotation values are free text. */
export function warnPlaceholders(root: Field): void {
  const seen = new Set<unknown>();
  const visit = (v: unknown, path: FieldPath, depth: number): void => {
    if (depth > MAX_DEPTH) return;
    if (typeof v === 'string') {
      const kind = placeholderKind(v);
      if (kind) root.ctx.out.push({ code: 'placeholder', severity: 'warning', path, message: placeholderMessage(v, kind) });
      return;
    }
    if (typeof v !== 'object' || v === null || seen.has(v)) return;
    seen.add(v); // YAML aliases can make shared or cyclic structures
    if (Array.isArray(v)) v.forEach((x, i) => visit(x, [...path, i], depth + 1));
    else if (isObj(v) && !isAnnotations(path)) {
      for (const k of Object.keys(v)) visit(v[k], [...path, isMapOfStrings(path) ? { key: k } : k], depth + 1);
    }
  };
  visit(root.value, root.path, 0);
}

export function placeholderKind(s: string): 'template' | 'pillar' | undefined {
  if (s.includes('{{')) return 'template';
  if (s.includes('__PILLAR__')) return 'pillar';
  return undefined;
}

function placeholderMessage(s: string, kind: 'template' | 'pillar'): string {
  const shown = s.length > 60 ? `${s.slice(0, 57)}...` : s;
  const how = kind === 'template'
    ? 'render the template first (helm template, jinja, jekyll...)'
    : 'substitute the __PILLAR__ tokens first, as the upstream install script does with sed';
  return `${JSON.stringify(shown)} looks like an unrendered template placeholder; ${how}`;
}

function isAnnotations(path: FieldPath): boolean {
  return path[path.length - 1] === 'annotations';
}

/** Maps whose keys are data (labels, nodeSelector...), rendered `labels[app]` rather than `labels.app`. */
function isMapOfStrings(path: FieldPath): boolean {
  const last = renderPath(path.slice(-1));
  return ['labels', 'matchLabels', 'nodeSelector', 'limits', 'requests'].includes(last);
}
