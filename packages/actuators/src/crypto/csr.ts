/** Certificate signing requests: CN plus every SAN, signed with the certificate's own key. */
import type { SubjectAltNames } from '@certloop/core';
import { importKeyPair } from './keys.js';
import { generalNames, hasAnySan } from './sans.js';
import { x509 } from './x509-provider.js';

/** A PEM CSR for `keyPem` (PKCS#8) with subject CN `commonName` and the given SANs. */
export async function createCsr(keyPem: string, commonName: string, sans: SubjectAltNames): Promise<string> {
  const keys = await importKeyPair(keyPem);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [commonName] }],
    keys: { privateKey: keys.privateKey, publicKey: keys.publicKey },
    signingAlgorithm: keys.signParams,
    extensions: hasAnySan(sans) ? [new x509.SubjectAlternativeNameExtension(generalNames(sans))] : [],
  });
  return csr.toString('pem');
}
