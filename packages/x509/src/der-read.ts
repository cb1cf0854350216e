/**
 * A minimal DER walker: just enough to slice the parts of a certificate that
 * node:crypto does not expose (names, validity, serial, raw extensions) without
 * paying for a full ASN.1 parse. Input is DER node:crypto already accepted.
 */

import type { KeyAlgorithm } from '@certloop/core';

export interface Tlv {
  readonly tag: number;
  /** Offset of the tag byte. */
  readonly start: number;
  readonly contentStart: number;
  /** Offset just past the content. */
  readonly end: number;
}

export class DerError extends Error {}

/**
 * One TLV with a one-octet tag and a definite length. `minimal` also demands
 * DER's shortest length encoding (the strict reading in strict-der.ts);
 * without it, what node:crypto already accepted is sliced as it comes.
 */
export function readTlv(der: Uint8Array, offset: number, limit = der.length, minimal = false): Tlv {
  if (offset + 2 > limit) throw new DerError('DER element runs past its container');
  const tag = der[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte DER tags are not expected here');
  let length = der[offset + 1]!;
  let contentStart = offset + 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    if (octets === 0 || octets > (minimal ? 3 : 4)) throw new DerError('unsupported DER length');
    if (contentStart + octets > limit) throw new DerError('DER length runs past its container');
    if (minimal && der[contentStart] === 0) throw new DerError('DER length with a leading zero octet');
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + der[contentStart++]!;
    if (minimal && length < 0x80) throw new DerError('long form for a short DER length');
  }
  const end = contentStart + length;
  if (end > limit) throw new DerError('DER element runs past its container');
  return { tag, start: offset, contentStart, end };
}

export function childrenOf(der: Uint8Array, parent: Tlv, minimal = false): Tlv[] {
  const children: Tlv[] = [];
  for (let offset = parent.contentStart; offset < parent.end; ) {
    const child = readTlv(der, offset, parent.end, minimal);
    children.push(child);
    offset = child.end;
  }
  return children;
}

export const TAG = {
  integer: 0x02,
  octetString: 0x04,
  oid: 0x06,
  boolean: 0x01,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  version: 0xa0,
  extensions: 0xa3,
} as const;

export interface RawExtension {
  readonly critical: boolean;
  /** The whole Extension element (what @peculiar/x509's extension classes take). */
  readonly element: Uint8Array;
  /** Content of extnValue. */
  readonly value: Uint8Array;
}

export interface CertificateParts {
  /** Magnitude of the serial number, in lower-case hex. */
  readonly serialHex: string;
  readonly issuer: Uint8Array;
  readonly subject: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** The SubjectPublicKeyInfo element, as the CA encoded it. */
  readonly spki: Uint8Array;
  /** Extensions keyed by the hex of their OID content bytes (e.g. "551d11" for subjectAltName). */
  readonly extensions: ReadonlyMap<string, RawExtension>;
}

