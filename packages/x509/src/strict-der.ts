/**
 * A strict reading of a certificate's DER, so that ordinary certificates need
 * no OpenSSL object: it accepts only a subset of what OpenSSL's d2i_X509
 * accepts (minimal lengths, v3, plain names, well-formed times, integers,
 * OIDs and extension envelopes) and returns undefined for anything else, and
 * the caller then lets OpenSSL decide as before. Accepting something OpenSSL
 * rejects would be a bug; rejecting something it accepts only costs time.
 * One file over 300 lines on purpose: its checks together draw that one
 * boundary, and the byte-flip test in link.test.ts holds all of them to it.
 */
import {
  type CertificateParts,
  certificateTime,
  childrenOf,
  DerError,
  hex,
  type RawExtension,
  readTlv,
  serialMagnitudeHex,
  TAG,
  type Tlv,
} from './der-read.js';
import { type FastName, fastName } from './fast-der.js';

/** What a signature check of this certificate needs, and what OpenSSL's checkIssued looks at. */
export interface LinkFacts {
  /** The TBSCertificate element: the signed bytes. */
  readonly tbs: Uint8Array;
  /** The AlgorithmIdentifier inside the TBS and the outer one (X509_verify wants them equal). */
  readonly tbsSignatureAlgorithm: Uint8Array;
  readonly signatureAlgorithm: Uint8Array;
  /** BIT STRING content after its unused-bits octet; undefined when that octet is not 0. */
  readonly signature: Uint8Array | undefined;
  readonly issuer: Uint8Array;
  readonly subject: Uint8Array;
  /** The names as OpenSSL's X509_NAME_cmp compares them (see canonicalName). */
  readonly issuerCanonical: string;
  readonly subjectCanonical: string;
  readonly spki: Uint8Array;
  /**
   * Every extension OpenSSL decodes while caching extensions (which makes
   * checkIssued fail when one is malformed or repeated) is one this module
   * checked; false sends every check of this certificate to OpenSSL.
   */
  readonly plainExtensions: boolean;
  /** AuthorityKeyIdentifier keyIdentifier (plain extensions only hold an AKI with just that). */
  readonly authorityKeyId: Uint8Array | undefined;
  readonly subjectKeyId: Uint8Array | undefined;
  /** OpenSSL's ex_kusage (first two octets of the bits), when keyUsage is present. */
  readonly keyUsage: number | undefined;
}

export interface StrictCertificate {
  readonly parts: CertificateParts;
  readonly subjectName: FastName;
  readonly issuerName: FastName;
  readonly link: LinkFacts;
}

/** The strict reading, or undefined when the DER is outside the subset (OpenSSL decides then). */
export function strictCertificate(der: Uint8Array): StrictCertificate | undefined {
  try {
    return readCertificate(der);
  } catch (error) {
    if (error instanceof DerError) return undefined;
    throw error;
  }
}

/** One TLV with a one-octet tag and a minimally encoded definite length. */
export function readStrictTlv(der: Uint8Array, offset: number, limit: number): Tlv {
  return readTlv(der, offset, limit, true);
}

const children = (der: Uint8Array, parent: Tlv): Tlv[] => childrenOf(der, parent, true);

function expectTag(element: Tlv | undefined, tag: number, what: string): Tlv {
  if (element?.tag !== tag) throw new DerError(`${what} missing`);
  return element;
}

const content = (der: Uint8Array, t: Tlv) => der.subarray(t.contentStart, t.end);
const element = (der: Uint8Array, t: Tlv) => der.subarray(t.start, t.end);

// a0 03 02 01 02: [0] EXPLICIT INTEGER 2 (v3)
const V3 = [0xa0, 0x03, 0x02, 0x01, 0x02];

