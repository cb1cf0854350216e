/**
 * Which way a (re)issuance goes: renewed over mTLS with the certificate on
 * disk (`renew` keeps the key, `rekey` makes a fresh one), or signed anew
 * through the issuer's credentials (`sign`: the Step-CA provisioner token or
 * the local CA). Pure, like the drift chains: the plan shows the answer and
 * the issue stage follows it.
 */
import type { IssuerConfig, Reason, ReasonCode, RenewalMode } from '@certloop/core';
import { type PolicyInput, provenanceDescribesCertificate } from './input.js';

export const RENEWAL_PATHS = ['renew', 'rekey', 'sign', 'blocked'] as const;
/** `blocked`: renewal `mtls` forbids signing anew, and mTLS is not possible. */
export type RenewalPath = (typeof RENEWAL_PATHS)[number];

export interface RenewalRoute {
  readonly path: RenewalPath;
  /** A full sentence: why this path. */
  readonly reason: string;
}

/** Reasons that leave the certificate's content as it is: a renewal reproduces it. */
const RENEWABLE_REASONS: ReadonlySet<ReasonCode> = new Set<ReasonCode>(['renewal-due']);

/** Why the certificate on disk cannot authenticate its own renewal, or undefined when it can. */
export function whyNotMtls(input: PolicyInput, reasons: readonly Reason[]): string | undefined {
  const cert = input.observed.certificate;
  if (cert === undefined) return 'There is no certificate to renew yet.';
  // An operator who forces a reissue (--force, or revoke) asks for a certificate signed anew.
  if (reasons.some((r) => r.code === 'forced')) return 'A forced reissue is signed anew.';
  const blocking = reasons.find((r) => !RENEWABLE_REASONS.has(r.code));
  if (blocking !== undefined) return `A renewal would copy the certificate as it is: ${blocking.message}`;
  const now = input.now.getTime();
  if (now >= Date.parse(cert.notAfter)) return 'The certificate has expired; step-ca renews only valid ones.';
  if (now < Date.parse(cert.notBefore)) return 'The certificate is not valid yet.';
  if (input.observed.keyMatchesCertificate !== true) {
    return 'The private key on disk is missing or does not belong to the certificate.';
  }
  if (cert.chainVerifies === false) return 'The certificate does not chain to the configured CA.';
  if (!cert.extendedKeyUsage.includes('clientAuth')) {
    return 'The certificate lacks the clientAuth extended key usage step-ca authenticates renewals with.';
  }
  if (!provenanceDescribesCertificate(input)) {
    return 'certloop has no record of requesting this certificate, so its spec cannot be compared.';
  }
  if (input.provenance?.specHash !== input.desired.specHash) {
    return 'The spec changed since the certificate was requested.';
  }
  return undefined;
}

/**
 * The route of a (re)issuance with these drift reasons, for an issuer that
 * can renew; an empty list asks about the next renewal of a certificate that
 * is in sync.
 */
export function renewalRouteOf(
  input: PolicyInput,
  reasons: readonly Reason[],
  mode: RenewalMode,
): RenewalRoute {
  if (mode === 'provisioner') {
    return { path: 'sign', reason: 'The issuer setting renewal: provisioner signs every certificate anew.' };
  }
  const why = whyNotMtls(input, reasons);
  if (why === undefined) {
    const rekey = input.desired.rotation === 'always';
    return {
      path: rekey ? 'rekey' : 'renew',
      reason: rekey
        ? 'Renewing over mTLS with the current certificate, with a fresh key (rotation always).'
        : 'Renewing over mTLS with the current certificate, keeping its key (rotation never).',
    };
  }
  if (mode === 'mtls' && input.observed.certificate !== undefined) {
    return { path: 'blocked', reason: `renewal: mtls cannot renew this certificate: ${why}` };
  }
  return { path: 'sign', reason: `Signing anew with the provisioner: ${why}` };
}

/** The renewal mode of the configured issuer; undefined for the local CA, which has no renewal. */
export function renewalModeOf(issuer: IssuerConfig | undefined): RenewalMode | undefined {
  if (issuer?.type === 'local') return undefined;
  // No issuer section (legacy manifests): Step-CA from flags or $STEPPATH.
  return issuer?.renewal ?? 'auto';
}
