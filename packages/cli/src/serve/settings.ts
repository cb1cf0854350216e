/** The service's flags, checked and read into numbers once, before anything starts. */
import { parseDuration, UsageError } from '@certloop/core';
import type { BackoffPolicy } from '@certloop/reconciler';
import { positiveInteger } from '../flag-values.js';
import type { ReconcileCommandOptions } from '../options.js';

export const DEFAULT_RESYNC = '5m';
export const DEFAULT_BACKOFF_BASE = '1m';
export const DEFAULT_BACKOFF_MAX = '1h';
/** A failing certificate is retried at least about ten times before it expires. */
export const REMAINING_LIFETIME_FRACTION = 0.1;
export const DEFAULT_SHUTDOWN_GRACE = '20s';

export interface ServiceSettings {
  readonly concurrency: number;
  readonly resyncMs: number;
  readonly backoff: BackoffPolicy;
  readonly shutdownGraceMs: number;
}

export function settingsOf(options: ReconcileCommandOptions): ServiceSettings {
  if (options.force) {
    throw new UsageError('--force reissues everything at every pass: use it with --once only.');
  }
  const resyncMs = parseDuration(options.resync ?? DEFAULT_RESYNC);
  const baseMs = parseDuration(options.backoffBase ?? DEFAULT_BACKOFF_BASE);
  const maxMs = parseDuration(options.backoffMax ?? DEFAULT_BACKOFF_MAX);
  if (resyncMs < 1_000) throw new UsageError('--resync must be at least 1s.');
  if (baseMs < 1_000 || maxMs < baseMs) {
    throw new UsageError('--backoff-base must be at least 1s and --backoff-max at least --backoff-base.');
  }
  return {
    concurrency: positiveInteger(options.concurrency, '--concurrency', 4),
    resyncMs,
    backoff: { baseMs, maxMs, remainingLifetimeFraction: REMAINING_LIFETIME_FRACTION },
    shutdownGraceMs: parseDuration(options.shutdownGrace ?? DEFAULT_SHUTDOWN_GRACE),
  };
}