function readCertificate(der: Uint8Array): StrictCertificate {
  const certificate = readStrictTlv(der, 0, der.length);
  if (certificate.tag !== TAG.sequence || certificate.end !== der.length)
    throw new DerError('the certificate SEQUENCE does not span the input');
  const top = children(der, certificate);
  if (top.length !== 3) throw new DerError('a certificate has three parts');
  const tbs = expectTag(top[0], TAG.sequence, 'tbsCertificate');
  const signatureAlgorithm = expectTag(top[1], TAG.sequence, 'signatureAlgorithm');
  const signatureValue = expectTag(top[2], 0x03, 'signatureValue');
  checkAlgorithmIdentifier(der, signatureAlgorithm);
  checkBitString(der, signatureValue);

  const fields = children(der, tbs);
  const version = expectTag(fields[0], TAG.version, 'version');
  if (version.end - version.start !== V3.length || V3.some((b, i) => der[version.start + i] !== b))
    throw new DerError('only v3 certificates are read here');
  const serial = expectTag(fields[1], TAG.integer, 'serialNumber');
  checkInteger(der, serial);
  const tbsSignature = expectTag(fields[2], TAG.sequence, 'signature');
  checkAlgorithmIdentifier(der, tbsSignature);
  const issuer = expectTag(fields[3], TAG.sequence, 'issuer');
  const validity = expectTag(fields[4], TAG.sequence, 'validity');
  const subject = expectTag(fields[5], TAG.sequence, 'subject');
  const spki = expectTag(fields[6], TAG.sequence, 'subjectPublicKeyInfo');
  if (fields.length > 8) throw new DerError('unexpected TBS fields');
  const extensionsField = fields[7];
  if (extensionsField !== undefined) expectTag(extensionsField, TAG.extensions, 'extensions');

  const [notBefore, notAfter, ...moreTimes] = children(der, validity);
  if (!notBefore || !notAfter || moreTimes.length > 0) throw new DerError('validity has two times');
  const spkiParts = children(der, spki);
  if (spkiParts.length !== 2) throw new DerError('SubjectPublicKeyInfo has two parts');
  checkAlgorithmIdentifier(der, expectTag(spkiParts[0], TAG.sequence, 'SPKI algorithm'));
  checkBitString(der, expectTag(spkiParts[1], 0x03, 'SPKI key'));

  const subjectName = plainName(der, subject);
  const issuerName = issuerPlainName(der, issuer);
  const extensionList = extensionsField === undefined ? [] : readExtensions(der, extensionsField);
  const extensions = new Map<string, RawExtension>();
  for (const { oid, extension } of extensionList) extensions.set(oid, extension);
  const keyFacts = checkedExtensions(extensionList);

  const parts: CertificateParts = {
    serialHex: serialMagnitudeHex(content(der, serial)),
    issuer: element(der, issuer),
    subject: element(der, subject),
    notBefore: certificateTime(der, notBefore, true),
    notAfter: certificateTime(der, notAfter, true),
    spki: element(der, spki),
    extensions,
  };
  const signatureContent = content(der, signatureValue);
  const link: LinkFacts = {
    tbs: element(der, tbs),
    tbsSignatureAlgorithm: element(der, tbsSignature),
    signatureAlgorithm: element(der, signatureAlgorithm),
    signature: signatureContent[0] === 0 ? signatureContent.subarray(1) : undefined,
    issuer: parts.issuer,
    subject: parts.subject,
    issuerCanonical: issuerName.canonical,
    subjectCanonical: subjectName.canonical,
    spki: parts.spki,
    ...keyFacts,
  };
  return { parts, subjectName: subjectName.name, issuerName: issuerName.name, link };
}

/** Non-empty and minimal (OpenSSL rejects empty and padded integers). */
function checkInteger(der: Uint8Array, integer: Tlv): void {
  const length = integer.end - integer.contentStart;
  if (length === 0) throw new DerError('empty INTEGER');
  if (length > 1) {
    const first = der[integer.contentStart]!;
    const second = der[integer.contentStart + 1]!;
    if ((first === 0 && second < 0x80) || (first === 0xff && second >= 0x80))
      throw new DerError('INTEGER is not minimally encoded');
  }
}

function checkBitString(der: Uint8Array, bits: Tlv): void {
  const length = bits.end - bits.contentStart;
  const unused = der[bits.contentStart];
  if (length === 0 || unused === undefined || unused > 7 || (length === 1 && unused !== 0))
    throw new DerError('malformed BIT STRING');
  if (unused !== 0 && (der[bits.end - 1]! & ((1 << unused) - 1)) !== 0)
    throw new DerError('BIT STRING padding bits are set');
}

/** Non-empty, no subidentifier with a leading 0x80 octet, the last octet closes. */
export function checkOid(der: Uint8Array, oid: Tlv): void {
  if (oid.tag !== TAG.oid || oid.end === oid.contentStart) throw new DerError('malformed OID');
  let startOfArc = true;
  for (let i = oid.contentStart; i < oid.end; i++) {
    const byte = der[i]!;
    if (startOfArc && byte === 0x80) throw new DerError('OID arc with a leading zero');
    startOfArc = (byte & 0x80) === 0;
  }
  if (!startOfArc) throw new DerError('truncated OID');
}

