/**
 * The public key of an EC private key without `createPrivateKey` (~0.7 ms per
 * key: OpenSSL 3 tries its decoders in turn): read the private scalar from the
 * PKCS#8 or SEC1 DER and derive the public point with ECDH (one scalar
 * multiplication, ~40 µs). The point is derived, never taken from the file's
 * optional copy, so a key whose halves disagree is still caught. Anything that
 * is not a plain P-256/P-384 key returns undefined: the caller falls back.
 */
import { createECDH, type ECDH } from 'node:crypto';
import type { KeyAlgorithm } from '@certloop/core';
import { childrenOf, hex, readTlv, TAG, type Tlv } from './der-read.js';
import { bitString, sequence } from './der-write.js';

const EC_PUBLIC_KEY = '2a8648ce3d0201';

const CURVES: Readonly<Record<string, { name: string; algorithm: KeyAlgorithm; size: number; oid: string }>> =
  {
    '2a8648ce3d030107': {
      name: 'prime256v1',
      algorithm: 'ecdsa-p256',
      size: 32,
      oid: '06082a8648ce3d030107',
    },
    '2b81040022': { name: 'secp384r1', algorithm: 'ecdsa-p384', size: 48, oid: '06052b81040022' },
  };

export interface EcPublicKey {
  readonly keyAlgorithm: KeyAlgorithm;
  /** SubjectPublicKeyInfo DER, as OpenSSL encodes it (uncompressed point, named curve). */
  readonly spki: Buffer;
}

const content = (der: Uint8Array, t: Tlv) => der.subarray(t.contentStart, t.end);

/** `der` is the body of a "PRIVATE KEY" (PKCS#8) or "EC PRIVATE KEY" (SEC1) block. */
export function ecPublicKeyOf(der: Uint8Array, format: 'pkcs8' | 'sec1'): EcPublicKey | undefined {
  try {
    const outer = readTlv(der, 0);
    if (outer.tag !== TAG.sequence || outer.end !== der.length) return undefined;
    if (format === 'pkcs8') {
      const [version, algorithm, privateKey] = childrenOf(der, outer);
      if (version?.tag !== TAG.integer || algorithm?.tag !== TAG.sequence) return undefined;
      if (privateKey?.tag !== TAG.octetString) return undefined;
      const [oid, parameters] = childrenOf(der, algorithm);
      if (oid?.tag !== TAG.oid || hex(content(der, oid)) !== EC_PUBLIC_KEY) return undefined;
      if (parameters?.tag !== TAG.oid) return undefined;
      return fromSec1(content(der, privateKey), hex(content(der, parameters)));
    }
    return fromSec1(der, undefined);
  } catch {
    return undefined;
  }
}

/** ECPrivateKey ::= SEQUENCE { version 1, privateKey OCTET STRING, [0] curve OID OPTIONAL, [1] publicKey OPTIONAL } */
function fromSec1(der: Uint8Array, curveFromPkcs8: string | undefined): EcPublicKey | undefined {
  const outer = readTlv(der, 0);
  if (outer.tag !== TAG.sequence || outer.end !== der.length) return undefined;
  const [version, scalar, ...rest] = childrenOf(der, outer);
  if (
    version?.tag !== TAG.integer ||
    der[version.contentStart] !== 1 ||
    version.end - version.contentStart !== 1
  ) {
    return undefined;
  }
  if (scalar?.tag !== TAG.octetString) return undefined;
  const tagged = rest.find((t) => t.tag === 0xa0);
  const inner = tagged === undefined ? undefined : readTlv(der, tagged.contentStart, tagged.end);
  const curveFromSec1 = inner?.tag === TAG.oid ? hex(content(der, inner)) : undefined;
  if (curveFromPkcs8 !== undefined && curveFromSec1 !== undefined && curveFromPkcs8 !== curveFromSec1) {
    return undefined;
  }
  const curve = CURVES[curveFromPkcs8 ?? curveFromSec1 ?? ''];
  if (curve === undefined) return undefined;
  const d = content(der, scalar);
  if (d.length !== curve.size) return undefined;
  const ecdh = ecdhFor(curve.name);
  ecdh.setPrivateKey(d); // throws for 0 or a scalar not below the order
  const point = ecdh.getPublicKey();
  const algorithm = Buffer.from(`06072a8648ce3d0201${curve.oid}`, 'hex');
  const spki = sequence(sequence(algorithm), bitString(point));
  return { keyAlgorithm: curve.algorithm, spki };
}

// One ECDH object per curve, reused: constructing one costs as much as the
// derivation. Safe because setPrivateKey replaces the whole key pair and
// nothing runs between it and getPublicKey.
const ecdhByCurve = new Map<string, ECDH>();

function ecdhFor(name: string): ECDH {
  let ecdh = ecdhByCurve.get(name);
  if (ecdh === undefined) {
    ecdh = createECDH(name);
    ecdhByCurve.set(name, ecdh);
  }
  return ecdh;
}
