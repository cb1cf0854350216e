/** The certificates the local CA makes: its root, its intermediate, and leaves like step-ca's default template. */
import { randomBytes } from 'node:crypto';
import type { SubjectAltNames } from '@certloop/core';
import type { WebCryptoKeyPair } from '../../crypto/keys.js';
import { generalNames, hasAnySan } from '../../crypto/sans.js';
import { x509 } from '../../crypto/x509-provider.js';

const CA_VALIDITY_MS = 10 * 365 * 24 * 3_600_000;
/** Like step-ca: notBefore a minute early, for clocks slightly behind. */
export const LOCAL_CA_BACKDATE_MS = 60_000;

export const ROOT_NAME = 'certloop local root CA';
export const INTERMEDIATE_NAME = 'certloop local intermediate CA';

/** 128 random bits, positive (top bit clear), as hex. */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] as number) & 0x7f;
  return bytes.toString('hex');
}

export async function createRootCertificate(keys: WebCryptoKeyPair, now: Date): Promise<string> {
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: [{ CN: [ROOT_NAME] }],
    notBefore: new Date(now.getTime() - LOCAL_CA_BACKDATE_MS),
    notAfter: new Date(now.getTime() + CA_VALIDITY_MS),
    keys: { privateKey: keys.privateKey, publicKey: keys.publicKey },
    signingAlgorithm: keys.signParams,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return cert.toString('pem');
}

export async function createIntermediateCertificate(
  keys: WebCryptoKeyPair,
  root: { readonly certificate: x509.X509Certificate; readonly keys: WebCryptoKeyPair },
  now: Date,
): Promise<string> {
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: [{ CN: [INTERMEDIATE_NAME] }],
    issuer: root.certificate.subjectName,
    notBefore: new Date(now.getTime() - LOCAL_CA_BACKDATE_MS),
    notAfter: new Date(Math.min(now.getTime() + CA_VALIDITY_MS, root.certificate.notAfter.getTime())),
    publicKey: keys.publicKey,
    signingKey: root.keys.privateKey,
    signingAlgorithm: root.keys.signParams,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(root.keys.publicKey),
    ],
  });
  return cert.toString('pem');
}

export interface LeafRequest {
  readonly commonName: string;
  readonly sans: SubjectAltNames;
  readonly publicKey: WebCryptoKeyPair;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** `client`: clientAuth only; otherwise (a server) serverAuth + clientAuth, as step-ca's default template. */
  readonly usage?: 'server' | 'client';
}

/** A TLS leaf: serverAuth + clientAuth (a client certificate: clientAuth only), digitalSignature (plus keyEncipherment for RSA, as step-ca does). */
export async function createLeafCertificate(
  leaf: LeafRequest,
  intermediate: { readonly certificate: x509.X509Certificate; readonly keys: WebCryptoKeyPair },
): Promise<string> {
  const usages = leaf.publicKey.algorithm.startsWith('rsa-')
    ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment
    : x509.KeyUsageFlags.digitalSignature;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: [{ CN: [leaf.commonName] }],
    issuer: intermediate.certificate.subjectName,
    notBefore: leaf.notBefore,
    notAfter: leaf.notAfter,
    publicKey: leaf.publicKey.publicKey,
    signingKey: intermediate.keys.privateKey,
    signingAlgorithm: intermediate.keys.signParams,
    extensions: [
      new x509.KeyUsagesExtension(usages, true),
      new x509.ExtendedKeyUsageExtension(
        leaf.usage === 'client'
          ? [x509.ExtendedKeyUsage.clientAuth]
          : [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
      ),
      await x509.SubjectKeyIdentifierExtension.create(leaf.publicKey.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(intermediate.keys.publicKey),
      ...(hasAnySan(leaf.sans) ? [new x509.SubjectAlternativeNameExtension(generalNames(leaf.sans))] : []),
    ],
  });
  return cert.toString('pem');
}
