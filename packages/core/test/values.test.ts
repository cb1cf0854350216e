/** Manifest paths: an already normal absolute path skips path.posix.normalize and must come out the same. */
import path from 'node:path';
import fc from 'fast-check';
import { normalizeAbsolute, resolveManifestPath } from '../src/manifest/values.js';

describe('normalizeAbsolute', () => {
  test.each([
    ['/etc/ssl/web.pem', '/etc/ssl/web.pem'],
    ['/etc//ssl/./web.pem', '/etc/ssl/web.pem'],
    ['/etc/ssl/../web.pem', '/etc/web.pem'],
    ['/etc/ssl/', '/etc/ssl/'],
    ['/etc/ssl/.', '/etc/ssl'],
    ['/etc/ssl/..', '/etc'],
    ['//etc', '/etc'],
    ['/etc/.hidden/..pem', '/etc/.hidden/..pem'],
    ['/', '/'],
  ])('%j is %j', (value, normal) => {
    expect(normalizeAbsolute(value)).toBe(normal);
  });

  test('equals path.posix.normalize for any absolute path', () => {
    const absolute = fc
      .string({ unit: fc.constantFrom('/', '.', 'a', 'b', ' '), maxLength: 16 })
      .map((s) => `/${s}`);
    fc.assert(
      fc.property(absolute, (value) => {
        expect(normalizeAbsolute(value)).toBe(path.posix.normalize(value));
      }),
      { numRuns: 3000 },
    );
  });

  test('is what the manifest path resolves to', () => {
    expect(resolveManifestPath('/etc//ssl/./a.pem', '/srv')).toEqual({ ok: true, path: '/etc/ssl/a.pem' });
    expect(resolveManifestPath('./a.pem', '/srv')).toEqual({ ok: true, path: '/srv/a.pem' });
  });
});
