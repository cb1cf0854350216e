/**
 * Parsing one certificate into plain data, cheaply (10,000 certificates):
 * - node:crypto parses and validates the DER (~0.2 ms) and checks signatures;
 * - a small DER walk slices serial, validity, names, SPKI and raw extensions
 *   (microseconds), and reads the key algorithm and the key usage bit string;
 * - @peculiar/x509 decodes what needs real ASN.1 typing: DN strings,
 *   subjectAltName by type, extended key usage, each from its own bytes rather
 *   than through its full certificate object (~1.5 ms with extensions).
 */
import { hash, X509Certificate as NodeX509Certificate } from 'node:crypto';
import type { ObservedCertificateData, SubjectAltNames } from '@certloop/core';
import { type CertificateParts, certificateParts, keyUsageNames, spkiKeyAlgorithm } from './der-read.js';
import { CertificateParseError } from './errors.js';
import { type FastName, fastName, fastOidList } from './fast-der.js';
import { fastSelfSigned, holdLink } from './link.js';
import { type CertificateDer, holdNative } from './native.js';
import { canonicalPemBody, certificateBlocks, missingPemReason } from './pem-text.js';
import { decodeSans, NO_SANS } from './san.js';
import { type LinkFacts, strictCertificate } from './strict-der.js';
import { x509 } from './x509-module.js';

/** Certificate data that does not depend on trust material (chainVerifies is added per observation). */
export type CertificateFacts = Omit<ObservedCertificateData, 'chainVerifies'>;

/**
 * A parsed certificate as plain data. Its OpenSSL object (made only when a
 * signature check needs it) and its strict link facts stay inside x509.
 */
export interface ParsedCertificate extends CertificateDer {
  readonly facts: CertificateFacts;
  /** Canonical PEM block. */
  readonly pem: string;
}

const OID = { subjectAltName: '551d11', keyUsage: '551d0f', extendedKeyUsage: '551d25' } as const;

// Bit i (from the most significant bit of the first octet) of KeyUsage, RFC 5280 4.2.1.3.
const KEY_USAGE_NAMES = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const;

const EXTENDED_KEY_USAGE_NAMES: Readonly<Record<string, string>> = {
  '1.3.6.1.5.5.7.3.1': 'serverAuth',
  '1.3.6.1.5.5.7.3.2': 'clientAuth',
  '1.3.6.1.5.5.7.3.3': 'codeSigning',
  '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '1.3.6.1.5.5.7.3.8': 'timeStamping',
  '1.3.6.1.5.5.7.3.9': 'OCSPSigning',
  '2.5.29.37.0': 'any',
};

export function sha256Hex(data: Uint8Array | string): string {
  // One-shot crypto.hash: no Hash object per call (four hashes per certificate in a pass).
  return hash('sha256', data, 'hex');
}

/**
 * Parses one canonical PEM certificate block. Throws CertificateParseError.
 * A certificate inside the strict DER subset is read without OpenSSL (the
 * native object is made only if a signature check needs it); anything else,
 * malformed input included, takes the OpenSSL path and its diagnosis.
 */
export function parseCertificateBlock(pem: string): ParsedCertificate {
  const der = canonicalPemBody(pem, 'CERTIFICATE');
  const strict = der === undefined ? undefined : strictCertificate(der);
  if (der !== undefined && strict !== undefined) {
    try {
      let made: NodeX509Certificate | undefined;
      const native = () => (made ??= new NodeX509Certificate(der));
      const selfSigned = (subjectDer: Buffer, issuerDer: Buffer) =>
        subjectDer.equals(issuerDer) && (fastSelfSigned(strict.link) ?? safeVerify(native()));
      return parsedFrom(
        pem,
        der,
        strict.parts,
        strict.subjectName,
        strict.issuerName,
        native,
        strict.link,
        selfSigned,
      );
    } catch {
      // An extension that does not decode: OpenSSL's path gives the diagnosis.
    }
  }
  return parseWithOpenSsl(pem);
}

/** @internal The OpenSSL path alone (tests compare the strict path with it). */
export function parseWithOpenSsl(pem: string): ParsedCertificate {
  let native: NodeX509Certificate;
  try {
    native = new NodeX509Certificate(pem);
  } catch (error) {
    throw new CertificateParseError('The PEM block is not a valid X.509 certificate.', { cause: error });
  }
  const der = native.raw;
  let parts: CertificateParts;
  try {
    parts = certificateParts(der);
  } catch (error) {
    throw new CertificateParseError('The certificate structure could not be read.', { cause: error });
  }
  const selfSigned = (subjectDer: Buffer, issuerDer: Buffer) =>
    subjectDer.equals(issuerDer) && safeVerify(native);
  return parsedFrom(pem, der, parts, nameOf(parts.subject), undefined, () => native, undefined, selfSigned);
}

