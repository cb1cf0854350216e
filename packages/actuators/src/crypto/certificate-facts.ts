/** The few facts about an issued certificate that IssuedCertificate carries. */
import { x509 } from './x509-provider.js';

export interface CertificateFacts {
  /** Hex, lower case, no separators. */
  readonly serial: string;
  readonly notBefore: string;
  readonly notAfter: string;
}

export function certificateFacts(certificatePem: string): CertificateFacts {
  const cert = new x509.X509Certificate(certificatePem);
  return {
    serial: cert.serialNumber.toLowerCase(),
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
  };
}
