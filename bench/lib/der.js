/**
 * Just enough DER to build X.509 leaf certificates quickly (the data set needs
 * 10,000 of them; a certificate library costs ~10 ms each, this ~0.3 ms), and
 * to read the two fields of the CA certificate the leaves need.
 */

function lengthBytes(length) {
  if (length < 0x80) return Buffer.from([length]);
  const bytes = [];
  for (let n = length; n > 0; n >>= 8) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function tlv(tag, ...contents) {
  const content = Buffer.concat(contents);
  return Buffer.concat([Buffer.from([tag]), lengthBytes(content.length), content]);
}

export const seq = (...items) => tlv(0x30, ...items);
export const set = (...items) => tlv(0x31, ...items);
export const explicit = (n, ...items) => tlv(0xa0 + n, ...items);
export const octets = (bytes) => tlv(0x04, bytes);
export const bitString = (bytes) => tlv(0x03, Buffer.from([0]), bytes);
export const utf8 = (text) => tlv(0x0c, Buffer.from(text, 'utf8'));
export const bool = (value) => tlv(0x01, Buffer.from([value ? 0xff : 0]));

/** A non-negative INTEGER from big-endian bytes. */
export function uint(bytes) {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0 && bytes[start + 1] < 0x80) start++;
  const trimmed = bytes.subarray(start);
  return tlv(0x02, trimmed[0] >= 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

export function oid(dotted) {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const out = [40 * a + b];
  for (const arc of rest) {
    const group = [arc & 0x7f];
    for (let n = arc >>> 7; n > 0; n >>>= 7) group.unshift(0x80 | (n & 0x7f));
    out.push(...group);
  }
  return tlv(0x06, Buffer.from(out));
}

/** UTCTime before 2050, GeneralizedTime after (RFC 5280 4.1.2.5). */
export function time(date) {
  const iso = date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return date.getUTCFullYear() < 2050
    ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`))
    : tlv(0x18, Buffer.from(`${iso}Z`));
}

/** Reads one TLV at `offset`: its tag, where its content starts and ends. */
export function readTlv(der, offset = 0) {
  const tag = der[offset];
  let length = der[offset + 1];
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[start + i];
    start += count;
  }
  return { tag, start, end: start + length, whole: der.subarray(offset, start + length) };
}

/** The children of a constructed TLV. */
export function children(der, parent) {
  const out = [];
  for (let at = parent.start; at < parent.end; ) {
    const child = readTlv(der, at);
    out.push(child);
    at = child.end;
  }
  return out;
}

/** The subject Name of a certificate, as DER (for the issuer field of what it signs). */
export function subjectDerOf(certificateDer) {
  const tbs = children(certificateDer, readTlv(certificateDer))[0];
  const fields = children(certificateDer, tbs);
  const skip = fields[0].tag === 0xa0 ? 1 : 0; // [0] version
  // serial, signature algorithm, issuer, validity, subject
  return fields[skip + 4].whole;
}
