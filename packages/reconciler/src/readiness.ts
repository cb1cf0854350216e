/**
 * The status report as data: per certificate, whether it is Ready (everything
 * as declared, nothing pending), why not (a PascalCase reason and a sentence),
 * its dates, issuer, last result and pending work. Pure: the `status` command,
 * the status page and the metrics render this one computation.
 */
import {
  CERT_STATES,
  type CertificateStatus,
  type CertState,
  CONDITION_REASON_OF,
  type ConditionReason,
  type DesiredState,
  type LastResult,
  PENDING_WORK_KINDS,
  type PendingWork,
  type PendingWorkKind,
  type ReasonCode,
  type StatusDocument,
} from '@certloop/core';
import type { CertificateTiming, Plan, PlanEntry } from './plan.js';
import { conditionFor } from './status.js';

export const STATUS_FORMAT_VERSION = 1;

export interface CertificateReadiness extends CertificateTiming {
  readonly name: string;
  readonly commonName: string;
  /** True only when the state is Ready. */
  readonly ready: boolean;
  readonly state: CertState;
  readonly reason: ConditionReason;
  /** A full sentence for humans. */
  readonly message: string;
  /** Every drift reason found now, in chain order (empty when Ready). */
  readonly drift: readonly ReasonCode[];
  /** The issuer's stable id, e.g. "step-ca:https://ca:9000" or "local:/var/lib/certloop/ca". */
  readonly issuer: string;
  readonly lastResult?: LastResult;
  readonly lastError?: string;
  readonly lastAttemptAt?: string;
  readonly lastSuccessAt?: string;
  readonly pending: readonly PendingWork[];
}

export interface StatusSummary {
  readonly total: number;
  readonly ready: number;
  readonly notReady: number;
  readonly byState: Readonly<Record<CertState, number>>;
  /** Certificates with pending work of each kind. */
  readonly pending: Readonly<Record<PendingWorkKind, number>>;
}

export interface StatusReport {
  readonly formatVersion: typeof STATUS_FORMAT_VERSION;
  readonly manifest: string;
  readonly generatedAt: string;
  /** Sorted by name; certificates that left the manifest are not listed. */
  readonly certificates: readonly CertificateReadiness[];
  readonly summary: StatusSummary;
}

export interface StatusInput {
  readonly desired: DesiredState;
  readonly plan: Plan;
  readonly status: StatusDocument | undefined;
  readonly issuerId: string;
  readonly now: Date;
}

/** Work a pass left for the certificate: the delivery into its guest first (its hooks run after it), then hooks. */
export function pendingWorkOf(recorded: CertificateStatus | undefined): PendingWork[] {
  return [
    ...(recorded?.pendingDelivery === undefined
      ? []
      : [{ kind: 'delivery' as const, target: recorded.pendingDelivery }]),
    ...(recorded?.pendingHooks ?? []).map((command) => ({ kind: 'hook' as const, target: command })),
  ];
}

/**
 * One certificate: the state from what is found now; a recorded failure shows
 * as Failed while the certificate still needs the work that failed.
 */
export function readinessOf(
  entry: PlanEntry,
  context: { commonName: string; recorded: CertificateStatus | undefined; issuerId: string },
): CertificateReadiness {
  const { recorded } = context;
  const failed =
    recorded?.lastResult === 'failed' && entry.action !== 'none' ? recorded.lastError : undefined;
  const condition = conditionFor(entry.reasons, failed);
  const reason: ConditionReason =
    condition.state === 'Ready'
      ? 'Ready'
      : condition.state === 'Failed' || condition.reason === undefined
        ? 'Failed'
        : CONDITION_REASON_OF[condition.reason];
  const optional = {
    notBefore: entry.notBefore,
    notAfter: entry.notAfter,
    expiresInMs: entry.expiresInMs,
    renewAt: entry.renewAt,
    renewInMs: entry.renewInMs,
    renewal: entry.renewal,
    lastResult: recorded?.lastResult,
    lastError: recorded?.lastError,
    lastAttemptAt: recorded?.lastAttemptAt,
    lastSuccessAt: recorded?.lastSuccessAt,
  };
  return {
    name: entry.name,
    commonName: context.commonName,
    ready: condition.state === 'Ready',
    state: condition.state,
    reason,
    message: condition.message,
    drift: entry.reasons.map((r) => r.code),
    issuer: context.issuerId,
    ...(Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)) as Partial<
      typeof optional
    >),
    pending: pendingWorkOf(recorded),
  };
}

export function summarize(certificates: readonly CertificateReadiness[]): StatusSummary {
  const byState = Object.fromEntries(CERT_STATES.map((s) => [s, 0])) as Record<CertState, number>;
  const pending = Object.fromEntries(PENDING_WORK_KINDS.map((k) => [k, 0])) as Record<
    PendingWorkKind,
    number
  >;
  for (const cert of certificates) {
    byState[cert.state] += 1;
    for (const kind of new Set(cert.pending.map((p) => p.kind))) pending[kind] += 1;
  }
  const ready = byState.Ready;
  return { total: certificates.length, ready, notReady: certificates.length - ready, byState, pending };
}

export function buildStatusReport(input: StatusInput): StatusReport {
  const declared = new Map(input.desired.certificates.map((c) => [c.name, c]));
  const certificates = input.plan.entries.flatMap((entry) => {
    const desired = declared.get(entry.name);
    if (desired === undefined) return [];
    return [
      readinessOf(entry, {
        commonName: desired.spec.commonName,
        recorded: input.status?.certificates[entry.name],
        issuerId: input.issuerId,
      }),
    ];
  });
  return {
    formatVersion: STATUS_FORMAT_VERSION,
    manifest: input.plan.manifest,
    generatedAt: input.now.toISOString(),
    certificates,
    summary: summarize(certificates),
  };
}