/** Slices a certificate's TBS part: serial, issuer, validity, subject and extensions. */
export function certificateParts(der: Uint8Array): CertificateParts {
  const certificate = readTlv(der, 0);
  const tbs = childrenOf(der, certificate)[0];
  if (tbs?.tag !== TAG.sequence) throw new DerError('certificate has no TBS sequence');
  const fields = childrenOf(der, tbs);
  const at = fields[0]?.tag === TAG.version ? 1 : 0;
  const [serial, , issuer, validity, subject, spki] = fields.slice(at, at + 6);
  if (!serial || !issuer || !validity || !subject || !spki)
    throw new DerError('certificate TBS is incomplete');
  const [notBefore, notAfter] = childrenOf(der, validity);
  if (!notBefore || !notAfter) throw new DerError('certificate validity is incomplete');
  const extensions = new Map<string, RawExtension>();
  const extensionsField = fields.find((f) => f.tag === TAG.extensions);
  if (extensionsField) {
    const list = childrenOf(der, extensionsField)[0];
    for (const extension of list ? childrenOf(der, list) : []) {
      const parts = childrenOf(der, extension);
      const oid = parts[0];
      const value = parts[parts.length - 1];
      if (oid?.tag !== TAG.oid || value?.tag !== TAG.octetString) continue;
      const critical =
        parts.length === 3 && parts[1]?.tag === TAG.boolean && der[parts[1].contentStart] !== 0;
      extensions.set(hex(der.subarray(oid.contentStart, oid.end)), {
        critical,
        element: der.subarray(extension.start, extension.end),
        value: der.subarray(value.contentStart, value.end),
      });
    }
  }
  return {
    serialHex: serialMagnitudeHex(der.subarray(serial.contentStart, serial.end)),
    issuer: der.subarray(issuer.start, issuer.end),
    subject: der.subarray(subject.start, subject.end),
    notBefore: certificateTime(der, notBefore),
    notAfter: certificateTime(der, notAfter),
    spki: der.subarray(spki.start, spki.end),
    extensions,
  };
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Serial without the sign octet DER adds before a high bit (what CAs and tools display). */
export function serialMagnitudeHex(content: Uint8Array): string {
  const start = content.length > 1 && content[0] === 0 ? 1 : 0;
  return hex(content.subarray(start));
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * A certificate time (RFC 5280 4.1.2.5): UTCTime YYMMDDHHMMSSZ or
 * GeneralizedTime YYYYMMDDHHMMSSZ. `strict` (strict-der.ts) also refuses
 * fractional seconds and fields out of range; without it, a time node:crypto
 * already accepted is read as it comes (fractions dropped).
 */
export function certificateTime(der: Uint8Array, element: Tlv, strict = false): Date {
  const text = Buffer.from(der.subarray(element.contentStart, element.end)).toString('latin1');
  const match =
    element.tag === TAG.utcTime
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
      : element.tag === TAG.generalizedTime
        ? (strict
            ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/
            : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.\d+)?Z$/
          ).exec(text)
        : null;
  if (!match)
    throw new DerError(strict ? 'not a plain certificate time' : `unsupported certificate time "${text}"`);
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  // RFC 5280: two-digit UTCTime years 50-99 are 19xx, 00-49 are 20xx.
  const year = element.tag === TAG.utcTime ? (y! >= 50 ? 1900 + y! : 2000 + y!) : y!;
  if (strict) {
    const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
    const days = mo === 2 && !leap ? 28 : (DAYS_IN_MONTH[mo! - 1] ?? 0);
    if (mo! < 1 || mo! > 12 || d! < 1 || d! > days || h! > 23 || mi! > 59 || s! > 59)
      throw new DerError('certificate time out of range');
  }
  return new Date(Date.UTC(year, mo! - 1, d!, h!, mi!, s!));
}

const OID_HEX = {
  ecPublicKey: '2a8648ce3d0201',
  p256: '2a8648ce3d030107',
  p384: '2b81040022',
  rsaEncryption: '2a864886f70d010101',
  ed25519: '2b6570',
} as const;

/**
 * The key algorithm named by a SubjectPublicKeyInfo: EC curve from its
 * parameters, RSA size from the modulus bit length. Anything else is 'unknown'.
 */
export function spkiKeyAlgorithm(spkiDer: Uint8Array): KeyAlgorithm | 'unknown' {
  const spki = readTlv(spkiDer, 0);
  const [algorithm, publicKey] = childrenOf(spkiDer, spki);
  if (algorithm?.tag !== TAG.sequence || publicKey === undefined) return 'unknown';
  const [oid, parameters] = childrenOf(spkiDer, algorithm);
  if (oid?.tag !== TAG.oid) return 'unknown';
  const content = (t: Tlv) => hex(spkiDer.subarray(t.contentStart, t.end));
  switch (content(oid)) {
    case OID_HEX.ed25519:
      return 'ed25519';
    case OID_HEX.ecPublicKey: {
      const curve = parameters?.tag === TAG.oid ? content(parameters) : '';
      return curve === OID_HEX.p256 ? 'ecdsa-p256' : curve === OID_HEX.p384 ? 'ecdsa-p384' : 'unknown';
    }
    case OID_HEX.rsaEncryption: {
      // BIT STRING: one octet of unused bits, then RSAPublicKey ::= SEQUENCE { modulus, exponent }.
      const rsaKey = readTlv(spkiDer, publicKey.contentStart + 1, publicKey.end);
      const modulus = childrenOf(spkiDer, rsaKey)[0];
      if (modulus?.tag !== TAG.integer) return 'unknown';
      let first = modulus.contentStart;
      while (first < modulus.end - 1 && spkiDer[first] === 0) first++;
      const bits = (modulus.end - first - 1) * 8 + (32 - Math.clz32(spkiDer[first]!));
      return bits === 2048 ? 'rsa-2048' : bits === 3072 ? 'rsa-3072' : bits === 4096 ? 'rsa-4096' : 'unknown';
    }
    default:
      return 'unknown';
  }
}

/**
 * KeyUsage names from the extension value (a BIT STRING), RFC 5280 4.2.1.3:
 * bit 0 is the most significant bit of the first octet after the unused-bits octet.
 */
export function keyUsageNames(value: Uint8Array, names: readonly string[]): string[] {
  const bits = readTlv(value, 0);
  if (bits.tag !== 0x03) throw new DerError('keyUsage is not a BIT STRING');
  const octets = value.subarray(bits.contentStart + 1, bits.end);
  return names.filter((_, bit) => ((octets[bit >> 3] ?? 0) & (0x80 >> (bit & 7))) !== 0);
}
