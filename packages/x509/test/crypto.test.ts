import { execFile } from 'node:child_process';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KEY_ALGORITHMS, type KeyAlgorithm } from '@certloop/core';
import { createCsr, generateKey, generatePrivateKey, keyAlgorithmOfPem, publicKeyOf } from '../src/index.js';
import { privateKeyPem, spkiDer } from '../src/private-key.js';
import { x509 } from '../src/x509-module.js';
import { aTempDir } from './builders.js';

const run = promisify(execFile);
const sans = { dns: ['a.example', 'b.example'], ip: ['192.0.2.1', '2001:db8::1'], email: [], uri: [] };

describe('generateKey', () => {
  it.each(KEY_ALGORITHMS.map((a) => [a]))(
    'makes a PKCS#8 %s key of that algorithm',
    async (algorithm: KeyAlgorithm) => {
      const pem = await generateKey(algorithm);

      expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
      expect(keyAlgorithmOfPem(pem)).toBe(algorithm);
    },
  );
});

describe('hand-encoded keys', () => {
  const keys = {
    'ecdsa-p256': () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
    'ecdsa-p384': () => generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey,
    ed25519: () => generateKeyPairSync('ed25519').privateKey,
    'rsa-2048': () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
  };

  it.each(Object.entries(keys))('writes a %s key byte for byte as OpenSSL does', (_, make) => {
    // Several keys: a coordinate with leading zero bytes must keep its full length.
    for (let i = 0; i < 20; i++) {
      const key = make();
      expect(privateKeyPem(key)).toBe(key.export({ type: 'pkcs8', format: 'pem' }));
      expect(spkiDer(key).equals(createPublicKey(key).export({ type: 'spki', format: 'der' }))).toBe(true);
    }
  });
});

describe('publicKeyOf', () => {
  it('gives the SubjectPublicKeyInfo PEM of a private key', async () => {
    const pem = await generateKey('ecdsa-p256');

    expect(publicKeyOf(pem)).toBe(
      createPublicKey(createPrivateKey(pem)).export({ type: 'spki', format: 'pem' }),
    );
    expect(publicKeyOf(pem)).toMatch(/^-----BEGIN PUBLIC KEY-----/);
  });
});

describe('createCsr', () => {
  it.each(KEY_ALGORITHMS.map((a) => [a]))(
    'makes a %s CSR that openssl verifies, with CN and every SAN',
    async (algorithm: KeyAlgorithm) => {
      const dir = await aTempDir('certloop-csr-');
      try {
        const keyPem = await generateKey(algorithm);
        const csrPem = createCsr(keyPem, 'a.example', sans);
        const file = join(dir.path, 'req.pem');
        await writeFile(file, csrPem);

        const { stdout, stderr } = await run('openssl', ['req', '-in', file, '-noout', '-verify', '-text']);
        expect(stderr + stdout).toMatch(/verify OK/i);
        expect(stdout).toContain('Subject: CN = a.example');
        expect(stdout).toContain(
          'DNS:a.example, DNS:b.example, IP Address:192.0.2.1, IP Address:2001:DB8:0:0:0:0:0:1',
        );
        const csr = new x509.Pkcs10CertificateRequest(csrPem);
        expect(csr.publicKey.toString('pem').trim()).toBe(publicKeyOf(keyPem).trim());
      } finally {
        await dir.cleanup();
      }
    },
  );

  it('encodes email, URI and every IP form, from a generated key value (its KeyObject kept inside x509)', async () => {
    const dir = await aTempDir('certloop-csr-');
    try {
      const file = join(dir.path, 'req.pem');
      const key = await generatePrivateKey('ecdsa-p256');
      await writeFile(
        file,
        createCsr(key, 'b.example', {
          dns: [],
          ip: ['::ffff:192.0.2.1', '2001:db8::', '::1', 'fe80::1:2'],
          email: ['ops@b.example'],
          uri: ['spiffe://b.example/svc'],
        }),
      );

      const { stdout, stderr } = await run('openssl', ['req', '-in', file, '-noout', '-verify', '-text']);
      expect(stderr + stdout).toMatch(/verify OK/i);
      expect(stdout).toContain(
        'IP Address:0:0:0:0:0:FFFF:C000:201, IP Address:2001:DB8:0:0:0:0:0:0, IP Address:0:0:0:0:0:0:0:1, ' +
          'IP Address:FE80:0:0:0:0:0:1:2, email:ops@b.example, URI:spiffe://b.example/svc',
      );
    } finally {
      await dir.cleanup();
    }
  });

  it('leaves the SAN extension out when there are no SANs', async () => {
    const csr = new x509.Pkcs10CertificateRequest(
      createCsr(await generateKey('ecdsa-p256'), 'solo', { dns: [], ip: [], email: [], uri: [] }),
    );

    expect(csr.getExtension('2.5.29.17')).toBeNull();
  });
});
