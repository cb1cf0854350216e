/** Assembles the IssuedCertificate every issuer returns, from PEM parts. */
import { type IssuedCertificate, joinPem } from '@certloop/core';
import { certificateFacts } from '@certloop/x509';

export function issuedCertificate(parts: {
  certificatePem: string;
  intermediatesPem: readonly string[];
  rootsPem: string;
  keyPem: string;
}): IssuedCertificate {
  const certificatePem = joinPem(parts.certificatePem);
  return {
    certificatePem,
    chainPem: joinPem(...parts.intermediatesPem),
    caBundlePem: joinPem(parts.rootsPem),
    keyPem: parts.keyPem,
    ...certificateFacts(certificatePem),
  };
}
