// Typed access to an untrusted plain-JS manifest. A `Field` is a value plus its field path, so
// every issue lands on the exact node the loader resolves to file:line:col. Reading a value as
// the wrong type records an `invalid-type` issue and yields `undefined`; nothing here throws.
import { issue, renderPath, type FieldPath, type IssueCode, type PathSeg, type RawIssue } from './issues.js';

export type Obj = Record<string, unknown>;

/** What one validation pass accumulates. */
export interface Ctx {
  readonly out: RawIssue[];
  readonly apiVersion: string;
  /** Cluster-only fields seen so far; reported together as one warning at the first of them. */
  readonly clusterOnly: { name: string; path: FieldPath }[];
  /** Paths already reported as the wrong type, so reading a field twice reports it once. */
  readonly typeReported: Set<string>;
}

export function newCtx(apiVersion: string): Ctx {
  return { out: [], apiVersion, clusterOnly: [], typeReported: new Set() };
}

export function isObj(v: unknown): v is Obj {
  return Object.prototype.toString.call(v) === '[object Object]';
}

/** "a string", "a number", "a list"... for `expected X, got Y` messages. */
export function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (isObj(v)) return 'a map';
  const t = typeof v;
  return t === 'object' ? 'an object' : t === 'undefined' ? 'nothing' : `a ${t}`;
}

/** Values as field/errors.go prints them: strings quoted, numbers bare, the rest as JSON. */
export function formatValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  let s: string;
  try { s = JSON.stringify(v) ?? String(v); } catch { s = String(v); }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

// k8s.io/apimachinery/pkg/util/validation/field/errors.go wording.
export const msg = {
  required: (detail?: string): string => (detail ? `Required value: ${detail}` : 'Required value'),
  invalid: (value: unknown, detail: string): string => `Invalid value: ${formatValue(value)}: ${detail}`,
  unsupported: (value: unknown, supported: readonly string[]): string =>
    `Unsupported value: ${formatValue(value)}: supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`,
  forbidden: (detail: string): string => `Forbidden: ${detail}`,
  duplicate: (value: unknown): string => `Duplicate value: ${formatValue(value)}`,
  notFound: (value: unknown): string => `Not found: ${formatValue(value)}`,
  tooLong: (max: number): string => `Too long: must have at most ${max} bytes`,
};

export class Field {
  private resolved: FieldPath | undefined;

  /** A root field has its path; a child has its parent and its last segment (see `path`). */
  constructor(readonly ctx: Ctx, readonly value: unknown, path: FieldPath | undefined, private readonly parent?: Field, private readonly seg?: PathSeg) {
    this.resolved = path;
  }

  /**
   * Built on first use: most fields are read and never reported, and copying the path into every
   * child was a tenth of all the agent allocated while starting 100 DaemonSets (docs/benchmarks.md).
   */
  get path(): FieldPath {
    return this.resolved ??= [...this.parent!.path, this.seg!];
  }

  /** Present and not null: Kubernetes' JSON decoding treats `null` as "not set". */
  get isSet(): boolean {
    return this.value !== undefined && this.value !== null;
  }

  /** A child of a map; unset when this is not a map (the type error is reported by `map()`). */
  get(key: string): Field {
    const v = isObj(this.value) && Object.hasOwn(this.value, key) ? this.value[key] : undefined;
    return new Field(this.ctx, v, undefined, this, key);
  }

  /** A map value addressed by key: paths render as `labels[app]`. */
  entry(key: string): Field {
    const v = isObj(this.value) && Object.hasOwn(this.value, key) ? this.value[key] : undefined;
    return new Field(this.ctx, v, undefined, this, { key });
  }

  child(...segs: PathSeg[]): FieldPath {
    return [...this.path, ...segs];
  }

  report(code: IssueCode, message: string, opts: { warn?: boolean; atKey?: boolean } = {}): void {
    const at = opts.atKey ? 'key' : undefined;
    this.ctx.out.push(opts.warn ? issue.warning(code, this.path, message, at) : issue.error(code, this.path, message, at));
  }

  error(code: IssueCode, message: string): void { this.report(code, message); }
  warn(code: IssueCode, message: string): void { this.report(code, message, { warn: true }); }

  typeError(expected: string): void {
    const key = renderPath(this.path);
    if (this.ctx.typeReported.has(key)) return;
    this.ctx.typeReported.add(key);
    this.error('invalid-type', `expected ${expected}, got ${describeType(this.value)}${quoteHint(this.value, expected)}`);
  }

  map(): Obj | undefined {
    if (!this.isSet) return undefined;
    if (isObj(this.value)) return this.value;
    this.typeError('a map');
    return undefined;
  }

  list(): unknown[] | undefined {
    if (!this.isSet) return undefined;
    if (Array.isArray(this.value)) return this.value;
    this.typeError('a list');
    return undefined;
  }