// Leaves share a handful of issuers: the issuer Name is read once per distinct
// encoding (at N=10,000, reading names allocated 71 MiB, half of it the same
// issuer over and over). A name that is not plain throws and is not remembered.
type PlainName = ReturnType<typeof plainName>;
const issuerNames = new Map<string, PlainName>();
const MAX_ISSUER_NAMES = 1024;

function issuerPlainName(der: Uint8Array, issuer: Tlv): PlainName {
  const bytes = Buffer.from(der.buffer, der.byteOffset + issuer.start, issuer.end - issuer.start);
  const key = bytes.toString('latin1');
  let name = issuerNames.get(key);
  if (name === undefined) {
    name = plainName(der, issuer);
    if (issuerNames.size >= MAX_ISSUER_NAMES) issuerNames.clear();
    issuerNames.set(key, name);
  }
  return name;
}

/** SEQUENCE { OID, parameters absent, NULL or an OID } (other parameters: OpenSSL decides). */
function checkAlgorithmIdentifier(der: Uint8Array, algorithm: Tlv): void {
  const [oid, parameters, ...rest] = children(der, algorithm);
  if (oid === undefined || rest.length > 0) throw new DerError('malformed AlgorithmIdentifier');
  checkOid(der, oid);
  if (parameters === undefined) return;
  if (parameters.tag === 0x05 && parameters.end === parameters.contentStart) return;
  checkOid(der, parameters);
}

/**
 * A Name whose RDNs each hold one SEQUENCE { known OID, plain string }
 * (fastName's subset), with the key X509_NAME_cmp effectively compares: each
 * value lower-cased with inner spaces collapsed (plain values have no outer
 * spaces and are ASCII), attribute type kept; string types do not matter.
 */
function plainName(der: Uint8Array, name: Tlv): { name: FastName; canonical: string } {
  const canonical: string[] = [];
  for (const rdn of children(der, name)) {
    const attributes = children(der, rdn);
    if (rdn.tag !== 0x31 || attributes.length !== 1 || attributes[0]!.tag !== TAG.sequence)
      throw new DerError('not a plain RDN');
    const pair = children(der, attributes[0]!);
    if (pair.length !== 2) throw new DerError('not a plain attribute');
    checkOid(der, pair[0]!);
    const value = Buffer.from(content(der, pair[1]!)).toString('latin1');
    canonical.push(`${hex(content(der, pair[0]!))}=${value.toLowerCase().replace(/ +/g, ' ')}`);
  }
  const text = fastName(element(der, name));
  if (text === undefined) throw new DerError('not a plain name');
  return { name: text, canonical: canonical.join('\n') };
}

interface ListedExtension {
  readonly oid: string;
  readonly extension: RawExtension;
}

/** [3] { SEQUENCE OF Extension }, each SEQUENCE { OID, critical TRUE if present, OCTET STRING }. */
function readExtensions(der: Uint8Array, field: Tlv): ListedExtension[] {
  const [list, ...rest] = children(der, field);
  if (list?.tag !== TAG.sequence || rest.length > 0) throw new DerError('malformed extensions');
  const out: ListedExtension[] = [];
  for (const extension of children(der, list)) {
    const parts = children(der, expectTag(extension, TAG.sequence, 'Extension'));
    const oid = parts[0];
    const value = parts[parts.length - 1];
    if (oid === undefined || value?.tag !== TAG.octetString || parts.length > 3 || parts.length < 2)
      throw new DerError('malformed Extension');
    checkOid(der, oid);
    if (parts.length === 3) {
      const critical = parts[1]!;
      // DER encodes only TRUE (0xff); FALSE is the default and left out.
      if (critical.tag !== TAG.boolean || critical.end - critical.contentStart !== 1) {
        throw new DerError('malformed critical flag');
      }
      if (der[critical.contentStart] !== 0xff) throw new DerError('critical flag is not DER TRUE');
    }
    out.push({
      oid: hex(content(der, oid)),
      extension: {
        critical: parts.length === 3,
        element: element(der, extension),
        value: content(der, value),
      },
    });
  }
  if (out.length === 0) throw new DerError('empty extensions');
  return out;
}

const EXT = {
  basicConstraints: '551d13',
  keyUsage: '551d0f',
  extendedKeyUsage: '551d25',
  subjectKeyIdentifier: '551d0e',
  authorityKeyIdentifier: '551d23',
  subjectAltName: '551d11',
  certificatePolicies: '551d20',
  authorityInfoAccess: '2b06010505070101',
} as const;

/**
 * Extensions OpenSSL's ossl_x509v3_cache_extensions decodes (a failure makes
 * checkIssued false): id-ce (2.5.29.*), id-pe (1.3.6.1.5.5.7.1.*, proxy
 * certificates and RFC 3779 among them) and Netscape's certificate type.
 * Of these only the ones checked below (plus two it never decodes) are plain.
 */
