import type {
  CertificateStatus,
  DesiredCertificate,
  ObservedCertificate,
  StatusDocument,
} from '@certloop/core';
import { buildPlan } from '../src/plan.js';
import { buildStatusReport } from '../src/readiness.js';
import { nextCertificateStatus } from '../src/status.js';
import {
  aDesired,
  anObserved,
  aProvenance,
  DAY,
  expiringIn,
  NOW,
  named,
  staleChainFile,
  stateOf,
  withHooks,
  withMode,
  withoutFile,
} from './builders.js';

function recorded(name: string, patch: Partial<CertificateStatus> = {}): CertificateStatus {
  return {
    name,
    lastResult: 'success',
    lastAction: 'issue',
    lastReasons: [],
    lastAttemptAt: NOW.toISOString(),
    pendingHooks: [],
    consecutiveFailures: 0,
    ...patch,
  };
}

function reportOf(
  pairs: readonly [DesiredCertificate, ObservedCertificate][],
  records: readonly CertificateStatus[] = [],
) {
  const desired = stateOf(...pairs.map(([d]) => d));
  const status: StatusDocument = {
    version: 1,
    manifestPath: desired.manifestPath,
    updatedAt: NOW.toISOString(),
    certificates: Object.fromEntries(records.map((r) => [r.name, r])),
  };
  const plan = buildPlan(
    desired,
    pairs.map(([, o]) => o),
    {
      now: NOW,
      provenance: new Map(pairs.map(([d, o]) => [d.name, aProvenance(d, o)])),
      ids: new Map(),
      status,
    },
  );
  return buildStatusReport({ desired, plan, status, issuerId: 'step-ca:https://ca.test', now: NOW });
}

function only(pair: [DesiredCertificate, ObservedCertificate], records: CertificateStatus[] = []) {
  return reportOf([pair], records).certificates[0]!;
}

describe('the status report: Ready only when everything is as declared', () => {
  const web = aDesired(named('web'), withHooks('systemctl reload nginx'));

  it.each<[string, () => ReturnType<typeof only>, { state: string; reason: string }]>([
    [
      'a certificate in sync with nothing pending is Ready',
      () => only([web, anObserved(web)]),
      { state: 'Ready', reason: 'Ready' },
    ],
    [
      'a key readable by everyone is not Ready: ModeDiffers',
      () => only([web, anObserved(web, withMode('key', 0o666))]),
      { state: 'Drifted', reason: 'ModeDiffers' },
    ],
    [
      'a stale CA bundle is not Ready: ChainStale',
      () => only([web, anObserved(web, staleChainFile('caBundle'))]),
      { state: 'Drifted', reason: 'ChainStale' },
    ],
    [
      'a hook that failed and must run again is not Ready: HookPending',
      () => only([web, anObserved(web)], [recorded('web', { pendingHooks: ['systemctl reload nginx'] })]),
      { state: 'Pending', reason: 'HookPending' },
    ],
    [
      'a missing key is not Ready: KeyMissing',
      () => only([web, anObserved(web, withoutFile('key'))]),
      { state: 'Missing', reason: 'KeyMissing' },
    ],
    [
      'an expired certificate is not Ready: Expired',
      () => only([web, anObserved(web, expiringIn(-DAY))]),
      { state: 'Expired', reason: 'Expired' },
    ],
    [
      'a certificate whose renewal failed is Failed with the recorded error',
      () =>
        only(
          [web, anObserved(web, expiringIn(DAY))],
          [recorded('web', { lastResult: 'failed', lastError: 'The CA refused: unauthorized.' })],
        ),
      { state: 'Failed', reason: 'Failed' },
    ],
  ])('%s', (_name, build, expected) => {
    const cert = build();
    expect({ state: cert.state, reason: cert.reason }).toEqual(expected);
    expect(cert.ready).toBe(expected.state === 'Ready');
    expect(cert.message).toMatch(/\.$/);
  });

  it('counts a delivery to a stopped guest as pending work, before the hooks that follow it', () => {
    const cert = only(
      [web, anObserved(web)],
      [recorded('web', { pendingDelivery: 'lxc/102', pendingHooks: ['systemctl reload nginx'] })],
    );
    expect(cert.pending).toEqual([
      { kind: 'delivery', target: 'lxc/102' },
      { kind: 'hook', target: 'systemctl reload nginx' },
    ]);
    expect(cert.ready).toBe(false);
  });

  it('names the pending work with its kind, so other kinds (deliveries) fit the same list', () => {
    const cert = only(
      [web, anObserved(web)],
      [recorded('web', { pendingHooks: ['systemctl reload nginx'] })],
    );
    expect(cert.pending).toEqual([{ kind: 'hook', target: 'systemctl reload nginx' }]);
  });

  it('carries the dates, issuer and common name that the table, the page and the metrics show', () => {
    const cert = only([web, anObserved(web)]);
    expect(cert).toMatchObject({
      commonName: 'web.internal',
      issuer: 'step-ca:https://ca.test',
      notBefore: new Date(NOW.getTime() - DAY).toISOString(),
      notAfter: new Date(NOW.getTime() + 29 * DAY).toISOString(),
    });
    expect(cert.renewAt).toBeDefined();
  });

  it('summarizes every certificate by state and pending work', () => {
    const api = aDesired(named('api'));
    const db = aDesired(named('db'), withHooks('reload db'));
    const report = reportOf(
      [
        [web, anObserved(web)],
        [api, anObserved(api, withMode('key', 0o644))],
        [db, anObserved(db)],
      ],
      [recorded('db', { pendingHooks: ['reload db'] })],
    );
    expect(report.summary).toMatchObject({ total: 3, ready: 1, notReady: 2, pending: { hook: 1 } });
    expect(report.summary.byState).toMatchObject({ Ready: 1, Drifted: 1, Pending: 1 });
  });
});

describe('the recorded condition after a pass', () => {
  it('is Pending (delivery-pending), not Ready, when the files could not reach a stopped guest', () => {
    const web = aDesired(named('web'));
    const next = nextCertificateStatus({
      desired: web,
      action: 'issue',
      reasons: [{ code: 'cert-missing', message: 'The certificate file does not exist.' }],
      outcome: 'changed',
      pendingHooks: [],
      pendingDelivery: 'lxc/102',
      remainingReasons: [],
      now: NOW,
      backoff: { baseMs: 1000, maxMs: 10_000 },
    });
    expect(next.condition).toMatchObject({ state: 'Pending', reason: 'delivery-pending' });
  });

  it('is Pending, not Ready, when the files landed but a hook failed', () => {
    const web = aDesired(named('web'), withHooks('reload web'));
    const next = nextCertificateStatus({
      desired: web,
      action: 'reissue',
      reasons: [{ code: 'renewal-due', message: 'Renewal is due.' }],
      outcome: 'changed',
      pendingHooks: ['reload web'],
      remainingReasons: [],
      now: NOW,
      backoff: { baseMs: 1000, maxMs: 10_000 },
    });
    expect(next.condition).toMatchObject({ state: 'Pending', reason: 'hook-pending' });
  });
});
