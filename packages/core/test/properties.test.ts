/**
 * Property tests on untrusted input: whatever the manifest holds, loading it
 * gives a state or a ManifestError, never another exception; and every valid
 * v1 manifest survives parse -> toV1Manifest -> parse unchanged.
 */
import { KEY_ALGORITHMS, ManifestError, parseManifest, toV1Manifest } from '@certloop/core';
import fc from 'fast-check';
import { stringify as toYaml } from 'yaml';
import { comparable } from './helpers.js';

const FILE = '/srv/certloop/manifest.yaml';

function onlyManifestErrors(text: string): void {
  try {
    parseManifest(text, FILE);
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    expect(error.problems.length).toBeGreaterThan(0);
    for (const p of error.problems) expect(typeof p.message).toBe('string');
  }
}

const FIELDS = [
  'name',
  'commonName',
  'sans',
  'dns',
  'ip',
  'email',
  'uri',
  'duration',
  'renewBefore',
  'renewAt',
  'key',
  'files',
  'owner',
  'group',
  'mode',
  'keyMode',
  'hooks',
  'common_name',
  'cert_path',
  'key_path',
  'permissions',
  'post_renewal_command',
  '__proto__',
  'constructor',
];
const anyValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(
    '24h',
    '-1h',
    '0',
    '0640',
    '0999',
    '2/3',
    '1e400',
    'root:root',
    '/a',
    './a',
    'a',
    '*.a.b',
    '10.0.0.1',
  ),
  fc.constantFrom(1e308, -0, Number.MAX_SAFE_INTEGER, 0.5),
);
const entryish = fc.dictionary(fc.constantFrom(...FIELDS), anyValue, { maxKeys: 8 });

describe('loading never throws anything but ManifestError', () => {
  test('for arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => onlyManifestErrors(JSON.stringify(value) ?? 'null')),
      { numRuns: 300 },
    );
  });

  test('for arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), onlyManifestErrors), {
      numRuns: 300,
    });
  });

  test('for manifest-shaped documents with arbitrary values', () => {
    const v1 = fc.record({
      apiVersion: fc.constantFrom('certloop.dev/v1', 'certloop.dev/v2'),
      kind: fc.constant('CertificateManifest'),
      defaults: fc.option(entryish, { nil: undefined }),
      issuer: fc.option(
        fc.dictionary(
          fc.constantFrom('stepCA', 'local'),
          fc.dictionary(fc.constantFrom('url', 'directory', 'root', 'fingerprint'), anyValue),
        ),
        { nil: undefined },
      ),
      certificates: fc.array(entryish, { maxLength: 4 }),
    });
    const legacy = fc.array(entryish, { maxLength: 4 });
    fc.assert(
      fc.property(fc.oneof(v1, legacy), fc.boolean(), (doc, asYaml) =>
        onlyManifestErrors(asYaml ? toYaml(doc) : JSON.stringify(doc)),
      ),
      { numRuns: 400 },
    );
  });

  test('for YAML-ish token soup (anchors, aliases, tags, flow, huge numbers)', () => {
    const token = fc.constantFrom(
      'apiVersion: certloop.dev/v1\n',
      'kind: CertificateManifest\n',
      'certificates:\n',
      '  - ',
      'name: a\n',
      'commonName: a.b\n',
      'files: {cert: /a}\n',
      '&a ',
      '*a',
      '*b',
      '<<: *a\n',
      '!!binary ',
      '!!set ',
      '!custom ',
      '[',
      ']',
      '{',
      '}',
      ': ',
      '- ',
      '\n',
      '  ',
      '\t',
      '"',
      "'",
      '#',
      '1e400',
      '-5',
      '0x1F',
      'null',
      '~',
      '---\n',
      '...\n',
      '? ',
      '|\n',
      '>\n',
      '%YAML 1.1\n',
      '\u0000',
      '\uFEFF',
      '[[[[[[[[[[',
      '99999999999999999999999',
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 40 }), (tokens) => onlyManifestErrors(tokens.join(''))),
      {
        numRuns: 500,
      },
    );
  });

  test('for deeply nested input', () => {
    onlyManifestErrors(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    onlyManifestErrors(`certificates: ${'['.repeat(20_000)}`);
  });
});

// ---- generators of valid v1 manifests ----
const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,6}[a-z0-9])?$/);
const dnsName = fc
  .tuple(fc.array(label, { minLength: 1, maxLength: 3 }), fc.stringMatching(/^[a-z]{2,5}$/), fc.boolean())
  .map(([labels, tld, upper]) => {
    const name = [...labels, tld].join('.');
    return upper ? name.toUpperCase() : name;
  });
const wildcard = dnsName.map((n) => `*.${n}`);
const email = fc
  .tuple(fc.stringMatching(/^[a-z0-9]{1,8}$/), dnsName)
  .map(([local, domain]) => `${local}@${domain}`);
