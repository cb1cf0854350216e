/** One table per named rule: what a user writes, and the problem (rule, entry, field) they get. */
import { aCert, aLegacyEntry, aLegacyManifest, aV1Manifest, brief, errorsOf, problemsOf } from './helpers.js';

type Case = [string, string, { rule: string; entry?: number; field?: string }];

const second = (overrides: Record<string, unknown>) =>
  aCert({
    name: 'api',
    commonName: 'api.example.test',
    files: { cert: '/etc/ssl/api/cert.pem', key: '/etc/ssl/api/key.pem' },
    ...overrides,
  });

const rejected: Record<string, Case[]> = {
  'absolute paths': [
    [
      'a bare relative v1 path is rejected',
      aV1Manifest([aCert({ files: { cert: 'certs/web.pem' } })]),
      { rule: 'relative-path', entry: 0, field: 'files.cert' },
    ],
    [
      'a home-relative path is rejected',
      aV1Manifest([aCert({ files: { key: '~/web.key' } })]),
      { rule: 'relative-path', entry: 0, field: 'files.key' },
    ],
    [
      'a relative legacy cert_path is rejected',
      aLegacyManifest([aLegacyEntry({ cert_path: 'web.crt' })]),
      { rule: 'relative-path', entry: 0, field: 'cert_path' },
    ],
    [
      'a relative state directory is rejected',
      aV1Manifest([], { stateDir: 'state' }),
      { rule: 'relative-path', field: 'stateDir' },
    ],
    [
      'a relative issuer root is rejected',
      aV1Manifest([], { issuer: { stepCA: { url: 'https://ca:9000', root: 'root.crt' } } }),
      { rule: 'relative-path', field: 'issuer.stepCA.root' },
    ],
  ],
  'one writer per file': [
    [
      'two certificates with one cert path are rejected',
      aV1Manifest([aCert(), second({ files: { cert: '/etc/ssl/web/cert.pem' } })]),
      { rule: 'duplicate-path', entry: 1, field: 'files.cert' },
    ],
    [
      'a key path equal to another certificate path is rejected',
      aLegacyManifest([
        aLegacyEntry(),
        aLegacyEntry({
          common_name: 'api.example.test',
          cert_path: '/etc/ssl/api.crt',
          key_path: '/etc/ssl/web.crt',
        }),
      ]),
      { rule: 'duplicate-path', entry: 1, field: 'key_path' },
    ],
    [
      'a cert and key of one certificate on one path are rejected',
      aV1Manifest([aCert({ files: { cert: '/etc/ssl/x.pem', key: '/etc/ssl/x.pem' } })]),
      { rule: 'duplicate-path', entry: 0, field: 'files.key' },
    ],
    [
      'paths equal after normalization are rejected',
      aV1Manifest([aCert(), second({ files: { key: '/etc/ssl/./web//key.pem' } })]),
      { rule: 'duplicate-path', entry: 1, field: 'files.key' },
    ],
  ],
  'unique names': [
    [
      'two v1 certificates with one name are rejected',
      aV1Manifest([aCert(), second({ name: 'web' })]),
      { rule: 'duplicate-name', entry: 1, field: 'name' },
    ],
    [
      'a name with a slash is rejected',
      aV1Manifest([aCert({ name: 'a/b' })]),
      { rule: 'invalid-name', entry: 0, field: 'name' },
    ],
  ],
  'SAN syntax': [
    [
      'a DNS name with an underscore is rejected',
      aV1Manifest([aCert({ dns: ['bad_host.example.test'] })]),
      { rule: 'invalid-san', entry: 0, field: 'dns.0' },
    ],
    [
      'a wildcard in the middle is rejected',
      aV1Manifest([aCert({ sans: ['web.example.test', 'a.*.example.test'] })]),
      { rule: 'invalid-san', entry: 0, field: 'sans.1' },
    ],
    [
      'a partial wildcard label is rejected',
      aLegacyManifest([aLegacyEntry({ sans: ['w*.example.test'] })]),
      { rule: 'invalid-san', entry: 0, field: 'sans.0' },
    ],
    [
      'a bare wildcard TLD is rejected',
      aV1Manifest([aCert({ dns: ['*.test'] })]),
      { rule: 'invalid-san', entry: 0, field: 'dns.0' },
    ],
    [
      'an IPv4 address out of range is rejected',
      aV1Manifest([aCert({ ip: ['10.0.0.256'] })]),
      { rule: 'invalid-san', entry: 0, field: 'ip.0' },
    ],
    [
      'a malformed IP among untyped SANs is rejected',
      aLegacyManifest([aLegacyEntry({ sans: ['10.0.0.256'] })]),
      { rule: 'invalid-san', entry: 0, field: 'sans.0' },
    ],
    [
      'an invalid IPv6 address is rejected',
      aV1Manifest([aCert({ ip: ['fe80::1::2'] })]),
      { rule: 'invalid-san', entry: 0, field: 'ip.0' },
    ],
    [
      'an email without a mailbox is rejected',
      aV1Manifest([aCert({ email: ['@example.test'] })]),
      { rule: 'invalid-san', entry: 0, field: 'email.0' },
    ],
    [
      'a URI without a scheme is rejected',
      aV1Manifest([aCert({ uri: ['example.test/path'] })]),
      { rule: 'invalid-san', entry: 0, field: 'uri.0' },
    ],
    [
      'a label longer than 63 characters is rejected',
      aV1Manifest([aCert({ dns: [`${'a'.repeat(64)}.example.test`] })]),
      { rule: 'invalid-san', entry: 0, field: 'dns.0' },
    ],
    [
      'a non-ASCII DNS name is rejected',
      aV1Manifest([aCert({ dns: ['bücher.example.test'] })]),
      { rule: 'invalid-san', entry: 0, field: 'dns.0' },
    ],
  ],
  'octal modes': [
    [
      'mode 0999 is rejected',
      aV1Manifest([aCert({ mode: '0999' })]),
      { rule: 'invalid-mode', entry: 0, field: 'mode' },
    ],
    [
      'a setuid mode is rejected',
      aV1Manifest([aCert({ keyMode: '4755' })]),
      { rule: 'invalid-mode', entry: 0, field: 'keyMode' },
    ],
    [
      'an unquoted number as mode is rejected',
      aV1Manifest([aCert({ mode: 640 })]),
      { rule: 'invalid-mode', entry: 0, field: 'mode' },
    ],
    [
      'legacy permissions 888 are rejected',
      aLegacyManifest([aLegacyEntry({ permissions: '888' })]),
      { rule: 'invalid-mode', entry: 0, field: 'permissions' },
    ],
    [
      'a bad default mode is rejected once',
      aV1Manifest([aCert()], { defaults: { mode: 'rw-r--r--' } }),
      { rule: 'invalid-mode', field: 'defaults.mode' },
    ],
  ],
  'user:group shape': [
    [
      'a legacy owner without group is rejected',
      aLegacyManifest([aLegacyEntry({ owner: 'root' })]),
      { rule: 'invalid-owner', entry: 0, field: 'owner' },
    ],
    [
      'a legacy owner with an empty group is rejected',
      aLegacyManifest([aLegacyEntry({ owner: 'root:' })]),
      { rule: 'invalid-owner', entry: 0, field: 'owner' },
    ],
    [
      'a v1 owner holding a group is rejected',
      aV1Manifest([aCert({ owner: 'root:www-data' })]),
      { rule: 'invalid-owner', entry: 0, field: 'owner' },
    ],
    [
      'a v1 group with spaces is rejected',
      aV1Manifest([aCert({ group: 'www data' })]),
      { rule: 'invalid-group', entry: 0, field: 'group' },
    ],
  ],
  durations: [
    [
      'a duration in words is rejected',
      aV1Manifest([aCert({ duration: '1 day' })]),
      { rule: 'invalid-duration', entry: 0, field: 'duration' },
    ],
    [
      'a zero duration is rejected',
      aV1Manifest([aCert({ duration: '0s' })]),
      { rule: 'invalid-duration', entry: 0, field: 'duration' },
    ],
    [
      'renewBefore equal to the duration is rejected',
      aV1Manifest([aCert({ duration: '12h', renewBefore: '12h' })]),
      { rule: 'renewal-after-lifetime', entry: 0, field: 'renewBefore' },
    ],
    [
      'a duration shorter than the default renewBefore is rejected on the duration',
      aV1Manifest([aCert({ duration: '1h' })], { defaults: { renewBefore: '2h' } }),
      { rule: 'renewal-after-lifetime', entry: 0, field: 'duration' },
    ],
    [
      'a default renewBefore longer than the default duration is rejected once',
      aV1Manifest([aCert(), second({})], { defaults: { duration: '1h', renewBefore: '2h' } }),
      { rule: 'renewal-after-lifetime', field: 'defaults.renewBefore' },
    ],
    [
      'renewAt 1 is rejected',
      aV1Manifest([aCert({ renewAt: 1 })]),
      { rule: 'invalid-renew-at', entry: 0, field: 'renewAt' },
    ],
    [
      'renewAt 3/2 is rejected',
      aV1Manifest([aCert({ renewAt: '3/2' })]),
      { rule: 'invalid-renew-at', entry: 0, field: 'renewAt' },
    ],
  ],
  'hook timeouts': [
    [
      'a negative hook timeout is rejected',
      aV1Manifest([aCert({ hooks: [{ command: 'true', timeout: -5 }] })]),
      { rule: 'invalid-hook-timeout', entry: 0, field: 'hooks.0.timeout' },
    ],
    [
      'a negative hook timeout text is rejected',
      aV1Manifest([aCert({ hooks: [{ command: 'true', timeout: '-1m' }] })]),
      { rule: 'invalid-hook-timeout', entry: 0, field: 'hooks.0.timeout' },
    ],
    [
      'a zero hook timeout is rejected',
      aV1Manifest([aCert({ hooks: [{ command: 'true', timeout: 0 }] })]),
      { rule: 'invalid-hook-timeout', entry: 0, field: 'hooks.0.timeout' },
    ],
    [
      'a whitespace-only hook command is rejected',
      aV1Manifest([aCert({ hooks: [{ command: ' ' }] })]),
      { rule: 'empty-hook', entry: 0, field: 'hooks.0.command' },
    ],
    [
      'an empty hook command is rejected',
      aV1Manifest([aCert({ hooks: [{ command: '' }] })]),
      { rule: 'empty-hook', entry: 0, field: 'hooks.0.command' },
    ],
  ],
  structure: [
    [
      'a typo in a v1 field is rejected',
      aV1Manifest([aCert({ keymode: '0600' })]),
      { rule: 'unknown-field', entry: 0, field: 'keymode' },
    ],
    [
      'a typo in the defaults is rejected',
      aV1Manifest([aCert()], { defaults: { duraton: '24h' } }),
      { rule: 'unknown-field', field: 'defaults.duraton' },
    ],
    [
      'a missing legacy common_name is rejected',
      aLegacyManifest([{ cert_path: '/a.crt', key_path: '/a.key' }]),
      { rule: 'missing-field', entry: 0, field: 'common_name' },
    ],
    [
      'a missing v1 files section is rejected',
      aV1Manifest([{ name: 'web', commonName: 'web.example.test' }]),
      { rule: 'missing-field', entry: 0, field: 'files' },
    ],
    [
      'SANs given as a string are rejected',
      aLegacyManifest([aLegacyEntry({ sans: 'web.example.test' })]),
      { rule: 'wrong-type', entry: 0, field: 'sans' },
    ],
    [
      'an unknown key algorithm is rejected',
      aV1Manifest([aCert({ key: { algorithm: 'rsa-1024' } })]),
      { rule: 'invalid-value', entry: 0, field: 'key.algorithm' },
    ],
    [
      'empty files are rejected',
      aV1Manifest([aCert({ files: {} })]),
      { rule: 'no-files', entry: 0, field: 'files' },
    ],
    [
      'two issuers are rejected',
      aV1Manifest([], {
        issuer: { stepCA: { url: 'https://ca:9000' }, local: { directory: '/var/lib/ca' } },
      }),
      { rule: 'issuer-kind', field: 'issuer' },
    ],
    [
      'a plain-http CA URL is rejected',
      aV1Manifest([], { issuer: { stepCA: { url: 'http://ca:9000' } } }),
      { rule: 'invalid-url', field: 'issuer.stepCA.url' },
    ],
    [
      'an entry that is not an object is rejected',
      aLegacyManifest(['web.example.test' as unknown as Record<string, unknown>]),
      { rule: 'wrong-type', entry: 0 },
    ],
    [
      'a common name over 64 characters is rejected',
      aV1Manifest([aCert({ commonName: `${'a'.repeat(60)}.example.test` })]),
      { rule: 'invalid-common-name', entry: 0, field: 'commonName' },
    ],
    [
      'keeping the key without a key file is rejected',
      aV1Manifest([aCert({ key: { rotation: 'never' }, files: { fullchain: '/etc/ssl/web.pem' } })]),
      { rule: 'rotation-needs-key-file', entry: 0, field: 'key.rotation' },
    ],
  ],
};

