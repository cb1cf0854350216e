/** The few facts about an issued certificate that IssuedCertificate carries. */
import { X509Certificate } from 'node:crypto';

export interface CertificateFacts {
  /** Hex, lower case, no separators, no leading zero bytes (as the observers report it). */
  readonly serial: string;
  readonly notBefore: string;
  readonly notAfter: string;
}

/** node:crypto rather than @peculiar/x509: a fraction of the cost on the issuance path. */
export function certificateFacts(certificatePem: string): CertificateFacts {
  const cert = new X509Certificate(certificatePem);
  return {
    serial: cert.serialNumber.toLowerCase().replace(/^(00)+(?=.)/, ''),
    notBefore: new Date(cert.validFrom).toISOString(),
    notAfter: new Date(cert.validTo).toISOString(),
  };
}
