/**
 * The issue stage following the renewal route: a certificate due for renewal
 * is renewed with itself (no provisioner), a refusal falls back to signing
 * with a warning, a transient failure does not, and `renewal: mtls` makes a
 * refusal the certificate's failure.
 */
import {
  type CurrentCertificate,
  type DesiredState,
  type IssueRequest,
  IssuerError,
  type Logger,
  type RenewalMode,
} from '@certloop/core';
import { reconcileOnce } from '../src/reconcile.js';
import { aDesired, DAY, named, stateOf } from './builders.js';
import { FakeWorld } from './fake-world.js';

const web = aDesired(named('web'));

interface Harness {
  world: FakeWorld;
  renewals: string[];
  /** Names signed anew through the issuer's own credentials (issue). */
  signs: string[];
  warnings: string[];
  run(): ReturnType<typeof reconcileOnce>;
}

/** A world whose CA renews over mTLS, unless `refuse` says otherwise; the first issuance done. */
async function issuedThenDue(mode: RenewalMode | undefined, refuse?: () => Error): Promise<Harness> {
  const world = new FakeWorld();
  // step-ca's default template: both usages, so the certificate can authenticate its renewal.
  world.alterIssued.set('web', { extendedKeyUsage: ['serverAuth', 'clientAuth'] });
  const renewals: string[] = [];
  const signs: string[] = [];
  const warnings: string[] = [];
  const logger: Logger = {
    debug() {},
    info() {},
    warn: (message) => warnings.push(message),
    error() {},
  };
  const state: DesiredState =
    mode === undefined
      ? stateOf(web)
      : { ...stateOf(web), issuer: { type: 'step-ca', id: 'step-ca:https://ca', renewal: mode } };
  const ports = () => {
    const base = world.ports({ logger });
    return {
      ...base,
      issuer: {
        ...base.issuer,
        issue: async (request: IssueRequest) => {
          signs.push(request.name);
          return base.issuer.issue(request);
        },
        renew: async (current: CurrentCertificate, request: IssueRequest, rekey: boolean) => {
          renewals.push(`${rekey ? 'rekey' : 'renew'} ${request.name}`);
          if (refuse !== undefined) throw refuse();
          return world.issue({ ...request, ...(rekey ? {} : { existingKeyPem: current.keyPem }) });
        },
      },
    };
  };
  const first = await reconcileOnce(state, ports());
  if (!first.ok) throw new Error('the first issuance failed');
  signs.length = 0;
  world.advance(21 * DAY); // 2/3 of 30 days: inside the renewal window
  return { world, renewals, signs, warnings, run: () => reconcileOnce(state, ports()) };
}

describe('the issue stage and the renewal route', () => {
  it('renews a certificate due for renewal over mTLS (rekey, rotation always) and signs nothing', async () => {
    const h = await issuedThenDue(undefined);
    const result = await h.run();
    expect(result.ok).toBe(true);
    expect(result.results[0]).toMatchObject({ action: 'reissue', outcome: 'changed' });
    expect(h.renewals).toEqual(['rekey web']);
    expect(h.signs).toEqual([]);
    expect(h.warnings).toEqual([]);
  });

  it('signs anew when the CA refuses the renewal, with a warning that gives its answer', async () => {
    const h = await issuedThenDue(
      'auto',
      () =>
        new IssuerError('ISSUER_REJECTED', 'The Step-CA refused the rekey of web (HTTP 401): revoked.', {
          retryable: false,
        }),
    );
    const result = await h.run();
    expect(result.ok).toBe(true);
    expect(h.renewals).toEqual(['rekey web']);
    expect(h.signs).toEqual(['web']);
    expect(h.warnings).toEqual([
      expect.stringContaining(
        'The CA refused to renew web; signing anew with the provisioner: The Step-CA refused the rekey of web (HTTP 401): revoked.',
      ),
    ]);
  });

  it('does not fall back on a transient failure: the certificate fails and is tried again later', async () => {
    const h = await issuedThenDue(
      'auto',
      () => new IssuerError('ISSUER_UNREACHABLE', 'Cannot reach the Step-CA.', { retryable: true }),
    );
    const result = await h.run();
    expect(result.ok).toBe(false);
    expect(h.signs).toEqual([]);
    expect(result.results[0]).toMatchObject({
      outcome: 'failed',
      error: expect.stringContaining('Cannot reach'),
    });
  });

  it('with renewal: mtls, a refusal is the failure and nothing is signed', async () => {
    const h = await issuedThenDue(
      'mtls',
      () =>
        new IssuerError('ISSUER_REJECTED', 'The Step-CA refused the rekey of web (HTTP 401).', {
          retryable: false,
        }),
    );
    const result = await h.run();
    expect(result.ok).toBe(false);
    expect(h.signs).toEqual([]);
    expect(h.warnings).toEqual([]);
  });
});
