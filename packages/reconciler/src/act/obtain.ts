/**
 * How a new certificate is obtained, following the plan's renewal route:
 * renewed over mTLS with the certificate on disk, or signed anew. In `auto`
 * a renewal the CA refuses falls back to signing; every fallback is logged
 * with its reason. `blocked` (renewal: mtls) fails with the plan's reason.
 */
import {
  type DesiredCertificate,
  type IssuedCertificate,
  type IssueRequest,
  IssuerError,
  type ObservedCertificate,
  splitPemBlocks,
} from '@certloop/core';
import type { RenewalRoute } from '../policies/renewal-path.js';
import { renewalModeOf } from '../policies/renewal-path.js';
import type { PassContext } from './context.js';

export interface Obtained {
  readonly issued: IssuedCertificate;
  /** The key on disk was kept (rotation never, or renewed with it). */
  readonly keptKey: boolean;
}

export async function obtainCertificate(
  ctx: PassContext,
  cert: DesiredCertificate,
  observed: ObservedCertificate,
  request: IssueRequest,
  route: RenewalRoute | undefined,
): Promise<Obtained> {
  const { ports } = ctx;
  const sign = async (): Promise<Obtained> => ({
    issued: await ports.issuer.issue(request),
    keptKey: request.existingKeyPem !== undefined,
  });
  if (route?.path === 'blocked') {
    throw new IssuerError('ISSUER_REJECTED', `Cannot renew ${cert.name}. ${route.reason}`, {
      retryable: false,
      hint: 'Set renewal: auto in the issuer section to let certloop sign anew with the provisioner.',
    });
  }
  const renew = ports.issuer.renew?.bind(ports.issuer);
  const mode = renewalModeOf(ctx.desired.issuer);
  if (route === undefined || route.path === 'sign' || renew === undefined) {
    // A fallback: a certificate on disk signed anew although the setting prefers mTLS. Say why.
    const fallback = route !== undefined && renew !== undefined && mode !== 'provisioner';
    if (fallback && observed.certificate !== undefined) {
      ports.logger.info(`Not renewing ${cert.name} over mTLS. ${route.reason}`, { name: cert.name });
    }
    return sign();
  }

  const rekey = route.path === 'rekey';
  const current = await currentCertificateOf(ctx, cert);
  if (current === undefined) {
    const why = 'the certificate or its key could not be read back.';
    if (mode === 'mtls') {
      throw new IssuerError('ISSUER_REJECTED', `Cannot renew ${cert.name} over mTLS: ${why}`, {
        retryable: false,
      });
    }
    ports.logger.warn(`Signing ${cert.name} anew with the provisioner: ${why}`, { name: cert.name });
    return sign();
  }
  try {
    const issued = await renew(current, { ...request, existingKeyPem: undefined }, rekey);
    return { issued, keptKey: !rekey };
  } catch (error) {
    // Transient faults are retried later as they are; only a refusal has a fallback.
    if (!(error instanceof IssuerError) || error.retryable || mode === 'mtls') throw error;
    ports.logger.warn(
      `The CA refused to renew ${cert.name}; signing anew with the provisioner: ${error.message}`,
      {
        name: cert.name,
      },
    );
    return sign();
  }
}

/** The leaf (first block of the certificate file, or of the full chain) and the key, from disk. */
async function currentCertificateOf(
  ctx: PassContext,
  cert: DesiredCertificate,
): Promise<{ certificatePem: string; keyPem: string } | undefined> {
  const certPath = cert.files.cert ?? cert.files.fullchain;
  const keyPath = cert.files.key;
  if (certPath === undefined || keyPath === undefined) return undefined;
  const [certificateText, keyPem] = await Promise.all([
    ctx.ports.readCertificate(certPath),
    ctx.ports.readKey(keyPath),
  ]);
  const leaf = certificateText === undefined ? undefined : splitPemBlocks(certificateText)[0];
  if (leaf === undefined || keyPem === undefined) return undefined;
  return { certificatePem: leaf, keyPem };
}
