import { type CertificateStatus, guestKey, type ObservedCertificate, omitUndefined } from '@certloop/core';
import type { PassContext, WorkResult } from '../act/context.js';
import { type HookReport, type HookTrigger, planHookRuns } from '../hooks.js';
import type { Plan } from '../plan.js';
import { pendingHooksOf } from '../policies/placement.js';
import type { ReconcilePorts } from '../ports.js';
import { safeErrorMessage } from '../redact.js';
import { type DeliveryJob, runDeliveryPhase } from './delivery.js';

export interface HookPhase {
  readonly reports: HookReport[];
  /** Per certificate: commands that still have to succeed. */
  readonly pending: Map<string, string[]>;
  /** Per certificate: the guest its files still have to reach. */
  readonly pendingDeliveries: Map<string, string>;
  /** Per certificate: why its files did not reach a running (or unreachable) guest; a failure. */
  readonly deliveryErrors: Map<string, string>;
  /** The status file was rewritten with pending hooks before they ran: the final record must follow. */
  readonly journaled: boolean;
}

/**
 * Records the hooks about to run as pending before running them: a run killed
 * after writing the files but before (or during) the hooks leaves them pending,
 * so the next run still runs them although the files are already in sync.
 * The pass's final status write replaces this record.
 */
async function journalPendingHooks(
  ctx: PassContext,
  plan: Plan,
  pending: ReadonlyMap<string, readonly string[]>,
  pendingDeliveries: ReadonlyMap<string, string> = new Map(),
): Promise<boolean> {
  const now = ctx.ports.clock().toISOString();
  const entries = new Map(plan.entries.map((e) => [e.name, e]));
  const certificates: Record<string, CertificateStatus> = { ...(ctx.status?.certificates ?? {}) };
  let changed = false;
  for (const [name, commands] of pending) {
    const previous = certificates[name];
    const known = new Set(previous?.pendingHooks ?? []);
    const delivery = pendingDeliveries.get(name);
    if (commands.every((c) => known.has(c)) && delivery === previous?.pendingDelivery) continue;
    const entry = entries.get(name);
    certificates[name] = {
      ...(previous ?? {
        name,
        lastResult: 'success',
        lastAction: entry?.action ?? 'none',
        lastReasons: (entry?.reasons ?? []).map((r) => r.code),
        lastAttemptAt: now,
        consecutiveFailures: 0,
      }),
      pendingHooks: [...new Set([...known, ...commands])],
      ...(delivery === undefined ? {} : { pendingDelivery: delivery }),
    };
    changed = true;
  }
  if (!changed) return false;
  try {
    return await ctx.ports.status.write({
      version: 1,
      manifestPath: ctx.desired.manifestPath,
      updatedAt: now,
      certificates,
    });
  } catch (error) {
    // Not fatal: the hooks still run now; only a crash before they finish would lose them.
    ctx.ports.logger.warn('Could not record the pending hooks before running them.', {
      error: safeErrorMessage(error),
    });
    return false;
  }
}

export async function runHookPhase(
  ctx: PassContext,
  plan: Plan,
  work: ReadonlyMap<string, WorkResult>,
  observedByName: ReadonlyMap<string, ObservedCertificate>,
): Promise<HookPhase> {
  const triggers: HookTrigger[] = [];
  const deliveryJobs: DeliveryJob[] = [];
  const pending = new Map<string, string[]>();
  const pendingDeliveries = new Map<string, string>();
  const deliveryErrors = new Map<string, string>();
  const entries = new Map(plan.entries.map((e) => [e.name, e]));
  for (const cert of ctx.desired.certificates) {
    const result = work.get(cert.name);
    const recorded = ctx.status?.certificates[cert.name];
    const previouslyPending = pendingHooksOf(cert, recorded?.pendingHooks);
    const commands = result?.filesWritten === true ? cert.hooks.map((h) => h.command) : previouslyPending;
    const unique = [...new Set(commands)];
    pending.set(cert.name, unique);
    // A guest's copy is due after a write, while it was left pending, and
    // before a pending hook is retried (the hook may have moved the files away).
    const deliver =
      cert.delivery !== undefined &&
      (result?.filesWritten === true || recorded?.pendingDelivery !== undefined || unique.length > 0);
    if (!deliver && unique.length === 0) continue;
    const entry = entries.get(cert.name);
    const parsed = observedByName.get(cert.name)?.certificate;
    const serial = result?.serial ?? parsed?.serial;
    const notAfter = result?.notAfter ?? parsed?.notAfter;
    const trigger: HookTrigger = omitUndefined({
      certificate: cert,
      commands: unique,
      action: entry?.action ?? 'none',
      reasons: (entry?.reasons ?? []).map((r) => r.code),
      serial,
      notAfter,
    });
    if (deliver && cert.delivery !== undefined) {
      deliveryJobs.push({ trigger });
      pendingDeliveries.set(cert.name, guestKey(cert.delivery));
    } else triggers.push(trigger);
  }
  const planned = planHookRuns(triggers);
  const nothing = { reports: [], pending, pendingDeliveries, deliveryErrors, journaled: false };
  if (planned.length === 0 && deliveryJobs.length === 0) return nothing;
  const journaled = await journalPendingHooks(ctx, plan, pending, pendingDeliveries);
  // --generate-only: everything stays recorded as pending for a later pass.
  if (ctx.options.generateOnly === true) return { ...nothing, journaled };

  const delivered = await runDeliveryPhase(ctx.ports, deliveryJobs, ctx.trust);
  for (const outcome of delivered.outcomes.values()) {
    pending.set(outcome.name, [...outcome.pendingHooks]);
    if (outcome.delivered) pendingDeliveries.delete(outcome.name);
    if (outcome.error !== undefined) deliveryErrors.set(outcome.name, outcome.error);
  }

  let results: Awaited<ReturnType<ReconcilePorts['runHooks']>> = [];
  try {
    if (planned.length > 0) results = await ctx.ports.runHooks(planned.map((p) => p.run));
  } catch (error) {
    const message = safeErrorMessage(error);
    ctx.ports.logger.error('Running hooks failed.', { error: message });
    results = planned.map((p) => ({
      command: p.run.command,
      exitCode: null,
      timedOut: false,
      output: message,
    }));
  }
  const reports: HookReport[] = planned.map((p) => {
    const result = results.find((r) => r.command === p.run.command);
    const ok = result !== undefined && result.exitCode === 0 && !result.timedOut;
    return {
      command: p.run.command,
      names: p.names,
      ok,
      exitCode: result?.exitCode ?? null,
      timedOut: result?.timedOut ?? false,
      output: result?.output ?? 'The hook did not run.',
    };
  });
  const succeeded = new Set(reports.filter((r) => r.ok).map((r) => r.command));
  for (const trigger of triggers) {
    const name = trigger.certificate.name;
    pending.set(
      name,
      (pending.get(name) ?? []).filter((c) => !succeeded.has(c)),
    );
  }
  return {
    reports: [...delivered.hooks, ...reports],
    pending,
    pendingDeliveries,
    deliveryErrors,
    journaled,
  };
}
