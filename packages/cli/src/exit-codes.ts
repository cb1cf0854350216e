import { CertloopError, describeError, ManifestError } from '@certloop/core';
import { EXIT } from './exit-status.js';
import type { Io } from './io.js';
import { renderProblems } from './render/problems.js';

export { EXIT };

/** Problems a restart cannot fix: the unit's RestartPreventExitStatus=3 stops a restart loop on them. */
const CONFIGURATION_ERRORS: ReadonlySet<string> = new Set(['MANIFEST_INVALID', 'USAGE', 'ISSUER_CONFIG']);

export function exitCodeFor(error: unknown): number {
  if (error instanceof CertloopError && CONFIGURATION_ERRORS.has(error.code)) return EXIT.invalid;
  return EXIT.failed;
}

/** A one-paragraph message for an error: no stack for expected failures, a stack only for bugs. */
export function errorMessage(error: unknown): string {
  if (error instanceof CertloopError) {
    return error.hint ? `${error.message}\nhint: ${error.hint}` : error.message;
  }
  if (error instanceof Error && error.stack) {
    return `internal error: ${error.stack}`;
  }
  return `internal error: ${describeError(error)}`;
}

/** Prints an error the way users should see it and returns its exit code. */
export function reportError(error: unknown, io: Io): number {
  if (error instanceof ManifestError) io.stderr(renderProblems(error.file, error.problems, io));
  io.stderr(`certloop: ${errorMessage(error)}\n`);
  return exitCodeFor(error);
}
