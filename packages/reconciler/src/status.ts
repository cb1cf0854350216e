/**
 * The next status record of a certificate, without churn: a pass that did
 * nothing keeps the previous record, a condition's transition time moves only
 * when its state flips, and the document is written only when it differs.
 *
 * Each transition is an immer producer over the previous record: assigning a
 * field the value it already has is no change, so a record (and the set of
 * records) that did not change comes back as the previous object itself, and
 * "did the status change?" is an identity check.
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
import { castDraft, type Draft, produce } from 'immer';

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

/** The keys of T's optional fields. */
type OptionalKey<T> = { [K in keyof T]-?: undefined extends T[K] ? K : never }[keyof T];

/** Sets an optional field, or removes it when undefined: a record never holds an undefined field. */
function setOptional<T extends object, K extends OptionalKey<T>>(
  draft: T,
  key: K,
  value: T[K] | undefined,
): void {
  if (value === undefined) delete draft[key];
  else draft[key] = value;
}

/** Overwrites a list item by item: an equal list is no change (a new array would be one). */
function setList<T>(draft: T[], values: readonly T[]): void {
  draft.length = values.length;
  values.forEach((value, index) => {
    draft[index] = value;
  });
}

/** The condition's transition time moves only when its state flips. */
function setCondition(
  draft: Draft<CertificateStatus>,
  next: Omit<CertificateCondition, 'lastTransitionTime'>,
  nowIso: string,
): void {
  const condition = draft.condition;
  if (condition === undefined) {
    draft.condition = { ...next, lastTransitionTime: nowIso };
    return;
  }
  if (condition.state !== next.state) condition.lastTransitionTime = nowIso;
  condition.state = next.state;
  setOptional(condition, 'reason', next.reason);
  condition.message = next.message;
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
  const { previous } = update;
  const nowIso = update.now.toISOString();
  const found = update.outcome === 'failed' ? update.reasons : update.remainingReasons;
  const condition = conditionFor(
    withPendingWork(found, update.pendingHooks, update.pendingDelivery),
    update.error,
  );
  const nothingAttempted = update.action === 'none' && update.outcome === 'unchanged';
  // Skipped for its backoff, or nothing to do after a success: the record of the
  // last attempt stands; only facts about the files move.
  const keepAttempt =
    previous !== undefined &&
    (update.deferred === true || (nothingAttempted && previous.consecutiveFailures === 0));
  return produce(previous ?? firstRecord(update.desired.name, nowIso), (draft) => {
    setOptional(draft, 'serial', update.serial ?? draft.serial);
    setOptional(draft, 'notAfter', update.notAfter ?? draft.notAfter);
    setList(draft.pendingHooks, update.pendingHooks);
    setOptional(draft, 'pendingDelivery', update.pendingDelivery);
    setCondition(draft, condition, nowIso);
    if (!keepAttempt) recordAttempt(draft, update, nowIso);
  });
}

/** Overwritten whole by the first attempt: the seed of a certificate without a record. */
function firstRecord(name: string, nowIso: string): CertificateStatus {
  return {
    name,
    lastResult: 'unchanged',
    lastAction: 'none',
    lastReasons: [],
    lastAttemptAt: nowIso,
    pendingHooks: [],
    consecutiveFailures: 0,
  };
}

/** The record of this pass's attempt, and the backoff of a failed issuance. */
function recordAttempt(draft: Draft<CertificateStatus>, update: StatusUpdate, nowIso: string): void {
  const { now } = update;
  const failed = update.outcome === 'failed';
  const consecutiveFailures = failed ? draft.consecutiveFailures + 1 : 0;
  const issuance = update.action === 'issue' || update.action === 'reissue';
  const expiresAt = draft.notAfter === undefined ? Number.NaN : new Date(draft.notAfter).getTime();
  const remainingMs = Number.isNaN(expiresAt) ? undefined : expiresAt - now.getTime();
  const retryNotBefore =
    failed && issuance
      ? new Date(
          now.getTime() + backoffDelay(consecutiveFailures, update.backoff, update.terminal, remainingMs),
        ).toISOString()
      : undefined;
  draft.name = update.desired.name;
  draft.lastResult = failed ? 'failed' : update.outcome === 'changed' ? 'success' : 'unchanged';
  draft.lastAction = update.action;
  setList(
    draft.lastReasons,
    update.reasons.map((r) => r.code),
  );
  setOptional(draft, 'lastError', failed ? update.error : undefined);
  draft.lastAttemptAt = nowIso;
  if (update.outcome === 'changed') draft.lastSuccessAt = nowIso;
  draft.consecutiveFailures = consecutiveFailures;
  setOptional(draft, 'retryNotBefore', retryNotBefore);
  setOptional(draft, 'failedSpecHash', failed ? update.desired.specHash : undefined);
}

/**
 * The records of the status after a pass, one per name in `records`: the
 * previous object itself when every record is the previous one.
 */
export function nextRecords(
  previous: Readonly<Record<string, CertificateStatus>>,
  records: ReadonlyMap<string, CertificateStatus>,
): Readonly<Record<string, CertificateStatus>> {
  return produce(previous, (draft) => {
    for (const name of Object.keys(draft)) if (!records.has(name)) delete draft[name];
    for (const [name, record] of records) draft[name] = castDraft(record);
  });
}

/** Whether the records differ from the previous document's (updatedAt aside); they are its very object when none changed. */
export function statusChanged(
  previous: StatusDocument | undefined,
  manifestPath: string,
  certificates: Readonly<Record<string, CertificateStatus>>,
): boolean {
  return (
    previous === undefined || previous.manifestPath !== manifestPath || previous.certificates !== certificates
  );
}
