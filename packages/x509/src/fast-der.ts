/**
 * The common cases of names, SANs and extended key usage decoded straight from
 * DER (microseconds), so that observing ordinary certificates never loads
 * @peculiar/x509 (~3× `node -e 0` to import, ~0.8 ms per SAN extension). Each
 * function returns undefined for anything unusual, and the caller then asks
 * @peculiar/x509, whose output these match exactly for what they accept.
 */
import { childrenOf, hex, readTlv, TAG } from './der-read.js';

const ATTRIBUTES: Readonly<Record<string, string>> = {
  '550403': 'CN',
  '550406': 'C',
  '550407': 'L',
  '550408': 'ST',
  '55040a': 'O',
  '55040b': 'OU',
};
const STRING_TAGS = new Set([0x0c, 0x13, 0x16]); // UTF8String, PrintableString, IA5String
// Values that no DN string escaping rule touches.
const PLAIN_VALUE = /^[A-Za-z0-9.\-_@*'/:()]([A-Za-z0-9 .\-_@*'/:()]*[A-Za-z0-9.\-_@*'/:()])?$/;

export interface FastName {
  /** As @peculiar/x509's Name#toString: "CN=a, O=b" in DER order. */
  readonly text: string;
  readonly commonName: string | undefined;
}

/** A Name whose RDNs each hold one plain string attribute of a common type. */
export function fastName(der: Uint8Array): FastName | undefined {
  try {
    const name = readTlv(der, 0);
    if (name.tag !== TAG.sequence || name.end !== der.length) return undefined;
    const parts: string[] = [];
    let commonName: string | undefined;
    for (const rdn of childrenOf(der, name)) {
      const attributes = childrenOf(der, rdn);
      if (rdn.tag !== 0x31 || attributes.length !== 1) return undefined;
      const [type, value] = childrenOf(der, attributes[0]!);
      if (type?.tag !== TAG.oid || value === undefined || !STRING_TAGS.has(value.tag)) return undefined;
      const short = ATTRIBUTES[hex(der.subarray(type.contentStart, type.end))];
      const text = Buffer.from(der.subarray(value.contentStart, value.end)).toString('utf8');
      if (short === undefined || !PLAIN_VALUE.test(text)) return undefined;
      if (short === 'CN' && commonName === undefined) commonName = text;
      // join, not a template: a flat string where `+` would keep a rope (cons
      // string) of two parts alive in every observation.
      parts.push([short, text].join('='));
    }
    return { text: parts.join(', '), commonName };
  } catch {
    return undefined;
  }
}

export interface RawSans {
  readonly dns: string[];
  readonly ip: string[];
  readonly email: string[];
  readonly uri: string[];
}

/**
 * GeneralNames of types certloop manages (dNSName, iPAddress, rfc822Name, URI),
 * plus the ones it ignores by tag. Values as decoded, not yet canonical.
 */
export function fastGeneralNames(der: Uint8Array): RawSans | undefined {
  try {
    const list = readTlv(der, 0);
    if (list.tag !== TAG.sequence || list.end !== der.length) return undefined;
    const out: RawSans = { dns: [], ip: [], email: [], uri: [] };
    for (const name of childrenOf(der, list)) {
      const bytes = der.subarray(name.contentStart, name.end);
      const text = () => {
        for (const byte of bytes) if (byte < 0x20 || byte > 0x7e) throw new Error('not printable ASCII');
        return Buffer.from(bytes).toString('latin1');
      };
      switch (name.tag) {
        case 0x82:
          out.dns.push(text());
          break;
        case 0x81:
          out.email.push(text());
          break;
        case 0x86:
          out.uri.push(text());
          break;
        case 0x87:
          if (bytes.length === 4) out.ip.push(bytes.join('.'));
          else if (bytes.length === 16)
            out.ip.push(
              Buffer.from(bytes)
                .toString('hex')
                .replace(/(.{4})(?!$)/g, '$1:'),
            );
          else return undefined;
          break;
        case 0xa0: // otherName (UPN, ...)
        case 0xa4: // directoryName
        case 0x88: // registeredID
          break;
        default:
          return undefined;
      }
    }
    return out;
  } catch {
    return undefined;
  }
}

/** ExtKeyUsageSyntax: the OIDs in dotted form. */
export function fastOidList(der: Uint8Array): string[] | undefined {
  try {
    const list = readTlv(der, 0);
    if (list.tag !== TAG.sequence || list.end !== der.length) return undefined;
    return childrenOf(der, list).map((oid) => {
      if (oid.tag !== TAG.oid) throw new Error('not an OID');
      return dotted(der.subarray(oid.contentStart, oid.end));
    });
  } catch {
    return undefined;
  }
}

function dotted(bytes: Uint8Array): string {
  const arcs: number[] = [];
  let value = 0;
  for (const byte of bytes) {
    value = value * 128 + (byte & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) throw new Error('OID arc too large');
    if ((byte & 0x80) === 0) {
      arcs.push(value);
      value = 0;
    }
  }
  if (arcs.length === 0 || (bytes.at(-1)! & 0x80) !== 0) throw new Error('truncated OID');
  const first = arcs[0]!;
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...arcs.slice(1)].join('.');
}