describe.each(Object.entries(rejected))('rule: %s', (_rule, cases) => {
  test.each(cases)('%s', (_name, text, expected) => {
    const errors = errorsOf(text);
    expect(errors.map(brief)).toContainEqual(expected);
    // Each case has exactly one mistake: no other rule may fire.
    expect(new Set(errors.map((e) => e.rule))).toEqual(new Set([expected.rule]));
  });
});

const accepted: [string, string][] = [
  ['an empty legacy list is valid', '[]'],
  ['an empty v1 certificate list is valid', aV1Manifest([])],
  [
    'a wildcard as the whole leftmost label is valid',
    aV1Manifest([aCert({ dns: ['*.web.example.test', 'web.example.test'] })]),
  ],
  ['IPv6 SANs are valid', aV1Manifest([aCert({ sans: ['web.example.test', '2001:db8::1', '::1'] })])],
  [
    'email and URI SANs are valid',
    aV1Manifest([aCert({ sans: ['web.example.test', 'ops@example.test', 'spiffe://example.test/web'] })]),
  ],
  [
    './ paths relative to the manifest are valid',
    aV1Manifest([aCert({ files: { cert: './out/cert.pem', key: '../keys/key.pem' } })]),
  ],
  ['numeric owner and group are valid', aV1Manifest([aCert({ owner: '0', group: '33' })])],
  ['a three-digit mode is valid', aV1Manifest([aCert({ mode: '644', keyMode: '0400' })])],
  ['a hook timeout in seconds is valid', aV1Manifest([aCert({ hooks: [{ command: 'true', timeout: 90 }] })])],
  ['renewAt as a percentage is valid', aV1Manifest([aCert({ renewAt: '75%' })])],
  ['a local issuer is valid', aV1Manifest([aCert()], { issuer: { local: { directory: './ca' } } })],
];

