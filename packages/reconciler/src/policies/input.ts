/**
 * What every drift policy receives, and the shape of a policy. Policies are
 * pure: everything they need (the clock's reading, the owner/group ids) is
 * gathered before planning and passed in.
 */
import type {
  CertificateStatus,
  DesiredCertificate,
  ObservedCertificate,
  Provenance,
  Reason,
} from '@certloop/core';

/** Numeric ids of the manifest's owner/group names, resolved before planning. */
export interface ResolvedIds {
  readonly uid?: number;
  readonly gid?: number;
}

export interface PolicyInput {
  readonly desired: DesiredCertificate;
  readonly observed: ObservedCertificate;
  /** What was requested at the last issuance, if certloop issued this certificate before. */
  readonly provenance?: Provenance;
  /** The last recorded status (pending hooks). */
  readonly status?: CertificateStatus;
  readonly now: Date;
  /** Resolved `placement.owner` / `placement.group`; absent ids are not checked. */
  readonly ids?: ResolvedIds;
  /** `--force`: reissue regardless of drift. */
  readonly force?: boolean;
}

/** A small pure check: `null` when it sees no drift, else a reason with a full-sentence message. */
export type Policy = (input: PolicyInput) => Reason | null;

/**
 * Whether provenance describes the very certificate on disk (same leaf DER):
 * only then do "what was requested" comparisons say anything about that file.
 */
export function provenanceDescribesCertificate(input: PolicyInput): boolean {
  const { provenance, observed } = input;
  return (
    provenance !== undefined &&
    observed.certificate !== undefined &&
    provenance.certificateSha256 === observed.certificate.sha256
  );
}
