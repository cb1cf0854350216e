/**
 * The spec hash is stored in provenance records: a different value for the
 * same spec would reissue every certificate after an upgrade. These tests pin
 * known values and prove the shape-specific canonical JSON equals the generic
 * canonicalizer it replaced.
 */

import { createHash } from 'node:crypto';
import { type CertificateSpec, KEY_ALGORITHMS, parseManifest, specHash } from '@certloop/core';
import fc from 'fast-check';
import { canonicalJson, canonicalSpecJson } from '../src/manifest/spec-hash.js';

const WEB: CertificateSpec = {
  commonName: 'web.example.test',
  sans: { dns: ['web.example.test'], ip: [], email: [], uri: [] },
  keyAlgorithm: 'ecdsa-p256',
  lifetimeMs: 86_400_000,
};

/** What specHash computed before the fast path: sha256 of the generic canonical JSON. */
function genericSpecHash(spec: CertificateSpec): string {
  const content = {
    commonName: spec.commonName,
    sans: { dns: spec.sans.dns, ip: spec.sans.ip, email: spec.sans.email, uri: spec.sans.uri },
    keyAlgorithm: spec.keyAlgorithm,
    lifetimeMs: spec.lifetimeMs,
  };
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}

describe('specHash', () => {
  test('keeps the values provenance records already hold', () => {
    expect(specHash(WEB)).toBe('c1bcd50defceed908c31940ae5faee33995b13ba64f1ae3ebe67f0c9e24cf912');
    expect(
      specHash({
        commonName: 'Ünïcode "quoted" \\ cn',
        sans: {
          dns: ['*.a.example.test', 'b.example.test'],
          ip: ['10.0.0.1', '2001:db8::1'],
          email: ['ops@example.test'],
          uri: ['spiffe://example.test/web'],
        },
        keyAlgorithm: 'rsa-4096',
        lifetimeMs: 7_776_000_000,
      }),
    ).toBe('846940f6cfbaac6538b4b3c383a8760abb0c8f9202867df6faa099a35763bca7');
  });

  test('of a loaded legacy entry is the pinned value', () => {
    const text = JSON.stringify([
      { common_name: 'svc-00000.bench.certloop.test', cert_path: '/c/0.crt', key_path: '/c/0.key' },
    ]);
    const loaded = parseManifest(text, '/m.json', {
      durationMs: 2160 * 3_600_000,
      renewBeforeMs: 720 * 3_600_000,
    });
    expect(loaded.state.certificates[0]!.specHash).toBe(
      'e3a2434b3920de572a699075090ec3ab165619c1273f2cefc59c4f8f0678bdbc',
    );
  });

  test('ignores key order and fields outside the content spec', () => {
    const reordered = {
      lifetimeMs: 86_400_000,
      keyAlgorithm: 'ecdsa-p256',
      sans: { uri: [], email: [], ip: [], dns: ['web.example.test'], extra: ['x'] },
      commonName: 'web.example.test',
      other: 1,
    } as unknown as CertificateSpec;
    expect(specHash(reordered)).toBe(specHash(WEB));
  });

  test('equals the hash of the generic canonical JSON for any spec', () => {
    const text = fc.string({ unit: 'binary', maxLength: 30 });
    const list = fc.array(text, { maxLength: 4 });
    const spec = fc.record({
      commonName: text,
      sans: fc.record({ dns: list, ip: list, email: list, uri: list }),
      keyAlgorithm: fc.constantFrom(...KEY_ALGORITHMS),
      lifetimeMs: fc.oneof(fc.nat(), fc.double()),
    });
    fc.assert(
      fc.property(spec, (s) => {
        expect(canonicalSpecJson(s)).toBe(canonicalJson(s));
        expect(specHash(s)).toBe(genericSpecHash(s));
      }),
      { numRuns: 500 },
    );
  });
});
