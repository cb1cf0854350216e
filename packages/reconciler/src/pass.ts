/**
 * The unit of work: one pass under the manifest's lock. Clean the temp files a
 * dead writer left, prepare the issuer, reconcile. `reconcile --once` runs it
 * once; the service runs it at every wake-up (through its `pass` port): the
 * same code path. The world comes in through ports, as for the pass itself.
 */
import { dirname } from 'node:path';
import type { DesiredState } from '@certloop/core';
import { CertloopError } from '@certloop/core';
import type { ReconcilePorts } from './ports.js';
import { type ReconcileOptions, type ReconcileReport, reconcileOnce } from './reconcile.js';
import type { PassOutcome } from './service/loop.js';

/** The lock key: one reconciler acts on a manifest's certificates at a time. */
export const RECONCILE_LOCK = 'reconcile';

export interface HeldLease {
  release(): Promise<void>;
}

/** The lease one reconciler holds while it acts (a lock file in the state directory today). */
export interface LockPort {
  /** Resolves once held; throws LOCK_TIMEOUT when `waitMs` runs out. `onLost` fires if the lease is lost while held. */
  acquire(key: string, options: { waitMs: number; onLost: () => void }): Promise<HeldLease>;
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

export async function reconcilePass(
  state: DesiredState,
  ports: PassPorts,
  settings: PassSettings,
): Promise<ReconcileReport> {
  const { lockWaitMs, ...options } = settings;
  const lost = new AbortController();
  const lease = await ports.lock.acquire(RECONCILE_LOCK, { waitMs: lockWaitMs, onLost: () => lost.abort() });
  try {
    const directories = new Set(
      state.certificates.flatMap((c) => Object.values(c.files).map((path) => dirname(path))),
    );
    await ports.removeStaleTemps([...directories]);
    await ports.issuer.prepare?.();
    return await reconcileOnce(state, ports, { ...options, signal: lost.signal });
  } finally {
    await lease.release();
  }
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
