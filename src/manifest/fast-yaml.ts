// A fast path for the YAML that manifests are made of: block mappings and sequences, one-line
// flow collections, quoted strings and plain words. It returns the documents' values, exactly as
// the `yaml` library reads them with YAML 1.1 (parse.ts), or null for anything it is not certain
// of: anchors, tags, block scalars, multi-line flows or scalars, numbers other than plain
// integers, duplicate keys, odd indentation. Then the library parses the file, errors and all.
// It keeps the line and column of each key and value it read, which is what every DaemonSet's
// source and most issues need; a position it did not keep (an empty value's) is `undefined`, and
// parse.ts asks the library. Why: at start-up the library's lexer, CST and document model cost
// ~1 ms of a cold JIT per manifest, a large part of the agent's time to start 100 daemons.
import type { FieldPath } from './issues.js';

/** Nothing accepted here nests deeper; deeper documents go to the library, which reports limits. */
const MAX_DEPTH = 64;

class Bail extends Error {}
function bail(): never {
  throw new Bail();
}

interface Line {
  /** 1-based, as in messages. */
  no: number;
  indent: number;
  /** The content after the indentation, comment and trailing blanks removed. */
  text: string;
}

export interface Position { line: number; col: number }
/** Where a mapping entry's key and value, or a sequence item, start (1-based). */
interface Entry { key?: Position; value?: Position }
type Positions = WeakMap<object, Map<string | number, Entry>>;

export interface SimpleYaml {
  values: unknown[];
  /**
   * The position parse.ts's library path would give for `path` in document `index` (the node,
   * its key with at='key', or the deepest existing ancestor), or undefined when not kept.
   */
  locate(index: number, path: FieldPath, at?: 'key' | 'value'): Position | undefined;
}

