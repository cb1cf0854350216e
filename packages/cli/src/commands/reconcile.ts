import { dirname } from 'node:path';
import { acquireLock, removeStaleTemps } from '@certloop/actuators';
import { parseDuration, UsageError } from '@certloop/core';
import { reconcileOnce } from '@certloop/reconciler';
import type { Handler } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { progressReporter } from '../render/progress.js';
import { renderReport } from '../render/report.js';
import { openRuntime, type RuntimeOptions } from '../runtime.js';

export interface ReconcileCommandOptions extends RuntimeOptions {
  once?: boolean;
  force?: boolean;
  prune?: boolean;
  json?: boolean;
  concurrency?: string;
  lockTimeout?: string;
  metricsAddr?: string;
}

/** The lock key: one reconciler acts on a manifest's certificates at a time. */
export const RECONCILE_LOCK = 'reconcile';

function positiveInteger(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new UsageError(`${flag} must be a positive whole number, got "${text}"`);
  return value;
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
  const { logger, state } = runtime;
  try {
    const lock = await acquireLock(runtime.stateDir, RECONCILE_LOCK, { waitMs: lockWaitMs, logger });
    try {
      const directories = new Set(
        state.certificates.flatMap((c) => Object.values(c.files).map((p) => dirname(p))),
      );
      await removeStaleTemps([...directories], { logger });
      await runtime.issuer.prepare?.();
      const progress = io.isTTY && !options.json ? progressReporter(io) : undefined;
      const report = await reconcileOnce(state, runtime.ports, {
        concurrency,
        ...(options.force ? { force: true } : {}),
        ...(options.prune ? { prune: true } : {}),
        ...(progress ? { onProgress: progress.update } : {}),
      });
      progress?.finish();
      io.stdout(options.json ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report, io));
      return report.ok ? EXIT.ok : EXIT.failed;
    } finally {
      await lock.release();
    }
  } finally {
    await runtime.close();
  }
};
