/**
 * One reconcile pass, as a sequence of stages (one file each):
 * gather and plan (gather.ts, plan.ts: observe, then decide, pure) →
 * act on each entry, a bounded number at once (act/: issue, check-issued,
 * update-files, remove-orphan) → deliver into guests and run hooks after every
 * write (deliver/) → verify what was touched and record the outcomes
 * (record/: verify, outcomes, pure) → write the status when it changed.
 * One certificate failing never stops the others; the caller holds the lock
 * (pass.ts) and maps `ok` to the exit code.
 */
import type { DesiredState } from '@certloop/core';
import PQueue from 'p-queue';
import { act, shouldAct } from './act/act.js';
import type { PassContext, WorkResult } from './act/context.js';
import { runHookPhase } from './deliver/hook-phase.js';
import { gatherAndPlan } from './gather.js';
import type { ReconcileOptions, ReconcileReport } from './pass-types.js';
import { nothingObserved } from './plan.js';
import type { ReconcilePorts } from './ports.js';
import { recordOutcomes } from './record/outcomes.js';
import { verify } from './record/verify.js';
import { safeErrorMessage } from './redact.js';
import { DEFAULT_BACKOFF, type Outcome, statusChanged } from './status.js';

export { certificateLogFields } from './act/act.js';
export { issuedFiles } from './act/issue.js';
export type { HookReport, ReconcileOptions, ReconcileReport, ReconcileResult } from './pass-types.js';

export async function reconcileOnce(
  desired: DesiredState,
  ports: ReconcilePorts,
  options: ReconcileOptions = {},
): Promise<ReconcileReport> {
  const { logger } = ports;

  // Gather, then decide.
  const { trust, trustError, provenance, status, ids, observed, plan } = await gatherAndPlan(desired, ports, {
    force: options.force,
    forceNames: options.forceNames,
  });
  const ctx: PassContext = {
    desired,
    ports,
    options,
    trust,
    trustError,
    provenance,
    status,
    ids,
    issuedTrust: new Map(),
  };
  logger.debug('Plan built.', { summary: plan.summary });

  // Act, each certificate on its own; a failure is a result, never a stop.
  const certs = new Map(desired.certificates.map((c) => [c.name, c]));
  const observedByName = new Map(observed.map((o) => [o.name, o]));
  const actionable = plan.entries.filter((e) => shouldAct(e, options));
  const work = new Map<string, WorkResult>();
  let done = 0;
  // Plan entries have distinct names, so bounding concurrency is all the queue has to do.
  const queue = new PQueue({ concurrency: options.concurrency ?? 4 });
  await queue.addAll(
    actionable.map((entry) => async () => {
      const { name } = entry;
      const cert = certs.get(name);
      if (options.signal?.aborted) {
        // The lock was lost: another certloop may be acting on these files now.
        work.set(name, {
          outcome: 'failed',
          filesWritten: false,
          error: 'Not acted on: this run lost its lock, so another certloop may be acting on the files.',
        });
      } else {
        work.set(
          name,
          await act(ctx, entry, cert, observedByName.get(name) ?? (cert && nothingObserved(cert))),
        );
      }
      done += 1;
      options.onProgress?.({ done, total: actionable.length, name, action: entry.action });
    }),
  );

  // Deliveries and hooks, after every write of the pass.
  const hooks = await runHookPhase(ctx, plan, work, observedByName);

  // Verify what was touched, against the provenance as it is now. Issuances
  // were checked in memory before they were written.
  const currentProvenance = new Map(provenance);
  for (const [name, result] of work) if (result.provenance) currentProvenance.set(name, result.provenance);
  const touched = desired.certificates.filter((c) => {
    const result = work.get(c.name);
    return result?.outcome === 'changed' && result.checked === undefined;
  });
  const issuedAny = [...work.values()].some((r) => r.provenance !== undefined);
  const verified = await verify(ctx, touched, currentProvenance, issuedAny);
  for (const [name, result] of work) if (result.checked !== undefined) verified.set(name, result.checked);

  const now = ports.clock();
  const { results, certificates } = recordOutcomes({
    plan,
    certificates: certs,
    observed: observedByName,
    work,
    verified,
    hooks,
    status,
    now,
    backoff: options.backoff ?? DEFAULT_BACKOFF,
  });

  // Record, only when something changed.
  let statusWritten = false;
  let statusOk = true;
  // A run that lost its lock leaves the status to the process that holds it now.
  const mayRecord = options.signal?.aborted !== true;
  if (mayRecord && (hooks.journaled || statusChanged(status, desired.manifestPath, certificates))) {
    try {
      statusWritten = await ports.status.write({
        version: 1,
        manifestPath: desired.manifestPath,
        updatedAt: now.toISOString(),
        certificates,
      });
    } catch (error) {
      statusOk = false;
      logger.error('Could not write the status file.', { error: safeErrorMessage(error) });
    }
  }

  const summary: Record<Outcome, number> = { changed: 0, unchanged: 0, failed: 0 };
  for (const r of results) summary[r.outcome] += 1;
  const ok = summary.failed === 0 && hooks.reports.every((h) => h.ok) && statusOk;
  return { plan, results, hooks: hooks.reports, summary, statusWritten, ok };
}
