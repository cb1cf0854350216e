/**
 * From reasons to one action per certificate. Every reason belongs to exactly
 * one action; the certificate gets the strongest action any of its reasons
 * asks for: issue > reissue > update-files > fix-permissions > none.
 */
import type { Action, Reason, ReasonCode } from '@certloop/core';
import type { Policy, PolicyInput } from './input.js';
import { NEEDS_ISSUANCE } from './issuance.js';
import { NEEDS_PLACEMENT_FIX } from './placement.js';
import { NEEDS_REISSUE } from './reissue.js';

export const ACTION_OF_REASON: Readonly<Record<ReasonCode, Action>> = {
  'cert-missing': 'issue',
  'key-missing': 'issue',
  'cert-unparsable': 'issue',
  'key-unparsable': 'issue',
  'file-unreadable': 'issue',
  forced: 'reissue',
  'key-mismatch': 'reissue',
  'foreign-issuer': 'reissue',
  expired: 'reissue',
  'not-yet-valid': 'reissue',
  'renewal-due': 'reissue',
  'cn-differs': 'reissue',
  'sans-differ': 'reissue',
  'key-algorithm-differs': 'reissue',
  'spec-changed': 'reissue',
  'usage-missing': 'reissue',
  'chain-stale': 'update-files',
  'chain-missing': 'update-files',
  // A pending hook is unfinished placement; see placement.ts.
  'hook-pending': 'update-files',
  'delivery-pending': 'update-files',
  'mode-differs': 'fix-permissions',
  'owner-differs': 'fix-permissions',
  orphaned: 'remove',
};

/** Strongest first. `remove` only comes from orphans, never together with others. */
export const ACTION_PRECEDENCE: readonly Action[] = [
  'remove',
  'issue',
  'reissue',
  'update-files',
  'fix-permissions',
  'none',
];

/** All chains in the order their reasons are reported. */
export const POLICY_CHAINS: readonly (readonly Policy[])[] = [
  NEEDS_ISSUANCE,
  NEEDS_REISSUE,
  NEEDS_PLACEMENT_FIX,
];

export interface Decision {
  readonly action: Action;
  /** Every reason found, in chain order (issuance, reissue, placement). */
  readonly reasons: Reason[];
}

export function strongestAction(reasons: readonly Reason[]): Action {
  if (reasons.length === 0) return 'none';
  const wanted = new Set(reasons.map((r) => ACTION_OF_REASON[r.code]));
  return ACTION_PRECEDENCE.find((action) => wanted.has(action)) ?? 'none';
}

/** Runs every policy of every chain; pure. */
export function decide(input: PolicyInput): Decision {
  const reasons: Reason[] = [];
  for (const chain of POLICY_CHAINS) {
    for (const policy of chain) {
      const reason = policy(input);
      if (reason !== null) reasons.push(reason);
    }
  }
  return { action: strongestAction(reasons), reasons };
}
