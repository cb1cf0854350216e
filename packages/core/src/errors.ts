/**
 * One error base class; the CLI's entry point is the only place that maps
 * these to exit codes. Messages must never contain secrets: redact when building.
 */
export type ErrorCode =
  | 'MANIFEST_INVALID'
  | 'MANIFEST_UNREADABLE'
  | 'USAGE'
  | 'ISSUER_CONFIG'
  | 'ISSUER_UNREACHABLE'
  | 'ISSUER_TLS'
  | 'ISSUER_REJECTED'
  | 'ISSUER_SERVER'
  | 'ISSUER_TIMEOUT'
  | 'WRITE_FAILED'
  | 'HOOK_FAILED'
  | 'LOCK_TIMEOUT'
  | 'LOCK_LOST'
  | 'OBSERVE_FAILED'
  | 'INSTALL_FAILED'
  | 'DELIVERY_FAILED'
  | 'INTERNAL';

export interface CertloopErrorOptions {
  /** What the user can do about it, in one sentence. */
  hint?: string;
  cause?: unknown;
}

export class CertloopError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: CertloopErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
  }
}

/** Where in a manifest a problem is: legacy entries by index and field, v1 by document path and line. */
export interface ProblemLocation {
  /** Document path, e.g. ["certificates", 2, "sans", 0] or [1, "permissions"]. */
  path: readonly (string | number)[];
  /** Index of the certificate entry, when the problem belongs to one. */
  entry?: number;
  /** The field within the entry (dotted), when there is one. */
  field?: string;
  /** 1-based line and column in the file, where the format allows it. */
  line?: number;
  column?: number;
}

export type ProblemSeverity = 'error' | 'warning';

export interface ManifestProblem extends ProblemLocation {
  severity: ProblemSeverity;
  /** Stable machine code, e.g. "unknown-field", "duplicate-path". */
  rule: string;
  /** A plain sentence. */
  message: string;
}

/** A manifest with one or more errors: every problem at once, nothing acted on. */
export class ManifestError extends CertloopError {
  readonly problems: readonly ManifestProblem[];
  readonly file: string;

  constructor(file: string, problems: readonly ManifestProblem[]) {
    const errors = problems.filter((p) => p.severity === 'error').length;
    super('MANIFEST_INVALID', `${file}: ${errors} problem${errors === 1 ? '' : 's'} found`);
    this.file = file;
    this.problems = problems;
  }
}

/** A CA or issuer failure. `retryable` is true only for transient faults (never for a rejection). */
export class IssuerError extends CertloopError {
  readonly retryable: boolean;
  constructor(
    code: Extract<
      ErrorCode,
      | 'ISSUER_CONFIG'
      | 'ISSUER_UNREACHABLE'
      | 'ISSUER_TLS'
      | 'ISSUER_REJECTED'
      | 'ISSUER_SERVER'
      | 'ISSUER_TIMEOUT'
    >,
    message: string,
    options: CertloopErrorOptions & { retryable?: boolean } = {},
  ) {
    super(code, message, options);
    this.retryable =
      options.retryable ??
      (code === 'ISSUER_UNREACHABLE' || code === 'ISSUER_SERVER' || code === 'ISSUER_TIMEOUT');
  }
}

/**
 * Files could not reach a Proxmox guest. `guestStopped` is the expected case
 * (the guest is off): the delivery stays pending without counting as a failure.
 */
export class DeliveryError extends CertloopError {
  readonly guestStopped: boolean;
  constructor(message: string, options: CertloopErrorOptions & { guestStopped?: boolean } = {}) {
    super('DELIVERY_FAILED', message, options);
    this.guestStopped = options.guestStopped ?? false;
  }
}

export class UsageError extends CertloopError {
  constructor(message: string, options: CertloopErrorOptions = {}) {
    super('USAGE', message, options);
  }
}

/** Plain-text message of any thrown value, without stack. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
