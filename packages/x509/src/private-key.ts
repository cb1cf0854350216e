/** Private keys: generation, algorithm detection and WebCrypto import, all from PKCS#8 PEM. */
import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject, webcrypto } from 'node:crypto';
import { promisify } from 'node:util';
import { CertloopError, type KeyAlgorithm } from '@certloop/core';
import {
  bitString,
  contextConstructed,
  objectIdentifier,
  octetString,
  pemOf,
  sequence,
  smallInteger,
} from './der-write.js';
import { heldKeyObject, holdKeyObject, type PrivateKey } from './native.js';

const generateKeyPairAsync = promisify(generateKeyPair);

type WebCryptoKey = webcrypto.CryptoKey;

/** A fresh private key of `algorithm` as plain data (its KeyObject kept for signing the CSR). */
export async function generatePrivateKey(algorithm: KeyAlgorithm): Promise<PrivateKey> {
  const keyObject = await generateKeyObject(algorithm);
  const key: PrivateKey = { pem: privateKeyPem(keyObject), algorithm };
  holdKeyObject(key, keyObject);
  return key;
}

/**
 * A private key PEM read as plain data, its algorithm undefined when certloop
 * does not issue for it. Throws when it is not a readable private key.
 */
export function readPrivateKey(pem: string): PrivateKey {
  const keyObject = parsePrivateKey(pem);
  const key: PrivateKey = { pem, algorithm: keyAlgorithmOf(keyObject) };
  holdKeyObject(key, keyObject);
  return key;
}

/** The KeyObject of a key value or PEM: the one kept when x509 made the value, else parsed. */
export function keyObjectOf(key: PrivateKey | string): KeyObject {
  if (typeof key === 'string') return parsePrivateKey(key);
  return heldKeyObject(key) ?? parsePrivateKey(key.pem);
}

/**
 * Generates a fresh private key through libuv's pool, every algorithm. Not
 * generateKeyPairSync, even for elliptic curves where it would be cheaper:
 * in Node 20 a garbage collection during the JWK export that privateKeyPem
 * makes can then destroy the generation job, whose destructor takes the
 * mutex the export holds, and the process freezes for good (seen in the
 * bench; key-generation-liveness.test.ts).
 */
async function generateKeyObject(algorithm: KeyAlgorithm): Promise<KeyObject> {
  switch (algorithm) {
    case 'ecdsa-p256':
      return (await generateKeyPairAsync('ec', { namedCurve: 'P-256' })).privateKey;
    case 'ecdsa-p384':
      return (await generateKeyPairAsync('ec', { namedCurve: 'P-384' })).privateKey;
    case 'rsa-2048':
    case 'rsa-3072':
    case 'rsa-4096':
      return (await generateKeyPairAsync('rsa', { modulusLength: Number(algorithm.slice('rsa-'.length)) }))
        .privateKey;
    case 'ed25519':
      return (await generateKeyPairAsync('ed25519')).privateKey;
  }
}

const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const CURVE_OIDS: Record<string, string> = { 'P-256': '1.2.840.10045.3.1.7', 'P-384': '1.3.132.0.34' };
const OID_ED25519 = '1.3.101.112';

/**
 * EC and Ed25519 keys are encoded by hand from their JWK: OpenSSL 3's encoders
 * cost 100-200 µs a call, the JWK export 10 µs, and every issuance encodes a
 * private key and a public key. The bytes are the ones OpenSSL writes (tested).
 */
interface KeyParts {
  readonly algorithmIdentifier: Buffer;
  /** The public key as the SPKI BIT STRING holds it. */
  readonly publicKey: Buffer;
  /** The PKCS#8 privateKey OCTET STRING's content. */
  readonly privateKey: Buffer;
}

// An issuance encodes the same fresh key twice (the key file and the CSR's SPKI): export it once.
const partsOf = new WeakMap<KeyObject, KeyParts | undefined>();

function keyParts(key: KeyObject): KeyParts | undefined {
  if (key.type !== 'private') return undefined;
  if (partsOf.has(key)) return partsOf.get(key);
  const parts = encodeKeyParts(key);
  partsOf.set(key, parts);
  return parts;
}

function encodeKeyParts(key: KeyObject): KeyParts | undefined {
  const jwk = key.export({ format: 'jwk' });
  const bytes = (field: string | undefined) => Buffer.from(field ?? '', 'base64url');
  const curveOid = jwk.kty === 'EC' && jwk.crv !== undefined ? CURVE_OIDS[jwk.crv] : undefined;
  if (curveOid !== undefined) {
    const point = Buffer.concat([Buffer.from([0x04]), bytes(jwk.x), bytes(jwk.y)]);
    return {
      algorithmIdentifier: sequence(objectIdentifier(OID_EC_PUBLIC_KEY), objectIdentifier(curveOid)),
      publicKey: point,
      // ECPrivateKey (RFC 5915) without the curve, which the AlgorithmIdentifier names.
      privateKey: sequence(
        smallInteger(1),
        octetString(bytes(jwk.d)),
        contextConstructed(1, bitString(point)),
      ),
    };
  }
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') {
    return {
      algorithmIdentifier: sequence(objectIdentifier(OID_ED25519)),
      publicKey: bytes(jwk.x),
      privateKey: octetString(bytes(jwk.d)),
    };
  }
  return undefined;
}

