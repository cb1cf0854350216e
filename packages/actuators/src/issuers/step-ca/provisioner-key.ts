/**
 * The provisioner's private key: decrypted from the JWE the CA publishes, with
 * the password from the password file. It lives in memory only, as a
 * non-extractable CryptoKey; neither the password nor the key is logged or
 * put in an error.
 */
import { readFile } from 'node:fs/promises';
import { IssuerError } from '@certloop/core';
// jose is loaded when a key is decrypted, not when certloop starts.
import type { CryptoKey, JWK } from 'jose';

/** step-ca encrypts provisioner keys with 100,000 PBES2 iterations; jose stops at 10,000 unless told. */
const STEP_PBES2_MAX_COUNT = 100_000;

export interface ProvisionerSigningKey {
  readonly kid: string;
  /** JWS algorithm, e.g. ES256. */
  readonly alg: string;
  readonly privateKey: CryptoKey;
}

/** The password as the step CLI reads it: the file's bytes with trailing white space removed. */
export async function readPasswordFile(path: string): Promise<Uint8Array> {
  let content: Buffer;
  try {
    content = await readFile(path);
  } catch (error) {
    throw new IssuerError(
      'ISSUER_CONFIG',
      `Cannot read the provisioner password file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}.`,
      { retryable: false },
    );
  }
  let end = content.length;
  while (end > 0 && isSpace(content[end - 1] as number)) end--;
  const password = new Uint8Array(content.subarray(0, end));
  content.fill(0);
  return password;
}

/** Decrypts the provisioner's encrypted key (compact JWE, PBES2-HS256+A128KW / A256GCM) into a signing key. */
export async function decryptProvisionerKey(
  encryptedKey: string,
  password: Uint8Array,
  expectedKid: string,
): Promise<ProvisionerSigningKey> {
  const { compactDecrypt, decodeProtectedHeader, importJWK } = await import('jose');
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(encryptedKey);
  } catch (cause) {
    throw new IssuerError('ISSUER_CONFIG', "The provisioner's encrypted key is not a JWE.", { cause });
  }
  if (typeof header.p2c === 'number' && header.p2c > STEP_PBES2_MAX_COUNT) {
    throw new IssuerError(
      'ISSUER_CONFIG',
      `The provisioner's encrypted key asks for ${header.p2c} PBES2 iterations, more than step's ${STEP_PBES2_MAX_COUNT}: refusing.`,
    );
  }
  let plaintext: Uint8Array;
  try {
    ({ plaintext } = await compactDecrypt(encryptedKey, password, {
      keyManagementAlgorithms: ['PBES2-HS256+A128KW', 'PBES2-HS384+A192KW', 'PBES2-HS512+A256KW'],
      contentEncryptionAlgorithms: ['A128GCM', 'A192GCM', 'A256GCM'],
      maxPBES2Count: STEP_PBES2_MAX_COUNT,
    }));
  } catch {
    // The cause is dropped on purpose: nothing from inside the decryption belongs in an error.
    throw new IssuerError(
      'ISSUER_CONFIG',
      'Could not decrypt the provisioner key: wrong password? (Check the provisioner password file.)',
      { retryable: false },
    );
  }
  try {
    const jwk = JSON.parse(new TextDecoder().decode(plaintext)) as JWK;
    const alg = jwk.alg ?? algorithmForCurve(jwk);
    const privateKey = await importJWK({ ...jwk, alg }, alg, { extractable: false });
    if (!('type' in privateKey) || privateKey.type !== 'private') throw new Error('not a private key');
    return { kid: expectedKid, alg, privateKey };
  } catch {
    throw new IssuerError('ISSUER_CONFIG', 'The decrypted provisioner key is not a usable private JWK.', {
      retryable: false,
    });
  } finally {
    plaintext.fill(0);
  }
}

function algorithmForCurve(jwk: JWK): string {
  switch (jwk.kty === 'OKP' ? 'OKP' : jwk.crv) {
    case 'P-256':
      return 'ES256';
    case 'P-384':
      return 'ES384';
    case 'P-521':
      return 'ES512';
    case 'OKP':
      return 'EdDSA';
    default:
      if (jwk.kty === 'RSA') return 'RS256';
      throw new Error('unsupported provisioner key type');
  }
}

function isSpace(byte: number): boolean {
  return byte === 0x20 || (byte >= 0x09 && byte <= 0x0d);
}
