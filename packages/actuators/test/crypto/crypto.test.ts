import { execFile } from 'node:child_process';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KEY_ALGORITHMS, type KeyAlgorithm } from '@certloop/core';
import { createCsr, generateKey, keyAlgorithmOfPem, publicKeyOf } from '../../src/crypto/index.js';
import { x509 } from '../../src/crypto/x509-provider.js';
import { tempDir } from '../issuers/support/builders.js';

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
      const dir = await tempDir('csr');
      try {
        const keyPem = await generateKey(algorithm);
        const csrPem = await createCsr(keyPem, 'a.example', sans);
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

  it('leaves the SAN extension out when there are no SANs', async () => {
    const csr = new x509.Pkcs10CertificateRequest(
      await createCsr(await generateKey('ecdsa-p256'), 'solo', { dns: [], ip: [], email: [], uri: [] }),
    );

    expect(csr.getExtension('2.5.29.17')).toBeNull();
  });
});
