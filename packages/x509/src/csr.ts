/**
 * Certificate signing requests (PKCS#10): CN plus every SAN, signed with the
 * certificate's own key. Encoded by hand and signed with node:crypto: this is
 * on the path of every issuance, where a certificate library and a WebCrypto
 * key import cost ~3 ms a request.
 */
import { sign } from 'node:crypto';
import type { KeyAlgorithm, SubjectAltNames } from '@certloop/core';
import {
  bitString,
  contextConstructed,
  contextPrimitive,
  derNull,
  objectIdentifier,
  octetString,
  pemOf,
  sequence,
  setOf,
  smallInteger,
  utf8String,
} from './der-write.js';
import { ipAddressBytes } from './ip-bytes.js';
import type { PrivateKey } from './native.js';
import { issuableAlgorithmOf, keyObjectOf, spkiDer } from './private-key.js';
import { hasAnySan } from './san-encode.js';

const OID_COMMON_NAME = '2.5.4.3';
const OID_EXTENSION_REQUEST = '1.2.840.113549.1.9.14';
const OID_SUBJECT_ALT_NAME = '2.5.29.17';

/** How each key algorithm signs: digest for crypto.sign and the AlgorithmIdentifier (hash matched to the curve, as step-ca does). */
function signatureScheme(algorithm: KeyAlgorithm): { digest: string | null; algorithmIdentifier: Buffer } {
  switch (algorithm) {
    case 'ecdsa-p256':
      return { digest: 'sha256', algorithmIdentifier: sequence(objectIdentifier('1.2.840.10045.4.3.2')) };
    case 'ecdsa-p384':
      return { digest: 'sha384', algorithmIdentifier: sequence(objectIdentifier('1.2.840.10045.4.3.3')) };
    case 'rsa-2048':
    case 'rsa-3072':
    case 'rsa-4096':
      // sha256WithRSAEncryption takes explicit NULL parameters (RFC 4055).
      return {
        digest: 'sha256',
        algorithmIdentifier: sequence(objectIdentifier('1.2.840.113549.1.1.11'), derNull()),
      };
    case 'ed25519':
      return { digest: null, algorithmIdentifier: sequence(objectIdentifier('1.3.101.112')) };
  }
}

/** GeneralNames of the SANs: dNSName [2], iPAddress [7], rfc822Name [1], uniformResourceIdentifier [6]. */
function generalNamesDer(sans: SubjectAltNames): Buffer {
  return sequence(
    ...sans.dns.map((name) => contextPrimitive(2, Buffer.from(name, 'ascii'))),
    ...sans.ip.map((address) => contextPrimitive(7, ipAddressBytes(address))),
    ...sans.email.map((email) => contextPrimitive(1, Buffer.from(email, 'ascii'))),
    ...sans.uri.map((uri) => contextPrimitive(6, Buffer.from(uri, 'ascii'))),
  );
}

/** The request's attributes: an extensionRequest with the SAN extension, or none. */
function attributesDer(sans: SubjectAltNames): Buffer {
  if (!hasAnySan(sans)) return contextConstructed(0);
  const sanExtension = sequence(objectIdentifier(OID_SUBJECT_ALT_NAME), octetString(generalNamesDer(sans)));
  return contextConstructed(
    0,
    sequence(objectIdentifier(OID_EXTENSION_REQUEST), setOf(sequence(sanExtension))),
  );
}

/**
 * A PEM CSR for `key` (a key value, or PKCS#8 PEM) with subject CN
 * `commonName` and the given SANs.
 */
export function createCsr(key: PrivateKey | string, commonName: string, sans: SubjectAltNames): string {
  const privateKey = keyObjectOf(key);
  const algorithm = issuableAlgorithmOf(privateKey);
  const { digest, algorithmIdentifier } = signatureScheme(algorithm);
  const info = sequence(
    smallInteger(0),
    sequence(setOf(sequence(objectIdentifier(OID_COMMON_NAME), utf8String(commonName)))),
    spkiDer(privateKey),
    attributesDer(sans),
  );
  // ECDSA signatures come out DER-encoded, as PKCS#10 wants them.
  const der = sequence(info, algorithmIdentifier, bitString(sign(digest, info, privateKey)));
  return pemOf('CERTIFICATE REQUEST', der);
}
