/**
 * Writing DER: just enough to build a PKCS#10 request, a PKCS#8 key and a
 * SubjectPublicKeyInfo by hand. A certificate library costs milliseconds per
 * request on the issuance path, this a few microseconds.
 */

function lengthBytes(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One tag-length-value with the given content. */
export function tlv(tag: number, ...contents: Uint8Array[]): Buffer {
  const content = Buffer.concat(contents);
  return Buffer.concat([Buffer.from([tag]), lengthBytes(content.length), content]);
}

export const sequence = (...items: Uint8Array[]): Buffer => tlv(0x30, ...items);
export const setOf = (...items: Uint8Array[]): Buffer => tlv(0x31, ...items);
export const octetString = (bytes: Uint8Array): Buffer => tlv(0x04, bytes);
export const utf8String = (text: string): Buffer => tlv(0x0c, Buffer.from(text, 'utf8'));
export const derNull = (): Buffer => Buffer.from([0x05, 0x00]);
/** A BIT STRING of whole bytes (no unused bits). */
export const bitString = (bytes: Uint8Array): Buffer => tlv(0x03, Buffer.from([0]), bytes);
/** A context-specific constructed tag, [n]. */
export const contextConstructed = (n: number, ...items: Uint8Array[]): Buffer => tlv(0xa0 + n, ...items);
/** A context-specific primitive tag, [n] IMPLICIT. */
export const contextPrimitive = (n: number, bytes: Uint8Array): Buffer => tlv(0x80 + n, bytes);

/** A small non-negative INTEGER. */
export function smallInteger(value: number): Buffer {
  return tlv(0x02, Buffer.from([value]));
}

// The OIDs are a handful of constants used for every request: encoded once (callers only concatenate them).
const encodedOids = new Map<string, Buffer>();

/** An OBJECT IDENTIFIER from its dotted form. */
export function objectIdentifier(dotted: string): Buffer {
  let encoded = encodedOids.get(dotted);
  if (encoded === undefined) {
    encoded = encodeObjectIdentifier(dotted);
    encodedOids.set(dotted, encoded);
  }
  return encoded;
}

function encodeObjectIdentifier(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const out = [40 * first + second];
  for (const arc of rest) {
    const group = [arc & 0x7f];
    for (let n = arc >>> 7; n > 0; n >>>= 7) group.unshift(0x80 | (n & 0x7f));
    out.push(...group);
  }
  return tlv(0x06, Buffer.from(out));
}

/** PEM with base64 lines of 64 characters (RFC 7468), as OpenSSL writes it. */
export function pemOf(label: string, der: Uint8Array): string {
  const base64 = Buffer.from(der).toString('base64');
  let body = '';
  for (let at = 0; at < base64.length; at += 64) body += `${base64.slice(at, at + 64)}\n`;
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}