function parsedFrom(
  pem: string,
  der: Uint8Array,
  parts: CertificateParts,
  subjectName: FastName,
  issuerName: FastName | undefined,
  native: () => NodeX509Certificate,
  link: LinkFacts | undefined,
  selfSigned: (subjectDer: Buffer, issuerDer: Buffer) => boolean,
): ParsedCertificate {
  const subject = subjectName.text;
  const issuerDer = Buffer.from(parts.issuer);
  const issuer = issuerDer.equals(parts.subject) ? subject : distinguishedName(issuerDer, issuerName);

  let sans: SubjectAltNames = NO_SANS;
  let keyUsage: string[] = [];
  let extendedKeyUsage: string[] = [];
  try {
    const san = parts.extensions.get(OID.subjectAltName);
    if (san) sans = decodeSans(san.value);
    const ku = parts.extensions.get(OID.keyUsage);
    // A bit string needs no library; @peculiar/x509's class would cost ~30x more.
    if (ku) keyUsage = keyUsageNames(ku.value, KEY_USAGE_NAMES);
    const eku = parts.extensions.get(OID.extendedKeyUsage);
    if (eku) {
      const oids =
        fastOidList(eku.value) ?? new x509.ExtendedKeyUsageExtension(eku.element).usages.map(String);
      extendedKeyUsage = oids.map((oid) => EXTENDED_KEY_USAGE_NAMES[oid] ?? oid);
    }
  } catch (error) {
    throw new CertificateParseError('An extension of the certificate could not be decoded.', {
      cause: error,
    });
  }

  const subjectDer = Buffer.from(parts.subject);
  const facts: CertificateFacts = {
    commonName: subjectName.commonName,
    sans,
    serial: parts.serialHex,
    notBefore: parts.notBefore.toISOString(),
    notAfter: parts.notAfter.toISOString(),
    keyAlgorithm: spkiKeyAlgorithm(parts.spki),
    issuer,
    subject,
    // Same name and a signature by its own key; verifying only when the names match.
    selfSigned: selfSigned(subjectDer, issuerDer),
    keyUsage,
    extendedKeyUsage,
    // The SPKI exactly as the CA encoded it (standard encodings equal what OpenSSL derives from the key).
    publicKeySha256: sha256Hex(parts.spki),
    sha256: sha256Hex(der),
  };
  const parsed: ParsedCertificate = { facts, pem, der };
  holdNative(parsed, native);
  // Read strictly or not, decided here: a leaf OpenSSL had to read keeps OpenSSL for its links too.
  holdLink(parsed, link);
  return parsed;
}

/** The DN string and first CN, from the DER when plain, else through @peculiar/x509. */
function nameOf(der: Uint8Array): FastName {
  const fast = fastName(der);
  if (fast !== undefined) return fast;
  const name = new x509.Name(der);
  return { text: name.toString(), commonName: name.getField('CN')[0] };
}

function safeVerify(certificate: NodeX509Certificate): boolean {
  try {
    return certificate.verify(certificate.publicKey);
  } catch {
    return false;
  }
}

// Leaves share a handful of issuers: their DN strings are worth remembering,
// and sharing one string keeps 100,000 observations from holding 100,000 copies.
const issuerNames = new Map<string, string>();
const MAX_ISSUER_NAMES = 1024;

/** The issuer's DN string, shared by every certificate of that issuer; `decoded` when the caller already read it. */
function distinguishedName(der: Buffer, decoded: FastName | undefined): string {
  const key = der.toString('base64');
  let name = issuerNames.get(key);
  if (name === undefined) {
    name = decoded?.text ?? nameOf(der).text;
    if (issuerNames.size >= MAX_ISSUER_NAMES) issuerNames.clear();
    issuerNames.set(key, name);
  }
  return name;
}

/**
 * The leaf (first CERTIFICATE block) of a PEM text as plain data.
 * Throws CertificateParseError on anything that is not a PEM certificate.
 */
export function parseCertificatePem(pem: string): ObservedCertificateData {
  const [leaf] = certificateBlocks(pem);
  if (leaf === undefined) {
    throw new CertificateParseError(
      `Not a PEM certificate: ${missingPemReason(Buffer.from(pem), ['CERTIFICATE'], 'certificate')}.`,
    );
  }
  return observedCertificateData(parseCertificateBlock(leaf).facts, undefined);
}

/**
 * The facts with the chain verdict, written out key by key: V8 gives every
 * object made by `{ ...facts, chainVerifies }` a hidden class of its own
 * (measured: 7,000 classes for 10,000 certificates), which costs memory and
 * turns each property read in the plan into a megamorphic lookup.
 */
export function observedCertificateData(
  facts: CertificateFacts,
  chainVerifies: boolean | undefined,
): ObservedCertificateData {
  return {
    commonName: facts.commonName,
    sans: facts.sans,
    serial: facts.serial,
    notBefore: facts.notBefore,
    notAfter: facts.notAfter,
    keyAlgorithm: facts.keyAlgorithm,
    issuer: facts.issuer,
    subject: facts.subject,
    selfSigned: facts.selfSigned,
    keyUsage: facts.keyUsage,
    extendedKeyUsage: facts.extendedKeyUsage,
    publicKeySha256: facts.publicKeySha256,
    sha256: facts.sha256,
    chainVerifies,
  };
}
