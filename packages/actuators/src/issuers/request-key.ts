/** The private key of a request: the one to keep, or a fresh one of the requested algorithm. */
import type { KeyObject } from 'node:crypto';
import { CertloopError, type IssueRequest } from '@certloop/core';
import { generatePrivateKey, keyAlgorithmOf, parsePrivateKey, privateKeyPem } from '@certloop/x509';

/** The key in both shapes an issuer needs: PEM for the files, a KeyObject to sign the CSR (parsed once). */
export interface RequestKey {
  readonly keyPem: string;
  readonly privateKey: KeyObject;
}

export async function keyForRequest(request: IssueRequest): Promise<RequestKey> {
  if (request.existingKeyPem === undefined) {
    const privateKey = await generatePrivateKey(request.keyAlgorithm);
    return { keyPem: privateKeyPem(privateKey), privateKey };
  }
  const privateKey = parsePrivateKey(request.existingKeyPem);
  const actual = keyAlgorithmOf(privateKey);
  if (actual !== request.keyAlgorithm) {
    // Keeping a key of another algorithm would issue a certificate that differs from the spec.
    throw new CertloopError(
      'INTERNAL',
      `The key to keep for ${request.name} is ${actual ?? 'of an unsupported type'}, but ${request.keyAlgorithm} is requested.`,
    );
  }
  return { keyPem: request.existingKeyPem, privateKey };
}
