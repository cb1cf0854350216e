import type { DesiredCertificate, DesiredState, ObservedCertificate, Provenance } from '@certloop/core';
import jsonPatch from 'fast-json-patch';
import { actualDocument, desiredDocument } from '../src/documents.js';
import { buildPlan, type PlanEntry, planEntryFor } from '../src/plan.js';
import { decide } from '../src/policies/actions.js';
import type { ResolvedIds } from '../src/policies/input.js';
import { renewalPointOf } from '../src/renewal.js';
import {
  aDesired,
  anObserved,
  aProvenance,
  DAY,
  expiringIn,
  fromForeignCa,
  HOUR,
  keySwapped,
  NOW,
  named,
  observedCommonName,
  observedKeyAlgorithm,
  observedSans,
  ownedBy,
  staleChainFile,
  stateOf,
  truncatedCert,
  unreadable,
  validFrom,
  withIpSans,
  withKeyMode,
  withLifetime,
  withMode,
  withOwner,
  withoutFile,
  withSans,
} from './builders.js';

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

/**
 * The plan entry as it was computed before the fast paths (every policy, then
 * fast-json-patch's compare of the two documents, whatever they hold): the
 * shortcuts must give the same JSON, key order included.
 */
function referenceEntry(
  desired: DesiredCertificate,
  observed: ObservedCertificate,
  context: { provenance?: Provenance; ids?: ResolvedIds },
): PlanEntry {
  const { action, reasons } = decide({ desired, observed, now: NOW, ...context });
  const patch = jsonPatch.compare(
    desiredDocument(desired, context.ids),
    actualDocument(desired, observed, { now: NOW, ...context }),
  );
  const entry: PlanEntry = { name: desired.name, action, reasons, patch };
  const cert = observed.certificate;
  if (cert === undefined) return entry;
  const renewAt = renewalPointOf(desired.renewal, cert);
  const notAfter = new Date(cert.notAfter).getTime();
  return {
    ...entry,
    ...(Number.isNaN(Date.parse(cert.notBefore)) ? {} : { notBefore: cert.notBefore }),
    ...(Number.isNaN(notAfter) ? {} : { notAfter: cert.notAfter, expiresInMs: notAfter - NOW.getTime() }),
    ...(renewAt === undefined
      ? {}
      : { renewAt: renewAt.toISOString(), renewInMs: renewAt.getTime() - NOW.getTime() }),
  };
}

