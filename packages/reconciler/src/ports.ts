/**
 * What the reconciler needs from the world, as interfaces (dependency
 * inversion): the CLI wires the observers and actuators packages in; tests
 * pass recording fakes. Only the pass's stages (reconcile.ts, delivery.ts) call these.
 */
import type {
  Clock,
  DesiredCertificate,
  GuestDelivery,
  Issuer,
  LogFields,
  Logger,
  ObservedCertificate,
  Provenance,
  StatusDocument,
  TrustMaterial,
} from '@certloop/core';
import type { ResolvedIds } from './policies/input.js';

export interface FileToWrite {
  readonly path: string;
  /** Full content; for keys, the PKCS#8 PEM (never log it). */
  readonly content: string;
  readonly mode: number;
  readonly owner?: string;
  readonly group?: string;
  /** The content is new by construction (fresh key, new certificate): the writer need not compare. */
  readonly knownChanged?: boolean;
}

export interface PlacementToFix {
  readonly mode: number;
  readonly owner?: string;
  readonly group?: string;
}

export interface HookRun {
  readonly command: string;
  readonly timeoutMs: number;
  readonly env: Record<string, string>;
}

export interface HookRunResult {
  readonly command: string;
  /** null when killed (timeout, signal) or not started. */
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  /** Combined, truncated output, for the report. */
  readonly output: string;
}

/** A file for a guest: its path inside the guest, content (never logged) and mode there. */
export interface GuestFileToDeliver {
  readonly path: string;
  readonly content: string;
  readonly mode: number;
}

export type GuestTarget = Pick<GuestDelivery, 'guestType' | 'guestId'>;

/** Proxmox guests: whether one runs, and sending files into it (never through argv). */
export interface GuestPort {
  /** Throws when the guest cannot be asked (unknown id, pct/qm missing). */
  state(target: GuestTarget): Promise<'running' | 'stopped'>;
  /** In the order given; throws at the first file that does not land. */
  deliver(target: GuestTarget, files: readonly GuestFileToDeliver[]): Promise<void>;
}

export interface ProvenanceStore {
  readAll(): Promise<Map<string, Provenance>>;
  /** Resolves to whether anything was written (false when identical). */
  write(provenance: Provenance): Promise<boolean>;
  remove(name: string): Promise<void>;
}

export interface StatusStore {
  read(): Promise<StatusDocument | undefined>;
  /** Resolves to whether anything was written. */
  write(doc: StatusDocument): Promise<boolean>;
}

export interface ReconcilePorts {
  /** Observe the files of these certificates; never throws for what it finds. */
  observe(
    certs: readonly DesiredCertificate[],
    trust: TrustMaterial | undefined,
  ): Promise<ObservedCertificate[]>;
  /**
   * What observing `cert` would find once `files` are written, parsed and
   * checked in memory: nothing is read from or written to disk.
   */
  inspect(
    cert: DesiredCertificate,
    files: readonly FileToWrite[],
    trust: TrustMaterial | undefined,
  ): Promise<ObservedCertificate>;
  issuer: Issuer;
  /**
   * Atomic: every file is written to a temp file before any rename, so a key and its certificate land together.
   * `about` names the certificate (and its reason) on the writer's log lines.
   */
  writeFiles(
    files: readonly FileToWrite[],
    about?: LogFields,
  ): Promise<{ written: string[]; unchanged: string[] }>;
  /** chmod/chown in place; resolves to whether anything changed. */
  fixPlacement(path: string, placement: PlacementToFix, about?: LogFields): Promise<boolean>;
  /** Runs each given command (already one per distinct command), in order. */
  runHooks(runs: readonly HookRun[]): Promise<HookRunResult[]>;
  /** Delivery into Proxmox guests (certificates with a `delivery`). */
  guests: GuestPort;
  provenance: ProvenanceStore;
  status: StatusStore;
  removeFiles(paths: readonly string[], about?: LogFields): Promise<void>;
  /** The private key PEM at `path` (rotation `never`), or undefined when unreadable. */
  readKey(path: string): Promise<string | undefined>;
  /** The certificate PEM at `path` (to rebuild a full-chain file), or undefined when unreadable. */
  readCertificate(path: string): Promise<string | undefined>;
  /** Owner/group names (or numeric strings) to ids; throws when a name is unknown. */
  resolveIds(owner?: string, group?: string): Promise<ResolvedIds>;
  clock: Clock;
  logger: Logger;
}
