/**
 * When the service looks again, from what a pass left behind: the earliest
 * renewal point, the earliest retry of a failing certificate, or the periodic
 * resync, whichever comes first. Pure: the clock reading and the random
 * source are inputs. Jitter only moves the wake-up later; the decision to act
 * is taken by the pass itself (renewal point, retryNotBefore), so jitter can
 * never make a certificate renew early or skip its backoff.
 */
import type {
  CertificateStatus,
  DesiredCertificate,
  DesiredState,
  ObservedCertificate,
  StatusDocument,
} from '@certloop/core';
import { renewalPointOf } from '../renewal.js';
import { type BackoffPolicy, backoffDelay } from '../status.js';

export type WakeReason = 'renewal' | 'retry' | 'resync';

export interface Wake {
  readonly at: Date;
  readonly reason: WakeReason;
  /** The certificate the wake-up is for (renewal, retry). */
  readonly name?: string;
}

export interface ScheduleSettings {
  /** Look again at least this often, whatever the certificates say (NFS changes, other hosts). */
  readonly resyncMs: number;
  /** Backoff of failures that have no retryNotBefore (placement fixes, hooks). */
  readonly backoff: BackoffPolicy;
  /** Upper bound of the jitter added to one wake-up. Default 30 s. */
  readonly maxJitterMs?: number;
  /** Never wake sooner than this after a pass: a guard against tight loops. Default 1 s. */
  readonly minDelayMs?: number;
}

export interface ScheduleInput {
  readonly desired: DesiredState;
  readonly observed: readonly ObservedCertificate[];
  readonly status: StatusDocument | undefined;
  readonly now: Date;
  /** Uniform in [0, 1). */
  readonly random: () => number;
}

export const DEFAULT_MAX_JITTER_MS = 30_000;
export const DEFAULT_MIN_DELAY_MS = 1_000;
/** Jitter spreads: a share of the interval the wake-up ends. */
const RENEWAL_SPREAD = 0.01;
const INTERVAL_SPREAD = 0.1;

/** Random extra delay in [0, min(spread, max)). */
export function jitterMs(spreadMs: number, maxJitterMs: number, random: () => number): number {
  const bound = Math.max(0, Math.min(spreadMs, maxJitterMs));
  return Math.floor(random() * bound);
}

/**
 * When a failing certificate is tried again: its retryNotBefore while the spec
 * is the one that failed (an issuance failure), else the last attempt plus the
 * backoff (a failed placement fix or hook, which record no retry time). Also
 * the delay the time was derived from, for the jitter spread.
 */
export function retryOf(
  cert: DesiredCertificate,
  status: CertificateStatus | undefined,
  backoff: BackoffPolicy,
): { at: number; intervalMs: number } | undefined {
  if (status === undefined || status.consecutiveFailures === 0) return undefined;
  const lastAttempt = new Date(status.lastAttemptAt).getTime();
  if (status.retryNotBefore !== undefined) {
    // A changed spec is retried at once by the pass; nothing to wait for.
    if (status.failedSpecHash !== cert.specHash) return { at: lastAttempt, intervalMs: 0 };
    const at = new Date(status.retryNotBefore).getTime();
    return Number.isNaN(at) ? undefined : { at, intervalMs: Math.max(0, at - lastAttempt) };
  }
  if (Number.isNaN(lastAttempt)) return undefined;
  const expiresAt = status.notAfter === undefined ? Number.NaN : new Date(status.notAfter).getTime();
  const remaining = Number.isNaN(expiresAt) ? undefined : expiresAt - lastAttempt;
  const intervalMs = backoffDelay(status.consecutiveFailures, backoff, false, remaining);
  return { at: lastAttempt + intervalMs, intervalMs };
}

/** The next wake-up: earliest of every certificate's renewal or retry and the resync, each with its jitter. */
export function nextWake(input: ScheduleInput, settings: ScheduleSettings): Wake {
  const now = input.now.getTime();
  const maxJitter = settings.maxJitterMs ?? DEFAULT_MAX_JITTER_MS;
  const earliestAllowed = now + (settings.minDelayMs ?? DEFAULT_MIN_DELAY_MS);
  const observed = new Map(input.observed.map((o) => [o.name, o]));

  let best: Wake = {
    at: new Date(
      now + settings.resyncMs + jitterMs(settings.resyncMs * INTERVAL_SPREAD, maxJitter, input.random),
    ),
    reason: 'resync',
  };
  const consider = (at: number, reason: WakeReason, name: string) => {
    const when = Math.max(at, earliestAllowed);
    if (when < best.at.getTime()) best = { at: new Date(when), reason, name };
  };

  for (const cert of input.desired.certificates) {
    const retry = retryOf(cert, input.status?.certificates[cert.name], settings.backoff);
    if (retry !== undefined) {
      consider(
        retry.at + jitterMs(retry.intervalMs * INTERVAL_SPREAD, maxJitter, input.random),
        'retry',
        cert.name,
      );
      continue;
    }
    const recorded = input.status?.certificates[cert.name];
    if (recorded?.pendingDelivery !== undefined) {
      // A stopped guest is no failure, but its files wait: look again after the base backoff (1 minute).
      const lastAttempt = new Date(recorded.lastAttemptAt).getTime();
      const interval = settings.backoff.baseMs;
      if (!Number.isNaN(lastAttempt)) {
        consider(
          lastAttempt + interval + jitterMs(interval * INTERVAL_SPREAD, maxJitter, input.random),
          'retry',
          cert.name,
        );
      }
    }
    const parsed = observed.get(cert.name)?.certificate;
    if (parsed === undefined) continue; // nothing on disk and no failure: the resync looks again
    const renewAt = renewalPointOf(cert.renewal, parsed)?.getTime();
    if (renewAt === undefined) continue;
    const lifetime = new Date(parsed.notAfter).getTime() - new Date(parsed.notBefore).getTime();
    consider(renewAt + jitterMs(lifetime * RENEWAL_SPREAD, maxJitter, input.random), 'renewal', cert.name);
  }
  return best;
}
