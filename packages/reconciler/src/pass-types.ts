/** What a reconcile pass is asked to do and what it reports: the reconciler's public types. */
import type { Action, Reason } from '@certloop/core';
import type { HookReport } from './hooks.js';
import type { Plan } from './plan.js';
import type { BackoffPolicy, Outcome } from './status.js';

export interface ReconcileOptions {
  /** Reissue every certificate (`--force`); also skips the failure backoff. */
  readonly force?: boolean;
  /** Reissue these certificates only, as --force would (`certloop revoke` reissuing what it revoked). */
  readonly forceNames?: readonly string[];
  /**
   * Try failed issuances now, ignoring the recorded backoff (`reconcile --once`:
   * someone asked for a pass now, e.g. after bringing the CA back). The
   * failure count is still recorded, so the service keeps backing off.
   */
  readonly ignoreBackoff?: boolean;
  /**
   * Issue and write, but neither deliver into guests nor run hooks
   * (`--generate-only`, the shell manager's flag): they are recorded as
   * pending, and a later pass does them.
   */
  readonly generateOnly?: boolean;
  /** Remove orphans' files and records (`--prune`); without it they are only reported. */
  readonly prune?: boolean;
  /** With `prune`: revoke each orphan's certificate first; a failed revocation keeps its files (`--revoke`). */
  readonly revokePruned?: boolean;
  /** Certificates acted on at once. Default 4. */
  readonly concurrency?: number;
  readonly backoff?: BackoffPolicy;
  /** Aborted when the lock was lost: certificates not started yet are left alone (and reported failed). */
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: { done: number; total: number; name: string; action: Action }) => void;
}

export interface ReconcileResult {
  readonly name: string;
  readonly action: Action;
  readonly reasons: Reason[];
  readonly outcome: Outcome;
  /** Redacted. */
  readonly error?: string;
  /** Set when the action was skipped because an earlier failure is backing off. */
  readonly retryNotBefore?: string;
  readonly serial?: string;
  readonly notAfter?: string;
  /** The guest ("vm/1001") the files still have to reach (stopped, unreachable, --generate-only). */
  readonly pendingDelivery?: string;
}

export type { HookReport } from './hooks.js';

export interface ReconcileReport {
  readonly plan: Plan;
  /** Sorted by name, one per plan entry. */
  readonly results: ReconcileResult[];
  readonly hooks: HookReport[];
  readonly summary: Record<Outcome, number>;
  readonly statusWritten: boolean;
  /** No failed certificate, no failed hook, status recorded. */
  readonly ok: boolean;
}