function decodedByOpenSsl(oid: string): boolean {
  return oid.startsWith('551d') || oid.startsWith('2b060105050701') || oid.startsWith('6086480186f842');
}

type KeyFacts = Pick<LinkFacts, 'plainExtensions' | 'authorityKeyId' | 'subjectKeyId' | 'keyUsage'>;

function checkedExtensions(list: readonly ListedExtension[]): KeyFacts {
  const facts: {
    -readonly [K in keyof KeyFacts]: KeyFacts[K];
  } = { plainExtensions: true, authorityKeyId: undefined, subjectKeyId: undefined, keyUsage: undefined };
  const seen = new Set<string>();
  for (const { oid, extension } of list) {
    if (seen.has(oid)) return { ...facts, plainExtensions: false };
    seen.add(oid);
    if (!decodedByOpenSsl(oid)) continue;
    try {
      const value = extension.value;
      const whole = readStrictTlv(value, 0, value.length);
      if (whole.end !== value.length) throw new DerError('trailing bytes in an extension value');
      switch (oid) {
        case EXT.basicConstraints:
          checkBasicConstraints(value, whole);
          break;
        case EXT.keyUsage:
          facts.keyUsage = keyUsageBits(value, whole);
          break;
        case EXT.extendedKeyUsage: {
          const oids = children(value, expectTag(whole, TAG.sequence, 'ExtKeyUsageSyntax'));
          if (oids.length === 0) throw new DerError('empty extended key usage');
          for (const usage of oids) checkOid(value, usage);
          break;
        }
        case EXT.subjectKeyIdentifier:
          facts.subjectKeyId = content(value, expectTag(whole, TAG.octetString, 'keyIdentifier'));
          break;
        case EXT.authorityKeyIdentifier: {
          const fields = children(value, expectTag(whole, TAG.sequence, 'AuthorityKeyIdentifier'));
          // Only [0] keyIdentifier: issuer and serial need checks left to OpenSSL.
          if (fields.length !== 1 || fields[0]!.tag !== 0x80) throw new DerError('AKI is not a plain key id');
          facts.authorityKeyId = content(value, fields[0]!);
          break;
        }
        case EXT.subjectAltName: {
          const names = children(value, expectTag(whole, TAG.sequence, 'GeneralNames'));
          // rfc822Name, dNSName, URI, iPAddress: primitive strings OpenSSL stores as they are.
          if (names.length === 0 || names.some((n) => ![0x81, 0x82, 0x86, 0x87].includes(n.tag)))
            throw new DerError('GeneralNames beyond the plain types');
          break;
        }
        case EXT.certificatePolicies:
        case EXT.authorityInfoAccess:
          break; // not decoded by OpenSSL when caching extensions
        default:
          throw new DerError('an extension left to OpenSSL');
      }
    } catch (error) {
      if (!(error instanceof DerError)) throw error;
      return { ...facts, plainExtensions: false };
    }
  }
  return facts;
}

/** SEQUENCE { cA BOOLEAN TRUE if present, pathLen non-negative INTEGER OPTIONAL }. */
function checkBasicConstraints(der: Uint8Array, whole: Tlv): void {
  const fields = children(der, expectTag(whole, TAG.sequence, 'BasicConstraints'));
  let next = 0;
  const ca = fields[next];
  if (ca?.tag === TAG.boolean) {
    if (ca.end - ca.contentStart !== 1 || der[ca.contentStart] !== 0xff)
      throw new DerError('cA not DER TRUE');
    next++;
  }
  const pathLen = fields[next];
  if (pathLen !== undefined) {
    expectTag(pathLen, TAG.integer, 'pathLenConstraint');
    checkInteger(der, pathLen);
    if (der[pathLen.contentStart]! >= 0x80) throw new DerError('negative pathLenConstraint');
    next++;
  }
  if (next !== fields.length) throw new DerError('malformed BasicConstraints');
}

/** OpenSSL's ex_kusage: the first two octets; none set is invalid for OpenSSL 3.x (left to it). */
function keyUsageBits(der: Uint8Array, whole: Tlv): number {
  checkBitString(der, expectTag(whole, 0x03, 'KeyUsage'));
  const first = der[whole.contentStart + 1] ?? 0;
  const second = whole.contentStart + 2 < whole.end ? der[whole.contentStart + 2]! : 0;
  const bits = first | (second << 8);
  if (bits === 0) throw new DerError('empty key usage');
  return bits;
}
