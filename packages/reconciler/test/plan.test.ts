import type { DesiredCertificate, DesiredState, ObservedCertificate, Provenance } from '@certloop/core';
import { buildPlan, nextWakeUp } from '../src/plan.js';
import {
  aDesired,
  anObserved,
  aProvenance,
  DAY,
  expiringIn,
  HOUR,
  NOW,
  named,
  observedSans,
  withKeyMode,
  withMode,
  withoutFile,
  withSans,
} from './builders.js';

function stateOf(...certificates: DesiredCertificate[]): DesiredState {
  return {
    manifestPath: '/etc/certloop/manifest.yaml',
    format: 'v1',
    issuer: undefined,
    settings: {},
    certificates: [...certificates].sort((a, b) => a.name.localeCompare(b.name)),
  };
}

function plan(
  desired: DesiredState,
  observed: readonly ObservedCertificate[],
  extra: { provenance?: Provenance[]; force?: boolean } = {},
) {
  return buildPlan(desired, observed, {
    now: NOW,
    provenance: new Map((extra.provenance ?? []).map((p) => [p.name, p])),
    ids: new Map(),
    ...(extra.force === undefined ? {} : { force: extra.force }),
  });
}

describe('buildPlan', () => {
  it('plans nothing for certificates in sync, with an empty patch and a summary', () => {
    const web = aDesired(named('web'));
    const api = aDesired(named('api'));
    const result = plan(stateOf(web, api), [anObserved(web), anObserved(api)]);
    expect(result).toMatchObject({
      formatVersion: 1,
      manifest: '/etc/certloop/manifest.yaml',
      generatedAt: NOW.toISOString(),
      summary: { none: 2, issue: 0, reissue: 0, 'update-files': 0, 'fix-permissions': 0, remove: 0 },
    });
    expect(result.entries.map((e) => [e.name, e.action, e.reasons, e.patch])).toEqual([
      ['api', 'none', [], []],
      ['web', 'none', [], []],
    ]);
  });

  it('sorts entries by name and reports expiry and the renewal point', () => {
    const zed = aDesired(named('zed'));
    const alpha = aDesired(named('alpha'));
    const result = plan(stateOf(zed, alpha), [anObserved(zed, expiringIn(9 * DAY)), anObserved(alpha)]);
    expect(result.entries.map((e) => e.name)).toEqual(['alpha', 'zed']);
    expect(result.entries[1]).toMatchObject({
      action: 'reissue',
      notAfter: new Date(NOW.getTime() + 9 * DAY).toISOString(),
      expiresInMs: 9 * DAY,
      renewAt: new Date(NOW.getTime() - DAY).toISOString(),
      renewInMs: -DAY,
    });
  });

  it('puts the differing fields in the JSON patch: a wrong key mode and an added SAN', () => {
    const desired = aDesired(withSans('new.internal', 'web.internal'), withKeyMode(0o640));
    const observed = anObserved(desired, withMode('key', 0o666), observedSans({ dns: ['web.internal'] }));
    const [entry] = plan(stateOf(desired), [observed]).entries;
    expect(entry!.action).toBe('reissue');
    expect(entry!.patch).toEqual(
      expect.arrayContaining([
        { op: 'replace', path: '/files/key/mode', value: '0666' },
        { op: 'replace', path: '/sans/dns/0', value: 'web.internal' },
      ]),
    );
    expect(
      entry!.patch.every((op) => op.path.startsWith('/files/key/') || op.path.startsWith('/sans/dns/')),
    ).toBe(true);
  });

  it('shows a missing file as not present in the patch and plans an issuance', () => {
    const desired = aDesired();
    const [entry] = plan(stateOf(desired), [anObserved(desired, withoutFile('cert'))]).entries;
    expect(entry!.action).toBe('issue');
    expect(entry!.patch).toEqual(
      expect.arrayContaining([{ op: 'replace', path: '/files/cert/present', value: false }]),
    );
  });

  it('plans an issuance for a certificate the observer did not report', () => {
    const desired = aDesired();
    expect(plan(stateOf(desired), []).entries[0]).toMatchObject({ action: 'issue' });
  });

  it('reissues every certificate with --force, and issues what is missing', () => {
    const web = aDesired(named('web'));
    const api = aDesired(named('api'));
    const result = plan(stateOf(web, api), [anObserved(web), anObserved(api, withoutFile('cert'))], {
      force: true,
    });
    expect(result.entries.map((e) => [e.name, e.action])).toEqual([
      ['api', 'issue'],
      ['web', 'reissue'],
    ]);
    expect(result.entries[1]!.reasons.map((r) => r.code)).toEqual(['forced']);
  });

  it('plans the removal of an orphan: in provenance, no longer in the manifest', () => {
    const web = aDesired(named('web'));
    const old = aDesired(named('old'));
    const result = plan(stateOf(web), [anObserved(web)], {
      provenance: [aProvenance(web, anObserved(web)), aProvenance(old, anObserved(old))],
    });
    expect(result.entries.map((e) => [e.name, e.action])).toEqual([
      ['old', 'remove'],
      ['web', 'none'],
    ]);
    expect(result.entries[0]!.reasons[0]!.message).toContain('/certs/old/key.pem');
    expect(result.summary.remove).toBe(1);
  });
});

describe('nextWakeUp', () => {
  it('is the earliest renewal point over all certificates', () => {
    const web = aDesired(named('web'));
    const api = aDesired(named('api'));
    // Renewal at two thirds of 30 days: 10 days before expiry.
    const wake = nextWakeUp(
      stateOf(web, api),
      [anObserved(web, expiringIn(25 * DAY)), anObserved(api, expiringIn(15 * DAY))],
      NOW,
    );
    expect(wake).toEqual(new Date(NOW.getTime() + 5 * DAY));
  });

  it('is now when a renewal is already overdue', () => {
    const web = aDesired();
    expect(nextWakeUp(stateOf(web), [anObserved(web, expiringIn(HOUR))], NOW)).toEqual(NOW);
  });

  it('is undefined when no certificate parsed', () => {
    const web = aDesired();
    expect(nextWakeUp(stateOf(web), [anObserved(web, withoutFile('cert'))], NOW)).toBeUndefined();
  });
});
