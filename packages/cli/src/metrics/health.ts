/**
 * /readyz: ready while the last pass succeeded recently, or while this
 * process stands by because another one holds the lock (a follower is doing
 * its job by waiting). Not ready before the first pass, after a failed pass,
 * or when the last success is older than `staleAfterMs`.
 */
import type { Clock } from '@certloop/core';
import type { PassOutcome } from '@certloop/reconciler';
import type { Readiness } from './server.js';

type Last =
  | { readonly kind: 'standby'; readonly at: Date }
  | { readonly kind: 'acted'; readonly at: Date; readonly ok: boolean; readonly failed: number }
  | { readonly kind: 'error'; readonly at: Date; readonly message: string };

export class HealthState {
  #last: Last | undefined;
  #lastSuccess: Date | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly staleAfterMs: number,
  ) {}

  pass(outcome: PassOutcome, at: Date): void {
    if (outcome.kind === 'standby') {
      this.#last = { kind: 'standby', at };
      return;
    }
    const { report } = outcome;
    this.#last = { kind: 'acted', at, ok: report.ok, failed: report.summary.failed };
    if (report.ok) this.#lastSuccess = at;
  }

  passError(message: string, at: Date): void {
    this.#last = { kind: 'error', at, message };
  }

  readiness(): Readiness {
    const last = this.#last;
    if (last === undefined) return { ready: false, message: 'No pass has finished yet.' };
    const since = (date: Date) => `${date.toISOString()}`;
    switch (last.kind) {
      case 'standby':
        return { ready: true, message: `Standing by: another certloop held the lock at ${since(last.at)}.` };
      case 'error':
        return { ready: false, message: `The pass at ${since(last.at)} failed: ${last.message}` };
      case 'acted': {
        if (!last.ok) {
          const what = last.failed === 0 ? 'a hook or the status write' : `${last.failed} certificate(s)`;
          return { ready: false, message: `The pass at ${since(last.at)} failed: ${what} failed.` };
        }
        const age = this.clock().getTime() - (this.#lastSuccess ?? last.at).getTime();
        if (age > this.staleAfterMs) {
          return { ready: false, message: `No successful pass since ${since(last.at)}.` };
        }
        return { ready: true, message: `The last pass at ${since(last.at)} succeeded.` };
      }
    }
  }
}