const uri = fc.tuple(dnsName, label).map(([host, p]) => `spiffe://${host.toLowerCase()}/${p}`);
const ip = fc.oneof(fc.ipV4(), fc.ipV6());
const hours = fc.integer({ min: 2, max: 24 * 400 });
const mode = fc.integer({ min: 0, max: 0o777 }).map((m) => `0${m.toString(8).padStart(3, '0')}`);
const account = fc.oneof(
  fc.constantFrom('root', 'www-data', 'nobody', 'ssl-cert'),
  fc.integer({ min: 0, max: 65535 }).map(String),
);
const hook = fc.record(
  {
    command: fc.stringMatching(/^[a-z][a-z -]{0,20}$/),
    timeout: fc.oneof(fc.integer({ min: 1, max: 3600 }), fc.constantFrom('30s', '5m', '1h')),
  },
  { requiredKeys: ['command'] },
);

const certificate = (index: number) =>
  fc
    .record(
      {
        commonName: dnsName,
        sans: fc.array(fc.oneof(dnsName, wildcard, ip, email, uri), { maxLength: 4 }),
        dns: fc.array(dnsName, { maxLength: 2 }),
        ip: fc.array(ip, { maxLength: 2 }),
        lifetimeHours: hours,
        renewBeforeHours: fc.option(fc.integer({ min: 1, max: 24 * 400 }), { nil: undefined }),
        renewAt: fc.option(
          fc.integer({ min: 1, max: 99 }).map((p) => p / 100),
          { nil: undefined },
        ),
        key: fc.record(
          { algorithm: fc.constantFrom(...KEY_ALGORITHMS), rotation: fc.constantFrom('always', 'never') },
          { requiredKeys: [] },
        ),
        roles: fc.subarray(['cert', 'key', 'chain', 'fullchain', 'caBundle'] as const, { minLength: 1 }),
        owner: account,
        group: account,
        mode,
        keyMode: mode,
        hooks: fc.array(hook, { maxLength: 2 }),
      },
      { requiredKeys: ['commonName', 'lifetimeHours', 'roles', 'key'] },
    )
    .map((c) => {
      const files = Object.fromEntries(c.roles.map((role) => [role, `/srv/out/${index}/${role}.pem`]));
      if (c.key.rotation === 'never') files.key = `/srv/out/${index}/key.pem`;
      const entry: Record<string, unknown> = {
        name: `cert-${index}`,
        commonName: c.commonName,
        duration: `${c.lifetimeHours}h`,
        key: c.key,
        files,
      };
      for (const field of [
        'sans',
        'dns',
        'ip',
        'owner',
        'group',
        'mode',
        'keyMode',
        'hooks',
        'renewAt',
      ] as const) {
        if (c[field] !== undefined) entry[field] = c[field];
      }
      if (c.renewBeforeHours !== undefined)
        entry.renewBefore = `${Math.min(c.renewBeforeHours, c.lifetimeHours - 1)}h`;
      return entry;
    });

const validManifest = fc
  .integer({ min: 0, max: 5 })
  .chain((count) => fc.tuple(...Array.from({ length: count }, (_, i) => certificate(i))))
  .chain((certificates) =>
    fc.record(
      {
        apiVersion: fc.constant('certloop.dev/v1'),
        kind: fc.constant('CertificateManifest'),
        stateDir: fc.constantFrom('/var/lib/certloop', './state'),
        issuer: fc.oneof(
          fc.constant({ local: { directory: './ca' } }),
          fc.constant({
            stepCA: { url: 'https://ca.example.test:9000', root: '/etc/step/root.crt', provisioner: 'admin' },
          }),
        ),
        defaults: fc.record(
          {
            duration: hours.map((h) => `${h * 2}h`),
            hookTimeout: fc.constantFrom('10s', '2m'),
            mode,
            keyMode: mode,
          },
          { requiredKeys: [] },
        ),
        certificates: fc.constant(certificates),
      },
      { requiredKeys: ['apiVersion', 'kind', 'certificates'] },
    ),
  );

test('valid v1 manifests round-trip through the model (parse, toV1Manifest, parse)', () => {
  fc.assert(
    fc.property(validManifest, fc.boolean(), (doc, asYaml) => {
      const text = asYaml ? toYaml(doc) : JSON.stringify(doc);
      const first = parseManifest(text, FILE).state;
      expect(first.certificates).toHaveLength(doc.certificates.length);
      const migrated = toV1Manifest(first);
      const second = parseManifest(toYaml(migrated), FILE).state;
      expect(comparable(second)).toEqual(comparable(first));
      expect(toV1Manifest(second)).toEqual(migrated);
    }),
    { numRuns: 200 },
  );
});
