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
  type RenewalMode,
  type StatusDocument,
} from '@certloop/core';
import jsonPatch, { type Operation } from 'fast-json-patch';
import { actualDocument, type CertificateDocument, desiredDocument, type JsonValue } from './documents.js';
import { decide } from './policies/actions.js';
import type { PolicyInput, ResolvedIds } from './policies/input.js';
import { type RenewalRoute, renewalModeOf, renewalRouteOf } from './policies/renewal-path.js';
import { renewalPointOf } from './renewal.js';

export const PLAN_FORMAT_VERSION = 1;

/** When a certificate on disk runs out and renews, and how it will be renewed: what plan and status both show. */
export interface CertificateTiming {
  /** Of the certificate on disk, when it parsed. */
  readonly notBefore?: string;
  readonly notAfter?: string;
  readonly expiresInMs?: number;
  /** When renewal is (or was) due, ISO 8601, and how far away (negative: overdue). */
  readonly renewAt?: string;
  readonly renewInMs?: number;
  /** How the next (re)issuance will go: renewed over mTLS or signed anew, and why. */
  readonly renewal?: RenewalRoute;
}

export interface PlanEntry extends CertificateTiming {
  readonly name: string;
  readonly action: Action;
  /** Every reason found, in chain order; empty when the action is `none`. */
  readonly reasons: Reason[];
  /** RFC 6902 operations turning the desired document into the actual one (see documents.ts). */
  readonly patch: Operation[];
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
  /** Certificates to reissue as if forced. */
  readonly forceNames?: readonly string[];
  /** False when the issuer in use has no renewal (the local CA, also when chosen by --local-ca). */
  readonly issuerRenews?: boolean;
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
    provenance?: Provenance | undefined;
    status?: StatusDocument | undefined;
    force?: boolean | undefined;
    ids?: ResolvedIds | undefined;
    /** The issuer's renewal mode (see renewalModeOf); no route without one (the local CA always signs). */
    renewalMode?: RenewalMode | undefined;
  },
): PlanEntry {
  // One input of one shape for every certificate; the policies test absent fields for undefined.
  const input: PolicyInput = {
    desired,
    observed,
    now: context.now,
    provenance: context.provenance,
    status: context.status?.certificates[desired.name],
    ids: context.ids,
    force: context.force,
  };
  const { action, reasons } = decide(input);
  const patch = patchBetween(
    desiredDocument(desired, context.ids),
    actualDocument(desired, observed, context),
  );
  const entry: { -readonly [K in keyof PlanEntry]: PlanEntry[K] } = {
    name: desired.name,
    action,
    reasons,
    patch,
  };
  if (context.renewalMode !== undefined) {
    // Only a (re)issuance's own reasons decide; otherwise the question is the next renewal's.
    const reissuing = action === 'issue' || action === 'reissue';
    entry.renewal = renewalRouteOf(input, reissuing ? reasons : [], context.renewalMode);
  }
  const cert = observed.certificate;
  if (cert === undefined) return entry;
  const now = context.now.getTime();
  if (!Number.isNaN(Date.parse(cert.notBefore))) entry.notBefore = cert.notBefore;
  const notAfter = Date.parse(cert.notAfter);
  if (!Number.isNaN(notAfter)) {
    entry.notAfter = cert.notAfter;
    entry.expiresInMs = notAfter - now;
  }
  const recorded = context.provenance !== undefined && context.provenance.certificateSha256 === cert.sha256;
  const renewAt = renewalPointOf(desired.renewal, cert, { asDeclared: !recorded });
  if (renewAt !== undefined) {
    entry.renewAt = renewAt.toISOString();
    entry.renewInMs = renewAt.getTime() - now;
  }
  return entry;
}

/**
 * fast-json-patch's compare, skipped when the documents are equal: most
 * certificates are in sync, and compare would walk both only to return [].
 */
export function patchBetween(desired: CertificateDocument, actual: CertificateDocument): Operation[] {
  return sameJson(desired, actual) ? [] : jsonPatch.compare(desired, actual);
}

/** Structural equality of plain JSON values; anything unusual (NaN, undefined) counts as different. */
function sameJson(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return a !== undefined;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) if (!Object.hasOwn(b, key) || !sameJson(a[key], b[key])) return false;
  return true;
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
  const renewalMode = context.issuerRenews === false ? undefined : renewalModeOf(desired.issuer);
  const entries: PlanEntry[] = desired.certificates.map((cert) =>
    planEntryFor(cert, byName.get(cert.name) ?? nothingObserved(cert), {
      now: context.now,
      provenance: context.provenance.get(cert.name),
      status: context.status,
      force: context.force === true || context.forceNames?.includes(cert.name) === true,
      ids: context.ids.get(cert.name),
      renewalMode,
    }),
  );
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
