/** The few facts about an issued certificate that IssuedCertificate carries. */
import { X509Certificate } from 'node:crypto';

export interface CertificateFacts {
  /** Hex, lower case, no separators, no leading zero bytes (as the observers report it). */
  readonly serial: string;
  readonly notBefore: string;
  readonly notAfter: string;
}

interface Tlv {
  readonly tag: number;
  readonly start: number;
  readonly end: number;
}

function readTlv(der: Buffer, offset: number, limit: number): Tlv {
  const tag = der[offset];
  let length = der[offset + 1];
  let start = offset + 2;
  if (tag === undefined || length === undefined) throw new Error('truncated DER');
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) throw new Error('unsupported DER length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (der[start + i] ?? Number.NaN);
    start += count;
  }
  const end = start + length;
  if (!(end <= limit)) throw new Error('DER overruns its parent');
  return { tag, start, end };
}

/** UTCTime (two-digit years: 1950-2049) or GeneralizedTime, seconds precision, Z only (RFC 5280 4.1.2.5). */
function readTime(der: Buffer, field: Tlv): string {
  const text = der.toString('latin1', field.start, field.end);
  const match =
    field.tag === 0x17
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
      : field.tag === 0x18
        ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
        : null;
  if (match === null) throw new Error('unexpected time encoding');
  const [, y = '', mo = '', d = '', h = '', mi = '', s = ''] = match;
  const year = field.tag === 0x17 ? (Number(y) >= 50 ? 1900 : 2000) + Number(y) : Number(y);
  const date = new Date(Date.UTC(year, Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
  if (Number.isNaN(date.getTime())) throw new Error('invalid time');
  return date.toISOString();
}

/** Serial and validity straight from the DER of the TBSCertificate: no full parse on the issuance path. */
export function factsFromDer(der: Buffer): CertificateFacts {
  const certificate = readTlv(der, 0, der.length);
  const tbs = readTlv(der, certificate.start, certificate.end);
  if (certificate.tag !== 0x30 || tbs.tag !== 0x30) throw new Error('not a certificate');
  let field = readTlv(der, tbs.start, tbs.end);
  if (field.tag === 0xa0) field = readTlv(der, field.end, tbs.end); // [0] version
  if (field.tag !== 0x02) throw new Error('no serial number');
  const serialHex = der.toString('hex', field.start, field.end);
  const signature = readTlv(der, field.end, tbs.end);
  const issuer = readTlv(der, signature.end, tbs.end);
  const validity = readTlv(der, issuer.end, tbs.end);
  if (validity.tag !== 0x30) throw new Error('no validity');
  const notBefore = readTlv(der, validity.start, validity.end);
  const notAfter = readTlv(der, notBefore.end, validity.end);
  return {
    serial: serialHex.replace(/^(00)+(?=.)/, ''),
    notBefore: readTime(der, notBefore),
    notAfter: readTime(der, notAfter),
  };
}

function firstCertificateDer(certificatePem: string): Buffer | undefined {
  const match = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/.exec(
    certificatePem,
  );
  return match?.[1] === undefined ? undefined : Buffer.from(match[1].replace(/\s+/g, ''), 'base64');
}

/** node:crypto's full parse: for anything the quick reader does not expect (and it throws on garbage). */
function factsFromX509(certificatePem: string): CertificateFacts {
  const cert = new X509Certificate(certificatePem);
  return {
    serial: cert.serialNumber.toLowerCase().replace(/^(00)+(?=.)/, ''),
    notBefore: new Date(cert.validFrom).toISOString(),
    notAfter: new Date(cert.validTo).toISOString(),
  };
}

export function certificateFacts(certificatePem: string): CertificateFacts {
  const der = firstCertificateDer(certificatePem);
  if (der !== undefined) {
    try {
      return factsFromDer(der);
    } catch {
      // Fall through to the full parse.
    }
  }
  return factsFromX509(certificatePem);
}
