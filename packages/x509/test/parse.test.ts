import { joinPem } from '@certloop/core';
import { CertificateParseError, parseCertificatePem, verifiesTo } from '@certloop/x509';
import fc from 'fast-check';
import {
  aCa,
  aCert,
  anIntermediate,
  type BuiltCertificate,
  signedBy,
  withoutKeyIdentifiers,
  withSans,
} from './builders.js';

let root: BuiltCertificate;
let intermediate: BuiltCertificate;
let leaf: BuiltCertificate;

beforeAll(async () => {
  root = await aCa();
  intermediate = await anIntermediate(root);
  leaf = await aCert(withSans('a.example', '::1'), signedBy(intermediate));
});

describe('parseCertificatePem', () => {
  test('returns plain data of the first certificate, chain verification undecided', () => {
    const data = parseCertificatePem(joinPem(leaf.certPem, intermediate.certPem));
    expect(data.subject).toBe('CN=a.example');
    expect(data.sans).toEqual({ dns: ['a.example'], ip: ['::1'], email: [], uri: [] });
    expect(data.chainVerifies).toBeUndefined();
    expect(JSON.parse(JSON.stringify(data))).toEqual(data);
  });

  test.each([
    ['garbage', 'not a certificate'],
    ['a truncated PEM', () => leaf.certPem.slice(0, 100)],
    ['a broken body', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'],
  ])('throws CertificateParseError for %s', (_, input) => {
    const text = typeof input === 'string' ? input : input();
    expect(() => parseCertificatePem(text)).toThrow(CertificateParseError);
    try {
      parseCertificatePem(text);
    } catch (error) {
      expect((error as CertificateParseError).code).toBe('OBSERVE_FAILED');
    }
  });

  test('any corruption of a certificate gives data or a CertificateParseError, never another failure', () => {
    const body = leaf.certPem;
    fc.assert(
      fc.property(
        fc.nat(body.length),
        fc.nat(body.length),
        fc.string({ maxLength: 8 }),
        (at, cut, insert) => {
          const corrupted = body.slice(0, at) + insert + body.slice(Math.min(body.length, at + (cut % 16)));
          try {
            parseCertificatePem(corrupted);
          } catch (error) {
            if (!(error instanceof CertificateParseError)) throw error;
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('verifiesTo', () => {
  test('a leaf reaches its root through its intermediate', () => {
    expect(verifiesTo(leaf.certPem, intermediate.certPem, root.certPem)).toBe(true);
  });

  test('without the intermediate, or against another root, it does not', async () => {
    const otherRoot = await aCa();
    expect(verifiesTo(leaf.certPem, '', root.certPem)).toBe(false);
    expect(verifiesTo(leaf.certPem, intermediate.certPem, otherRoot.certPem)).toBe(false);
    expect(verifiesTo(leaf.certPem, intermediate.certPem, joinPem(otherRoot.certPem, root.certPem))).toBe(
      true,
    );
  });

  test('an intermediate with the right name but another key does not help', async () => {
    const impostor = await anIntermediate(root);
    expect(verifiesTo(leaf.certPem, impostor.certPem, root.certPem)).toBe(false);
  });

  test('without key identifiers, an intermediate of the same name is rejected by its signature', async () => {
    const named = await anIntermediate(root, withoutKeyIdentifiers());
    const impostor = await anIntermediate(root, withoutKeyIdentifiers());
    const byName = await aCert(signedBy(named), withoutKeyIdentifiers());
    expect(verifiesTo(byName.certPem, named.certPem, root.certPem)).toBe(true);
    expect(verifiesTo(byName.certPem, impostor.certPem, root.certPem)).toBe(false);
  });

  test('garbage leaf gives false', () => {
    expect(verifiesTo('garbage', intermediate.certPem, root.certPem)).toBe(false);
  });
});
