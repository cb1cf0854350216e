import { X509Certificate } from 'node:crypto';
import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { IssuerError, KEY_ALGORITHMS, type KeyAlgorithm } from '@certloop/core';
import { createLocalCaIssuer, LOCAL_CA_FILES } from '../../src/issuers/index.js';
import { aRequest, lasting, recordingLogger, tempDir, withKey, withSans } from './support/builders.js';
import { opensslText, opensslVerify } from './support/openssl.js';

const HOUR = 3_600_000;
let dir: Awaited<ReturnType<typeof tempDir>>;

beforeEach(async () => {
  dir = await tempDir('local-ca');
});
afterEach(async () => {
  await dir.cleanup();
});

describe('the built-in local CA', () => {
  it('creates its root and intermediate on first use, keys 0600 in a 0700 directory', async () => {
    const directory = join(dir.path, 'ca');
    const issuer = await createLocalCaIssuer({ directory });
    await issuer.prepare?.();

    expect((await stat(directory)).mode & 0o777).toBe(0o700);
    expect((await stat(join(directory, LOCAL_CA_FILES.rootKey))).mode & 0o777).toBe(0o600);
    expect((await stat(join(directory, LOCAL_CA_FILES.intermediateKey))).mode & 0o777).toBe(0o600);
    const root = new X509Certificate(await readFile(join(directory, LOCAL_CA_FILES.rootCert)));
    const intermediate = new X509Certificate(
      await readFile(join(directory, LOCAL_CA_FILES.intermediateCert)),
    );
    expect(root.ca && intermediate.ca).toBe(true);
    expect(intermediate.checkIssued(root)).toBe(true);
    expect(root.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(issuer.id).toBe(`local:${directory}`);
  });

  it('creates nothing when only asked for its trust material (plan and status write nothing)', async () => {
    const directory = join(dir.path, 'ca');
    const trust = await (await createLocalCaIssuer({ directory })).trust();

    expect(trust).toEqual({ rootsPem: '', intermediatesPem: '' });
    await expect(stat(directory)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('reuses the CA it created before', async () => {
    const first = await createLocalCaIssuer({ directory: dir.path });
    await first.prepare?.();
    const before = await first.trust();
    const second = await createLocalCaIssuer({ directory: dir.path });
    await second.prepare?.();

    expect(before.rootsPem).toContain('BEGIN CERTIFICATE');
    expect(await second.trust()).toEqual(before);
  });

  it('refuses to recreate an incomplete CA rather than overwrite a key', async () => {
    await (await createLocalCaIssuer({ directory: dir.path })).prepare?.();
    await rm(join(dir.path, LOCAL_CA_FILES.intermediateCert));

    const error = await (await createLocalCaIssuer({ directory: dir.path }))
      .prepare?.()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IssuerError);
    expect((error as IssuerError).message).toContain('intermediate_ca.crt missing');
  });

  it.each(KEY_ALGORITHMS.map((a) => [a]))(
    'issues a %s certificate that openssl verifies against the root and intermediate',
    async (algorithm: KeyAlgorithm) => {
      const issuer = await createLocalCaIssuer({ directory: dir.path });
      const issued = await issuer.issue(aRequest(withKey(algorithm)));
      const trust = await issuer.trust();

      const verdict = await opensslVerify(dir.path, {
        root: trust.rootsPem,
        intermediates: trust.intermediatesPem,
        leaf: issued.certificatePem,
      });
      expect(verdict).toEqual({ ok: true, output: expect.stringContaining('OK') });
      expect(issued.chainPem).toBe(trust.intermediatesPem.trim().concat('\n'));
      expect(issued.caBundlePem).toBe(trust.rootsPem.trim().concat('\n'));
    },
  );

  it('issues like step-ca: SANs of each type, TLS usages, notBefore backdated a minute', async () => {
    const issuer = await createLocalCaIssuer({
      directory: dir.path,
      now: () => new Date('2030-01-01T00:00:00Z'),
    });
    const issued = await issuer.issue(
      aRequest(
        withSans({
          dns: ['web.internal.example'],
          ip: ['10.0.0.7', '::1'],
          email: ['ops@example.com'],
          uri: ['spiffe://example/web'],
        }),
        lasting(24 * HOUR),
      ),
    );

    const text = await opensslText(issued.certificatePem, dir.path);
    expect(text).toContain('Subject: CN = web.internal.example');
    expect(text).toMatch(
      /DNS:web\.internal\.example, IP Address:10\.0\.0\.7, IP Address:0:0:0:0:0:0:0:1, email:ops@example\.com, URI:spiffe:\/\/example\/web/,
    );
    expect(text).toContain('TLS Web Server Authentication, TLS Web Client Authentication');
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature\n/);
    expect(issued.notBefore).toBe('2029-12-31T23:59:00.000Z');
    expect(issued.notAfter).toBe('2030-01-02T00:00:00.000Z');
  });

  it('adds key encipherment for RSA keys, as step-ca does', async () => {
    const issuer = await createLocalCaIssuer({ directory: dir.path });
    const issued = await issuer.issue(aRequest(withKey('rsa-2048')));

    expect(await opensslText(issued.certificatePem, dir.path)).toMatch(
      /Key Usage: critical\s+Digital Signature, Key Encipherment/,
    );
  });

  it('issues a client certificate (usage client) for client authentication only', async () => {
    const issuer = await createLocalCaIssuer({ directory: dir.path });
    const client = new X509Certificate(
      (await issuer.issue({ ...aRequest(), usage: 'client' })).certificatePem,
    );
    const server = new X509Certificate((await issuer.issue(aRequest())).certificatePem);

    expect(client.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(server.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
  });

  it('refuses a certificate that would outlive its intermediate', async () => {
    const issuer = await createLocalCaIssuer({ directory: dir.path });

    const error = await issuer.issue(aRequest(lasting(20 * 365 * 24 * HOUR))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IssuerError);
    expect((error as IssuerError).retryable).toBe(false);
    expect((error as IssuerError).message).toContain("outlive the local CA's intermediate");
  });

  it('never logs a private key', async () => {
    const logger = recordingLogger();
    const issuer = await createLocalCaIssuer({ directory: dir.path, logger });
    await issuer.issue(aRequest());

    expect(logger.records.length).toBeGreaterThan(0);
    expect(logger.text()).not.toContain('PRIVATE KEY');
  });
});
