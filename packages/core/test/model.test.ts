/** The desired-state model: frozen, sorted, defaults resolved, SANs canonical, options, hashing. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  CertloopError,
  fieldEffect,
  isContentField,
  loadManifest,
  ManifestError,
  parseManifest,
  specHash,
  toV1Manifest,
} from '@certloop/core';
import { aCert, aLegacyEntry, aV1Manifest, comparable, errorsOf, MANIFEST_FILE } from './helpers.js';

const HOUR = 3_600_000;
const load = (text: string, options = {}) => parseManifest(text, MANIFEST_FILE, options).state;

describe('the desired state', () => {
  test('is deep-frozen', () => {
    const state = load(aV1Manifest([aCert({ dns: ['web.example.test'] })]));
    expect(Object.isFrozen(state)).toBe(true);
    expect(Object.isFrozen(state.certificates[0]!.spec.sans.dns)).toBe(true);
    expect(() => (state.certificates[0]!.spec.sans.dns as string[]).push('x')).toThrow();
  });

  /** Every object and array reachable from the value, with its path. */
  function unfrozen(value: unknown, at = 'state'): string[] {
    if (value === null || typeof value !== 'object') return [];
    const own = Object.isFrozen(value) ? [] : [at];
    return own.concat(...Object.entries(value).map(([key, child]) => unfrozen(child, `${at}.${key}`)));
  }

  test('is frozen at every level, whatever fields the manifest sets', () => {
    const v1 = load(
      aV1Manifest(
        [
          aCert({
            sans: ['web.example.test', '10.0.0.1', 'ops@example.test', 'spiffe://example.test/web'],
            files: {
              cert: '/w/c.pem',
              key: '/w/k.pem',
              chain: '/w/ch.pem',
              fullchain: '/w/f.pem',
              caBundle: '/w/ca.pem',
            },
            owner: 'root',
            group: 'ssl-cert',
            renewBefore: '2h',
            renewAt: '2/3',
            hooks: [{ command: 'true' }, { command: 'systemctl reload nginx', timeout: '10s' }],
          }),
          aCert({ name: 'api', files: { cert: '/a/c.pem' } }),
        ],
        {
          issuer: { stepCA: { url: 'https://ca.example.test:9000', root: '/r.pem' } },
          stateDir: '/var/lib/c',
        },
      ),
    );
    expect(v1.certificates.find((c) => c.name === 'web')!.hooks).toHaveLength(2);
    expect(v1.issuer).toBeDefined();
    expect(v1.settings.stateDir).toBeDefined();
    expect(unfrozen(v1)).toEqual([]);
    const legacy = load(
      JSON.stringify([
        aLegacyEntry({ owner: 'root:www-data', post_renewal_command: 'true' }),
        aLegacyEntry({
          common_name: 'api.example.test',
          cert_path: '/a.crt',
          key_path: '/a.key',
          sans: ['x.example.test'],
        }),
      ]),
    );
    expect(unfrozen(legacy)).toEqual([]);
  });

  test('lists certificates sorted by name, remembering their entry index', () => {
    const state = load(
      aV1Manifest([
        aCert({ name: 'zeta', files: { cert: '/z.pem' } }),
        aCert({ name: 'alpha', files: { cert: '/a.pem' } }),
      ]),
    );
    expect(state.certificates.map((c) => [c.name, c.entryIndex])).toEqual([
      ['alpha', 1],
      ['zeta', 0],
    ]);
  });

  test('resolves every v1 default: 24h, renewal at 2/3, P-256, rotation always, 0644/0600, 5m hooks', () => {
    const [cert] = load(aV1Manifest([aCert({ hooks: [{ command: 'true' }] })])).certificates;
    expect(cert).toMatchObject({
      spec: { keyAlgorithm: 'ecdsa-p256', lifetimeMs: 24 * HOUR },
      renewal: { fraction: 2 / 3 },
      rotation: 'always',
      placement: { fileMode: 0o644, keyMode: 0o600 },
      hooks: [{ command: 'true', timeoutMs: 300_000 }],
    });
    expect(cert!.placement.owner).toBeUndefined();
  });

  test('takes manifest defaults where a certificate sets nothing, and its own values where it does', () => {
    const state = load(
      aV1Manifest(
        [
          aCert(),
          aCert({ name: 'own', files: { cert: '/own.pem' }, duration: '2h', renewAt: 0.5, mode: '0640' }),
        ],
        {
          defaults: {
            duration: '48h',
            renewBefore: '8h',
            mode: '0444',
            owner: 'root',
            group: 'ssl-cert',
            hookTimeout: '1m',
          },
        },
      ),
    );
    const [own, web] = state.certificates;
    expect(web).toMatchObject({
      spec: { lifetimeMs: 48 * HOUR },
      renewal: { beforeExpiryMs: 8 * HOUR },
      placement: { fileMode: 0o444, owner: 'root', group: 'ssl-cert' },
    });
    expect(own).toMatchObject({
      spec: { lifetimeMs: 2 * HOUR },
      renewal: { fraction: 0.5 },
      placement: { fileMode: 0o640 },
    });
    expect(own!.renewal.beforeExpiryMs).toBeUndefined();
  });

  test('options replace the manifest defaults but never a certificate’s own values', () => {
    const state = load(
      aV1Manifest(
        [aCert(), aCert({ name: 'own', files: { cert: '/own.pem' }, duration: '2h', renewBefore: '30m' })],
        {
          defaults: { duration: '48h', renewAt: '2/3' },
        },
      ),
      { durationMs: 10 * HOUR, renewBeforeMs: 3 * HOUR },
    );
    const [own, web] = state.certificates;
    expect(web).toMatchObject({ spec: { lifetimeMs: 10 * HOUR }, renewal: { beforeExpiryMs: 3 * HOUR } });
    expect(own).toMatchObject({ spec: { lifetimeMs: 2 * HOUR }, renewal: { beforeExpiryMs: 30 * 60_000 } });
  });

  test('makes SANs canonical: lower-case DNS, normalized IPs, sorted and de-duplicated', () => {
    const [cert] = load(
      aV1Manifest([
        aCert({
          sans: [
            'WEB.Example.test',
            'web.example.test',
            '2001:DB8:0:0:0:0:0:1',
            '10.0.0.1',
            'a.example.test',
          ],
          ip: ['[::1]'],
          email: ['Ops@EXAMPLE.test'],
          uri: ['SPIFFE://example.test/web'],
        }),
      ]),
    ).certificates;
    expect(cert!.spec.sans).toEqual({
      dns: ['a.example.test', 'web.example.test'],
      ip: ['10.0.0.1', '2001:db8::1', '::1'],
      email: ['Ops@example.test'],
      uri: ['spiffe://example.test/web'],
    });
  });

  test('uses the common name as SAN only when no SANs are listed (like step ca certificate)', () => {
    const [implicit] = load(aV1Manifest([aCert()])).certificates;
    expect(implicit!.spec.sans.dns).toEqual(['web.example.test']);
    const [explicit] = parseManifest(aV1Manifest([aCert({ dns: ['other.example.test'] })]), MANIFEST_FILE)
      .state.certificates;
    expect(explicit!.spec.sans.dns).toEqual(['other.example.test']);
    const [ipCn] = load(aV1Manifest([aCert({ commonName: '10.0.0.5' })])).certificates;
    expect(ipCn!.spec.sans).toMatchObject({ dns: [], ip: ['10.0.0.5'] });
  });

  test('resolves ./ and ../ paths against the manifest’s directory', () => {
    const state = parseManifest(
      aV1Manifest([aCert({ files: { cert: './out/cert.pem', key: '../keys/web.key' } })], {
        stateDir: './state',
      }),
      '/srv/certloop/conf/manifest.yaml',
    ).state;
    expect(state.certificates[0]!.files).toEqual({
      cert: '/srv/certloop/conf/out/cert.pem',
      key: '/srv/certloop/keys/web.key',
    });
    expect(state.settings.stateDir).toBe('/srv/certloop/conf/state');
  });

  test('reads the step-ca issuer with an id made of its URL', () => {
    const state = load(
      aV1Manifest([], {
        issuer: {
          stepCA: {
            url: 'https://ca.example.test:9000/',
            fingerprint: 'AB'.repeat(32),
            provisioner: 'admin',
            passwordFile: '/etc/pw',
          },
        },
      }),
    );
    expect(state.issuer).toEqual({
      type: 'step-ca',
      id: 'step-ca:https://ca.example.test:9000',
      url: 'https://ca.example.test:9000',
      fingerprint: 'ab'.repeat(32),
      provisioner: 'admin',
      passwordFile: '/etc/pw',
    });
  });

  test('reads the step-ca renewal setting, and reports a value outside auto, mtls, provisioner', () => {
    const withRenewal = (renewal: string) =>
      aV1Manifest([], {
        issuer: { stepCA: { url: 'https://ca.example.test', fingerprint: 'ab'.repeat(32), renewal } },
      });
    expect(load(withRenewal('mtls')).issuer).toMatchObject({ type: 'step-ca', renewal: 'mtls' });
    expect(errorsOf(withRenewal('sometimes')).map((p) => p.path.join('.'))).toEqual([
      'issuer.stepCA.renewal',
    ]);
  });
});

