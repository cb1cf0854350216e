/** Bounded retries with exponential backoff and full jitter, for transient issuer faults only. */
import { IssuerError, type Logger, silentLogger } from '@certloop/core';

export interface RetryPolicy {
  /** Total attempts, the first included. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 3, baseDelayMs: 250, maxDelayMs: 4000 };

export interface RetryDeps {
  readonly logger?: Logger;
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** True for an error worth trying again: a retryable IssuerError. A rejection never is. */
export function isRetryable(error: unknown): boolean {
  return error instanceof IssuerError && error.retryable;
}

/** The delay before retry number `retry` (1-based): uniform in [0, min(max, base * 2^(retry-1))]. */
export function backoffDelay(policy: RetryPolicy, retry: number, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}

/** Runs `operation`, again after a backoff while it fails retryably, up to `policy.attempts` times. */
export async function withRetries<T>(
  what: string,
  operation: (attempt: number) => Promise<T>,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  deps: RetryDeps = {},
): Promise<T> {
  const { logger = silentLogger, random = Math.random, sleep = realSleep } = deps;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (!isRetryable(error) || attempt >= policy.attempts) throw error;
      const delayMs = backoffDelay(policy, attempt, random);
      logger.debug(`${what} failed transiently; retrying`, {
        attempt,
        delayMs,
        error: (error as Error).message,
      });
      await sleep(delayMs);
    }
  }
}
