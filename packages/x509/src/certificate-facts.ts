/**
 * The few facts about an issued certificate that IssuedCertificate carries,
 * read with the same DER reader, serial and time decoding as observation, so
 * the issuer and the observers cannot disagree about a serial or an expiry.
 */
import { X509Certificate } from 'node:crypto';
import { certificateParts, DerError } from './der-read.js';
import { canonicalPemBody, certificateBlocks } from './pem-text.js';

export interface IssuedCertificateFacts {
  /** Hex, lower case, no separators, no sign octet (as the observers report it). */
  readonly serial: string;
  readonly notBefore: string;
  readonly notAfter: string;
}

/** Serial and validity straight from the DER of the TBSCertificate: no full parse on the issuance path. */
export function factsFromDer(der: Uint8Array): IssuedCertificateFacts {
  const parts = certificateParts(der);
  return {
    serial: parts.serialHex,
    notBefore: parts.notBefore.toISOString(),
    notAfter: parts.notAfter.toISOString(),
  };
}

/** The first certificate of `certificatePem`; node:crypto's parse for anything the DER reader does not expect (it throws on garbage). */
export function certificateFacts(certificatePem: string): IssuedCertificateFacts {
  const [block] = certificateBlocks(certificatePem);
  const der = block === undefined ? undefined : canonicalPemBody(block, 'CERTIFICATE');
  if (der !== undefined) {
    try {
      return factsFromDer(der);
    } catch (error) {
      if (!(error instanceof DerError)) throw error;
    }
  }
  return factsFromDer(new X509Certificate(certificatePem).raw);
}
