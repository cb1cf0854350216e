import type { CertificateStatus, DesiredCertificate, DesiredState, StatusDocument } from '@certloop/core';
import { type BackoffPolicy, backoffDelay, MIN_LIFETIME_CAPPED_DELAY_MS, nextWake } from '../../src/index.js';
import { aDesired, anObserved, DAY, expiringIn, HOUR, MINUTE, NOW, named } from '../builders.js';

const BACKOFF: BackoffPolicy = { baseMs: MINUTE, maxMs: HOUR, remainingLifetimeFraction: 0.1 };
const SETTINGS = { resyncMs: 5 * MINUTE, backoff: BACKOFF, maxJitterMs: 30_000, minDelayMs: 1_000 };
const noJitter = () => 0;
const fullJitter = () => 0.999_999;

function stateOf(...certificates: DesiredCertificate[]): DesiredState {
  return { manifestPath: '/m.yaml', format: 'v1', issuer: undefined, settings: {}, certificates };
}

function statusOf(records: Record<string, Partial<CertificateStatus>>): StatusDocument {
  const certificates: Record<string, CertificateStatus> = {};
  for (const [name, record] of Object.entries(records)) {
    certificates[name] = {
      name,
      lastResult: 'failed',
      lastAction: 'reissue',
      lastReasons: [],
      lastAttemptAt: NOW.toISOString(),
      pendingHooks: [],
      consecutiveFailures: 1,
      ...record,
    };
  }
  return { version: 1, manifestPath: '/m.yaml', updatedAt: NOW.toISOString(), certificates };
}

describe('the backoff of a failing certificate', () => {
  it('doubles with every failure up to the maximum', () => {
    expect([1, 2, 3, 10].map((n) => backoffDelay(n, BACKOFF))).toEqual([
      MINUTE,
      2 * MINUTE,
      4 * MINUTE,
      HOUR,
    ]);
  });

  it('never waits longer than a tenth of the remaining lifetime, so a renewal is retried many times', () => {
    expect(backoffDelay(10, BACKOFF, false, 100_000)).toBe(10_000);
    expect(backoffDelay(10, BACKOFF, true, 3 * HOUR)).toBe(18 * MINUTE);
  });

  it('keeps a floor near expiry, so the last seconds are not a storm', () => {
    expect(backoffDelay(10, BACKOFF, false, 1_000)).toBe(MIN_LIFETIME_CAPPED_DELAY_MS);
  });

  it('falls back to the plain backoff when the certificate is already expired or missing', () => {
    expect(backoffDelay(10, BACKOFF, false, -5_000)).toBe(HOUR);
    expect(backoffDelay(10, BACKOFF, false, undefined)).toBe(HOUR);
  });

  it('is not capped by lifetime without a fraction in the policy (reconcile --once default)', () => {
    expect(backoffDelay(10, { baseMs: MINUTE, maxMs: HOUR }, false, 100_000)).toBe(HOUR);
  });
});

