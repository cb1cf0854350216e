/** What every issuer (Step-CA, the built-in local CA) offers the engine. */
import type { CertificateUsage, KeyAlgorithm, SubjectAltNames } from './model.js';
import { omitUndefined } from './objects.js';

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

/** The calls of an issuer that ask the CA for something: a certificate, or its end. */
export type IssuerCall = 'issue' | 'renew' | 'revoke';

/** What a wrapper adds around an issuer's calls; each gets the call to make and makes it (or not). */
export interface IssuerDecoration {
  trust?(next: () => Promise<TrustMaterial>): Promise<TrustMaterial>;
  call?<R>(kind: IssuerCall, next: () => Promise<R>): Promise<R>;
}

/**
 * An issuer that forwards every method to `inner` through `decoration`. One
 * place for it because issuers are class instances (their methods live on the
 * prototype, so a spread loses them) and a wrapper that lists methods by hand
 * silently drops the optional ones it forgot: an optional capability stays
 * present exactly when `inner` has it.
 */
export function decorateIssuer(inner: Issuer, decoration: IssuerDecoration): Issuer {
  const call = <R>(kind: IssuerCall, next: () => Promise<R>): Promise<R> =>
    decoration.call === undefined ? next() : decoration.call(kind, next);
  const { renew, revoke, prepare } = inner;
  return omitUndefined({
    id: inner.id,
    trust: () => (decoration.trust === undefined ? inner.trust() : decoration.trust(() => inner.trust())),
    issue: (request: IssueRequest) => call('issue', () => inner.issue(request)),
    renew:
      renew === undefined
        ? undefined
        : (current: CurrentCertificate, request: IssueRequest, rekey: boolean) =>
            call('renew', () => renew.call(inner, current, request, rekey)),
    revoke:
      revoke === undefined
        ? undefined
        : (current: CurrentCertificate, reason: RevocationReason) =>
            call('revoke', () => revoke.call(inner, current, reason)),
    prepare: prepare === undefined ? undefined : () => prepare.call(inner),
    close: () => inner.close(),
  });
}
