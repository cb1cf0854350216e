/** The private key of a request: the one to keep, or a fresh one of the requested algorithm. */
import { CertloopError, type IssueRequest } from '@certloop/core';
import { generateKey, keyAlgorithmOf, parsePrivateKey } from '../crypto/keys.js';

export async function keyForRequest(request: IssueRequest): Promise<string> {
  if (request.existingKeyPem === undefined) return generateKey(request.keyAlgorithm);
  const actual = keyAlgorithmOf(parsePrivateKey(request.existingKeyPem));
  if (actual !== request.keyAlgorithm) {
    // Keeping a key of another algorithm would issue a certificate that differs from the spec.
    throw new CertloopError(
      'INTERNAL',
      `The key to keep for ${request.name} is ${actual ?? 'of an unsupported type'}, but ${request.keyAlgorithm} is requested.`,
    );
  }
  return request.existingKeyPem;
}