describe('the next wake-up of the service', () => {
  const web = aDesired(named('web'));

  it('is the renewal point of a certificate when it comes before the resync', () => {
    // Renewal at 2/3 of a 30-minute lifetime, 20 minutes after notBefore: 4 minutes from now.
    const observed = anObserved(web, expiringIn(14 * MINUTE, 30 * MINUTE));
    const wake = nextWake(
      { desired: stateOf(web), observed: [observed], status: undefined, now: NOW, random: noJitter },
      SETTINGS,
    );
    expect(wake).toEqual({ at: new Date(NOW.getTime() + 4 * MINUTE), reason: 'renewal', name: 'web' });
  });

  it('only delays a renewal with its jitter, by at most 1% of the lifetime and the cap', () => {
    const observed = anObserved(web, expiringIn(14 * MINUTE, 30 * MINUTE));
    const wake = nextWake(
      { desired: stateOf(web), observed: [observed], status: undefined, now: NOW, random: fullJitter },
      SETTINGS,
    );
    const renewal = NOW.getTime() + 4 * MINUTE;
    expect(wake.at.getTime()).toBeGreaterThan(renewal);
    expect(wake.at.getTime()).toBeLessThanOrEqual(renewal + 0.01 * 30 * MINUTE);
  });

  it('is the periodic resync when every renewal is further away', () => {
    const observed = anObserved(web); // renewal in 19 days
    const wake = nextWake(
      { desired: stateOf(web), observed: [observed], status: undefined, now: NOW, random: noJitter },
      SETTINGS,
    );
    expect(wake).toEqual({ at: new Date(NOW.getTime() + 5 * MINUTE), reason: 'resync' });
  });

  it('picks the earliest certificate among many', () => {
    const api = aDesired(named('api'));
    const wake = nextWake(
      {
        desired: stateOf(api, web),
        observed: [
          anObserved(api, expiringIn(10 * MINUTE, 30 * MINUTE)),
          anObserved(web, expiringIn(14 * MINUTE, 30 * MINUTE)),
        ],
        status: undefined,
        now: NOW,
        random: noJitter,
      },
      SETTINGS,
    );
    expect(wake.name).toBe('api');
  });

  it('waits for retryNotBefore of a failed issuance instead of the (overdue) renewal point', () => {
    const observed = anObserved(web, expiringIn(1 * HOUR, 30 * MINUTE + HOUR)); // renewal overdue
    const retryNotBefore = new Date(NOW.getTime() + 2 * MINUTE).toISOString();
    const status = statusOf({
      web: { retryNotBefore, failedSpecHash: web.specHash, consecutiveFailures: 2 },
    });
    const wake = nextWake(
      { desired: stateOf(web), observed: [observed], status, now: NOW, random: noJitter },
      SETTINGS,
    );
    expect(wake).toEqual({ at: new Date(retryNotBefore), reason: 'retry', name: 'web' });
  });

  it('retries at once (after the minimum delay) when the spec changed since the failure', () => {
    const retryNotBefore = new Date(NOW.getTime() + HOUR).toISOString();
    const status = statusOf({ web: { retryNotBefore, failedSpecHash: 'an-older-spec' } });
    const wake = nextWake(
      { desired: stateOf(web), observed: [anObserved(web)], status, now: NOW, random: noJitter },
      SETTINGS,
    );
    expect(wake).toEqual({ at: new Date(NOW.getTime() + 1_000), reason: 'retry', name: 'web' });
  });

  it('backs off a failure that recorded no retry time (a placement fix, a hook) from the last attempt', () => {
    const lastAttemptAt = new Date(NOW.getTime() - 30_000).toISOString();
    const status = statusOf({
      web: { lastAction: 'fix-permissions', lastAttemptAt, consecutiveFailures: 2 },
    });
    const wake = nextWake(
      { desired: stateOf(web), observed: [anObserved(web)], status, now: NOW, random: noJitter },
      SETTINGS,
    );
    expect(wake).toEqual({ at: new Date(NOW.getTime() - 30_000 + 2 * MINUTE), reason: 'retry', name: 'web' });
  });

  it('never wakes sooner than the minimum delay, even for an overdue renewal', () => {
    const observed = anObserved(web, expiringIn(-DAY));
    const wake = nextWake(
      { desired: stateOf(web), observed: [observed], status: undefined, now: NOW, random: noJitter },
      SETTINGS,
    );
    expect(wake.at).toEqual(new Date(NOW.getTime() + 1_000));
  });

  it('leaves a certificate with nothing on disk and no failure to the resync', () => {
    const missing = { ...anObserved(web), certificate: undefined };
    const wake = nextWake(
      { desired: stateOf(web), observed: [missing], status: undefined, now: NOW, random: noJitter },
      SETTINGS,
    );
    expect(wake.reason).toBe('resync');
  });

  it('looks again one base backoff after a pass that left a delivery to a stopped guest pending (no failure)', () => {
    const status = statusOf({
      web: {
        lastResult: 'unchanged',
        lastAction: 'update-files',
        consecutiveFailures: 0,
        pendingDelivery: 'lxc/102',
        pendingHooks: ['pct exec 102 -- reload'],
      },
    });
    const wake = nextWake(
      { desired: stateOf(web), observed: [anObserved(web)], status, now: NOW, random: noJitter },
      SETTINGS,
    );
    expect(wake).toEqual({ at: new Date(NOW.getTime() + MINUTE), reason: 'retry', name: 'web' });
  });
});
