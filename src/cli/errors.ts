// Errors a command reports to the user as one line (no stack). The error families live in
// lib/errors.ts; this adds the generic command failure and kubectl's NotFound helper.
import { NotFoundError } from '../lib/errors.js';

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
