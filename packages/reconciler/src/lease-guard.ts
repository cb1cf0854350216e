/**
 * Every side effect of a pass behind the lease: once the lease is lost (the
 * lock's `onLost`), a request to the CA, a file write, a removal, a status or
 * provenance record, a delivery or a hook fails instead of happening, so a
 * reconciler that can no longer prove it leads never writes beside a new one.
 * The pass checks its signal between certificates too; this catches the work
 * already in flight.
 */
import { CertloopError, decorateIssuer } from '@certloop/core';
import type { ReconcilePorts } from './ports.js';

export function lostLeaseError(): CertloopError {
  return new CertloopError(
    'LOCK_LOST',
    'Not done: this reconciler lost its lease, so another one may be acting on the files.',
    { hint: 'The next pass takes the lease again once the coordination backend answers.' },
  );
}

export function guardSideEffects<P extends ReconcilePorts>(ports: P, lost: AbortSignal): P {
  const check = () => {
    if (lost.aborted) throw lostLeaseError();
  };
  const guarded =
    <A extends unknown[], R>(run: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      check();
      return run(...args);
    };
  const { issuer, guests, provenance, status } = ports;
  return {
    ...ports,
    // Every request to the CA (issue, renew, revoke); trust only reads.
    issuer: decorateIssuer(issuer, { call: (_kind, next) => guarded(next)() }),
    writeFiles: guarded(ports.writeFiles.bind(ports)),
    fixPlacement: guarded(ports.fixPlacement.bind(ports)),
    removeFiles: guarded(ports.removeFiles.bind(ports)),
    runHooks: guarded(ports.runHooks.bind(ports)),
    guests: { state: (target) => guests.state(target), deliver: guarded((t, f) => guests.deliver(t, f)) },
    provenance: {
      readAll: () => provenance.readAll(),
      write: guarded((record) => provenance.write(record)),
      remove: guarded((name) => provenance.remove(name)),
    },
    status: { read: () => status.read(), write: guarded((doc) => status.write(doc)) },
  };
}
