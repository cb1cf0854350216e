/** What every issuer (Step-CA, the built-in local CA) offers the engine. */
import type { CertificateUsage, KeyAlgorithm, SubjectAltNames } from './model.js';

export interface IssueRequest {
  readonly name: string;
  readonly commonName: string;
  readonly sans: SubjectAltNames;
  readonly keyAlgorithm: KeyAlgorithm;
  readonly lifetimeMs: number;
  /** What the certificate authenticates (extended key usage); absent means a server. */
  readonly usage?: CertificateUsage;
  /** PEM (PKCS#8) of a key to keep (rotation policy `never`); a fresh key is made otherwise. */
  readonly existingKeyPem?: string;
}

export interface IssuedCertificate {
  /** Leaf certificate PEM. */
  readonly certificatePem: string;
  /** Intermediate certificates PEM (leaf excluded, root excluded), issuer order. */
  readonly chainPem: string;
  /** Root certificate(s) PEM: the CA bundle consumers should trust. */
  readonly caBundlePem: string;
  /** PKCS#8 PEM of the private key. Never log it. */
  readonly keyPem: string;
  readonly serial: string;
  readonly notBefore: string;
  readonly notAfter: string;
}

export interface TrustMaterial {
  /** Root certificate(s) PEM. */
  readonly rootsPem: string;
  /** Intermediates the issuer currently signs with, PEM (may be empty when unknown before first issuance). */
  readonly intermediatesPem: string;
}

/** The certificate on disk and its key, the client identity of a renewal. Never log `keyPem`. */
export interface CurrentCertificate {
  readonly certificatePem: string;
  readonly keyPem: string;
}

/** RFC 5280 CRL reason codes, by the names `certloop revoke --reason` takes. */
export const REVOCATION_REASONS = {
  unspecified: 0,
  keyCompromise: 1,
  caCompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  privilegeWithdrawn: 9,
  aACompromise: 10,
} as const;
export type RevocationReason = keyof typeof REVOCATION_REASONS;
export type RevocationOutcome = 'revoked' | 'already-revoked';

export interface Issuer {
  /** Stable identity (e.g. "step-ca:https://ca:9000" or "local:/var/lib/certloop/ca"), matches CertificateSpec.issuerId. */
  readonly id: string;
  /** The roots and intermediates: for chain verification and CA bundle files. No side effects on the CA. */
  trust(): Promise<TrustMaterial>;
  issue(request: IssueRequest): Promise<IssuedCertificate>;
  /**
   * Renews `current` authenticated by itself (no provisioner secret): same
   * names and lifetime, the same key unless `rekey` (then a fresh key of
   * `request.keyAlgorithm`). Absent when the issuer cannot.
   */
  renew?(current: CurrentCertificate, request: IssueRequest, rekey: boolean): Promise<IssuedCertificate>;
  /**
   * Revokes `current` (authenticated by itself, or by the issuer's own
   * credentials); a certificate the CA had already revoked is not an error.
   * Absent when the issuer cannot.
   */
  revoke?(current: CurrentCertificate, reason: RevocationReason): Promise<RevocationOutcome>;
  /** Make ready to issue (e.g. create the local CA). Called before acting, never by plan or status. */
  prepare?(): Promise<void>;
  /** Release connections and forget secrets. */
  close(): Promise<void>;
}