describe('specHash', () => {
  const base = load(aV1Manifest([aCert()])).certificates[0]!;

  test('is the hash stored on the certificate', () => {
    expect(base.specHash).toBe(specHash(base.spec));
  });

  test('changes with any content field and not with placement', () => {
    expect(specHash({ ...base.spec, lifetimeMs: base.spec.lifetimeMs + 1 })).not.toBe(base.specHash);
    expect(specHash({ ...base.spec, keyAlgorithm: 'rsa-2048' })).not.toBe(base.specHash);
    expect(specHash({ ...base.spec, sans: { ...base.spec.sans, ip: ['10.0.0.1'] } })).not.toBe(base.specHash);
    const moved = load(
      aV1Manifest([aCert({ files: { cert: '/elsewhere.pem' }, mode: '0600', owner: 'root' })]),
    ).certificates[0]!;
    expect(moved.specHash).toBe(base.specHash);
  });
});

describe('content versus placement', () => {
  test.each([
    ['commonName', true],
    ['sans', true],
    ['dns.0', true],
    ['duration', true],
    ['key.algorithm', true],
    ['common_name', true],
    ['spec.sans.dns', true],
    ['files.cert', false],
    ['mode', false],
    ['owner', false],
    ['permissions', false],
    ['hooks.0.timeout', false],
    ['renewBefore', false],
    ['key.rotation', false],
  ])('%s changes content: %s', (field, content) => {
    expect(isContentField(field)).toBe(content);
  });

  test('placement fields are fixable without reissuing', () => {
    expect(fieldEffect('files.key')).toBe('placement');
    expect(fieldEffect('post_renewal_command')).toBe('hooks');
    expect(fieldEffect('no-such-field')).toBeUndefined();
  });
});

