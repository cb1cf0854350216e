/**
 * The next status record of a certificate, without churn: a pass that did
 * nothing keeps the previous record, a condition's transition time moves only
 * when its state flips, and the document is written only when it differs.
 */

import type {
  Action,
  CertificateCondition,
  CertificateStatus,
  CertState,
  DesiredCertificate,
  Reason,
  ReasonCode,
  StatusDocument,
} from '@certloop/core';
import { omitUndefined } from '@certloop/core';

export type Outcome = 'changed' | 'unchanged' | 'failed';

export interface BackoffPolicy {
  /** Delay after the first failure. */
  readonly baseMs: number;
  /** Cap; also the delay after a terminal (non-retryable) failure. */
  readonly maxMs: number;
  /**
   * When set, a retry waits at most this fraction of the certificate's
   * remaining lifetime (but at least MIN_LIFETIME_CAPPED_DELAY_MS), so a
   * failing renewal is still tried many times before the certificate expires.
   */
  readonly remainingLifetimeFraction?: number;
}

/** Floor of the lifetime cap: near expiry, a retry every few seconds, not a storm. */
export const MIN_LIFETIME_CAPPED_DELAY_MS = 5_000;

/** Slow on purpose: a CA that is down must not see a retry storm from every cron run. */
export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 5 * 60_000, maxMs: 6 * 3_600_000 };

/**
 * base · 2^(failures-1), capped; terminal failures wait the maximum. With
 * `remainingMs` (time left before the certificate on disk expires) and a
 * policy's `remainingLifetimeFraction`, never longer than that fraction of it.
 */
export function backoffDelay(
  failures: number,
  policy: BackoffPolicy,
  terminal = false,
  remainingMs?: number,
): number {
  const exponent = Math.max(0, Math.min(failures - 1, 30));
  const delay = terminal ? policy.maxMs : Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  const fraction = policy.remainingLifetimeFraction;
  // An expired (or missing) certificate has nothing left to protect: plain backoff.
  if (fraction === undefined || remainingMs === undefined || remainingMs <= 0) return delay;
  return Math.min(delay, Math.max(fraction * remainingMs, MIN_LIFETIME_CAPPED_DELAY_MS));
}

const STATE_OF_REASON: Partial<Record<ReasonCode, CertState>> = {
  'cert-missing': 'Missing',
  'key-missing': 'Missing',
  expired: 'Expired',
  'cert-unparsable': 'Invalid',
  'key-unparsable': 'Invalid',
  'file-unreadable': 'Invalid',
  'key-mismatch': 'Invalid',
  'foreign-issuer': 'Invalid',
  'not-yet-valid': 'Invalid',
  'cn-differs': 'Invalid',
  'sans-differ': 'Invalid',
  'key-algorithm-differs': 'Invalid',
  'usage-missing': 'Invalid',
  'spec-changed': 'Invalid',
  'renewal-due': 'RenewalDue',
  'chain-stale': 'Drifted',
  'chain-missing': 'Drifted',
  'mode-differs': 'Drifted',
  'owner-differs': 'Drifted',
  'hook-pending': 'Pending',
  'delivery-pending': 'Pending',
};
const STATE_PRECEDENCE: readonly CertState[] = [
  'Missing',
  'Expired',
  'Invalid',
  'RenewalDue',
  'Drifted',
  'Pending',
];

/**
 * The state a certificate is in, from the reasons found for it. Ready only
 * when no reason is left: a key with the wrong mode or a hook still to run is
 * not "as declared", even though the certificate itself is good.
 */
export function conditionFor(
  reasons: readonly Reason[],
  failure?: string,
): Omit<CertificateCondition, 'lastTransitionTime'> {
  if (failure !== undefined) {
    return omitUndefined({ state: 'Failed' as const, message: failure, reason: reasons[0]?.code });
  }
  for (const state of STATE_PRECEDENCE) {
    const reason = reasons.find((r) => STATE_OF_REASON[r.code] === state);
    if (reason !== undefined) return { state, reason: reason.code, message: reason.message };
  }
  return { state: 'Ready', message: 'The certificate is in sync with the manifest.' };
}

function withTransition(
  previous: CertificateCondition | undefined,
  next: Omit<CertificateCondition, 'lastTransitionTime'>,
  nowIso: string,
): CertificateCondition {
  const lastTransitionTime =
    previous !== undefined && previous.state === next.state ? previous.lastTransitionTime : nowIso;
  return { ...next, lastTransitionTime };
}

