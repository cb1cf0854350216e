/**
 * The continuous reconciler: runs passes until its AbortSignal fires.
 *
 * Level-triggered: a pass re-reads the manifest and the world and fixes
 * whatever drift it finds (it is the `--once` pass, given as a port); events
 * (a manifest change, SIGHUP) only cut the sleep short. Between passes the
 * service sleeps on one timer until the next renewal point, retry or resync
 * (see schedule.ts). A manifest that stops being valid is reported and the
 * last valid one stays in force.
 *
 * Shutdown: once aborted no pass starts; a pass in flight gets `shutdownGraceMs`
 * to finish its writes and release the lock.
 */
import {
  type Clock,
  type DesiredState,
  describeError,
  type Logger,
  ManifestError,
  type ObservedCertificate,
  omitUndefined,
  type StatusDocument,
} from '@certloop/core';
import type { Plan } from '../plan.js';
import type { ReconcileReport } from '../reconcile.js';
import { safeErrorMessage } from '../redact.js';
import { type BackoffPolicy, backoffDelay } from '../status.js';
import { nextWake, type ScheduleSettings, type Wake } from './schedule.js';

/** What one pass came to. */
export type PassOutcome =
  | { readonly kind: 'acted'; readonly report: ReconcileReport }
  /** Another process holds the lock: it acts, this one stands by. */
  | { readonly kind: 'standby'; readonly message: string };

export interface ServiceLook {
  readonly observed: readonly ObservedCertificate[];
  readonly status: StatusDocument | undefined;
  /** The plan of what was observed, when the look made one: what status, metrics and the page show. */
  readonly plan?: Plan;
}

export interface ServicePorts {
  /** Loads the manifest; throws (ManifestError) when it is unusable. */
  load(): Promise<DesiredState>;
  /** One pass under the lock: the same code as `reconcile --once`. */
  pass(desired: DesiredState): Promise<PassOutcome>;
  /** Read-only: the files and status as they are now, for the schedule (and metrics). */
  look(desired: DesiredState): Promise<ServiceLook>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Uniform in [0, 1); Math.random by default. */
  readonly random?: () => number;
}

export type TriggerReason = 'start' | 'manifest-changed' | 'reload-signal' | 'schedule';

/** Notifications for metrics and health; none may throw. */
export interface ServiceListener {
  onReload?(event: { ok: true; desired: DesiredState } | { ok: false; error: unknown }): void;
  onPass?(event: { outcome: PassOutcome; trigger: TriggerReason; startedAt: Date; durationMs: number }): void;
  /** A pass that threw (the lock could not be created, the issuer failed to prepare, a bug). */
  onPassError?(event: { error: unknown; trigger: TriggerReason }): void;
  onLook?(event: { desired: DesiredState; look: ServiceLook; now: Date }): void;
  onSchedule?(wake: Wake): void;
}

export interface ServiceOptions extends ScheduleSettings {
  /** How long a pass in flight may take to finish after the abort. Default 20 s. */
  readonly shutdownGraceMs?: number;
  /** After standing by, do not try the lock again sooner than this. Default 5 s. */
  readonly standbyDelayMs?: number;
  /** Backoff of passes that threw. Default: the schedule backoff. */
  readonly passErrorBackoff?: BackoffPolicy;
}

export interface ServiceResult {
  /** Passes started. */
  readonly passes: number;
  /** False when a pass was still running when the shutdown grace ran out. */
  readonly drained: boolean;
}

const MAX_TIMER_MS = 2 ** 31 - 1;
const DEFAULT_GRACE_MS = 20_000;
const DEFAULT_STANDBY_DELAY_MS = 5_000;

export class ReconcileService {
  readonly #ports: ServicePorts;
  readonly #options: ServiceOptions;
  readonly #listener: ServiceListener;
  #desired: DesiredState;
  #trigger: TriggerReason | undefined = 'start';
  #wakeSleeper: (() => void) | undefined;
  #lastProblems: string | undefined;
  #passErrors = 0;
  #running = false;

  constructor(
    initial: DesiredState,
    ports: ServicePorts,
    options: ServiceOptions,
    listener: ServiceListener = {},
  ) {
    this.#desired = initial;
    this.#ports = ports;
    this.#options = options;
    this.#listener = listener;
  }

  /** The manifest in force: the last one that loaded. */
  get desired(): DesiredState {
    return this.#desired;
  }

  /** Run a pass as soon as the current one (if any) is done; `reload` is implied: every pass reloads. */
  trigger(reason: Exclude<TriggerReason, 'start' | 'schedule'>): void {
    this.#trigger ??= reason;
    this.#wakeSleeper?.();
  }

