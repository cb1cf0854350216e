/**
 * The unit of work: one pass under the manifest's lock. Clean the temp files a
 * dead writer left, prepare the issuer, reconcile. `reconcile --once` runs it
 * once; the service runs it at every wake-up (through its `pass` port): the
 * same code path. The world comes in through ports, as for the pass itself.
 */
import { dirname } from 'node:path';
import type { DesiredState } from '@certloop/core';
import { CertloopError } from '@certloop/core';
import { guardSideEffects } from './lease-guard.js';
import type { ReconcilePorts } from './ports.js';
import { type ReconcileOptions, type ReconcileReport, reconcileOnce } from './reconcile.js';
import type { PassOutcome } from './service/loop.js';

/** The lock key: one reconciler acts on a manifest's certificates at a time. */
export const RECONCILE_LOCK = 'reconcile';

export interface HeldLease {
  release(): Promise<void>;
}

/** Who holds a lease: enough for an operator to find the process. */
export interface LeaseHolder {
  readonly host: string;
  readonly pid: number;
  /** ISO time at which it took the lease. */
  readonly since: string;
}

/** This process's view of its own lease, for metrics and the status page. */
export interface LeaseHealth {
  /** Whether this process holds the lease now and can prove it (last renewal within the TTL minus a margin). */
  readonly leading: boolean;
  /** ISO time since when it leads, when it does. */
  readonly since?: string;
  /** ISO time at which the last renewal the backend confirmed was sent, when the backend renews. */
  readonly lastRenewal?: string;
  /** Why it does not lead or renew, in a sentence (the backend unreachable, standing by). */
  readonly problem?: string;
}

/**
 * The lease one reconciler holds while it acts: a lease file in the state
 * directory, or a lease in etcd. A backend is this interface and its wiring
 * (cli/src/coordination.ts).
 */
export interface LockPort {
  /** The backend's name, as in the manifest's `coordination.backend`. */
  readonly backend: string;
  /** Resolves once held; throws LOCK_TIMEOUT when `waitMs` runs out. `onLost` fires if the lease is lost while held. */
  acquire(key: string, options: { waitMs: number; onLost: () => void }): Promise<HeldLease>;
  /** Who holds `key` now, as the backend records it; undefined when nobody does. */
  holder(key: string): Promise<LeaseHolder | undefined>;
  /** How soon a standby should try again (etcd: often, so a takeover follows the TTL closely). */
  readonly standbyRetryMs?: number;
  /** This process's own lease, when the backend keeps one between passes (etcd's leadership). */
  health?(): LeaseHealth;
  /** Gives up whatever this process still holds (the service's leadership) and closes connections. */
  close?(): Promise<void>;
}

export interface PassPorts extends ReconcilePorts {
  lock: LockPort;
  /** Removes temp files of dead writers in these directories (never a live writer's). */
  removeStaleTemps(directories: readonly string[]): Promise<void>;
}

export interface PassSettings extends ReconcileOptions {
  /** How long to wait for the lock; 0 tries once (the service stands by instead). */
  readonly lockWaitMs: number;
}

/**
 * Work under the manifest's lease: the lock, stale temp files of dead writers
 * removed, the issuer prepared, then `work` with ports whose every side effect
 * fails once the lease is lost. A pass is one such work; `certloop revoke`
 * is another (revoke, then reissue, with no other reconciler in between).
 */
export async function underLease<T>(
  state: DesiredState,
  ports: PassPorts,
  lockWaitMs: number,
  work: (guarded: ReconcilePorts, lost: AbortSignal) => Promise<T>,
): Promise<T> {
  const lost = new AbortController();
  const lease = await ports.lock.acquire(RECONCILE_LOCK, { waitMs: lockWaitMs, onLost: () => lost.abort() });
  try {
    const directories = new Set(
      state.certificates.flatMap((c) => Object.values(c.files).map((path) => dirname(path))),
    );
    await ports.removeStaleTemps([...directories]);
    await ports.issuer.prepare?.();
    return await work(guardSideEffects(ports, lost.signal), lost.signal);
  } finally {
    await lease.release();
  }
}

export async function reconcilePass(
  state: DesiredState,
  ports: PassPorts,
  settings: PassSettings,
): Promise<ReconcileReport> {
  const { lockWaitMs, ...options } = settings;
  return underLease(state, ports, lockWaitMs, (guarded, signal) =>
    reconcileOnce(state, guarded, { ...options, signal }),
  );
}

/** A pass for the service: a lock held by another reconciler is standby, not a failure. */
export async function passOrStandby(
  state: DesiredState,
  ports: PassPorts,
  settings: PassSettings,
): Promise<PassOutcome> {
  try {
    return { kind: 'acted', report: await reconcilePass(state, ports, settings) };
  } catch (error) {
    if (lockIsBusy(error)) return { kind: 'standby', message: error.message };
    throw error;
  }
}

/** The lock's "held by another" answer (a timeout with no underlying error). */
function lockIsBusy(error: unknown): error is CertloopError {
  return error instanceof CertloopError && error.code === 'LOCK_TIMEOUT' && error.cause === undefined;
}
