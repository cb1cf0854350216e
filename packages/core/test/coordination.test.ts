/** The manifest's `coordination` section: defaults, paths, and every problem at once. */
import { DEFAULT_ETCD_PREFIX, DEFAULT_ETCD_TTL_MS, ManifestError, parseManifest } from '@certloop/core';
import { aCert, aV1Manifest, MANIFEST_FILE } from './helpers.js';

function load(coordination: unknown) {
  return parseManifest(aV1Manifest([aCert()], { coordination }), MANIFEST_FILE).state;
}

function problems(coordination: unknown): string[] {
  try {
    load(coordination);
  } catch (error) {
    if (error instanceof ManifestError) return error.problems.map((p) => `${p.path.join('.')}: ${p.message}`);
    throw error;
  }
  return [];
}

describe('the coordination section', () => {
  test('is absent by default: the lease file in the state directory', () => {
    expect(parseManifest(aV1Manifest([aCert()]), MANIFEST_FILE).state.settings.coordination).toBeUndefined();
  });

  test('etcd takes its defaults for prefix and TTL, and resolves TLS paths against the manifest', () => {
    expect(
      load({ backend: 'etcd', etcd: { endpoints: ['https://10.0.0.5:2379'], caFile: './etcd-ca.pem' } }),
    ).toMatchObject({
      settings: {
        coordination: {
          backend: 'etcd',
          endpoints: ['https://10.0.0.5:2379'],
          prefix: DEFAULT_ETCD_PREFIX,
          ttlMs: DEFAULT_ETCD_TTL_MS,
          caFile: '/srv/certloop/etcd-ca.pem',
        },
      },
    });
  });

  test('reports every problem of the etcd section at once', () => {
    const found = problems({
      backend: 'etcd',
      etcd: { endpoints: ['10.0.0.5:2379'], ttl: '1s', certFile: '/c.pem' },
    });
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringContaining('coordination.etcd.endpoints.0'),
        expect.stringContaining('ttl must be at least'),
        expect.stringContaining('certFile and keyFile go together'),
      ]),
    );
  });

  test('etcd without its section, and an unknown backend, are problems', () => {
    expect(problems({ backend: 'etcd' })).toEqual([expect.stringContaining('needs an etcd section')]);
    expect(problems({ backend: 'consul' })).not.toEqual([]);
  });
});
