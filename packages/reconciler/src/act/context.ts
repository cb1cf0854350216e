import type {
  DesiredCertificate,
  DesiredState,
  FILE_ROLES,
  ObservedCertificate,
  Provenance,
  Reason,
  StatusDocument,
  TrustMaterial,
} from '@certloop/core';
import { omitUndefined } from '@certloop/core';
import type { ReconcileOptions } from '../pass-types.js';
import type { ResolvedIds } from '../policies/input.js';
import { wantedMode } from '../policies/placement.js';
import type { ReconcilePorts } from '../ports.js';
import type { Outcome } from '../status.js';

/** What acting on one entry produced. */
export interface WorkResult {
  outcome: Outcome;
  /** Files (re)written: the certificate's hooks must run. */
  filesWritten: boolean;
  error?: string;
  terminal?: boolean;
  deferredUntil?: string;
  serial?: string;
  notAfter?: string;
  provenance?: Provenance;
  /** An issuance checked in memory before writing: verification need not read it back. */
  checked?: Verified;
}

/** What verification found for one certificate: reasons left (empty: converged) and the observation. */
export interface Verified {
  readonly reasons: Reason[];
  readonly observed: ObservedCertificate;
}

export interface PassContext {
  readonly desired: DesiredState;
  readonly ports: ReconcilePorts;
  readonly options: ReconcileOptions;
  readonly trust: TrustMaterial | undefined;
  readonly trustError: unknown;
  readonly provenance: ReadonlyMap<string, Provenance>;
  readonly status: StatusDocument | undefined;
  readonly ids: ReadonlyMap<string, ResolvedIds>;
  /** The trust an issued certificate is checked against, by its CA bundle and chain. */
  readonly issuedTrust: Map<string, TrustMaterial>;
}

export function placementOf(cert: DesiredCertificate, role: (typeof FILE_ROLES)[number]) {
  const { owner, group } = cert.placement;
  return omitUndefined({ mode: wantedMode(cert, role), owner, group });
}
