import type { CertificateStatus, ReasonCode } from '@certloop/core';
import { decide, strongestAction } from '../src/policies/actions.js';
import type { Policy, PolicyInput } from '../src/policies/input.js';
import {
  certMissing,
  certUnparsable,
  fileUnreadable,
  keyMissing,
  keyUnparsable,
} from '../src/policies/issuance.js';
import {
  chainMissing,
  chainStale,
  hookPending,
  modeDiffers,
  ownerDiffers,
} from '../src/policies/placement.js';
import {
  commonNameDiffers,
  expired,
  forced,
  foreignIssuer,
  keyAlgorithmDiffers,
  keyMismatch,
  notYetValid,
  renewalDue,
  sansDiffer,
  specChanged,
  usageMissing,
} from '../src/policies/reissue.js';
import { useBlocker } from '../src/policies/usable.js';
import {
  aDesired,
  anObserved,
  aProvenance,
  asClient,
  DAY,
  expiringIn,
  fromForeignCa,
  fullchainInsteadOfCert,
  HOUR,
  keySwapped,
  MINUTE,
  NOW,
  observedCommonName,
  observedKeyAlgorithm,
  observedSans,
  observedUsages,
  ownedBy,
  selfSigned,
  staleChainFile,
  truncatedCert,
  truncatedKey,
  unreadable,
  validFrom,
  withHooks,
  withIpSans,
  withKeyMode,
  withLifetime,
  withMode,
  withOwner,
  withoutFile,
  withRenewal,
  withSans,
} from './builders.js';

function pendingStatus(...pendingHooks: string[]): CertificateStatus {
  return {
    name: 'web',
    lastResult: 'success',
    lastAction: 'reissue',
    lastReasons: ['renewal-due'],
    lastAttemptAt: NOW.toISOString(),
    pendingHooks,
    consecutiveFailures: 0,
  };
}

interface Case {
  readonly policy: Policy;
  readonly input: () => PolicyInput;
  readonly expected: ReasonCode | null;
  readonly message?: string | RegExp;
}

const inSync = (): PolicyInput => {
  const desired = aDesired();
  return { desired, observed: anObserved(desired), now: NOW };
};

function given(
  desiredMods: Parameters<typeof aDesired>,
  observedMods: Parameters<typeof anObserved> extends [unknown, ...infer R] ? R : never,
  extra: Partial<PolicyInput> = {},
): () => PolicyInput {
  return () => {
    const desired = aDesired(...desiredMods);
    return { desired, observed: anObserved(desired, ...observedMods), now: NOW, ...extra };
  };
}

function run(table: Record<string, Case>): void {
  it.each(Object.entries(table))('%s', (_title, { policy, input, expected, message }) => {
    const reason = policy(input());
    expect(reason?.code ?? null).toBe(expected);
    if (message !== undefined)
      expect(reason?.message).toEqual(typeof message === 'string' ? message : expect.stringMatching(message));
  });
}

describe('needs-issuance policies', () => {
  run({
    'a missing certificate file needs issuance': {
      policy: certMissing,
      input: given([], [withoutFile('cert')]),
      expected: 'cert-missing',
      message: 'The certificate file /certs/web/cert.pem does not exist.',
    },
    'a present certificate file is not missing': { policy: certMissing, input: inSync, expected: null },
    'a missing full chain is a missing certificate when it is the only file holding the leaf': {
      policy: certMissing,
      input: given([fullchainInsteadOfCert], [withoutFile('fullchain')]),
      expected: 'cert-missing',
      message: 'The certificate file /certs/web/fullchain.pem does not exist.',
    },
    'a missing key file needs issuance': {
      policy: keyMissing,
      input: given([], [withoutFile('key')]),
      expected: 'key-missing',
      message: 'The private key file /certs/web/key.pem does not exist.',
    },
    'a key file that cannot be read needs issuance': {
      policy: fileUnreadable,
      input: given([], [unreadable('key')]),
      expected: 'file-unreadable',
      message: 'A file exists but cannot be read: /certs/web/key.pem (EACCES).',
    },
    'a truncated certificate is unparsable': {
      policy: certUnparsable,
      input: given([], [truncatedCert]),
      expected: 'cert-unparsable',
      message: /cert\.pem is not a readable PEM certificate \(PEM block is truncated\)\.$/,
    },
    'an unreadable certificate is reported as unreadable, not as unparsable': {
      policy: certUnparsable,
      input: given([], [unreadable('cert')]),
      expected: null,
    },
    'a missing certificate is not also unparsable': {
      policy: certUnparsable,
      input: given([], [withoutFile('cert')]),
      expected: null,
    },
    'a truncated key is unparsable': {
      policy: keyUnparsable,
      input: given([], [truncatedKey]),
      expected: 'key-unparsable',
    },
  });
});

