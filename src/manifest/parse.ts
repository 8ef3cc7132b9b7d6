// YAML text → documents, keeping the node tree so any field path can be turned back into
// line:column. Kubernetes decodes YAML 1.1 (go-yaml), so `0600` is octal and `yes` a boolean.
import type { Document, Node } from 'yaml';
import yaml from '../lib/yaml-lib.cjs';
import { parseSimpleYaml } from './fast-yaml.js';
import type { FieldPath, ManifestIssue, RawIssue } from './issues.js';
import { renderPath } from './issues.js';

/** Alias expansion beyond this is treated as a "billion laughs" attack. */
const MAX_ALIAS_COUNT = 100;

export interface ParsedDoc {
  index: number;
  /** Plain value of the document, undefined for an empty document or one that failed. */
  value: unknown;
  /** Offset of the document's first content character. */
  start: number;
  /** Source text of this document (for rewriting a multi-document file). */
  source: string;
  /** [start, end) offsets of `source` in the file, `---` marker included. */
  range: [number, number];
  locate(path: FieldPath, at?: 'key' | 'value'): { line: number; col: number };
}

export interface ParsedFile {
  docs: ParsedDoc[];
  /** Syntax and limit errors; when any is present the file must not be acted on. */
  issues: ManifestIssue[];
}

const DEEP_MESSAGE = 'the document is nested too deeply to process';