const TRUE_RE = /^(?:Y|y|[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/;
const FALSE_RE = /^(?:N|n|[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/;
const NULL_RE = /^(?:~|[Nn]ull|NULL)?$/;
const INT_RE = /^(?:0|-?[1-9][0-9]{0,14})$/;
/**
 * Plain scalars that can only be strings under YAML 1.1 once the words above are ruled out (its
 * numbers, times and dates start with a digit, a sign or a dot). A `:` inside (`nginx:1.25`) is
 * checked apart: it must not end the scalar or precede a blank.
 */
const WORD_RE = /^[A-Za-z_/][^#,[\]{}]*$/;
/**
 * Quantities and durations (`100m`, `1.5Gi`, `1m30s`, `10%`): digits, then letters, which no
 * YAML 1.1 number or timestamp can end with. `0x`, `0o`, `0b` are left to the library.
 */
const UNIT_RE = /^(?:[0-9]+(?:\.[0-9]+)?(?:[A-Za-z]+[0-9]+)*[A-Za-z]+|[0-9]+(?:\.[0-9]+)?%)$/;
/**
 * Tabs, carriage returns, control characters, and what JavaScript's trim() takes for blanks but
 * YAML does not (no-break and other Unicode spaces, the BOM), or reads as a line break in 1.1
 * (NEL, U+2028, U+2029): the library decides what those mean.
 */
const ODD_CHARS = /[\x00-\x09\x0b-\x1f\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]/;
/** A character that starts something this fast path does not read. */
const SPECIAL_START = new Set(['&', '*', '!', '|', '>', '%', '@', '`', '?', '#', ',', ']', '}']);

/** The documents in `text` and their positions, or null when the library must read it. */
export function parseSimpleYaml(text: string): SimpleYaml | null {
  let reader: Reader;
  let values: unknown[];
  try {
    reader = new Reader(text);
    values = reader.documents();
  } catch (err) {
    if (err instanceof Bail) return null;
    throw err;
  }
  const { positions, roots } = reader;
  return { values, locate: (index, path, at) => locate(positions, values[index], roots[index], path, at) };
}

function locate(positions: Positions, root: unknown, rootAt: Position | undefined, path: FieldPath, at?: 'key' | 'value'): Position | undefined {
  let node = root;
  let best = rootAt;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    const last = i === path.length - 1;
    const isList = Array.isArray(node);
    if (node === null || typeof node !== 'object' || isList !== (typeof seg === 'number')) return best;
    const name = typeof seg === 'object' ? seg.key : seg;
    const entry = positions.get(node)?.get(name);
    if (entry === undefined) return Object.prototype.hasOwnProperty.call(node, name) ? undefined : best;
    if (!isList) {
      best = entry.key;
      if (last && at === 'key') return best;
    }
    if (entry.value === undefined) return undefined;
    best = entry.value;
    node = (node as Record<string | number, unknown>)[name];
  }
  return best;
}

class Reader {
  private readonly lines: (Line | '---')[] = [];
  private at = 0;
  readonly positions: Positions = new WeakMap();
  readonly roots: Position[] = [];

  constructor(text: string) {
    if (ODD_CHARS.test(text)) bail();
    let no = 0;
    for (const raw of text.split('\n')) {
      no++;
      if (raw.startsWith('---')) {
        if (stripComment(raw.slice(3)).trim() !== '') bail();
        this.lines.push('---');
        continue;
      }
      if (raw.startsWith('...') || raw.startsWith('%')) bail();
      let indent = 0;
      while (raw.charCodeAt(indent) === 32) indent++;
      const content = stripComment(raw.slice(indent)).trimEnd();
      if (content !== '') this.lines.push({ no, indent, text: content });
    }
  }

  documents(): unknown[] {
    const docs: unknown[] = [];
    if (this.lines[0] === '---') this.at = 1;
    for (;;) {
      const first = this.lines[this.at];
      // An empty document (or file) has library-specific ranges and warnings: not ours to judge.
      if (first === undefined || first === '---' || first.indent !== 0) bail();
      this.roots.push({ line: first.no, col: 1 });
      docs.push(this.block(0, 0));
      const next = this.lines[this.at];
      if (next === undefined) return docs;
      if (next !== '---') bail();
      this.at++;
    }
  }

  private line(): Line | undefined {
    const l = this.lines[this.at];
    return l === '---' ? undefined : l;
  }

  /** The node whose first line is the current one, at column `col`. */
  private block(col: number, depth: number): unknown {
    if (depth > MAX_DEPTH) bail();
    const l = this.line()!;
    return isSeqItem(l.text) ? this.sequence(col, depth) : this.mapping(col, depth);
  }

  private sequence(col: number, depth: number): unknown[] {
    const out: unknown[] = [];
    const where = new Map<number, Entry>();
    this.positions.set(out, where);
    for (let l = this.line(); l !== undefined && l.indent === col && isSeqItem(l.text); l = this.line()) {
      const rest = l.text.slice(1);
      const gap = rest.length - rest.trimStart().length;
      if (rest.trimStart() === '') {
        this.at++;
        const below = this.line();
        const v = this.nested(col, depth, false);
        where.set(out.length, { value: v === null ? undefined : { line: below!.no, col: below!.indent + 1 } });
        out.push(v);
        continue;
      }
      // `- key: v` or `- - x`: the rest of the line is a node at its own column.
      const inner: Line = { no: l.no, indent: col + 1 + gap, text: rest.slice(gap) };
      this.lines[this.at] = inner;
      where.set(out.length, { value: { line: inner.no, col: inner.indent + 1 } });
      if (isSeqItem(inner.text) || keyEnd(inner.text) >= 0) out.push(this.block(inner.indent, depth + 1));
      else {
        this.at++;
        out.push(this.inline(inner.text, inner.no, inner.indent));
        this.noContinuation(col);
      }
    }
    this.ends(col);
    return out;
  }

  /** A value that starts and ends on this line: a flow collection, a quoted string, a plain scalar. */
  private inline(text: string, no: number, col: number): unknown {
    const c = text[0]!;
    if (c === '[' || c === '{') {
      const flow = new Flow(text, no, col, this.positions);
      const v = flow.value(0);
      flow.skipSpaces();
      if (flow.i !== text.length) bail();
      return v;
    }
    if (c === '"' || c === "'") return quoted(text);
    return plain(text);
  }

  private mapping(col: number, depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const where = new Map<string, Entry>();
    this.positions.set(out, where);
    for (let l = this.line(); l !== undefined && l.indent === col; l = this.line()) {
      if (isSeqItem(l.text)) bail();
      const end = keyEnd(l.text);
      if (end < 0) bail();
      const key = newKey(keyOf(l.text.slice(0, end)), out);
      const after = l.text.slice(end + 1);
      const rest = after.trim();
      this.at++;
      const keyAt = { line: l.no, col: col + 1 };
      if (rest === '') {
        const below = this.line();
        out[key] = this.nested(col, depth, true);
        where.set(key, { key: keyAt, value: out[key] === null ? undefined : { line: below!.no, col: below!.indent + 1 } });
      } else {
        const valueCol = col + end + 1 + (after.length - after.trimStart().length);
        where.set(key, { key: keyAt, value: { line: l.no, col: valueCol + 1 } });
        out[key] = this.inline(rest, l.no, valueCol);
        this.noContinuation(col);
      }
    }
    this.ends(col);
    return out;
  }

  /** The value of `key:` or `-` left empty on its line: the lines below, or null. */
  private nested(col: number, depth: number, inMapping: boolean): unknown {
    const l = this.line();
    if (l !== undefined && l.indent > col) return this.block(l.indent, depth + 1);
    // A mapping's sequence may sit at the mapping's own column (`containers:` then `- name:`).
    if (inMapping && l !== undefined && l.indent === col && isSeqItem(l.text)) return this.sequence(col, depth + 1);
    return null;
  }

  /** A value on its key's line cannot go on below: a multi-line scalar, or an error. */
  private noContinuation(col: number): void {
    const l = this.line();
    if (l !== undefined && l.indent > col) bail();
  }

  /** A block ends at a line less indented: it must be the column of some enclosing block. */
  private ends(col: number): void {
    const l = this.line();
    if (l !== undefined && l.indent > col) bail();
  }
}

function isSeqItem(text: string): boolean {
  return text.charCodeAt(0) === 45 /* - */ && (text.length === 1 || text.charCodeAt(1) === 32);
}

/** Index of the `:` that ends a block mapping key on this line, or -1 (no key). */
function keyEnd(text: string): number {
  const c = text[0];
  if (c === '"' || c === "'") {
    const close = quotedEnd(text, 0);
    return text[close] === ':' && (close + 1 === text.length || text[close + 1] === ' ') ? close : -1;
  }
  if (c === '[' || c === '{') return -1;
  for (let i = text.indexOf(':'); i >= 0; i = text.indexOf(':', i + 1)) {
    if (i + 1 === text.length || text[i + 1] === ' ') return i;
  }
  return -1;
}

function keyOf(raw: string): unknown {
  const t = raw.trimEnd();
  return t[0] === '"' || t[0] === "'" ? quoted(t) : plain(t);
}

/**
 * A mapping key the fast path can take: a string (YAML 1.1 reads `on` or `1` as other types), not
 * a merge key or one that would set the prototype, and new in `out` (duplicates are errors).
 */
function newKey(key: unknown, out: object): string {
  if (typeof key !== 'string' || key === '__proto__' || key === '<<' || Object.prototype.hasOwnProperty.call(out, key)) bail();
  return key as string;
}

function plain(t: string): unknown {
  if (NULL_RE.test(t)) return null;
  if (TRUE_RE.test(t)) return true;
  if (FALSE_RE.test(t)) return false;
  if (INT_RE.test(t)) return Number(t);
  if (UNIT_RE.test(t) && !/^0[xXoObB]/.test(t)) return t;
  if (SPECIAL_START.has(t[0]!) || !WORD_RE.test(t) || t.endsWith(':') || t.includes(': ')) bail();
  return t;
}

/** The whole of `t` is one quoted scalar on one line. */
function quoted(t: string): string {
  const end = quotedEnd(t, 0);
  if (end !== t.length) bail();
  return unquote(t.slice(0, end));
}

/** Index just past the quoted scalar starting at `from`; bails when it does not close. */
function quotedEnd(t: string, from: number): number {
  const q = t[from];
  for (let i = from + 1; i < t.length; i++) {
    const c = t[i];
    if (q === '"' && c === '\\') { i++; continue; }
    if (c === q) {
      if (q === "'" && t[i + 1] === "'") { i++; continue; }
      return i + 1;
    }
  }
  return bail();
}

const ESCAPES: Record<string, string> = { '\\': '\\', '"': '"', '/': '/', n: '\n', t: '\t' };

function unquote(s: string): string {
  const body = s.slice(1, -1);
  if (s[0] === "'") return body.replaceAll("''", "'");
  if (!body.includes('\\')) return body;
  return body.replace(/\\(.)/g, (_, e: string) => ESCAPES[e] ?? bail());
}

/** Drops a `#` comment that starts the text or follows a blank, outside quotes. */
function stripComment(s: string): string {
  if (!s.includes('#')) return s;
  let q: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (q !== undefined) {
      if (q === '"' && c === '\\') i++;
      else if (c === q) q = undefined;
    } else if ((c === '"' || c === "'") && (i === 0 || ' [{,:-'.includes(s[i - 1]!))) q = c;
    else if (c === '#' && (i === 0 || s[i - 1] === ' ')) return s.slice(0, i);
  }
  // An unclosed quote: the library decides what the line means.
  return q === undefined ? s : bail();
}

/** One-line flow collections: `{a: b, c: [d, "e"]}`, starting at (line, col0 + 1). */
class Flow {
  i = 0;
  constructor(private readonly t: string, private readonly line: number, private readonly col0: number, private readonly positions: Positions) {}

  private here(): Position {
    return { line: this.line, col: this.col0 + this.i + 1 };
  }

  skipSpaces(): void {
    while (this.t[this.i] === ' ') this.i++;
  }

  value(depth: number): unknown {
    if (depth > MAX_DEPTH) bail();
    this.skipSpaces();
    const c = this.t[this.i];
    if (c === '[') return this.seq(depth);
    if (c === '{') return this.map(depth);
    return this.scalar();
  }

  /** A quoted or plain scalar at the cursor. */
  private scalar(): unknown {
    const c = this.t[this.i];
    if (c !== '"' && c !== "'") return plain(this.scalarText());
    const end = quotedEnd(this.t, this.i);
    const v = unquote(this.t.slice(this.i, end));
    this.i = end;
    return v;
  }

  /** A plain scalar in a flow: up to `,`, `]`, `}` or `: `. */
  private scalarText(): string {
    const start = this.i;
    while (this.i < this.t.length) {
      const c = this.t[this.i];
      if (c === ',' || c === ']' || c === '}') break;
      if (c === ':' && (this.t[this.i + 1] === ' ' || this.t[this.i + 1] === undefined)) break;
      if (c === '[' || c === '{' || c === ':') bail();
      this.i++;
    }
    const s = this.t.slice(start, this.i).trim();
    if (s === '') bail();
    return s;
  }

  private seq(depth: number): unknown[] {
    const out: unknown[] = [];
    const where = new Map<number, Entry>();
    this.positions.set(out, where);
    this.i++;
    this.skipSpaces();
    if (this.t[this.i] === ']') { this.i++; return out; }
    for (;;) {
      this.skipSpaces();
      where.set(out.length, { value: this.here() });
      out.push(this.value(depth + 1));
      this.skipSpaces();
      const c = this.t[this.i++];
      if (c === ']') return out;
      if (c !== ',') bail();
      this.skipSpaces();
      if (this.t[this.i] === ']') bail(); // a trailing comma: leave it to the library
    }
  }

  private map(depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const where = new Map<string, Entry>();
    this.positions.set(out, where);
    this.i++;
    this.skipSpaces();
    if (this.t[this.i] === '}') { this.i++; return out; }
    for (;;) {
      this.skipSpaces();
      const keyAt = this.here();
      const key = newKey(this.scalar(), out);
      this.skipSpaces();
      if (this.t[this.i] !== ':' || this.t[this.i + 1] !== ' ') bail();
      this.i += 2;
      this.skipSpaces();
      where.set(key, { key: keyAt, value: this.here() });
      out[key] = this.value(depth + 1);
      this.skipSpaces();
      const d = this.t[this.i++];
      if (d === '}') return out;
      if (d !== ',') bail();
    }
  }
}