describe('valid manifests', () => {
  test.each(accepted)('%s', (_name, text) => {
    expect(errorsOf(text)).toEqual([]);
  });
});

describe('warnings', () => {
  test('an unknown legacy field is a warning that names the entry and field', () => {
    const problems = problemsOf(aLegacyManifest([aLegacyEntry({ comment: 'kept for later' })]));
    expect(problems.map((p) => ({ ...brief(p), severity: p.severity }))).toEqual([
      { rule: 'unknown-field', entry: 0, field: 'comment', severity: 'warning' },
    ]);
  });

  test('two legacy entries with one common name get unique names and a warning', () => {
    const problems = problemsOf(
      aLegacyManifest([
        aLegacyEntry(),
        aLegacyEntry({ cert_path: '/etc/ssl/b.crt', key_path: '/etc/ssl/b.key' }),
      ]),
    );
    expect(problems.map(brief)).toEqual([{ rule: 'duplicate-common-name', entry: 1, field: 'common_name' }]);
  });

  test('explicit SANs without the common name warn that it is not added', () => {
    const problems = problemsOf(aV1Manifest([aCert({ dns: ['other.example.test'] })]));
    expect(problems.map(brief)).toEqual([{ rule: 'cn-not-in-sans', entry: 0, field: 'dns' }]);
  });

  test('a certificate with no SANs at all warns', () => {
    const problems = problemsOf(aV1Manifest([aCert({ commonName: 'Web Service' })]));
    expect(problems.map(brief)).toEqual([{ rule: 'no-sans', entry: 0, field: 'commonName' }]);
  });
});

