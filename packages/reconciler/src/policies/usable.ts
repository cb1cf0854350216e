/**
 * The *usable as is* question, asked by a consumer (`certloop install`) of the
 * files certloop placed: they exist and parse, the key is the certificate's,
 * the certificate chains to the roots (when there are roots), and now is
 * inside its validity period. The same policies `plan` runs, so the two
 * cannot disagree; renewal, names and placement are the reconciler's
 * business, not a reason for a consumer to refuse a working pair.
 */
import type { Reason } from '@certloop/core';
import type { Policy, PolicyInput } from './input.js';
import { NEEDS_ISSUANCE } from './issuance.js';
import { expired, foreignIssuer, keyMismatch, notYetValid } from './reissue.js';

/** In order: existence and parsing, the pair, the chain, then validity (not yet, then no longer). */
export const PREVENTS_USE: readonly Policy[] = [
  ...NEEDS_ISSUANCE,
  keyMismatch,
  foreignIssuer,
  notYetValid,
  expired,
];

/** The first reason the files cannot be used as they are, or null when they can. */
export function useBlocker(input: PolicyInput): Reason | null {
  for (const policy of PREVENTS_USE) {
    const reason = policy(input);
    if (reason !== null) return reason;
  }
  return null;
}
