import {
  type DesiredCertificate,
  type IssuedCertificate,
  IssuerError,
  joinPem,
  type ObservedCertificateData,
  omitUndefined,
  type Provenance,
  type Reason,
  type TrustMaterial,
} from '@certloop/core';
import { decide } from '../policies/actions.js';
import type { FileToWrite } from '../ports.js';
import type { PassContext, Verified } from './context.js';

/** What a fresh certificate may still show and be written anyway: the CA capped its lifetime. */
const ACCEPTED_AFTER_ISSUANCE: ReadonlySet<Reason['code']> = new Set(['renewal-due', 'hook-pending']);

/** Provenance before the CA answers: what was requested, not yet what came back. */
export type RequestRecord = Omit<Provenance, 'serial' | 'certificateSha256' | 'notAfter'>;

/** An issuance checked in memory, and its provenance completed from that one inspection. */
export interface CheckedIssuance extends Verified {
  readonly provenance: Provenance;
}

/**
 * Checks an issued certificate before it replaces anything: the policies see
 * the files as they will be (parsed in memory: names, key pair, algorithm,
 * validity, chain to the roots). A certificate that is wrong for the manifest
 * is refused and the old files stay; one that is right but due for renewal at
 * once is written and reported as still drifting. The serial, expiry and
 * leaf hash recorded in provenance come from this same parse: the leaf is
 * not decoded or hashed again.
 */
export async function checkIssued(
  ctx: PassContext,
  cert: DesiredCertificate,
  files: readonly FileToWrite[],
  request: RequestRecord,
  issued: IssuedCertificate,
): Promise<CheckedIssuance> {
  const observed = await ctx.ports.inspect(cert, files, trustOfIssued(ctx, issued));
  const leaf = observed.certificate;
  if (leaf === undefined) {
    throw new IssuerError(
      'ISSUER_REJECTED',
      `The CA's certificate (serial ${issued.serial}) was not written, it could not be read: ${observed.certificateError ?? 'no certificate in the answer'}.`,
      { hint: "Check the CA's answer; the files in place were left as they were.", retryable: false },
    );
  }
  const provenance = completedProvenance(request, leaf);
  const ids = ctx.ids.get(cert.name);
  const { reasons } = decide(
    omitUndefined({ desired: cert, observed, now: ctx.ports.clock(), provenance, ids }),
  );
  const refused = reasons.filter((r) => !ACCEPTED_AFTER_ISSUANCE.has(r.code));
  if (refused.length > 0) {
    throw new IssuerError(
      'ISSUER_REJECTED',
      `The CA's certificate (serial ${leaf.serial}) was not written, it does not match the manifest: ${refused.map((r) => r.message).join(' ')}`,
      {
        hint: "Check the CA's provisioner (template, policy, clock); the files in place were left as they were.",
        retryable: refused.every((r) => r.code === 'not-yet-valid'),
      },
    );
  }
  return { reasons: reasons.filter((r) => r.code !== 'hook-pending'), observed, provenance };
}

/** In the order of the record on disk (name, request, then what came back). */
function completedProvenance(request: RequestRecord, leaf: ObservedCertificateData): Provenance {
  return {
    name: request.name,
    specHash: request.specHash,
    commonName: request.commonName,
    sans: request.sans,
    keyAlgorithm: request.keyAlgorithm,
    requestedLifetimeMs: request.requestedLifetimeMs,
    issuerId: request.issuerId,
    serial: leaf.serial,
    certificateSha256: leaf.sha256,
    issuedAt: request.issuedAt,
    notAfter: leaf.notAfter,
    files: request.files,
  };
}

/**
 * The trust a certificate from this issuance is checked against: the roots
 * the issuer is configured to trust (what it puts in CA bundle files, never
 * taken from the CA's answer) and the intermediates the CA just sent. One
 * object per distinct pair, so the observers prepare (parse) it once per pass.
 */
function trustOfIssued(ctx: PassContext, issued: IssuedCertificate): TrustMaterial {
  const { trust } = ctx;
  if (
    trust !== undefined &&
    trust.intermediatesPem === issued.chainPem &&
    joinPem(trust.rootsPem) === issued.caBundlePem
  ) {
    return trust;
  }
  const key = `${issued.caBundlePem}\u0000${issued.chainPem}`;
  let material = ctx.issuedTrust.get(key);
  if (material === undefined) {
    material = { rootsPem: issued.caBundlePem, intermediatesPem: issued.chainPem };
    ctx.issuedTrust.set(key, material);
  }
  return material;
}