/** Drops undefined fields, so records compare (and serialize) the same whichever way they were built. */
function compact<T extends object>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Work this pass left (a delivery to a stopped guest, a hook that failed) is
 * part of the condition: the certificate is not Ready until it is done.
 */
function withPendingWork(
  reasons: readonly Reason[],
  pendingHooks: readonly string[],
  pendingDelivery: string | undefined,
): readonly Reason[] {
  const extra: Reason[] = [];
  if (pendingDelivery !== undefined && !reasons.some((r) => r.code === 'delivery-pending')) {
    extra.push({
      code: 'delivery-pending',
      message: `The files have not been delivered into ${pendingDelivery.replace('/', ' ')} yet.`,
    });
  }
  if (pendingHooks.length > 0 && !reasons.some((r) => r.code === 'hook-pending')) {
    extra.push({
      code: 'hook-pending',
      message: `A post-renewal hook must run again: ${pendingHooks.join(', ')}.`,
    });
  }
  return extra.length === 0 ? reasons : [...reasons, ...extra];
}

export interface StatusUpdate {
  readonly desired: DesiredCertificate;
  readonly previous?: CertificateStatus;
  readonly action: Action;
  readonly reasons: readonly Reason[];
  readonly outcome: Outcome;
  /** Redacted message of the failure. */
  readonly error?: string;
  /** A failure that retrying cannot fix (a rejection). */
  readonly terminal?: boolean;
  /** Skipped because of backoff: the previous failure record stands. */
  readonly deferred?: boolean;
  readonly serial?: string;
  readonly notAfter?: string;
  readonly pendingHooks: readonly string[];
  /** The guest the files still have to reach. */
  readonly pendingDelivery?: string;
  /** Reasons still found after the pass (re-observation for touched certificates). */
  readonly remainingReasons: readonly Reason[];
  readonly now: Date;
  readonly backoff: BackoffPolicy;
}

export function nextCertificateStatus(update: StatusUpdate): CertificateStatus {
  const { previous, now } = update;
  const nowIso = now.toISOString();
  const found = update.outcome === 'failed' ? update.reasons : update.remainingReasons;
  const condition = withTransition(
    previous?.condition,
    conditionFor(withPendingWork(found, update.pendingHooks, update.pendingDelivery), update.error),
    nowIso,
  );
  const facts = {
    serial: update.serial ?? previous?.serial,
    notAfter: update.notAfter ?? previous?.notAfter,
    pendingHooks: [...update.pendingHooks],
    pendingDelivery: update.pendingDelivery,
    condition,
  };

  if (update.deferred === true && previous !== undefined) return compact({ ...previous, ...facts });

  const nothingAttempted = update.action === 'none' && update.outcome === 'unchanged';
  if (nothingAttempted && previous !== undefined && previous.consecutiveFailures === 0) {
    // Keep the record of the last attempt; only facts about the files move.
    return compact({ ...previous, ...facts });
  }

  const failed = update.outcome === 'failed';
  const consecutiveFailures = failed ? (previous?.consecutiveFailures ?? 0) + 1 : 0;
  const issuance = update.action === 'issue' || update.action === 'reissue';
  const expiresAt = facts.notAfter === undefined ? Number.NaN : new Date(facts.notAfter).getTime();
  const remainingMs = Number.isNaN(expiresAt) ? undefined : expiresAt - now.getTime();
  const retryNotBefore =
    failed && issuance
      ? new Date(
          now.getTime() + backoffDelay(consecutiveFailures, update.backoff, update.terminal, remainingMs),
        ).toISOString()
      : undefined;
  return compact({
    name: update.desired.name,
    lastResult: failed ? 'failed' : update.outcome === 'changed' ? 'success' : 'unchanged',
    lastAction: update.action,
    lastReasons: update.reasons.map((r) => r.code),
    lastError: failed ? update.error : undefined,
    lastAttemptAt: nowIso,
    lastSuccessAt: update.outcome === 'changed' ? nowIso : previous?.lastSuccessAt,
    ...facts,
    consecutiveFailures,
    retryNotBefore,
    failedSpecHash: failed ? update.desired.specHash : undefined,
  } satisfies CertificateStatus);
}

/** JSON with object keys sorted: equal data, equal text. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

/** Whether the certificates' records differ from the previous document (updatedAt aside). */
export function statusChanged(
  previous: StatusDocument | undefined,
  manifestPath: string,
  certificates: Readonly<Record<string, CertificateStatus>>,
): boolean {
  if (previous === undefined || previous.manifestPath !== manifestPath) return true;
  return canonicalJson(previous.certificates) !== canonicalJson(certificates);
}