  /** Runs until `signal` aborts; resolves after the last pass has finished (or the grace ran out). */
  async run(signal: AbortSignal): Promise<ServiceResult> {
    if (this.#running) throw new Error('ReconcileService.run was called twice');
    this.#running = true;
    const onAbort = () => this.#wakeSleeper?.();
    signal.addEventListener('abort', onAbort);
    let passes = 0;
    try {
      while (!signal.aborted) {
        const trigger = this.#trigger ?? 'schedule';
        this.#trigger = undefined;
        passes += 1;
        const cycle = this.#cycle(trigger);
        const finished = await finishesWithin(
          cycle,
          signal,
          this.#options.shutdownGraceMs ?? DEFAULT_GRACE_MS,
        );
        if (!finished) {
          this.#ports.logger.warn('Stopping with a pass still running: the shutdown grace ran out.');
          return { passes, drained: false };
        }
        if (signal.aborted) break;
        const wake = await cycle;
        if (this.#trigger !== undefined) continue; // an event came in during the pass
        this.#listener.onSchedule?.(wake);
        this.#ports.logger.debug(
          'Sleeping until the next pass.',
          omitUndefined({ at: wake.at.toISOString(), reason: wake.reason, name: wake.name }),
        );
        await this.#sleepUntil(wake.at, signal);
      }
      return { passes, drained: true };
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.#running = false;
    }
  }

  /** Reload, pass, look, schedule. Never throws: every failure becomes a later wake-up. */
  async #cycle(trigger: TriggerReason): Promise<Wake> {
    const { logger, clock } = this.#ports;
    if (trigger !== 'start') await this.#reload();
    const desired = this.#desired;
    const startedAt = clock();
    let outcome: PassOutcome;
    try {
      outcome = await this.#ports.pass(desired);
      this.#passErrors = 0;
    } catch (error) {
      this.#passErrors += 1;
      logger.error('The reconcile pass failed.', { error: safeErrorMessage(error) });
      this.#listener.onPassError?.({ error, trigger });
      const backoff = this.#options.passErrorBackoff ?? this.#options.backoff;
      const delay = backoffDelay(this.#passErrors, backoff);
      return { at: new Date(clock().getTime() + Math.min(delay, this.#options.resyncMs)), reason: 'retry' };
    }
    const durationMs = clock().getTime() - startedAt.getTime();
    this.#listener.onPass?.({ outcome, trigger, startedAt, durationMs });
    if (outcome.kind === 'standby') {
      logger.debug('Standing by: another certloop holds the lock.', { detail: outcome.message });
    } else {
      logger.info('Reconcile pass finished.', { trigger, ok: outcome.report.ok, ...outcome.report.summary });
    }
    return this.#schedule(desired, outcome);
  }

  async #schedule(desired: DesiredState, outcome: PassOutcome): Promise<Wake> {
    const { clock, logger } = this.#ports;
    let look: ServiceLook;
    try {
      look = await this.#ports.look(desired);
    } catch (error) {
      logger.warn('Could not look at the files after the pass; trying again at the next resync.', {
        error: safeErrorMessage(error),
      });
      return { at: new Date(clock().getTime() + this.#options.resyncMs), reason: 'resync' };
    }
    const now = clock();
    this.#listener.onLook?.({ desired, look, now });
    const wake = nextWake(
      {
        desired,
        observed: look.observed,
        status: look.status,
        now,
        random: this.#ports.random ?? Math.random,
      },
      this.#options,
    );
    if (outcome.kind === 'standby') {
      // The holder is acting now; what looks due may be in its hands already.
      const earliest = now.getTime() + (this.#options.standbyDelayMs ?? DEFAULT_STANDBY_DELAY_MS);
      if (wake.at.getTime() < earliest) return { ...wake, at: new Date(earliest) };
    }
    return wake;
  }

  async #reload(): Promise<void> {
    const { logger } = this.#ports;
    try {
      const desired = await this.#ports.load();
      if (this.#lastProblems !== undefined)
        logger.info('The configuration is valid again; it is now in force.');
      this.#lastProblems = undefined;
      this.#desired = desired;
      this.#listener.onReload?.({ ok: true, desired });
    } catch (error) {
      const problems = problemLines(error);
      const key = problems.join('\n');
      // Said once per distinct set of problems, not at every resync.
      if (key !== this.#lastProblems) {
        logger.error(
          error instanceof ManifestError
            ? 'The manifest is invalid; the last valid one stays in force.'
            : 'The new configuration is unusable; the last valid one stays in force.',
          { problems },
        );
      }
      this.#lastProblems = key;
      this.#listener.onReload?.({ ok: false, error });
    }
  }

  /** One timer; resolves at `at`, on a trigger or on abort. */
  #sleepUntil(at: Date, signal: AbortSignal): Promise<void> {
    if (signal.aborted || this.#trigger !== undefined) return Promise.resolve();
    return new Promise((resolve) => {
      const delay = Math.min(Math.max(0, at.getTime() - this.#ports.clock().getTime()), MAX_TIMER_MS);
      const timer = setTimeout(done, delay);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wakeSleeper = () => {
        this.#wakeSleeper = undefined;
        done();
      };
    });
  }
}

/** Whether `work` settles, or the signal is not aborted, ... before the grace after an abort runs out. */
async function finishesWithin(
  work: Promise<unknown>,
  signal: AbortSignal,
  graceMs: number,
): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const graceOver = new Promise<false>((resolve) => {
    const startGrace = () => {
      timer = setTimeout(() => resolve(false), graceMs);
    };
    if (signal.aborted) startGrace();
    else {
      onAbort = startGrace;
      signal.addEventListener('abort', onAbort, { once: true });
    }
  });
  try {
    return await Promise.race([work.then(() => true as const), graceOver]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
  }
}

function problemLines(error: unknown): string[] {
  if (error instanceof ManifestError) {
    return error.problems.map((p) => {
      const where = p.line === undefined ? p.path.join('.') : `line ${p.line}`;
      return `${p.severity} ${where ? `${where}: ` : ''}${p.message} (${p.rule})`;
    });
  }
  return [describeError(error)];
}
