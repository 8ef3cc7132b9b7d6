// kubectl's output forms: tab-aligned tables (3 spaces between columns, like its tabwriter),
// and JSON / YAML with keys in sorted order as kubectl prints unstructured objects.
import { stringify } from 'yaml';
import { CliError } from './errors.js';

export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => (r[c] ?? '').length)));
  return all.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]! + 3))).join('').trimEnd()).join('\n') + '\n';
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortKeys(x);
    }
    return out;
  }
  return v;
}

export function formatJson(obj: unknown): string {
  return JSON.stringify(sortKeys(obj), null, 4) + '\n';
}

export function formatYaml(obj: unknown): string {
  return stringify(sortKeys(obj), { indentSeq: false, lineWidth: 0, version: '1.1' });
}

export function asList(items: unknown[]): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } };
}

/** The kubectl `Labels:`/`Annotations:` block: one `k=v` per line, aligned under the first. */
export function formatMapLines(m: Record<string, string> | undefined, indent: number): string {
  const keys = Object.keys(m ?? {}).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k, i) => `${i === 0 ? '' : ' '.repeat(indent)}${k}=${m![k]}`).join('\n');
}

export type OutputFormat = 'table' | 'wide' | 'json' | 'yaml' | 'name';

export function parseOutputFormat(o: string | undefined, allowed: readonly OutputFormat[]): OutputFormat {
  if (o === undefined || o === '') return 'table';
  const f = o as OutputFormat;
  if (!allowed.includes(f) || f === 'table') {
    throw new CliError(`unable to match a printer suitable for the output format "${o}", allowed formats are: ${allowed.filter((a) => a !== 'table').join(',')}`);
  }
  return f;
}
