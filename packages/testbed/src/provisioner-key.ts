import { CompactEncrypt, compactDecrypt } from 'jose';

/** The PBES2 iteration count the step CLI uses for provisioner keys. */
export const STEP_PBES2_COUNT = 100_000;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Encrypts a private JWK the way `step crypto jwk create` / `step ca init` do:
 * compact JWE, PBES2-HS256+A128KW with 100000 iterations, A256GCM, cty jwk+json.
 */
export async function encryptProvisionerKey(privateJwk: object, password: string): Promise<string> {
  return new CompactEncrypt(encoder.encode(JSON.stringify(privateJwk)))
    .setProtectedHeader({ alg: 'PBES2-HS256+A128KW', enc: 'A256GCM', cty: 'jwk+json' })
    .setKeyManagementParameters({ p2c: STEP_PBES2_COUNT })
    .encrypt(encoder.encode(password));
}

/** Decrypts an `encryptedKey` back to the private JWK (throws on a wrong password). */
export async function decryptProvisionerKey(
  encryptedKey: string,
  password: string,
): Promise<Record<string, unknown>> {
  const { plaintext } = await compactDecrypt(encryptedKey, encoder.encode(password), {
    keyManagementAlgorithms: ['PBES2-HS256+A128KW'],
    contentEncryptionAlgorithms: ['A256GCM'],
    maxPBES2Count: STEP_PBES2_COUNT,
  });
  return JSON.parse(decoder.decode(plaintext)) as Record<string, unknown>;
}
