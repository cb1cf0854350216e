/**
 * The DER fast paths must give exactly what the slow paths (OpenSSL for keys,
 * @peculiar/x509 for names) give, and step aside for anything else.
 */
import 'reflect-metadata';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { ecPublicKeyOf } from '../src/ec-key.js';
import { fastGeneralNames, fastName, fastOidList } from '../src/fast-der.js';
import { parseKeyContent } from '../src/key-file.js';
import { decodeSans } from '../src/san.js';

const spkiOf = (pem: string) =>
  createPublicKey(createPrivateKey(pem)).export({ type: 'spki', format: 'der' });

describe('ecPublicKeyOf', () => {
  test.each([
    ['P-256', 'pkcs8', 'ecdsa-p256'],
    ['P-256', 'sec1', 'ecdsa-p256'],
    ['P-384', 'pkcs8', 'ecdsa-p384'],
    ['P-384', 'sec1', 'ecdsa-p384'],
  ] as const)('derives the same public key as OpenSSL from a %s key in %s', (curve, type, algorithm) => {
    for (let i = 0; i < 5; i++) {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: curve });
      const der = privateKey.export({ type, format: 'der' });
      const fast = ecPublicKeyOf(der, type);
      expect(fast?.keyAlgorithm).toBe(algorithm);
      expect(fast?.spki.equals(spkiOf(privateKey.export({ type, format: 'pem' }) as string))).toBe(true);
    }
  });

  test('steps aside for RSA and Ed25519 keys and for bytes that are not a key', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const ed = generateKeyPairSync('ed25519').privateKey;
    expect(ecPublicKeyOf(rsa.export({ type: 'pkcs8', format: 'der' }), 'pkcs8')).toBeUndefined();
    expect(ecPublicKeyOf(ed.export({ type: 'pkcs8', format: 'der' }), 'pkcs8')).toBeUndefined();
    expect(ecPublicKeyOf(Buffer.from('30030201', 'hex'), 'sec1')).toBeUndefined();
    expect(ecPublicKeyOf(Buffer.alloc(0), 'pkcs8')).toBeUndefined();
  });

  test('steps aside for a private scalar of zero (OpenSSL decides what it is)', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const der = Buffer.from(privateKey.export({ type: 'sec1', format: 'der' }));
    // SEQUENCE, INTEGER 1, OCTET STRING (32 bytes): the scalar starts at offset 7.
    der.fill(0, 7, 7 + 32);
    expect(ecPublicKeyOf(der, 'sec1')).toBeUndefined();
  });

  test('parseKeyContent gives the same answer for a key with or without the fast path', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const sec1 = privateKey.export({ type: 'sec1', format: 'pem' }) as string;
    expect(parseKeyContent(Buffer.from(pkcs8))).toEqual(parseKeyContent(Buffer.from(sec1)));
  });
});

describe('fastName', () => {
  test.each([
    'CN=a.example',
    'CN=Test Intermediate CA, O=Example Org, C=US',
    'C=DE, ST=Berlin, L=Berlin, O=My Org, OU=Unit 1, CN=x.y',
  ])('reads %s as @peculiar/x509 does', (text) => {
    const der = new Uint8Array(new x509.Name(text).toArrayBuffer());
    const slow = new x509.Name(der);
    expect(fastName(der)).toEqual({ text: slow.toString(), commonName: slow.getField('CN')[0] });
  });

  test.each([
    ['a value that needs escaping', [{ CN: ['a, b'] }]],
    ['a trailing space', [{ CN: ['a '] }]],
    ['an e-mail attribute', [{ E: ['a@example.com'] }]],
    ['a multi-valued RDN', [{ CN: ['a'], O: ['b'] }]],
  ])('steps aside for %s', (_, json) => {
    expect(fastName(new Uint8Array(new x509.Name(json).toArrayBuffer()))).toBeUndefined();
  });
});

describe('fastGeneralNames', () => {
  test('decodes DNS, IP, e-mail and URI names to what the @peculiar/x509 path gives', () => {
    const names = new x509.GeneralNames([
      { type: 'dns', value: 'A.Example' },
      { type: 'ip', value: '10.0.0.111' },
      { type: 'ip', value: '2001:db8::1' },
      { type: 'email', value: 'ops@Example.COM' },
      { type: 'url', value: 'HTTPS://example.com/x' },
    ]);
    const der = new Uint8Array(names.rawData);
    expect(fastGeneralNames(der)).toBeDefined();
    expect(decodeSans(der)).toEqual({
      dns: ['a.example'],
      ip: ['10.0.0.111', '2001:db8::1'],
      email: ['ops@example.com'],
      uri: ['https://example.com/x'],
    });
  });

  test('steps aside for an IP address of odd length', () => {
    // SEQUENCE { [7] 5 octets }
    expect(fastGeneralNames(Buffer.from('3007870501020304 05'.replace(' ', ''), 'hex'))).toBeUndefined();
  });
});

describe('fastOidList', () => {
  test('reads extended key usages as dotted OIDs', () => {
    const eku = new x509.ExtendedKeyUsageExtension(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2', '2.5.29.37.0']);
    const value = new Uint8Array(eku.value);
    expect(fastOidList(value)).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2', '2.5.29.37.0']);
  });
});
