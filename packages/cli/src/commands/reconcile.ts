import { dirname } from 'node:path';
import { acquireLock, removeStaleTemps } from '@certloop/actuators';
import { parseDuration, UsageError } from '@certloop/core';
import { type ReconcileOptions, type ReconcileReport, reconcileOnce } from '@certloop/reconciler';
import type { Handler } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { progressReporter } from '../render/progress.js';
import { renderReport } from '../render/report.js';
import { openRuntime, type Runtime, type RuntimeOptions } from '../runtime.js';

export interface ReconcileCommandOptions extends RuntimeOptions {
  once?: boolean;
  force?: boolean;
  prune?: boolean;
  /** Issue and write, but leave deliveries and hooks pending (the shell manager's flag). */
  generateOnly?: boolean;
  json?: boolean;
  concurrency?: string;
  lockTimeout?: string;
  metricsAddr?: string;
  /** Service: look again at least this often (default 5m). */
  resync?: string;
  /** Service: first retry delay after a failure (default 1m), doubled per failure. */
  backoffBase?: string;
  /** Service: longest retry delay (default 1h). */
  backoffMax?: string;
  /** Service: on SIGTERM, how long a pass in flight may still run (default 20s). */
  shutdownGrace?: string;
}

/** The lock key: one reconciler acts on a manifest's certificates at a time. */
export const RECONCILE_LOCK = 'reconcile';

export function positiveInteger(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new UsageError(`${flag} must be a positive whole number, got "${text}"`);
  return value;
}

/** What a pass needs from the runtime. */
export type PassRuntime = Pick<Runtime, 'state' | 'stateDir' | 'issuer' | 'ports' | 'logger'>;

export interface PassSettings extends ReconcileOptions {
  /** How long to wait for the lock; 0 tries once (the service stands by instead). */
  readonly lockWaitMs: number;
}

/**
 * One pass under the lock: clean stale temp files, prepare the issuer,
 * reconcile. `reconcile --once` runs it once; the service runs it at every
 * wake-up: the same code path.
 */
export async function reconcilePass(runtime: PassRuntime, settings: PassSettings): Promise<ReconcileReport> {
  const { logger, state } = runtime;
  const { lockWaitMs, ...options } = settings;
  const lost = new AbortController();
  const lock = await acquireLock(runtime.stateDir, RECONCILE_LOCK, {
    waitMs: lockWaitMs,
    logger,
    onLost: () => lost.abort(),
  });
  try {
    const directories = new Set(
      state.certificates.flatMap((c) => Object.values(c.files).map((p) => dirname(p))),
    );
    await removeStaleTemps([...directories], { logger });
    await runtime.issuer.prepare?.();
    return await reconcileOnce(state, runtime.ports, { ...options, signal: lost.signal });
  } finally {
    await lock.release();
  }
}

/** `certloop reconcile --once`: validate, observe, plan, act on the drift under the lock, verify, record. */
export const reconcile: Handler<ReconcileCommandOptions> = async (options, io) => {
  if (!options.once) {
    const { serve } = await import('./serve.js');
    return serve(options, io);
  }
  const concurrency = positiveInteger(options.concurrency, '--concurrency', 4);
  const lockWaitMs = parseDuration(options.lockTimeout ?? '5m');
  const runtime = await openRuntime(options, io, { issuerConcurrency: concurrency });
  try {
    const progress = io.isTTY && !options.json ? progressReporter(io) : undefined;
    const report = await reconcilePass(runtime, {
      lockWaitMs,
      concurrency,
      // An explicit pass tries failed certificates now; the service honours the backoff.
      ignoreBackoff: true,
      ...(options.force ? { force: true } : {}),
      ...(options.prune ? { prune: true } : {}),
      ...(options.generateOnly ? { generateOnly: true } : {}),
      ...(progress ? { onProgress: progress.update } : {}),
    });
    progress?.finish();
    io.stdout(options.json ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report, io));
    return report.ok ? EXIT.ok : EXIT.failed;
  } finally {
    await runtime.close();
  }
};