  /**
   * The elements of a list as fields (empty when unset or not a list). A null element (an empty
   * `-` line) is reported and skipped: unlike a null field, it is not "unset" but a mistake.
   */
  items(): Field[] {
    const out: Field[] = [];
    (this.list() ?? []).forEach((v, i) => {
      const f = new Field(this.ctx, v, undefined, this, i);
      if (f.isSet) out.push(f);
      else f.error('invalid-type', 'expected a list item, got null (an empty "-" entry?)');
    });
    return out;
  }

  /** The entries of a map as `[key, field]` pairs (empty when unset or not a map). */
  entries(): [string, Field][] {
    return Object.keys(this.map() ?? {}).map((k) => [k, this.entry(k)]);
  }

  str(): string | undefined {
    if (!this.isSet) return undefined;
    if (typeof this.value === 'string') return this.value;
    this.typeError('a string');
    return undefined;
  }

  bool(): boolean | undefined {
    if (!this.isSet) return undefined;
    if (typeof this.value === 'boolean') return this.value;
    this.typeError('a boolean');
    return undefined;
  }

  int(): number | undefined {
    if (!this.isSet) return undefined;
    if (Number.isSafeInteger(this.value)) return this.value as number;
    this.typeError('an integer');
    return undefined;
  }

  /** An integer that must be >= 0 (apivalidation.ValidateNonnegativeField). */
  nonNegativeInt(): number | undefined {
    const n = this.int();
    if (n !== undefined && n < 0) this.error('invalid-value', msg.invalid(n, 'must be greater than or equal to 0'));
    return n;
  }

  /** intstr.IntOrString: an integer or a string. */
  intOrString(): number | string | undefined {
    if (!this.isSet) return undefined;
    if (typeof this.value === 'string' || Number.isSafeInteger(this.value)) return this.value as number | string;
    this.typeError('an integer or a string');
    return undefined;
  }

  /** A list of strings; wrong elements are reported and dropped. */
  strings(): string[] | undefined {
    if (!this.list()) return undefined;
    return this.stringItems().map(([, v]) => v);
  }

  /** The string elements of a list with their fields; wrong elements are reported and skipped. */
  stringItems(): [Field, string][] {
    const out: [Field, string][] = [];
    for (const f of this.items()) {
      if (typeof f.value === 'string') out.push([f, f.value]);
      else f.typeError('a string');
    }
    return out;
  }

  /** A map of string values (labels, annotations, nodeSelector); wrong values reported and dropped. */
  stringMap(): [string, string][] | undefined {
    if (!this.map()) return undefined;
    const out: [string, string][] = [];
    for (const [k, f] of this.entries()) {
      if (typeof f.value === 'string') out.push([k, f.value]);
      else f.typeError('a string');
    }
    return out;
  }

  /** Warn about keys not in `known`, like kubectl's strict field validation. */
  checkKnown(known: ReadonlySet<string>): void {
    for (const key of Object.keys(this.map() ?? {})) {
      if (known.has(key)) continue;
      const hint = suggest(key, known);
      this.get(key).report('unknown-field', `unknown field ${JSON.stringify(key)}${hint}`, { warn: true, atKey: true });
    }
  }

  /** Key names of this map whose values are set (not null, not an empty map or list). */
  setKeys(): string[] {
    if (!isObj(this.value)) return [];
    const m = this.value;
    return Object.keys(m).filter((k) => !isEmpty(m[k]));
  }
}

export function rootField(ctx: Ctx, value: unknown): Field {
  return new Field(ctx, value, []);
}

/** null, an empty map or an empty list: written but says nothing. */
export function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  return isObj(v) && Object.keys(v).length === 0;
}

/** YAML turns `8080`, `true` and `1.10` into non-strings; the usual fix is quoting. */
function quoteHint(v: unknown, expected: string): string {
  if (!expected.includes('string')) return typeof v === 'number' ? ` (${v})` : '';
  if (typeof v === 'number' || typeof v === 'boolean') return ` (${v}); quote it: "${v}"`;
  return '';
}

/** ` (did you mean "nodeSelector"?)` when a known name is a likely intended spelling. */
export function suggest(key: string, known: ReadonlySet<string>): string {
  const lower = key.toLowerCase();
  const limit = Math.max(1, Math.min(2, Math.floor(key.length / 4)));
  let best: string | undefined;
  let bestDist = limit + 1;
  for (const k of known) {
    const d = editDistance(lower, k.toLowerCase(), limit);
    if (d < bestDist) {
      best = k;
      bestDist = d;
    }
  }
  return best === undefined ? '' : ` (did you mean ${JSON.stringify(best)}?)`;
}

/** Edit distance counting a swap of neighbours as one edit (optimal string alignment). */
function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, before[j - 2]! + 1);
      cur.push(v);
    }
    before = prev;
    prev = cur;
  }
  return prev[b.length]!;
}