describe('needs-reissue policies', () => {
  run({
    '--force reissues': { policy: forced, input: given([], [], { force: true }), expected: 'forced' },
    'without --force nothing is forced': { policy: forced, input: inSync, expected: null },
    'a key swapped for another one does not belong to the certificate': {
      policy: keyMismatch,
      input: given([], [keySwapped]),
      expected: 'key-mismatch',
      message: 'The private key /certs/web/key.pem does not belong to the certificate.',
    },
    'a self-signed certificate does not chain to the CA': {
      policy: foreignIssuer,
      input: given([], [selfSigned]),
      expected: 'foreign-issuer',
      message: /self-signed/,
    },
    'a certificate from a foreign CA does not chain to the CA': {
      policy: foreignIssuer,
      input: given([], [fromForeignCa]),
      expected: 'foreign-issuer',
      message: 'The certificate was issued by CN=Some Other CA, which does not chain to the configured CA.',
    },
    'an unknown chain verdict (no trust material this pass) is not drift': {
      policy: foreignIssuer,
      input: () => {
        const desired = aDesired();
        const observed = anObserved(desired);
        return {
          desired,
          observed: { ...observed, certificate: { ...observed.certificate!, chainVerifies: undefined } },
          now: NOW,
        };
      },
      expected: null,
    },
    'an expired certificate is expired': {
      policy: expired,
      input: given([], [expiringIn(-HOUR)]),
      expected: 'expired',
      message: /expired at 2025-01-15T11:00:00\.000Z \(1h ago\)/,
    },
    'a certificate expiring in an hour is not expired yet': {
      policy: expired,
      input: given([], [expiringIn(HOUR)]),
      expected: null,
    },
    'a certificate valid only from tomorrow is not yet valid': {
      policy: notYetValid,
      input: given([], [validFrom(new Date(NOW.getTime() + DAY), new Date(NOW.getTime() + 30 * DAY))]),
      expected: 'not-yet-valid',
    },
    'inside the renewal window (two thirds of 30 days passed) renewal is due': {
      policy: renewalDue,
      input: given([], [expiringIn(9 * DAY)]),
      expected: 'renewal-due',
      message: /inside its renewal window since 2025-01-14T12:00:00\.000Z; it expires in 9d\./,
    },
    'just outside the renewal window renewal is not due': {
      policy: renewalDue,
      input: given([], [expiringIn(10 * DAY + MINUTE)]),
      expected: null,
    },
    'an expired certificate is reported as expired, not as renewal due': {
      policy: renewalDue,
      input: given([], [expiringIn(-HOUR)]),
      expected: null,
    },
    'a before-expiry window of 7 days makes renewal due 6 days before expiry': {
      policy: renewalDue,
      input: given([withRenewal({ beforeExpiryMs: 7 * DAY })], [expiringIn(6 * DAY)]),
      expected: 'renewal-due',
    },
    'a before-expiry window of 7 days leaves a certificate 8 days from expiry alone': {
      policy: renewalDue,
      input: given([withRenewal({ beforeExpiryMs: 7 * DAY })], [expiringIn(8 * DAY)]),
      expected: null,
    },
    'a 1h certificate certloop did not issue is due 40 minutes early under "renew 12h before expiry", as declared':
      {
        policy: renewalDue,
        input: given([withRenewal({ beforeExpiryMs: 12 * HOUR })], [expiringIn(50 * MINUTE, HOUR)]),
        expected: 'renewal-due',
      },
    'a 1h certificate certloop requested and recorded (a CA capped its lifetime) is kept until two thirds of it':
      {
        policy: renewalDue,
        input: () => {
          const desired = aDesired(withRenewal({ beforeExpiryMs: 12 * HOUR }));
          const observed = anObserved(desired, expiringIn(50 * MINUTE, HOUR));
          return { desired, observed, now: NOW, provenance: aProvenance(desired, observed) };
        },
        expected: null,
      },
    'the same recorded 1h certificate is due once two thirds of its lifetime have passed': {
      policy: renewalDue,
      input: () => {
        const desired = aDesired(withRenewal({ beforeExpiryMs: 12 * HOUR }));
        const observed = anObserved(desired, expiringIn(19 * MINUTE, HOUR));
        return { desired, observed, now: NOW, provenance: aProvenance(desired, observed) };
      },
      expected: 'renewal-due',
    },
    'the earliest of the two renewal points applies': {
      policy: renewalDue,
      input: given([withRenewal({ beforeExpiryMs: 2 * DAY, fraction: 0.5 })], [expiringIn(14 * DAY)]),
      expected: 'renewal-due',
    },
    'a different common name needs a reissue': {
      policy: commonNameDiffers,
      input: given([], [observedCommonName('old.internal')]),
      expected: 'cn-differs',
      message: 'The common name is "old.internal", want "web.internal".',
    },
    'a SAN added to the manifest needs a reissue': {
      policy: sansDiffer,
      input: given(
        [withSans('portainer2.internal.thinkheads.ai', 'web.internal')],
        [observedSans({ dns: ['web.internal'] })],
      ),
      expected: 'sans-differ',
      message: 'SANs differ: added portainer2.internal.thinkheads.ai.',
    },
    'a SAN removed from the manifest needs a reissue': {
      policy: sansDiffer,
      input: given([], [observedSans({ dns: ['old.internal', 'web.internal'] })]),
      expected: 'sans-differ',
      message: 'SANs differ: removed old.internal.',
    },
    'a SAN replaced by another (as many SANs as before) needs a reissue': {
      policy: sansDiffer,
      input: given([], [observedSans({ dns: ['old.internal'] })]),
      expected: 'sans-differ',
      message: 'SANs differ: added web.internal; removed old.internal.',
    },
    'the same SANs in another order are not drift': {
      policy: sansDiffer,
      input: given(
        [withSans('a.internal', 'b.internal')],
        [observedSans({ dns: ['b.internal', 'a.internal'] })],
      ),
      expected: null,
    },
    'an IP SAN added to the manifest needs a reissue': {
      policy: sansDiffer,
      input: given([withIpSans('10.0.0.5')], [observedSans({ ip: [] })]),
      expected: 'sans-differ',
      message: 'SANs differ: added IP 10.0.0.5.',
    },
    'a SAN the CA added on its own to exactly what was requested is not drift': {
      policy: sansDiffer,
      input: () => {
        const desired = aDesired();
        const observed = anObserved(desired, observedSans({ dns: ['extra.ca.internal', 'web.internal'] }));
        return { desired, observed, now: NOW, provenance: aProvenance(desired, observed) };
      },
      expected: null,
    },
    'a different key algorithm needs a reissue': {
      policy: keyAlgorithmDiffers,
      input: given([], [observedKeyAlgorithm('rsa-2048')]),
      expected: 'key-algorithm-differs',
      message: 'The key algorithm is rsa-2048, want ecdsa-p256.',
    },
    'a client certificate without clientAuth needs a reissue': {
      policy: usageMissing,
      input: given([asClient], [observedUsages('serverAuth')]),
      expected: 'usage-missing',
      message:
        'A client certificate needs the extended key usage clientAuth; this one allows only serverAuth.',
    },
    'a server certificate without serverAuth needs a reissue': {
      policy: usageMissing,
      input: given([], [observedUsages('clientAuth')]),
      expected: 'usage-missing',
      message:
        'A server certificate needs the extended key usage serverAuth; this one allows only clientAuth.',
    },
    'a client certificate that allows both uses is not drift': {
      policy: usageMissing,
      input: given([asClient], [observedUsages('serverAuth', 'clientAuth')]),
      expected: null,
    },
    'a certificate without any extended key usage allows every use': {
      policy: usageMissing,
      input: given([asClient], [observedUsages()]),
      expected: null,
    },
    'a spec changed since the certificate on disk was requested needs a reissue': {
      policy: specChanged,
      input: () => {
        const before = aDesired();
        const desired = aDesired(withLifetime(60 * DAY));
        const observed = anObserved(desired);
        return { desired, observed, now: NOW, provenance: aProvenance(before, observed) };
      },
      expected: 'spec-changed',
      message: 'The spec changed since the last issuance: requested lifetime 30d → 60d.',
    },
    'provenance of another certificate (replaced by hand) says nothing about the spec': {
      policy: specChanged,
      input: () => {
        const before = aDesired();
        const desired = aDesired(withLifetime(60 * DAY));
        const observed = anObserved(desired);
        return {
          desired,
          observed,
          now: NOW,
          provenance: aProvenance(before, observed, { certificateSha256: 'another-leaf' }),
        };
      },
      expected: null,
    },
  });
});