describe('toV1Manifest', () => {
  test('writes explicit defaults and round-trips a manifest using every feature', () => {
    const text = aV1Manifest(
      [
        aCert({
          sans: [],
          key: { algorithm: 'rsa-3072', rotation: 'never' },
          renewBefore: '1h',
          renewAt: '3/4',
        }),
        aCert({
          name: 'b',
          commonName: 'Service B',
          files: { caBundle: '/b/ca.pem' },
          hooks: [{ command: 'x', timeout: 7 }],
        }),
      ],
      { issuer: { local: { directory: '/var/lib/ca' } }, stateDir: '/var/lib/certloop' },
    );
    const state = load(text);
    const doc = toV1Manifest(state);
    expect(doc.defaults).toBeDefined();
    expect(comparable(load(JSON.stringify(doc)))).toEqual(comparable(state));
  });
});

describe('loadManifest', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'certloop-core-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('a missing file is MANIFEST_UNREADABLE, not a manifest error', async () => {
    const error = await loadManifest(path.join(dir, 'nope.json')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CertloopError);
    expect(error).not.toBeInstanceOf(ManifestError);
    expect((error as CertloopError).code).toBe('MANIFEST_UNREADABLE');
  });

  test('a directory is MANIFEST_UNREADABLE', async () => {
    await expect(loadManifest(dir)).rejects.toMatchObject({ code: 'MANIFEST_UNREADABLE' });
  });

  test('a YAML file loads with paths relative to its own directory', async () => {
    const file = path.join(dir, 'm.yaml');
    await writeFile(
      file,
      'apiVersion: certloop.dev/v1\nkind: CertificateManifest\ncertificates:\n  - name: a\n    commonName: a.example.test\n    files: {cert: ./a.pem}\n',
    );
    const { state } = await loadManifest(file);
    expect(state.certificates[0]!.files.cert).toBe(path.join(dir, 'a.pem'));
  });

  test('an invalid manifest throws a ManifestError listing every problem', async () => {
    const file = path.join(dir, 'bad.json');
    await writeFile(file, '[{"common_name": "a..b", "cert_path": "x", "key_path": "/k"}]');
    const error = (await loadManifest(file).catch((e: unknown) => e)) as ManifestError;
    expect(error).toBeInstanceOf(ManifestError);
    expect(error.code).toBe('MANIFEST_INVALID');
    expect(error.problems.filter((p) => p.severity === 'error').map((p) => p.field)).toEqual(['cert_path']);
  });
});
