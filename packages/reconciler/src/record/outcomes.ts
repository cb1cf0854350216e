/**
 * The outcome rules of a pass, pure: from what acting, delivering, hooks and
 * verification found, each certificate's result and its next status. A change
 * that still drifts is a failure; a pass that was only about deliveries and
 * hooks succeeds when they did; a delivery that failed is a failure.
 */

import type {
  CertificateStatus,
  DesiredCertificate,
  ObservedCertificate,
  StatusDocument,
} from '@certloop/core';
import { omitUndefined } from '@certloop/core';
import { AFTER_WRITES } from '../act/act.js';
import type { Verified, WorkResult } from '../act/context.js';
import type { HookPhase } from '../deliver/hook-phase.js';
import type { ReconcileResult } from '../pass-types.js';
import type { Plan } from '../plan.js';
import { type BackoffPolicy, nextCertificateStatus, nextRecords, type Outcome } from '../status.js';

export interface PassFindings {
  readonly plan: Plan;
  readonly certificates: ReadonlyMap<string, DesiredCertificate>;
  readonly observed: ReadonlyMap<string, ObservedCertificate>;
  readonly work: ReadonlyMap<string, WorkResult>;
  readonly verified: ReadonlyMap<string, Verified>;
  readonly hooks: Pick<HookPhase, 'reports' | 'pending' | 'pendingDeliveries' | 'deliveryErrors'>;
  /** The status as the pass found it. */
  readonly status: StatusDocument | undefined;
  readonly now: Date;
  readonly backoff: BackoffPolicy;
}

export interface PassRecord {
  /** One per plan entry, in the plan's order. */
  readonly results: ReconcileResult[];
  /** The next status of every certificate (and of orphans not yet pruned); the previous object when none changed. */
  readonly certificates: Readonly<Record<string, CertificateStatus>>;
}

export function recordOutcomes(findings: PassFindings): PassRecord {
  const { plan, work, verified, hooks, status, now, backoff } = findings;
  const results: ReconcileResult[] = [];
  const records = new Map<string, CertificateStatus>();
  for (const entry of plan.entries) {
    const cert = findings.certificates.get(entry.name);
    const result = work.get(entry.name);
    if (cert === undefined) {
      // Orphan: reported; its status goes once it is pruned.
      results.push({
        name: entry.name,
        action: entry.action,
        reasons: entry.reasons,
        outcome: result?.outcome ?? 'unchanged',
        ...(result?.error ? { error: result.error } : {}),
      });
      const previous = status?.certificates[entry.name];
      if (previous !== undefined && result?.outcome !== 'changed') records.set(entry.name, previous);
      continue;
    }
    let outcome: Outcome = result?.outcome ?? 'unchanged';
    let error = result?.error;
    const check = verified.get(entry.name);
    const remaining = (check?.reasons ?? (result === undefined ? entry.reasons : [])).filter(
      (r) => !AFTER_WRITES.has(r.code),
    );
    if (outcome === 'changed' && check !== undefined && remaining.length > 0) {
      outcome = 'failed';
      error = `The files still drift after the change: ${remaining.map((r) => r.message).join(' ')}`;
    }
    const pending = hooks.pending.get(entry.name) ?? [];
    const pendingDelivery = hooks.pendingDeliveries.get(entry.name);
    const deliveryError = hooks.deliveryErrors.get(entry.name);
    const hookOnly = entry.reasons.every((r) => AFTER_WRITES.has(r.code)) && entry.action !== 'none';
    if (hookOnly && outcome !== 'failed') {
      // Nothing to write; the pass was about the delivery and hooks.
      const failedHooks = hooks.reports.filter((h) => !h.ok && h.names.includes(entry.name));
      outcome = failedHooks.length === 0 && pendingDelivery === undefined ? 'changed' : 'unchanged';
      if (failedHooks.length > 0) {
        outcome = 'failed';
        error = `Hook failed again: ${failedHooks.map((h) => h.command).join(', ')}`;
      }
    }
    if (deliveryError !== undefined && outcome !== 'failed') {
      outcome = 'failed';
      error = `The files did not reach ${pendingDelivery ?? 'the guest'}: ${deliveryError}`;
    }
    const parsed = check?.observed.certificate ?? findings.observed.get(entry.name)?.certificate;
    const serial = result?.serial ?? parsed?.serial;
    const notAfter = result?.notAfter ?? parsed?.notAfter;
    results.push(
      omitUndefined({
        name: entry.name,
        action: entry.action,
        reasons: entry.reasons,
        outcome,
        error,
        retryNotBefore: result?.deferredUntil,
        serial,
        notAfter,
        pendingDelivery,
      }),
    );
    const previous = status?.certificates[entry.name];
    records.set(
      entry.name,
      nextCertificateStatus(
        omitUndefined({
          desired: cert,
          previous,
          action: entry.action,
          reasons: entry.reasons,
          outcome,
          error,
          terminal: result?.terminal ? true : undefined,
          deferred: result?.deferredUntil === undefined ? undefined : true,
          serial,
          notAfter,
          pendingHooks: pending,
          pendingDelivery,
          remainingReasons: remaining,
          now,
          backoff,
        }),
      ),
    );
  }
  return { results, certificates: nextRecords(status?.certificates ?? {}, records) };
}