describe('placement policies', () => {
  run({
    'a missing CA bundle needs its files updated': {
      policy: chainMissing,
      input: given([], [withoutFile('caBundle')]),
      expected: 'chain-missing',
      message: 'CA bundle /certs/web/ca.pem is missing.',
    },
    'a stale CA bundle needs its files updated': {
      policy: chainStale,
      input: given([], [staleChainFile('caBundle')]),
      expected: 'chain-stale',
      message: 'CA bundle /certs/web/ca.pem differs from what the issuer gives now.',
    },
    'chain files of unknown currency (no trust material) are not stale': {
      policy: chainStale,
      input: () => {
        const desired = aDesired();
        return { desired, observed: { ...anObserved(desired), chainFilesCurrent: {} }, now: NOW };
      },
      expected: null,
    },
    'a key with mode 0666 where 0640 is wanted needs its mode fixed': {
      policy: modeDiffers,
      input: given([withKeyMode(0o640)], [withMode('key', 0o666)]),
      expected: 'mode-differs',
      message: 'Key mode 0666, want 0640.',
    },
    'files with the right modes are fine': { policy: modeDiffers, input: inSync, expected: null },
    'a file owned by root where certs:ssl is wanted needs its owner fixed': {
      policy: ownerDiffers,
      input: given([withOwner('certs', 'ssl')], [ownedBy('key', 0, 0)], { ids: { uid: 1000, gid: 1001 } }),
      expected: 'owner-differs',
      message: /^Certificate owner 0:0, want 1000:1001; key owner 0:0, want 1000:1001;.*\(certs:ssl\)\.$/,
    },
    'an owner name that could not be resolved is not checked': {
      policy: ownerDiffers,
      input: given([withOwner('nobody-here')], [], { ids: {} }),
      expected: null,
    },
    'a hook that failed earlier is pending': {
      policy: hookPending,
      input: given([withHooks('systemctl reload nginx')], [], {
        status: pendingStatus('systemctl reload nginx'),
      }),
      expected: 'hook-pending',
      message: 'The post-renewal hook `systemctl reload nginx` failed earlier and must run again.',
    },
    'a pending hook the manifest no longer declares is dropped': {
      policy: hookPending,
      input: given([withHooks('systemctl reload caddy')], [], {
        status: pendingStatus('systemctl reload nginx'),
      }),
      expected: null,
    },
  });
});

