/** Status without churn (status.ts): an unchanged record is the previous object, so an unchanged status is not written. */
import type { CertificateStatus, StatusDocument } from '@certloop/core';
import { nextCertificateStatus, nextRecords, type StatusUpdate, statusChanged } from '../src/status.js';
import { aDesired, HOUR, NOW, named } from './builders.js';

const web = aDesired(named('web'));
const MANIFEST = '/etc/certloop/certloop.yaml';

function update(overrides: Partial<StatusUpdate>): StatusUpdate {
  return {
    desired: web,
    action: 'none',
    reasons: [],
    outcome: 'unchanged',
    serial: '01',
    notAfter: new Date(NOW.getTime() + 720 * HOUR).toISOString(),
    pendingHooks: [],
    remainingReasons: [],
    now: NOW,
    backoff: { baseMs: 60_000, maxMs: HOUR },
    ...overrides,
  };
}

const issued = nextCertificateStatus(
  update({ action: 'issue', outcome: 'changed', reasons: [{ code: 'cert-missing', message: 'Missing.' }] }),
);
const later = new Date(NOW.getTime() + HOUR);

describe('the status record of a certificate', () => {
  it('is the previous record itself after a pass that found nothing to do', () => {
    const next = nextCertificateStatus(update({ previous: issued, now: later }));
    expect(next).toBe(issued);
  });

  it('is a new record when a fact about the files moved, with the attempt record kept', () => {
    const next = nextCertificateStatus(update({ previous: issued, now: later, serial: '02' }));
    expect(next).not.toBe(issued);
    expect(next).toMatchObject({ serial: '02', lastAttemptAt: NOW.toISOString(), lastAction: 'issue' });
  });

  it('moves the transition time only when the state flips', () => {
    const failing = update({ action: 'reissue', outcome: 'failed', error: 'The CA is down.' });
    const first = nextCertificateStatus({ ...failing, previous: issued, now: later });
    expect(first.condition).toMatchObject({ state: 'Failed', lastTransitionTime: later.toISOString() });
    const again = nextCertificateStatus({
      ...failing,
      previous: first,
      now: new Date(later.getTime() + HOUR),
    });
    expect(again.consecutiveFailures).toBe(2);
    expect(again.condition?.lastTransitionTime).toBe(later.toISOString());
  });

  it('holds no undefined field once a failure is over', () => {
    const failed = nextCertificateStatus(update({ action: 'issue', outcome: 'failed', error: 'Refused.' }));
    const next = nextCertificateStatus(
      update({ previous: failed, action: 'issue', outcome: 'changed', now: later }),
    );
    expect(Object.entries(next).filter(([, value]) => value === undefined)).toEqual([]);
    expect(next).not.toHaveProperty('lastError');
    expect(next).not.toHaveProperty('retryNotBefore');
  });
});

describe('whether the status changed', () => {
  const previous: StatusDocument = {
    version: 1,
    manifestPath: MANIFEST,
    updatedAt: NOW.toISOString(),
    certificates: { web: issued },
  };
  const recordsOf = (...records: CertificateStatus[]) => new Map(records.map((r) => [r.name, r]));

  it('is no when every record is the previous one', () => {
    const certificates = nextRecords(previous.certificates, recordsOf(issued));
    expect(certificates).toBe(previous.certificates);
    expect(statusChanged(previous, MANIFEST, certificates)).toBe(false);
  });

  it('is yes when one record changed, or a certificate left the manifest', () => {
    const moved = nextCertificateStatus(update({ previous: issued, now: later, serial: '02' }));
    expect(statusChanged(previous, MANIFEST, nextRecords(previous.certificates, recordsOf(moved)))).toBe(
      true,
    );
    const none = nextRecords(previous.certificates, recordsOf());
    expect(none).toEqual({});
    expect(statusChanged(previous, MANIFEST, none)).toBe(true);
  });

  it('is yes for another manifest or when there was no status yet', () => {
    expect(statusChanged(previous, '/elsewhere.yaml', previous.certificates)).toBe(true);
    expect(statusChanged(undefined, MANIFEST, nextRecords({}, recordsOf(issued)))).toBe(true);
  });
});