describe('a plan entry', () => {
  const web = aDesired();
  const owned = aDesired(withOwner('root', 'ssl-cert'));
  const rootIds: ResolvedIds = { uid: 0, gid: 0 };
  type Case = [
    string,
    DesiredCertificate,
    ObservedCertificate,
    { provenance?: Provenance; ids?: ResolvedIds },
  ];
  const drifted: Case[] = [
    ['a wrong key mode', web, anObserved(web, withMode('key', 0o644)), {}],
    ['an extra SAN on disk', web, anObserved(web, observedSans({ dns: ['a.internal', 'web.internal'] })), {}],
    [
      'SANs in another order',
      aDesired(withSans('a.internal', 'b.internal')),
      anObserved(
        aDesired(withSans('a.internal', 'b.internal')),
        observedSans({ dns: ['b.internal', 'a.internal'] }),
      ),
      {},
    ],
    ['a SAN replaced by another', web, anObserved(web, observedSans({ dns: ['other.internal'] })), {}],
    ['IP SANs wanted', aDesired(withIpSans('10.0.0.1')), anObserved(web), {}],
    ['another common name', web, anObserved(web, observedCommonName('other.internal')), {}],
    ['no common name', web, anObserved(web, observedCommonName(undefined)), {}],
    ['another key algorithm', web, anObserved(web, observedKeyAlgorithm('rsa-2048')), {}],
    ['a key of another certificate', web, anObserved(web, keySwapped), {}],
    ['a foreign issuer', web, anObserved(web, fromForeignCa), {}],
    ['an expired certificate', web, anObserved(web, expiringIn(-HOUR)), {}],
    ['a certificate due for renewal', web, anObserved(web, expiringIn(5 * DAY)), {}],
    [
      'a certificate not yet valid',
      web,
      anObserved(web, validFrom(new Date(NOW.getTime() + DAY), new Date(NOW.getTime() + 30 * DAY))),
      {},
    ],
    [
      'unparsable validity dates',
      web,
      anObserved(web, (o) => {
        o.certificate = { ...o.certificate!, notBefore: 'not a date', notAfter: 'not a date' };
      }),
      {},
    ],
    ['a stale chain file', web, anObserved(web, staleChainFile('chain')), {}],
    ['a missing certificate file', web, anObserved(web, withoutFile('cert')), {}],
    ['a missing chain file', web, anObserved(web, withoutFile('chain')), {}],
    ['an unreadable key', web, anObserved(web, unreadable('key')), {}],
    ['a truncated certificate', web, anObserved(web, truncatedCert), {}],
    ['files of another owner', owned, anObserved(owned, ownedBy('key', 1000, 1000)), { ids: rootIds }],
    [
      'a spec changed since issuance',
      aDesired(withLifetime(60 * DAY)),
      anObserved(web),
      { provenance: aProvenance(web, anObserved(web)) },
    ],
    [
      'provenance of another certificate',
      web,
      anObserved(web),
      { provenance: aProvenance(web, anObserved(web), { certificateSha256: 'other', specHash: 'old' }) },
    ],
  ];
  const inSync: Case[] = [
    ['in sync', web, anObserved(web), {}],
    ['in sync with provenance', web, anObserved(web), { provenance: aProvenance(web, anObserved(web)) }],
    ['in sync with owner ids', owned, anObserved(owned), { ids: rootIds }],
    [
      'in sync with a changed key mode',
      aDesired(withKeyMode(0o640)),
      anObserved(aDesired(withKeyMode(0o640))),
      {},
    ],
  ];

  it.each([...drifted, ...inSync])(
    'is the same as without shortcuts: %s',
    (_name, desired, observed, context) => {
      const entry = planEntryFor(desired, observed, { now: NOW, ...context });
      expect(JSON.stringify(entry)).toBe(JSON.stringify(referenceEntry(desired, observed, context)));
    },
  );

  it('has a patch for every drift and none in sync', () => {
    const patchOf = ([, desired, observed, context]: Case) =>
      planEntryFor(desired, observed, { now: NOW, ...context }).patch;
    expect(drifted.filter((c) => patchOf(c).length === 0).map(([name]) => name)).toEqual([
      // The documents do not show these: readability, unparsable dates, provenance of another leaf.
      'unparsable validity dates',
      'an unreadable key',
      'provenance of another certificate',
    ]);
    expect(inSync.map(patchOf)).toEqual(inSync.map(() => []));
  });
});

describe('the renewal route in the plan', () => {
  const web = aDesired(named('web'));
  const observed = anObserved(web);
  const provenance = aProvenance(web, observed);
  const routeOf = (state: DesiredState, issuerRenews?: boolean) =>
    buildPlan(state, [observed], {
      now: NOW,
      provenance: new Map([[provenance.name, provenance]]),
      ids: new Map(),
      forceNames: ['web'],
      ...(issuerRenews === undefined ? {} : { issuerRenews }),
    }).entries[0];

  it('names the path of a Step-CA reissue, and forceNames reissues just that certificate', () => {
    const entry = routeOf({
      ...stateOf(web),
      issuer: { type: 'step-ca', id: 'step-ca:https://ca', renewal: 'provisioner' },
    });
    expect(entry?.action).toBe('reissue');
    expect(entry?.renewal).toEqual({ path: 'sign', reason: expect.stringContaining('renewal: provisioner') });
  });

  it('is left out for an issuer that cannot renew, whether named in the manifest or chosen by a flag', () => {
    expect(
      routeOf({ ...stateOf(web), issuer: { type: 'local', id: 'local:/ca', directory: '/ca' } })?.renewal,
    ).toBeUndefined();
    expect(routeOf(stateOf(web), false)?.renewal).toBeUndefined();
    expect(routeOf(stateOf(web), true)?.renewal).toBeDefined();
  });
});