describe('the decision', () => {
  it('reports every reason in chain order: issuance, then reissue, then placement', () => {
    const desired = aDesired(withSans('new.internal', 'web.internal'), withKeyMode(0o600));
    const observed = anObserved(
      desired,
      expiringIn(-HOUR),
      observedSans({ dns: ['web.internal'] }),
      withMode('key', 0o644),
    );
    const decision = decide({ desired, observed, now: NOW, force: true });
    expect(decision.reasons.map((r) => r.code)).toEqual(['forced', 'expired', 'sans-differ', 'mode-differs']);
    expect(decision.action).toBe('reissue');
  });

  it('issues when nothing usable is there, even with placement drift too', () => {
    const desired = aDesired();
    const decision = decide({
      desired,
      observed: anObserved(desired, withoutFile('key'), staleChainFile('caBundle')),
      now: NOW,
    });
    expect(decision).toEqual({
      action: 'issue',
      reasons: [
        expect.objectContaining({ code: 'key-missing' }),
        expect.objectContaining({ code: 'chain-stale' }),
      ],
    });
  });

  it('does nothing for a certificate in sync', () => {
    expect(decide(inSync())).toEqual({ action: 'none', reasons: [] });
  });

  it.each([
    [['mode-differs', 'chain-stale'], 'update-files'],
    [['owner-differs'], 'fix-permissions'],
    [['hook-pending'], 'update-files'],
    [['renewal-due', 'cert-missing'], 'issue'],
    [['mode-differs', 'sans-differ'], 'reissue'],
    [[], 'none'],
  ] as const)('reasons %j lead to the action %s', (codes, action) => {
    expect(strongestAction(codes.map((code) => ({ code, message: '' })))).toBe(action);
  });
});

