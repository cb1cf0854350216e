/** The private key of a request: the one to keep, or a fresh one of the requested algorithm. */
import { CertloopError, type IssueRequest } from '@certloop/core';
import { generatePrivateKey, type PrivateKey, readPrivateKey } from '@certloop/x509';

/** The key as the files get it (PEM) and as the CSR is signed with it (read once). */
export interface RequestKey {
  readonly keyPem: string;
  readonly privateKey: PrivateKey;
}

export async function keyForRequest(request: IssueRequest): Promise<RequestKey> {
  if (request.existingKeyPem === undefined) {
    const privateKey = await generatePrivateKey(request.keyAlgorithm);
    return { keyPem: privateKey.pem, privateKey };
  }
  const privateKey = readPrivateKey(request.existingKeyPem);
  const actual = privateKey.algorithm;
  if (actual !== request.keyAlgorithm) {
    // Keeping a key of another algorithm would issue a certificate that differs from the spec.
    throw new CertloopError(
      'INTERNAL',
      `The key to keep for ${request.name} is ${actual ?? 'of an unsupported type'}, but ${request.keyAlgorithm} is requested.`,
    );
  }
  return { keyPem: request.existingKeyPem, privateKey };
}