describe('reporting', () => {
  test('every problem of a manifest is reported at once', () => {
    const text = aV1Manifest([
      aCert({ mode: '0999', dns: ['a..b'] }),
      second({ name: 'web', duration: 'soon', files: { cert: 'rel.pem' } }),
    ]);
    expect(new Set(errorsOf(text).map((p) => p.rule))).toEqual(
      new Set(['invalid-mode', 'invalid-san', 'duplicate-name', 'invalid-duration', 'relative-path']),
    );
  });

  test('a shape error in one certificate hides no problem of another', () => {
    const text = aV1Manifest([
      aCert({ hooks: 'true', mode: 640 }),
      second({ name: 'web', dns: ['a..b'], files: { cert: 'rel.pem' } }),
    ]);
    expect(errorsOf(text).map(brief)).toEqual(
      expect.arrayContaining([
        { rule: 'wrong-type', entry: 0, field: 'hooks' },
        { rule: 'invalid-mode', entry: 0, field: 'mode' },
        { rule: 'duplicate-name', entry: 1, field: 'name' },
        { rule: 'invalid-san', entry: 1, field: 'dns.0' },
        { rule: 'relative-path', entry: 1, field: 'files.cert' },
      ]),
    );
  });

  test('a field of the wrong type hides no problem of the other fields of its certificate', () => {
    const text = aV1Manifest([
      aCert({
        owner: 7,
        keymode: '0600',
        sans: ['web.example.test', 5, 'a..b'],
        files: { cert: 'rel.pem', key: false },
        hooks: [{ command: 'true', timeout: true }, { command: ' ' }],
      }),
    ]);
    expect(new Set(errorsOf(text).map((p) => JSON.stringify(brief(p))))).toEqual(
      new Set(
        [
          { rule: 'wrong-type', entry: 0, field: 'owner' },
          { rule: 'unknown-field', entry: 0, field: 'keymode' },
          { rule: 'wrong-type', entry: 0, field: 'sans.1' },
          { rule: 'invalid-san', entry: 0, field: 'sans.2' },
          { rule: 'relative-path', entry: 0, field: 'files.cert' },
          { rule: 'wrong-type', entry: 0, field: 'files.key' },
          { rule: 'wrong-type', entry: 0, field: 'hooks.0.timeout' },
          { rule: 'empty-hook', entry: 0, field: 'hooks.1.command' },
        ].map((problem) => JSON.stringify(problem)),
      ),
    );
  });

  test('v1 problems carry the line and column of the field', () => {
    const text = [
      'apiVersion: certloop.dev/v1',
      'kind: CertificateManifest',
      'certificates:',
      '  - name: web',
      '    commonName: web.example.test',
      '    files: { cert: /etc/ssl/web.pem }',
      '    mode: "0999"',
    ].join('\n');
    const [problem] = errorsOf(text);
    expect(problem).toMatchObject({ rule: 'invalid-mode', entry: 0, field: 'mode', line: 7, column: 5 });
  });

  test('JSON problems carry line numbers too', () => {
    const text = aLegacyManifest([
      aLegacyEntry(),
      aLegacyEntry({
        common_name: 'b.example.test',
        cert_path: '/b.crt',
        key_path: '/b.key',
        permissions: 'x',
      }),
    ]);
    const [problem] = errorsOf(text);
    const line = text.split('\n').findIndex((l) => l.includes('"permissions"')) + 1;
    expect(problem).toMatchObject({ rule: 'invalid-mode', entry: 1, field: 'permissions', line });
  });

  test('options that put the renewal point after expiry are reported once, not per entry', () => {
    const text = aLegacyManifest([
      aLegacyEntry(),
      aLegacyEntry({ common_name: 'b.example.test', cert_path: '/b.crt', key_path: '/b.key' }),
    ]);
    const errors = errorsOf(text, { durationMs: 6 * 3_600_000 });
    expect(errors).toHaveLength(1);
    expect(errors[0]!.rule).toBe('renewal-after-lifetime');
    expect(errors[0]!.message).toContain('--duration');
  });
});
