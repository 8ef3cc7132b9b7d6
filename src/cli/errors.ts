// Errors a command reports to the user as one line (no stack). The error families live in
// lib/errors.ts; this adds the generic command failure and kubectl's NotFound helper.
import { LockTimeoutError, NodeEditError, NodeFileError, NotFoundError, UsageError } from '../lib/errors.js';

export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

/** kubectl's NotFound, printed as `Error from server (NotFound): daemonsets.apps "x" not found`. */
export function notFound(resource: string, name: string, hint?: string): NotFoundError {
  return new NotFoundError(resource, name, hint);
}

/** Errors that are the user's to fix: shown as one line. Anything else is a bug and says so. */
export function isUserError(err: unknown): boolean {
  return err instanceof CliError || err instanceof UsageError || err instanceof NotFoundError || err instanceof NodeEditError ||
    err instanceof NodeFileError || err instanceof LockTimeoutError || isFileSystemError(err);
}

/** EACCES, EISDIR, ENOSPC…: the host's state, not a bug; Node's message names the path and the cause. */
function isFileSystemError(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException | undefined;
  return typeof e?.code === 'string' && /^E[A-Z]+$/.test(e.code) && typeof e.syscall === 'string';
}
