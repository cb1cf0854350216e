/**
 * The node:crypto objects behind the plain values x509 hands out. Exported
 * types carry DER, PEM and facts; OpenSSL's certificate object (for the
 * signature checks the fast path leaves to it) and the parsed KeyObject (to
 * sign a CSR) are made once per value and kept here, out of the types. A
 * value x509 did not make (a copy) gets its object from its bytes on first use.
 */
import { type KeyObject, X509Certificate as NodeX509Certificate } from 'node:crypto';
import type { KeyAlgorithm } from '@certloop/core';

/** A certificate as plain data: its DER. What chain checks take. */
export interface CertificateDer {
  readonly der: Uint8Array;
}

/** A private key as plain data: its PEM, and its algorithm when it is one certloop issues for. */
export interface PrivateKey {
  readonly pem: string;
  readonly algorithm: KeyAlgorithm | undefined;
}

// The object, or how to make it when first needed.
const certificateObjects = new WeakMap<CertificateDer, NodeX509Certificate | (() => NodeX509Certificate)>();

/** Keeps the OpenSSL object of a certificate value, or how to make it on first use. */
export function holdNative(
  certificate: CertificateDer,
  native: NodeX509Certificate | (() => NodeX509Certificate),
): void {
  certificateObjects.set(certificate, native);
}

/** The certificate's OpenSSL object; throws as node:crypto does for DER it rejects. */
export function nativeOf(certificate: CertificateDer): NodeX509Certificate {
  const held = certificateObjects.get(certificate);
  if (held instanceof NodeX509Certificate) return held;
  const native = held === undefined ? new NodeX509Certificate(certificate.der) : held();
  certificateObjects.set(certificate, native);
  return native;
}

/** The plain value of a certificate node:crypto has parsed. */
export function certificateValue(native: NodeX509Certificate): CertificateDer {
  const value: CertificateDer = { der: native.raw };
  certificateObjects.set(value, native);
  return value;
}

const keyObjects = new WeakMap<PrivateKey, KeyObject>();

export function holdKeyObject(key: PrivateKey, keyObject: KeyObject): void {
  keyObjects.set(key, keyObject);
}

/** The parsed key of a value, if x509 made the value; undefined for a copy (parse its PEM). */
export function heldKeyObject(key: PrivateKey): KeyObject | undefined {
  return keyObjects.get(key);
}
