/**
 * The plan as data (Terraform's plan JSON): one sorted entry per certificate
 * with its action, every reason and the JSON patch between desired and actual.
 * Pure: no I/O, no clock, no randomness; rendering lives in the CLI.
 */
import {
  ACTIONS,
  type Action,
  type DesiredCertificate,
  type DesiredState,
  type ObservedCertificate,
  type Provenance,
  type Reason,
  type StatusDocument,
} from '@certloop/core';
import jsonPatch, { type Operation } from 'fast-json-patch';
import { actualDocument, desiredDocument } from './documents.js';
import { decide } from './policies/actions.js';
import type { ResolvedIds } from './policies/input.js';
import { renewalPointOf } from './renewal.js';

export const PLAN_FORMAT_VERSION = 1;

export interface PlanEntry {
  readonly name: string;
  readonly action: Action;
  /** Every reason found, in chain order; empty when the action is `none`. */
  readonly reasons: Reason[];
  /** RFC 6902 operations turning the desired document into the actual one (see documents.ts). */
  readonly patch: Operation[];
  /** Of the certificate on disk, when it parsed. */
  readonly notAfter?: string;
  readonly expiresInMs?: number;
  /** When renewal is (or was) due, ISO 8601, and how far away (negative: overdue). */
  readonly renewAt?: string;
  readonly renewInMs?: number;
}

export interface Plan {
  readonly formatVersion: typeof PLAN_FORMAT_VERSION;
  readonly manifest: string;
  readonly generatedAt: string;
  /** Sorted by name. Orphans (`remove`) are included; they are acted on only with --prune. */
  readonly entries: PlanEntry[];
  readonly summary: Record<Action, number>;
}

export interface PlanContext {
  readonly now: Date;
  readonly provenance: ReadonlyMap<string, Provenance>;
  readonly status?: StatusDocument;
  readonly force?: boolean;
  /** Resolved owner/group ids per certificate name (see ReconcilePorts.resolveIds). */
  readonly ids: ReadonlyMap<string, ResolvedIds>;
}

/** What the observer would report for a certificate with no files at all. */
export function nothingObserved(desired: DesiredCertificate): ObservedCertificate {
  const files: Record<string, { path: string; exists: false; readable: false }> = {};
  for (const [role, path] of Object.entries(desired.files)) {
    if (path !== undefined) files[role] = { path, exists: false, readable: false };
  }
  return { name: desired.name, files, chainFilesCurrent: {} };
}

export function emptySummary(): Record<Action, number> {
  return Object.fromEntries(ACTIONS.map((a) => [a, 0])) as Record<Action, number>;
}

export function planEntryFor(
  desired: DesiredCertificate,
  observed: ObservedCertificate,
  context: {
    now: Date;
    provenance?: Provenance;
    status?: StatusDocument;
    force?: boolean;
    ids?: ResolvedIds;
  },
): PlanEntry {
  const status = context.status?.certificates[desired.name];
  const { action, reasons } = decide({
    desired,
    observed,
    now: context.now,
    ...(context.provenance === undefined ? {} : { provenance: context.provenance }),
    ...(status === undefined ? {} : { status }),
    ...(context.ids === undefined ? {} : { ids: context.ids }),
    ...(context.force === undefined ? {} : { force: context.force }),
  });
  const patch = jsonPatch.compare(
    desiredDocument(desired, context.ids),
    actualDocument(desired, observed, {
      now: context.now,
      ...(context.provenance === undefined ? {} : { provenance: context.provenance }),
      ...(context.ids === undefined ? {} : { ids: context.ids }),
    }),
  );
  const entry: PlanEntry = { name: desired.name, action, reasons, patch };
  const cert = observed.certificate;
  if (cert === undefined) return entry;
  const now = context.now.getTime();
  const renewAt = renewalPointOf(desired.renewal, cert);
  const notAfter = new Date(cert.notAfter).getTime();
  return {
    ...entry,
    ...(Number.isNaN(notAfter) ? {} : { notAfter: cert.notAfter, expiresInMs: notAfter - now }),
    ...(renewAt === undefined ? {} : { renewAt: renewAt.toISOString(), renewInMs: renewAt.getTime() - now }),
  };
}

function orphanEntry(provenance: Provenance): PlanEntry {
  const paths = Object.values(provenance.files).filter((p): p is string => p !== undefined);
  const files = paths.length === 0 ? 'no files recorded' : paths.join(', ');
  return {
    name: provenance.name,
    action: 'remove',
    reasons: [
      {
        code: 'orphaned',
        message: `The certificate is no longer in the manifest; certloop wrote its files: ${files}.`,
      },
    ],
    patch: [],
    notAfter: provenance.notAfter,
  };
}

export function buildPlan(
  desired: DesiredState,
  observed: readonly ObservedCertificate[],
  context: PlanContext,
): Plan {
  const byName = new Map(observed.map((o) => [o.name, o]));
  const entries: PlanEntry[] = desired.certificates.map((cert) => {
    const provenance = context.provenance.get(cert.name);
    const ids = context.ids.get(cert.name);
    return planEntryFor(cert, byName.get(cert.name) ?? nothingObserved(cert), {
      now: context.now,
      ...(provenance === undefined ? {} : { provenance }),
      ...(context.status === undefined ? {} : { status: context.status }),
      ...(context.force === undefined ? {} : { force: context.force }),
      ...(ids === undefined ? {} : { ids }),
    });
  });
  const declared = new Set(desired.certificates.map((c) => c.name));
  for (const provenance of context.provenance.values()) {
    if (!declared.has(provenance.name)) entries.push(orphanEntry(provenance));
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const summary = emptySummary();
  for (const entry of entries) summary[entry.action] += 1;
  return {
    formatVersion: PLAN_FORMAT_VERSION,
    manifest: desired.manifestPath,
    generatedAt: context.now.toISOString(),
    entries,
    summary,
  };
}

/**
 * The earliest renewal point over every certificate that parsed: when the
 * service should look again. Points in the past come back as `now`; undefined
 * when no certificate has one.
 */
export function nextWakeUp(
  desired: DesiredState,
  observed: readonly ObservedCertificate[],
  now: Date,
): Date | undefined {
  const byName = new Map(observed.map((o) => [o.name, o]));
  let earliest: number | undefined;
  for (const cert of desired.certificates) {
    const parsed = byName.get(cert.name)?.certificate;
    if (parsed === undefined) continue;
    const point = renewalPointOf(cert.renewal, parsed)?.getTime();
    if (point !== undefined && (earliest === undefined || point < earliest)) earliest = point;
  }
  return earliest === undefined ? undefined : new Date(Math.max(earliest, now.getTime()));
}
