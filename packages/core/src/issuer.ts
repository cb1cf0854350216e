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

export interface Issuer {
  /** Stable identity (e.g. "step-ca:https://ca:9000" or "local:/var/lib/certloop/ca"), matches CertificateSpec.issuerId. */
  readonly id: string;
  /** The roots and intermediates: for chain verification and CA bundle files. No side effects on the CA. */
  trust(): Promise<TrustMaterial>;
  issue(request: IssueRequest): Promise<IssuedCertificate>;
  /** Make ready to issue (e.g. create the local CA). Called before acting, never by plan or status. */
  prepare?(): Promise<void>;
  /** Release connections and forget secrets. */
  close(): Promise<void>;
}
