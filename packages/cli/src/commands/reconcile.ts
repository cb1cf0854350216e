import { parseDuration, UsageError } from '@certloop/core';
import { type PassPorts, reconcilePass } from '@certloop/reconciler';
import type { Handler } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { positiveInteger } from '../flag-values.js';
import type { Io } from '../io.js';
import type { ReconcileCommandOptions } from '../options.js';
import { progressReporter } from '../render/progress.js';
import { renderReport } from '../render/report.js';
import { openRuntime } from '../runtime.js';

/** `certloop reconcile --once`: validate, observe, plan, act on the drift under the lock, verify, record. */
export const reconcile: Handler<ReconcileCommandOptions> = async (options, io) => {
  if (options.revoke && !options.prune) {
    throw new UsageError('--revoke revokes what --prune removes: give --prune too.');
  }
  if (!options.once) {
    const { serve } = await import('./serve.js');
    return serve(options, io);
  }
  return reconcileOncePass(options, io);
};

/**
 * One pass with the ports as wired, or as `rewire` changes them: a test
 * provokes a fault through a port (a writer whose temp names it chooses)
 * and still sees what the command reports and returns.
 */
export async function reconcileOncePass(
  options: ReconcileCommandOptions,
  io: Io,
  rewire: (ports: PassPorts) => PassPorts = (ports) => ports,
): Promise<number> {
  const concurrency = positiveInteger(options.concurrency, '--concurrency', 4);
  // 0 tries once: with a service leading elsewhere, this run then gives up at once instead of waiting.
  const lockWaitMs = options.lockTimeout?.trim() === '0' ? 0 : parseDuration(options.lockTimeout ?? '5m');
  const runtime = await openRuntime(options, io, { issuerConcurrency: concurrency });
  try {
    const progress = io.isTTY && !options.json ? progressReporter(io) : undefined;
    const report = await reconcilePass(runtime.state, rewire(runtime.ports), {
      lockWaitMs,
      concurrency,
      // An explicit pass tries failed certificates now; the service honours the backoff.
      ignoreBackoff: true,
      ...(options.force ? { force: true } : {}),
      ...(options.prune ? { prune: true } : {}),
      ...(options.revoke ? { revokePruned: true } : {}),
      ...(options.generateOnly ? { generateOnly: true } : {}),
      ...(progress ? { onProgress: progress.update } : {}),
    });
    progress?.finish();
    io.stdout(options.json ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report, io));
    return report.ok ? EXIT.ok : EXIT.failed;
  } finally {
    await runtime.close();
  }
}
