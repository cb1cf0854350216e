/** Private keys: generation, algorithm detection and WebCrypto import, all from PKCS#8 PEM. */
import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject, webcrypto } from 'node:crypto';
import { promisify } from 'node:util';
import { CertloopError, type KeyAlgorithm } from '@certloop/core';

const generateKeyPairAsync = promisify(generateKeyPair);

type WebCryptoKey = webcrypto.CryptoKey;

/** Generates a fresh private key off the event loop (RSA 4096 takes a while) and returns it as PKCS#8 PEM. */
export async function generateKey(algorithm: KeyAlgorithm): Promise<string> {
  const encoding = { privateKeyEncoding: { type: 'pkcs8', format: 'pem' } } as const;
  const publicKeyEncoding = { type: 'spki', format: 'pem' } as const;
  switch (algorithm) {
    case 'ecdsa-p256':
      return (await generateKeyPairAsync('ec', { namedCurve: 'P-256', publicKeyEncoding, ...encoding }))
        .privateKey;
    case 'ecdsa-p384':
      return (await generateKeyPairAsync('ec', { namedCurve: 'P-384', publicKeyEncoding, ...encoding }))
        .privateKey;
    case 'rsa-2048':
    case 'rsa-3072':
    case 'rsa-4096':
      return (
        await generateKeyPairAsync('rsa', {
          modulusLength: Number(algorithm.slice('rsa-'.length)),
          publicKeyEncoding,
          ...encoding,
        })
      ).privateKey;
    case 'ed25519':
      return (await generateKeyPairAsync('ed25519', { publicKeyEncoding, ...encoding })).privateKey;
  }
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

/** Imports a PKCS#8 PEM into WebCrypto (private key not extractable) for @peculiar/x509. */
export async function importKeyPair(keyPem: string): Promise<WebCryptoKeyPair> {
  const key = parsePrivateKey(keyPem);
  const algorithm = keyAlgorithmOf(key);
  if (algorithm === undefined) {
    throw new CertloopError(
      'INTERNAL',
      `The private key type (${key.asymmetricKeyType ?? 'unknown'}) is not one certloop issues for.`,
    );
  }
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
