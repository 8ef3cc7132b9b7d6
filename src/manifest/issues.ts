// Manifest problems as data. Validators return every issue they find (never just the first),
// with a field path; the loader resolves the path to file:line:col through the YAML node tree.

/** One step of a field path: a struct field, a list index, or a map key (rendered `[key]`). */
export type PathSeg = string | number | { key: string };
export type FieldPath = readonly PathSeg[];

export type Severity = 'error' | 'warning';

/** Catalogued in docs/manifest-errors.md with how to fix each. */
export type IssueCode =
  | 'yaml-syntax'
  | 'yaml-limit'
  | 'not-utf8'
  | 'file-too-large'
  | 'unreadable'
  | 'unsafe-permissions'
  | 'template'
  | 'not-an-object'
  | 'unknown-kind'
  | 'unsupported-api-version'
  | 'duplicate-daemonset'
  | 'required'
  | 'invalid-type'
  | 'invalid-value'
  | 'invalid-name'
  | 'invalid-label'
  | 'selector-mismatch'
  | 'missing-command'
  | 'duplicate-name'
  | 'forbidden'
  | 'unsupported-value'
  | 'unknown-field'
  | 'ignored-field'
  | 'placeholder';

export interface RawIssue {
  code: IssueCode;
  severity: Severity;
  path: FieldPath;
  message: string;
  /** Point at the map key instead of its value (unknown fields, bad label keys). */
  at?: 'key' | 'value';
}

export interface ManifestIssue {
  code: IssueCode;
  severity: Severity;
  file: string;
  line: number;
  col: number;
  /** Rendered field path, e.g. `spec.template.spec.tolerations[2].operator`; '' for the whole file. */
  path: string;
  message: string;
}

export function renderPath(path: FieldPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'string') out += out === '' ? seg : `.${seg}`;
    else out += `[${seg.key}]`;
  }
  return out;
}

/** `file:line:col: path: message`, warnings marked, the code last so grep and editors still parse it. */
export function renderIssue(i: ManifestIssue): string {
  const where = i.path === '' ? '' : `${i.path}: `;
  const sev = i.severity === 'warning' ? 'warning: ' : '';
  return `${i.file}:${i.line}:${i.col}: ${where}${sev}${i.message} [${i.code}]`;
}

export const issue = {
  error(code: IssueCode, path: FieldPath, message: string, at?: 'key'): RawIssue {
    return at ? { code, severity: 'error', path, message, at } : { code, severity: 'error', path, message };
  },
  warning(code: IssueCode, path: FieldPath, message: string, at?: 'key'): RawIssue {
    return at ? { code, severity: 'warning', path, message, at } : { code, severity: 'warning', path, message };
  },
};