/** The DER SubjectPublicKeyInfo of a private key's public half. */
export function spkiDer(privateKey: KeyObject): Buffer {
  const parts = keyParts(privateKey);
  if (parts === undefined) return createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  return sequence(parts.algorithmIdentifier, bitString(parts.publicKey));
}

/** A private key as the PKCS#8 PEM certloop writes. */
export function privateKeyPem(key: KeyObject): string {
  const parts = keyParts(key);
  if (parts === undefined) return key.export({ type: 'pkcs8', format: 'pem' }).toString();
  const der = sequence(smallInteger(0), parts.algorithmIdentifier, octetString(parts.privateKey));
  return pemOf('PRIVATE KEY', der);
}

/** Generates a fresh private key and returns it as PKCS#8 PEM. */
export async function generateKey(algorithm: KeyAlgorithm): Promise<string> {
  return privateKeyPem(await generateKeyObject(algorithm));
}

/** Parses a private key PEM; the error never quotes the PEM. */
export function parsePrivateKey(keyPem: string): KeyObject {
  try {
    return createPrivateKey(keyPem);
  } catch (cause) {
    throw new CertloopError('INTERNAL', 'The private key is not a readable PEM private key.', { cause });
  }
}

/** The key algorithm of a private or public key, or undefined for one certloop does not issue for. */
export function keyAlgorithmOf(key: KeyObject): KeyAlgorithm | undefined {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'ec':
      if (details.namedCurve === 'prime256v1') return 'ecdsa-p256';
      if (details.namedCurve === 'secp384r1') return 'ecdsa-p384';
      return undefined;
    case 'rsa': {
      const bits = details.modulusLength;
      if (bits === 2048 || bits === 3072 || bits === 4096) return `rsa-${bits}`;
      return undefined;
    }
    case 'ed25519':
      return 'ed25519';
    default:
      return undefined;
  }
}

/** The key algorithm of a key certloop issues for; throws for any other key. */
export function issuableAlgorithmOf(key: KeyObject): KeyAlgorithm {
  const algorithm = keyAlgorithmOf(key);
  if (algorithm === undefined) {
    throw new CertloopError(
      'INTERNAL',
      `The private key type (${key.asymmetricKeyType ?? 'unknown'}) is not one certloop issues for.`,
    );
  }
  return algorithm;
}

/** SubjectPublicKeyInfo PEM of a private key. */
export function publicKeyOf(keyPem: string): string {
  return createPublicKey(parsePrivateKey(keyPem)).export({ type: 'spki', format: 'pem' }).toString();
}

/** WebCrypto parameters for importing a key and signing with it (hash matched to the curve, as step-ca does). */
export function webCryptoParams(algorithm: KeyAlgorithm): {
  importParams: webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams | webcrypto.Algorithm;
  signParams: webcrypto.EcdsaParams | webcrypto.Algorithm;
} {
  switch (algorithm) {
    case 'ecdsa-p256':
      return {
        importParams: { name: 'ECDSA', namedCurve: 'P-256' },
        signParams: { name: 'ECDSA', hash: 'SHA-256' } as webcrypto.EcdsaParams,
      };
    case 'ecdsa-p384':
      return {
        importParams: { name: 'ECDSA', namedCurve: 'P-384' },
        signParams: { name: 'ECDSA', hash: 'SHA-384' } as webcrypto.EcdsaParams,
      };
    case 'rsa-2048':
    case 'rsa-3072':
    case 'rsa-4096':
      return {
        importParams: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as webcrypto.RsaHashedImportParams,
        signParams: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as webcrypto.Algorithm,
      };
    case 'ed25519':
      return { importParams: { name: 'Ed25519' }, signParams: { name: 'Ed25519' } };
  }
}

export interface WebCryptoKeyPair {
  readonly algorithm: KeyAlgorithm;
  readonly privateKey: WebCryptoKey;
  readonly publicKey: WebCryptoKey;
  readonly signParams: webcrypto.EcdsaParams | webcrypto.Algorithm;
}

/** Imports a private key (PEM or key value) into WebCrypto (private key not extractable) for @peculiar/x509. */
export async function importKeyPair(keyPemOrValue: string | PrivateKey): Promise<WebCryptoKeyPair> {
  const key = keyObjectOf(keyPemOrValue);
  const algorithm = issuableAlgorithmOf(key);
  const { importParams, signParams } = webCryptoParams(algorithm);
  const privateKey = await webcrypto.subtle.importKey(
    'pkcs8',
    key.export({ type: 'pkcs8', format: 'der' }),
    importParams,
    false,
    ['sign'],
  );
  const publicKey = await webcrypto.subtle.importKey(
    'spki',
    createPublicKey(key).export({ type: 'spki', format: 'der' }),
    importParams,
    true,
    ['verify'],
  );
  return { algorithm, privateKey, publicKey, signParams };
}

/** The key algorithm of a PEM private key, or undefined when it is one certloop does not issue for. */
export function keyAlgorithmOfPem(keyPem: string): KeyAlgorithm | undefined {
  return keyAlgorithmOf(parsePrivateKey(keyPem));
}
