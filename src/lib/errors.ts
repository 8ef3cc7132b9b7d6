// The catalog of runtime error families. One class per family, each with a literal `reason`
// where a family has several causes, so callers branch on data instead of parsing messages.
// Messages are kubectl's own words where kubectl has the same failure, because operators and
// scripts grep for them.
import type { ManifestIssue } from '../manifest/issues.js';

/** Bad command-line input (kubectl's UsageErrorf): the command never touched any state. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type NodeEditReason = 'label-exists' | 'taint-exists' | 'taint-not-found';

/** A label/taint edit that kubectl would refuse against the current node (conflict, missing taint). */
export class NodeEditError extends Error {
  override readonly name = 'NodeEditError';
  constructor(readonly reason: NodeEditReason, message: string) {
    super(message);
  }
}

/**
 * An object that does not exist. kubectl prints these as `Error from server (NotFound): ...`;
 * `formatCliError` adds that prefix so the message itself stays free of presentation.
 */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
  constructor(readonly resource: string, readonly objectName: string, hint?: string) {
    super(`${resource} "${objectName}" not found${hint === undefined ? '' : `: ${hint}`}`);
  }
}

/** A create of an object that exists (kubectl's `Error from server (AlreadyExists)`). */
export class AlreadyExistsError extends Error {
  override readonly name = 'AlreadyExistsError';
}

/** An object given whole (over the API) that fails validation: every problem, one per entry. */
export class InvalidObjectError extends Error {
  override readonly name = 'InvalidObjectError';
  constructor(readonly problems: readonly string[]) {
    super(formatAggregate(problems));
  }
}

/** Another process holds a file lock for longer than the caller was willing to wait. */
export class LockTimeoutError extends Error {
  override readonly name = 'LockTimeoutError';
  constructor(readonly lockPath: string, readonly holderPid: number | undefined, readonly timeoutMs: number) {
    const holder = holderPid === undefined ? 'an unknown process' : `pid ${holderPid}`;
    super(`timed out after ${timeoutMs}ms waiting for lock ${lockPath}, held by ${holder}` +
      ' (if that process is gone, the lock is broken automatically; otherwise wait for it to finish)');
  }
}

/** A file that cannot be updated safely, e.g. node.yaml with a YAML syntax error mid-edit. */
export class NodeFileError extends Error {
  override readonly name = 'NodeFileError';
  constructor(readonly file: string, readonly issues: readonly ManifestIssue[], options?: { cause?: unknown }) {
    const first = issues[0];
    const where = first === undefined ? file : `${first.file}:${first.line}:${first.col}: ${first.message}`;
    super(`cannot update ${file}: fix the file first (${where})`, options);
  }
}

/**
 * One stderr line in kubectl's shape: `Error from server (NotFound): ...` for missing objects,
 * `error: ...` for everything else. Never a stack trace.
 */
export function formatCliError(err: unknown): string {
  if (err instanceof NotFoundError) return `Error from server (NotFound): ${err.message}`;
  if (err instanceof Error) return `error: ${err.message}`;
  return `error: ${String(err)}`;
}

/**
 * apimachinery's utilerrors.NewAggregate().Error(): one message as is, several as
 * `[a, b]` with duplicates dropped, so multi-error output matches kubectl byte for byte.
 */
export function formatAggregate(messages: readonly string[]): string {
  const unique = [...new Set(messages)];
  if (unique.length <= 1) return unique[0] ?? '';
  return `[${unique.join(', ')}]`;
}