describe('a CA that capped the lifetime', () => {
  // 90 days requested, renew 30 days before expiry; the CA gave 24 hours, an hour ago.
  const desired = aDesired(withLifetime(90 * DAY), withRenewal({ beforeExpiryMs: 30 * DAY }));
  const observed = anObserved(desired, expiringIn(23 * HOUR, 24 * HOUR));
  const provenance = aProvenance(desired, observed);

  it('causes no reissue right after issuance', () => {
    expect(decide({ desired, observed, provenance, now: NOW })).toEqual({ action: 'none', reasons: [] });
  });

  it('renews after two thirds of the actual lifetime, not 30 days before expiry', () => {
    const at = (hours: number) => new Date(NOW.getTime() + hours * HOUR);
    expect(decide({ desired, observed, provenance, now: at(14) }).action).toBe('none');
    expect(decide({ desired, observed, provenance, now: at(16) }).action).toBe('reissue');
  });
});

describe('whether the files can be used as they are (install)', () => {
  it('is usable when in sync, and when only renewal, names or placement drift', () => {
    const desired = aDesired(withSans('new.internal'), withKeyMode(0o600));
    const observed = anObserved(desired, expiringIn(HOUR), observedSans({ dns: [] }), withMode('key', 0o644));
    expect(useBlocker(inSync())).toBeNull();
    expect(useBlocker({ desired, observed, now: NOW })).toBeNull();
  });

  it('reports the first blocker in order: parsing, the pair, the chain, then validity', () => {
    const desired = aDesired();
    const blocker = (...mods: Parameters<typeof anObserved> extends [unknown, ...infer R] ? R : never) =>
      useBlocker({ desired, observed: anObserved(desired, ...mods), now: NOW })?.code ?? null;
    expect(blocker(truncatedKey, expiringIn(-HOUR))).toBe('key-unparsable');
    expect(blocker(keySwapped, fromForeignCa, expiringIn(-HOUR))).toBe('key-mismatch');
    expect(blocker(fromForeignCa, expiringIn(-HOUR))).toBe('foreign-issuer');
    expect(blocker(validFrom(new Date(NOW.getTime() + HOUR), new Date(NOW.getTime() + DAY)))).toBe(
      'not-yet-valid',
    );
    expect(blocker(expiringIn(-HOUR))).toBe('expired');
  });
});
