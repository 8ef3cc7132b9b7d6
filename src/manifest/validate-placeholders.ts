// Unrendered template placeholders in an otherwise valid document: Helm/Jinja/Liquid `{{ ... }}`
// and the `__PILLAR__...__` tokens that Kubernetes addon scripts replace with sed. The YAML
// parses, but the daemon would be started with the placeholder as its argument.
import type { PathSeg } from './issues.js';
import { isObj, type Field } from './shape.js';

const MAX_DEPTH = 64;

/** Warns on every string value that still holds a placeholder; annotation values are free text. */
export function warnPlaceholders(root: Field): void {
  const seen = new Set<unknown>();
  // One path, pushed and popped on the way: a copy is taken only for a warning (a copy per node
  // was most of what validating a plain manifest allocated).
  const path: PathSeg[] = [...root.path];
  const visit = (v: unknown, depth: number): void => {
    if (depth > MAX_DEPTH) return;
    if (typeof v === 'string') {
      const kind = placeholderKind(v);
      if (kind) root.ctx.out.push({ code: 'placeholder', severity: 'warning', path: [...path], message: placeholderMessage(v, kind) });
      return;
    }
    if (typeof v !== 'object' || v === null || seen.has(v)) return;
    seen.add(v); // YAML aliases can make shared or cyclic structures
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        path.push(i);
        visit(v[i], depth + 1);
        path.pop();
      }
    } else if (isObj(v) && !isAnnotations(path)) {
      const keyed = isMapOfStrings(path);
      for (const k of Object.keys(v)) {
        path.push(keyed ? { key: k } : k);
        visit(v[k], depth + 1);
        path.pop();
      }
    }
  };
  visit(root.value, 0);
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

function isAnnotations(path: readonly PathSeg[]): boolean {
  return path[path.length - 1] === 'annotations';
}

const MAPS_OF_STRINGS = new Set(['labels', 'matchLabels', 'nodeSelector', 'limits', 'requests']);

/** Maps whose keys are data (labels, nodeSelector...), rendered `labels[app]` rather than `labels.app`. */
function isMapOfStrings(path: readonly PathSeg[]): boolean {
  const last = path[path.length - 1];
  return typeof last === 'string' && MAPS_OF_STRINGS.has(last);
}
