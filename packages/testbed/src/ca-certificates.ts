/**
 * The CA certificates of a test PKI, made as `step ca init` makes them: an EC
 * P-256 root and intermediate with step's serials and extensions, the
 * intermediate key as PKCS#8 PEM. pki.ts lays them out with the rest.
 */
import 'reflect-metadata';
import { createHash, randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as ReturnType<typeof x509.cryptoProvider.get>);

const TEN_YEARS_MS = 10 * 365 * 24 * 60 * 60 * 1000;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** A positive 128-bit serial, as step generates them. */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return bytes.toString('hex');
}

function pkcs8Pem(der: ArrayBuffer): string {
  const body = Buffer.from(der)
    .toString('base64')
    .replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN PRIVATE KEY-----\n${body}-----END PRIVATE KEY-----\n`;
}

export function fingerprintOf(certPem: string): string {
  const der = Buffer.from(new x509.X509Certificate(certPem).rawData);
  return createHash('sha256').update(der).digest('hex');
}

async function newEcKeys(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
}

/** Root (pathlen 1) and intermediate (pathlen 0), both certSign + crlSign, as `step ca init` makes them. */
export async function createCaCertificates(name: string) {
  const notBefore = new Date();
  const notAfter = new Date(notBefore.getTime() + TEN_YEARS_MS);
  const rootKeys = await newEcKeys();
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: `CN=${name} Root CA, O=${name}`,
    notBefore,
    notAfter,
    signingAlgorithm: SIGNING,
    keys: rootKeys,
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      new x509.BasicConstraintsExtension(true, 1, true),
      await x509.SubjectKeyIdentifierExtension.create(rootKeys.publicKey),
    ],
  });

  const intermediateKeys = await newEcKeys();
  const intermediate = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=${name} Intermediate CA, O=${name}`,
    issuer: root.subject,
    notBefore,
    notAfter,
    signingAlgorithm: SIGNING,
    publicKey: intermediateKeys.publicKey,
    signingKey: rootKeys.privateKey,
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      new x509.BasicConstraintsExtension(true, 0, true),
      await x509.SubjectKeyIdentifierExtension.create(intermediateKeys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(rootKeys.publicKey),
    ],
  });
  const intermediateKeyDer = await webcrypto.subtle.exportKey('pkcs8', intermediateKeys.privateKey);
  return {
    rootPem: `${root.toString('pem')}\n`,
    intermediatePem: `${intermediate.toString('pem')}\n`,
    intermediateKeyPem: pkcs8Pem(intermediateKeyDer),
  };
}
