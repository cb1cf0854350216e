/**
 * What certloop remembers between runs, in its own state directory (never in a
 * certificate's directory): provenance of each issuance and the last result.
 */
import type { FileRole, KeyAlgorithm, SubjectAltNames } from './model.js';
import type { Action, CertState, ReasonCode } from './vocabulary.js';

/** What was requested when a certificate was last issued: compared to the spec, not to what came back. */
export interface Provenance {
  readonly name: string;
  readonly specHash: string;
  readonly commonName: string;
  readonly sans: SubjectAltNames;
  readonly keyAlgorithm: KeyAlgorithm;
  readonly requestedLifetimeMs: number;
  readonly issuerId: string;
  readonly serial: string;
  /** sha256 of the leaf DER, to tie provenance to the file on disk. */
  readonly certificateSha256: string;
  readonly issuedAt: string;
  readonly notAfter: string;
  /** Files certloop wrote for this certificate (for --prune). */
  readonly files: Readonly<Partial<Record<FileRole, string>>>;
}

export type LastResult = 'success' | 'failed' | 'unchanged';

export interface CertificateStatus {
  readonly name: string;
  readonly lastResult: LastResult;
  readonly lastAction: Action;
  readonly lastReasons: readonly ReasonCode[];
  /** Plain message of the last error, secrets redacted. */
  readonly lastError?: string;
  readonly lastAttemptAt: string;
  readonly lastSuccessAt?: string;
  readonly serial?: string;
  readonly notAfter?: string;
  /** Hook commands that still have to run successfully. */
  readonly pendingHooks: readonly string[];
  /**
   * The guest ("lxc/101", "vm/1001") the files still have to reach: set while
   * it was stopped or unreachable (or --generate-only); the next pass in which
   * it runs delivers them, then runs the pending hooks.
   */
  readonly pendingDelivery?: string;
  readonly consecutiveFailures: number;
  /** Earliest time to retry after failures (backoff), ISO 8601. */
  readonly retryNotBefore?: string;
  /** Spec hash at the time of the failure: backoff is skipped when the spec changed. */
  readonly failedSpecHash?: string;
  /** The certificate's state after the last pass; its transition time changes only when the state flips. */
  readonly condition?: CertificateCondition;
}

export interface CertificateCondition {
  readonly state: CertState;
  /** The first drift reason behind a state other than Ready (absent when Ready or Failed). */
  readonly reason?: ReasonCode;
  /** A full sentence for humans. */
  readonly message: string;
  /** ISO 8601: when `state` last changed. */
  readonly lastTransitionTime: string;
}

export interface StatusDocument {
  readonly version: 1;
  readonly manifestPath: string;
  readonly updatedAt: string;
  readonly certificates: Readonly<Record<string, CertificateStatus>>;
}
