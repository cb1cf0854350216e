/**
 * Trust material prepared once per TrustMaterial object (parsed roots and
 * intermediates, hashes of the bundle and chain the writer would write), so
 * observing 10,000 certificates does not re-parse the roots 10,000 times.
 */
import { joinPem, type TrustMaterial } from '@certloop/core';
import { sha256Hex } from './certificate.js';
import { parseCertificatesLenient } from './chain.js';
import type { CertificateDer } from './native.js';

export interface TrustContext {
  readonly roots: readonly CertificateDer[];
  readonly rootsSha256: string;
  readonly intermediates: readonly CertificateDer[];
  /** Canonical `joinPem(trust.intermediatesPem)`; empty when the issuer's intermediates are unknown. */
  readonly intermediatesPem: string;
  /** sha256 of what the writer puts in a CA bundle file: `joinPem(rootsPem)`. */
  readonly caBundleSha256: string;
  /** sha256 of what the writer puts in a chain file: `joinPem(intermediatesPem)`. */
  readonly chainSha256: string;
}

const prepared = new WeakMap<TrustMaterial, TrustContext>();

export function trustContext(trust: TrustMaterial): TrustContext {
  let context = prepared.get(trust);
  if (context === undefined) {
    const caBundle = joinPem(trust.rootsPem);
    const intermediatesPem = joinPem(trust.intermediatesPem);
    context = {
      roots: parseCertificatesLenient(trust.rootsPem),
      rootsSha256: sha256Hex(caBundle),
      intermediates: parseCertificatesLenient(trust.intermediatesPem),
      intermediatesPem,
      caBundleSha256: sha256Hex(caBundle),
      chainSha256: sha256Hex(intermediatesPem),
    };
    prepared.set(trust, context);
  }
  return context;
}
