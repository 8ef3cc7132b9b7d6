// config.yaml through the `yaml` library: every issue at its line and column. config.ts's
// parseConfig comes here only for a config with something to report, or one its fast path does
// not read, so that the library is not loaded for a plain, valid config.
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { ManifestIssue } from '../manifest/issues.js';
import { DEFAULT_CONFIG, resolveConfig, type ConfigResult, type Report } from './config.js';

export function parseConfigText(text: string, file: string): ConfigResult {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, version: '1.1', uniqueKeys: true, prettyErrors: false });
  const issues: ManifestIssue[] = [];
  const at = (offset: number | undefined): { line: number; col: number } => lc.linePos(offset ?? 0);
  for (const e of doc.errors) issues.push({ code: 'yaml-syntax', severity: 'error', file, ...at(e.pos[0]), path: '', message: e.message.split('\n')[0]! });
  if (doc.errors.length > 0 || doc.contents === null) return { config: DEFAULT_CONFIG, issues };
  if (!isMap(doc.contents)) {
    issues.push({ code: 'invalid-type', severity: 'error', file, ...at(doc.contents.range?.[0]), path: '', message: 'config must be a mapping of keys to values' });
    return { config: DEFAULT_CONFIG, issues };
  }
  let raw: Record<string, unknown>;
  try {
    raw = doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown>;
  } catch (err) {
    issues.push({ code: 'yaml-limit', severity: 'error', file, line: 1, col: 1, path: '', message: (err as Error).message });
    return { config: DEFAULT_CONFIG, issues };
  }
  const report: Report = (path, message, severity = 'error', keys = path.split('.')) => {
    issues.push({ code: severity === 'error' ? 'invalid-value' : 'unknown-field', severity, file, ...at(offsetOf(doc, keys)), path, message });
  };
  const config = Object.freeze(resolveConfig(raw, report));
  return { config, issues: issues.sort((a, b) => a.line - b.line || a.col - b.col) };
}

function offsetOf(doc: Document.Parsed, keys: string[]): number | undefined {
  let node: unknown = doc.contents;
  let best: number | undefined;
  for (const k of keys) {
    if (isSeq(node) && /^\d+$/.test(k)) {
      const item = node.items[Number(k)] as { range?: number[] } | undefined;
      if (!item) break;
      if (item.range) best = item.range[0];
      node = item;
      continue;
    }
    if (!isMap(node)) break;
    const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === k);
    if (!pair) break;
    best = (pair.key as { range?: number[] }).range?.[0] ?? best;
    const v = pair.value as { range?: number[] } | null;
    if (v?.range) best = v.range[0];
    node = v;
  }
  return best;
}

