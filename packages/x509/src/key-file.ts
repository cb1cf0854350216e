/**
 * Private key files: which algorithm, and the sha256 of the public key derived
 * from it (compared with the certificate's; nothing is signed). node:crypto
 * reads PKCS#8, SEC1 and PKCS#1 PEM. Key material never goes into messages.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import type { ObservedCertificateData, ObservedKeyData } from '@certloop/core';
import { splitPemBlocks } from '@certloop/core';
import { parseCertificatePem, sha256Hex } from './certificate.js';
import { spkiKeyAlgorithm } from './der-read.js';
import { ecPublicKeyOf } from './ec-key.js';
import { missingPemReason, pemLabel } from './pem-text.js';

const SUPPORTED_LABELS = ['PRIVATE KEY', 'EC PRIVATE KEY', 'RSA PRIVATE KEY'] as const;

export type KeyParse = { readonly key: ObservedKeyData } | { readonly error: string };

/** Whether a key is the certificate's: the public key derived from it hashes as the certificate's SPKI. */
export function keyMatchesCertificate(
  certificate: Pick<ObservedCertificateData, 'publicKeySha256'>,
  key: Pick<ObservedKeyData, 'publicKeySha256'>,
): boolean {
  return certificate.publicKeySha256 === key.publicKeySha256;
}

/** Whether a PEM key belongs to the first certificate of a PEM text; false when either does not parse. */
export function keyPemMatchesCertificatePem(certificatePem: string, keyPem: string): boolean {
  const key = parseKeyContent(Buffer.from(keyPem, 'utf8'));
  if (!('key' in key)) return false;
  try {
    return keyMatchesCertificate(parseCertificatePem(certificatePem), key.key);
  } catch {
    return false;
  }
}

export function parseKeyContent(content: Buffer): KeyParse {
  const text = content.toString('utf8');
  const block = splitPemBlocks(text).find((b) => pemLabel(b)?.endsWith('PRIVATE KEY'));
  if (block === undefined) {
    return { error: missingPemReason(content, SUPPORTED_LABELS, 'private key') };
  }
  const label = pemLabel(block)!;
  if (!(SUPPORTED_LABELS as readonly string[]).includes(label)) {
    return { error: `unsupported key format "${label}" (expected PKCS#8, SEC1 or PKCS#1 PEM)` };
  }
  // EC keys (what certloop writes) take the fast path; everything else goes through OpenSSL.
  if (label !== 'RSA PRIVATE KEY') {
    const body = pemBody(block);
    const ec = body && ecPublicKeyOf(body, label === 'PRIVATE KEY' ? 'pkcs8' : 'sec1');
    if (ec !== undefined)
      return { key: { keyAlgorithm: ec.keyAlgorithm, publicKeySha256: sha256Hex(ec.spki) } };
  }
  try {
    const privateKey = createPrivateKey({ key: block, format: 'pem' });
    const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
    return { key: { keyAlgorithm: spkiKeyAlgorithm(spki), publicKeySha256: sha256Hex(spki) } };
  } catch {
    // The crypto error says nothing more useful and must not carry key bytes.
    return { error: `the ${label} block could not be parsed` };
  }
}

/** The DER inside a canonical PEM block; undefined when it has headers (an encrypted legacy key: OpenSSL decides). */
function pemBody(block: string): Buffer | undefined {
  const lines = block.split('\n').slice(1, -1);
  return lines.some((line) => line.includes(':')) ? undefined : Buffer.from(lines.join(''), 'base64');
}
