import type { Reason, RenewalMode } from '@certloop/core';
import type { PolicyInput } from '../src/policies/input.js';
import { type RenewalPath, renewalModeOf, renewalRouteOf } from '../src/policies/renewal-path.js';
import {
  aDesired,
  anObserved,
  aProvenance,
  expiringIn,
  fromForeignCa,
  keySwapped,
  NOW,
  observedUsages,
  withLifetime,
  withoutFile,
  withRotation,
  withSans,
} from './builders.js';

const CLIENT_AND_SERVER = observedUsages('serverAuth', 'clientAuth');
const RENEWAL_DUE: Reason = { code: 'renewal-due', message: 'The certificate is inside its renewal window.' };
const SPEC_CHANGED: Reason = { code: 'spec-changed', message: 'The spec changed since the last issuance.' };

type ObservedMods = Parameters<typeof anObserved> extends [unknown, ...infer R] ? R : never;

/** A certificate certloop requested (provenance of the very file on disk), then `changeDesired` applied. */
function requested(
  options: {
    observed?: ObservedMods;
    rotation?: 'always' | 'never';
    changeDesired?: Parameters<typeof aDesired>;
    withoutProvenance?: boolean;
  } = {},
): PolicyInput {
  const original = aDesired(withRotation(options.rotation ?? 'always'));
  const observed = anObserved(original, CLIENT_AND_SERVER, ...(options.observed ?? []));
  const desired = aDesired(withRotation(options.rotation ?? 'always'), ...(options.changeDesired ?? []));
  return {
    desired,
    observed,
    now: NOW,
    ...(options.withoutProvenance ? {} : { provenance: aProvenance(original, observed) }),
  };
}

interface Case {
  readonly input: () => PolicyInput;
  readonly reasons?: readonly Reason[];
  readonly mode: RenewalMode;
  readonly path: RenewalPath;
  readonly because?: RegExp;
}

const cases: Record<string, Case> = {
  'a valid certificate with clientAuth and an unchanged spec is rekeyed over mTLS when the key rotates': {
    input: () => requested(),
    reasons: [RENEWAL_DUE],
    mode: 'auto',
    path: 'rekey',
  },
  'the same certificate keeps its key over mTLS when rotation is never': {
    input: () => requested({ rotation: 'never' }),
    reasons: [RENEWAL_DUE],
    mode: 'auto',
    path: 'renew',
  },
  'a certificate in sync reports the path of its next renewal': {
    input: () => requested(),
    mode: 'auto',
    path: 'rekey',
  },
  'a forced reissue (--force, revoke) is signed anew': {
    input: () => requested(),
    reasons: [{ code: 'forced', message: 'Reissue was forced with --force.' }, RENEWAL_DUE],
    mode: 'auto',
    path: 'sign',
    because: /forced reissue/,
  },
  'a missing certificate is signed with the provisioner': {
    input: () => requested({ observed: [withoutFile('cert'), (o) => delete o.certificate] }),
    mode: 'mtls',
    path: 'sign',
    because: /no certificate/,
  },
  'an expired certificate is signed anew: step-ca renews only valid ones': {
    input: () => requested({ observed: [expiringIn(-60_000)] }),
    mode: 'auto',
    path: 'sign',
    because: /expired/,
  },
  'a certificate without clientAuth is signed anew': {
    input: () => requested({ observed: [observedUsages('serverAuth')] }),
    mode: 'auto',
    path: 'sign',
    because: /clientAuth/,
  },
  'a changed spec is signed anew': {
    input: () => requested({ changeDesired: [withSans('web.example', 'new.example')] }),
    reasons: [SPEC_CHANGED],
    mode: 'auto',
    path: 'sign',
    because: /spec changed/,
  },
  'a changed lifetime is signed anew even when it is not a drift reason yet': {
    input: () => requested({ changeDesired: [withLifetime(7 * 24 * 3_600_000)] }),
    reasons: [RENEWAL_DUE],
    mode: 'auto',
    path: 'sign',
    because: /spec changed/,
  },
  'a key that does not belong to the certificate cannot authenticate a renewal': {
    input: () => requested({ observed: [keySwapped] }),
    mode: 'auto',
    path: 'sign',
    because: /private key/,
  },
  'a certificate from another CA is signed anew': {
    input: () => requested({ observed: [fromForeignCa] }),
    mode: 'auto',
    path: 'sign',
    because: /chain/,
  },
  'a certificate certloop has no record of is signed anew': {
    input: () => requested({ withoutProvenance: true }),
    mode: 'auto',
    path: 'sign',
    because: /no record/,
  },
  'renewal: provisioner always signs anew': {
    input: () => requested(),
    reasons: [RENEWAL_DUE],
    mode: 'provisioner',
    path: 'sign',
    because: /renewal: provisioner/,
  },
  'renewal: mtls blocks a certificate it cannot renew, and says why': {
    input: () => requested({ observed: [expiringIn(-60_000)] }),
    mode: 'mtls',
    path: 'blocked',
    because: /renewal: mtls cannot renew this certificate: The certificate has expired/,
  },
};

describe('the renewal route', () => {
  it.each(Object.entries(cases))('%s', (_title, { input, reasons = [], mode, path, because }) => {
    const route = renewalRouteOf(input(), reasons, mode);
    expect(route.path).toBe(path);
    if (because !== undefined) expect(route.reason).toMatch(because);
  });
});

describe('the renewal mode of an issuer', () => {
  it('is auto for a Step-CA without the setting, and for the legacy format without an issuer section', () => {
    expect(renewalModeOf({ type: 'step-ca', id: 'step-ca:https://ca' })).toBe('auto');
    expect(renewalModeOf(undefined)).toBe('auto');
  });
  it('is the setting when given', () => {
    expect(renewalModeOf({ type: 'step-ca', id: 'step-ca:https://ca', renewal: 'mtls' })).toBe('mtls');
  });
  it('is none for the local CA', () => {
    expect(renewalModeOf({ type: 'local', id: 'local:/ca', directory: '/ca' })).toBeUndefined();
  });
});
