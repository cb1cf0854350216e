import { join } from 'node:path';
import type { TrustMaterial } from '@certloop/core';
import { ObservationCache, observeAll, observeCertificate } from '@certloop/observers';
import {
  aCa,
  aCert,
  aDesiredCertificate,
  aTempDir,
  type BuiltCertificate,
  signedBy,
  writeFileAt,
} from '../../x509/test/builders.js';

let root: BuiltCertificate;
let trust: TrustMaterial;
let dir: { path: string; cleanup: () => Promise<void> };

beforeAll(async () => {
  root = await aCa();
  trust = { rootsPem: root.certPem, intermediatesPem: '' };
});
beforeEach(async () => {
  dir = await aTempDir();
});
afterEach(async () => {
  await dir.cleanup();
});

function parseCounter() {
  const parsed: string[] = [];
  return { parsed, onParse: (path: string) => parsed.push(path) };
}

describe('ObservationCache', () => {
  test('an unchanged file is not parsed again and gives the same data', async () => {
    const leaf = await aCert(signedBy(root));
    await writeFileAt(join(dir.path, 'cert.pem'), leaf.certPem);
    await writeFileAt(join(dir.path, 'key.pem'), leaf.keyPem);
    const desired = aDesiredCertificate(dir.path);
    const cache = new ObservationCache();
    const counter = parseCounter();

    const first = await observeCertificate(desired, { trust, cache, onParse: counter.onParse });
    expect(counter.parsed.sort()).toEqual([join(dir.path, 'cert.pem'), join(dir.path, 'key.pem')]);

    const second = await observeCertificate(desired, { trust, cache, onParse: counter.onParse });
    expect(counter.parsed).toHaveLength(2);
    expect(second).toEqual(first);
    expect(second.certificate?.chainVerifies).toBe(true);
  });

  test('a rewritten file is parsed again and its new content observed', async () => {
    const leaf = await aCert(signedBy(root));
    const renewed = await aCert(signedBy(root));
    const certPath = join(dir.path, 'cert.pem');
    await writeFileAt(certPath, leaf.certPem);
    await writeFileAt(join(dir.path, 'key.pem'), leaf.keyPem);
    const desired = aDesiredCertificate(dir.path);
    const cache = new ObservationCache();
    const counter = parseCounter();

    const before = await observeCertificate(desired, { trust, cache, onParse: counter.onParse });
    await writeFileAt(certPath, renewed.certPem);
    const after = await observeCertificate(desired, { trust, cache, onParse: counter.onParse });

    expect(counter.parsed.filter((p) => p === certPath)).toHaveLength(2);
    expect(counter.parsed.filter((p) => p.endsWith('key.pem'))).toHaveLength(1);
    expect(before.certificate?.serial).toBe(leaf.serial);
    expect(after.certificate?.serial).toBe(renewed.serial);
    expect(after.keyMatchesCertificate).toBe(false);
  });

  test('a full chain that is also the leaf file (legacy cert_path) is read once and serves both', async () => {
    const leaf = await aCert(signedBy(root));
    await writeFileAt(join(dir.path, 'fullchain.pem'), `${leaf.certPem.trim()}\n${root.certPem.trim()}\n`);
    await writeFileAt(join(dir.path, 'key.pem'), leaf.keyPem);
    const desired = aDesiredCertificate(dir.path, { files: { fullchain: 'fullchain.pem', key: 'key.pem' } });
    const counter = parseCounter();
    const observed = await observeCertificate(desired, { trust, onParse: counter.onParse });
    expect(counter.parsed.filter((p) => p.endsWith('fullchain.pem'))).toHaveLength(1);
    expect(observed.keyMatchesCertificate).toBe(true);
    expect(observed.certificate?.chainVerifies).toBe(true);
    expect(observed.chainFilesCurrent).toEqual({ fullchain: true });
  });

  test('without a cache every observation parses', async () => {
    const leaf = await aCert(signedBy(root));
    await writeFileAt(join(dir.path, 'cert.pem'), leaf.certPem);
    const desired = aDesiredCertificate(dir.path, { files: { cert: 'cert.pem' } });
    const counter = parseCounter();
    await observeCertificate(desired, { onParse: counter.onParse });
    await observeCertificate(desired, { onParse: counter.onParse });
    expect(counter.parsed).toHaveLength(2);
  });

  test('holds at most maxEntries files, dropping the least recently used', async () => {
    const desired = [];
    for (const name of ['a', 'b', 'c']) {
      const leaf = await aCert(signedBy(root));
      await writeFileAt(join(dir.path, name, 'cert.pem'), leaf.certPem);
      desired.push(aDesiredCertificate(join(dir.path, name), { name, files: { cert: 'cert.pem' } }));
    }
    const cache = new ObservationCache(2);
    const counter = parseCounter();
    await observeAll(desired, { cache, onParse: counter.onParse, concurrency: 1 });
    expect(cache.size).toBe(2);
    await observeAll([desired[2]!], { cache, onParse: counter.onParse });
    expect(counter.parsed).toHaveLength(3);
    await observeAll([desired[0]!], { cache, onParse: counter.onParse });
    expect(counter.parsed).toHaveLength(4);
  });

  test('rejects a bound below one', () => {
    expect(() => new ObservationCache(0)).toThrow(RangeError);
  });
});
