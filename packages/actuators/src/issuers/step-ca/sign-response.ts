/**
 * step-ca's answer to sign, renew and rekey (the same SignResponse): the leaf
 * and the intermediates, the root left out.
 */
import { IssuerError } from '@certloop/core';
import type { ApiResponse } from './client.js';
import { type CaTrust, fingerprintOf } from './trust.js';

export interface SignedChain {
  readonly leaf: string;
  /** Leaf first, then the intermediates. */
  readonly chain: readonly string[];
}

export function parseSignResponse(response: ApiResponse, caUrl: string): SignedChain {
  const body = response.json as { crt?: unknown; ca?: unknown; certChain?: unknown } | undefined;
  const leaf = typeof body?.crt === 'string' ? body.crt : undefined;
  if (leaf === undefined) {
    throw new IssuerError('ISSUER_SERVER', `The Step-CA at ${caUrl} answered without a certificate.`, {
      retryable: false,
    });
  }
  const chain = Array.isArray(body?.certChain)
    ? body.certChain.filter((pem): pem is string => typeof pem === 'string')
    : [leaf, ...(typeof body?.ca === 'string' ? [body.ca] : [])];
  return { leaf, chain: chain.length > 0 ? chain : [leaf] };
}

// Every response carries the same chain: its fingerprints are computed once, not per certificate.
const chainFingerprints = new Map<string, string | undefined>();

export function isRootOf(pem: string, trust: CaTrust): boolean {
  if (trust.rootsPem.includes(pem.trim())) return true;
  if (!chainFingerprints.has(pem)) {
    let fingerprint: string | undefined;
    try {
      fingerprint = fingerprintOf(pem);
    } catch {
      fingerprint = undefined;
    }
    if (chainFingerprints.size >= 64) chainFingerprints.clear();
    chainFingerprints.set(pem, fingerprint);
  }
  return chainFingerprints.get(pem) === trust.fingerprint;
}

/** The intermediates of a signed chain: after the leaf, roots excluded. */
export function intermediatesOf(signed: SignedChain, trust: CaTrust): string[] {
  return signed.chain.slice(1).filter((pem) => !isRootOf(pem, trust));
}