const TEMPLATE_RE = /\{\{[-\s]|\{%|^\s*\{\{/m;

export function parseManifestText(text: string, file: string): ParsedFile {
  const simple = parseSimpleYaml(text);
  if (simple === null) return parseWithLibrary(text, file);
  // What the fast path did not keep (ranges, sources, an empty value's position) comes from the
  // library, which parses the file only once something asks.
  let full: ParsedFile | undefined;
  const docOf = (index: number): ParsedDoc | undefined => (full ??= parseWithLibrary(text, file)).docs[index];
  return {
    issues: [],
    docs: simple.values.map((value, index) => ({
      index, value,
      get start() { return docOf(index)?.start ?? 0; },
      get source() { return docOf(index)?.source ?? text; },
      get range(): [number, number] { return docOf(index)?.range ?? [0, text.length]; },
      locate: (path, at) => simple.locate(index, path, at) ?? docOf(index)?.locate(path, at) ?? { line: 1, col: 1 },
    })),
  };
}

/** The `yaml` library's reading, errors and positions (exported for the fast path's tests). */
export function parseWithLibrary(text: string, file: string): ParsedFile {
  const lc = new (yaml().LineCounter)();
  const pos = (offset: number): { line: number; col: number } => {
    const p = lc.linePos(Math.max(0, Math.min(offset, text.length)));
    return { line: p.line, col: p.col };
  };
  const issues: ManifestIssue[] = [];
  let documents: Document.Parsed[];
  try {
    // uniqueKeys is off: the library compares every key with every other (quadratic in a flat map); checkKeys does it with a Set.
    documents = yaml().parseAllDocuments(text, { lineCounter: lc, version: '1.1', uniqueKeys: false, prettyErrors: false }) as Document.Parsed[];
    if (!Array.isArray(documents)) documents = [];
  } catch (err) {
    return { docs: [], issues: [{ code: 'yaml-limit', severity: 'error', file, line: 1, col: 1, path: '', message: `cannot parse: ${(err as Error).message}` }] };
  }
  const docs: ParsedDoc[] = [];
  documents.forEach((doc, index) => {
    for (const e of doc.errors) {
      const at = pos(e.pos[0]);
      // The parser turns its own stack overflow into an error at the spot: name it for what it is.
      if (/call stack/i.test(e.message)) issues.push({ code: 'yaml-limit', severity: 'error', file, ...at, path: '', message: DEEP_MESSAGE });
      else issues.push({ code: 'yaml-syntax', severity: 'error', file, ...at, path: '', message: firstLine(e.message) });
    }
    let value: unknown;
    const keyErrors = doc.errors.length === 0 ? checkKeys(doc).sort((a, b) => a.offset - b.offset) : [];
    for (const k of keyErrors) issues.push({ code: 'yaml-syntax', severity: 'error', file, ...pos(k.offset), path: '', message: k.message });
    if (doc.errors.length === 0 && keyErrors.length === 0) {
      try {
        value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
      } catch (err) {
        const at = pos(doc.range[0]);
        issues.push({ code: 'yaml-limit', severity: 'error', file, ...at, path: '', message: limitMessage(err) });
      }
    }
    const start = doc.contents?.range[0] ?? doc.range[0];
    docs.push({
      index, value, start,
      source: text.slice(doc.range[0], doc.range[2]),
      range: [doc.range[0], doc.range[2]],
      locate: (path, at) => pos(locateOffset(doc, path, at)),
    });
  });
  capSyntaxErrors(issues, file);
  if (issues.some((i) => i.code === 'yaml-syntax')) {
    const m = TEMPLATE_RE.exec(text);
    if (m) {
      const at = pos(m.index);
      issues.unshift({ code: 'template', severity: 'error', file, ...at, path: '',
        message: 'this looks like a Helm/Go/Jinja template ({{ ... }}), not a manifest: render it first (e.g. `helm template`) and load the output' });
    }
  }
  return { docs, issues };
}

/**
 * Duplicate keys (as Kubernetes' strict decoding refuses them) and non-scalar keys (which have
 * no JSON form), found in one pass with a Set per map and an explicit stack (no recursion).
 */
function checkKeys(doc: Document.Parsed): { offset: number; message: string }[] {
  const found: { offset: number; message: string }[] = [];
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0 && found.length < 20) {
    const node = stack.pop();
    if (yaml().isMap(node)) {
      const seen = new Map<string, number>();
      for (const pair of node.items) {
        const key = pair.key as Node | null;
        const offset = key?.range?.[0] ?? node.range?.[0] ?? 0;
        if (yaml().isScalar(key) || key === null) {
          const name = key === null ? '' : String(key.value);
          const first = seen.get(name);
          if (first !== undefined) found.push({ offset, message: `duplicate key "${name}": the same key appears earlier in this mapping` });
          else seen.set(name, offset);
        } else {
          found.push({ offset, message: 'a mapping key must be a plain string, not a list, mapping or alias' });
        }
        stack.push(pair.value);
      }
    } else if (yaml().isCollection(node)) {
      for (const item of node.items) stack.push(item);
    }
  }
  return found;
}

/** A template can yield a thousand cascading errors; the first few locate the problem. */
const MAX_SYNTAX_ERRORS = 10;

function capSyntaxErrors(issues: ManifestIssue[], file: string): void {
  const syntax = issues.filter((i) => i.code === 'yaml-syntax');
  if (syntax.length <= MAX_SYNTAX_ERRORS) return;
  const dropped = new Set(syntax.slice(MAX_SYNTAX_ERRORS));
  const last = syntax[MAX_SYNTAX_ERRORS - 1]!;
  const kept = issues.filter((i) => !dropped.has(i));
  kept.push({ code: 'yaml-syntax', severity: 'error', file, line: last.line, col: last.col, path: '',
    message: `${dropped.size} more YAML errors after this one are not shown; fix the first ones and validate again` });
  issues.splice(0, issues.length, ...kept);
}

function firstLine(msg: string): string {
  return msg.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

function limitMessage(err: unknown): string {
  const msg = (err as Error).message ?? String(err);
  if (/alias/i.test(msg)) return `too many alias expansions (more than ${MAX_ALIAS_COUNT}): refusing a possible "billion laughs" document`;
  if (err instanceof RangeError) return DEEP_MESSAGE;
  return `cannot load the document: ${msg}`;
}

/** Offset of the node at `path`, or of the deepest existing ancestor when the field is missing. */
function locateOffset(doc: Document.Parsed, path: FieldPath, at?: 'key' | 'value'): number {
  let node: unknown = doc.contents;
  let best = doc.contents?.range[0] ?? doc.range[0];
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    const last = i === path.length - 1;
    if (yaml().isMap(node) && typeof seg !== 'number') {
      const name = typeof seg === 'string' ? seg : seg.key;
      const pair = node.items.find((p) => yaml().isPair(p) && yaml().isScalar(p.key) && String(p.key.value) === name);
      if (!pair) return best;
      const keyNode = pair.key as Node;
      best = keyNode.range?.[0] ?? best;
      if (last && at === 'key') return best;
      const v = pair.value as Node | null;
      if (v && v.range) best = v.range[0];
      node = v;
    } else if (yaml().isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as Node | undefined;
      if (!item || !item.range) return best;
      best = item.range[0];
      node = item;
    } else {
      return best;
    }
  }
  return best;
}

/** Turns validator output into positioned issues. `prefix` locates objects inside a `kind: List`. */
export function positionIssues(doc: ParsedDoc, file: string, raw: readonly RawIssue[], prefix: FieldPath = []): ManifestIssue[] {
  return raw.map((r) => ({
    code: r.code, severity: r.severity, file,
    ...doc.locate([...prefix, ...r.path], r.at),
    path: renderPath(r.path), message: r.message,
  }));
}
