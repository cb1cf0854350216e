/**
 * The Step-CA issuer against a real step-ca 0.19 (@certloop/testbed): one CA
 * for the file, started in beforeAll.
 */
import { X509Certificate } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IssuerError, KEY_ALGORITHMS, type KeyAlgorithm } from '@certloop/core';
import { decryptProvisionerKey, type StepCaHandle, startStepCa } from '@certloop/testbed';
import { generateKey, publicKeyOf } from '@certloop/x509';
import {
  createLocalCaIssuer,
  createStepCaIssuer,
  resolveStepCaSettings,
  type StepCaIssuerOptions,
  type StepCaSettings,
} from '../../src/issuers/index.js';
import {
  aRequest,
  keeping,
  lasting,
  named,
  recordingLogger,
  tempDir,
  withKey,
  withSans,
} from './support/builders.js';
import { opensslText, opensslVerify } from './support/openssl.js';

const HOUR = 3_600_000;
const fastRetry = { attempts: 3, baseDelayMs: 10, maxDelayMs: 20 };

let ca: StepCaHandle;
let scratch: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  ca = await startStepCa();
  scratch = await tempDir('stepca-it');
}, 60_000);
afterAll(async () => {
  await ca?.dispose();
  await scratch?.cleanup();
});

function settings(overrides: Partial<StepCaSettings> = {}): StepCaSettings {
  return {
    caUrl: ca.url,
    root: ca.rootPath,
    provisioner: ca.provisioner,
    passwordFile: ca.passwordFile,
    ...overrides,
  };
}

/** Runs `body` with an issuer and always closes it. */
async function withIssuer<T>(
  s: StepCaSettings,
  body: (issuer: Awaited<ReturnType<typeof createStepCaIssuer>>) => Promise<T>,
  options: StepCaIssuerOptions = {},
): Promise<T> {
  const issuer = await createStepCaIssuer(s, { retry: fastRetry, ...options });
  try {
    return await body(issuer);
  } finally {
    await issuer.close();
  }
}

async function caught(promise: Promise<unknown>): Promise<IssuerError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(IssuerError);
  return error as IssuerError;
}

describe('issuance from a real step-ca', () => {
  it('issues a certificate with the encrypted provisioner and the password file, chaining to the root', async () => {
    const issued = await withIssuer(settings(), (issuer) => issuer.issue(aRequest()));

    const verdict = await opensslVerify(scratch.path, {
      root: ca.rootPem,
      intermediates: issued.chainPem,
      leaf: issued.certificatePem,
    });
    expect(verdict).toEqual({ ok: true, output: expect.stringContaining('OK') });
    expect(issued.caBundlePem.trim()).toBe(ca.rootPem.trim());
    expect(issued.chainPem.trim()).toBe(ca.intermediatePem.trim());
    const cert = new X509Certificate(issued.certificatePem);
    expect(cert.subject).toBe('CN=web.internal.example');
    expect(cert.subjectAltName).toBe('DNS:web.internal.example');
    expect(
      cert.checkPrivateKey(await import('node:crypto').then((c) => c.createPrivateKey(issued.keyPem))),
    ).toBe(true);
    expect(issued.serial).toBe(cert.serialNumber.toLowerCase());
  });

  it('gets the requested lifetime, with notBefore backdated one minute', async () => {
    const issued = await withIssuer(settings(), (issuer) => issuer.issue(aRequest(lasting(2 * HOUR))));

    const lifetime = Date.parse(issued.notAfter) - Date.parse(issued.notBefore);
    expect(lifetime).toBe(2 * HOUR + 60_000);
  });

  it('puts DNS names and IPv4 and IPv6 addresses in the certificate', async () => {
    const issued = await withIssuer(settings(), (issuer) =>
      issuer.issue(
        aRequest(withSans({ dns: ['a.internal.example', 'web.internal.example'], ip: ['10.1.2.3', '::1'] })),
      ),
    );

    const text = await opensslText(issued.certificatePem, scratch.path);
    expect(text).toContain('DNS:a.internal.example');
    expect(text).toContain('DNS:web.internal.example');
    expect(text).toContain('IP Address:10.1.2.3');
    expect(text).toContain('IP Address:0:0:0:0:0:0:0:1');
  });

  it('keeps an existing key when asked to', async () => {
    const keyPem = await generateKey('ecdsa-p256');
    const issued = await withIssuer(settings(), (issuer) => issuer.issue(aRequest(keeping(keyPem))));

    expect(issued.keyPem).toBe(keyPem);
    const certKey = new X509Certificate(issued.certificatePem).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    expect(certKey).toBe(publicKeyOf(keyPem));
  });

  it('issues several certificates at once through one issuer', async () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f'].map((n) => `${n}.internal.example`);
    const issued = await withIssuer(
      settings(),
      (issuer) => Promise.all(names.map((name) => issuer.issue(aRequest(named(name))))),
      { concurrency: 2 },
    );

    expect(issued.map((c) => new X509Certificate(c.certificatePem).subject)).toEqual(
      names.map((n) => `CN=${n}`),
    );
    expect(new Set(issued.map((c) => c.serial)).size).toBe(names.length);
  });

  it('issues again after the CA restarts (tokens minted just in time)', async () => {
    await withIssuer(settings(), async (issuer) => {
      await issuer.issue(aRequest());
      await ca.stop();
      await ca.start();
      const again = await issuer.issue(aRequest());
      expect(again.certificatePem).toContain('BEGIN CERTIFICATE');
    });
  }, 60_000);
});

describe('key algorithms', () => {
  // ed25519 included: step-ca 0.19's public key validator accepts it for TLS certificates.
  it.each(KEY_ALGORITHMS.map((a) => [a]))(
    'issues a certificate for a %s key',
    async (algorithm: KeyAlgorithm) => {
      const issued = await withIssuer(settings(), (issuer) => issuer.issue(aRequest(withKey(algorithm))));

      const verdict = await opensslVerify(scratch.path, {
        root: ca.rootPem,
        intermediates: issued.chainPem,
        leaf: issued.certificatePem,
      });
      expect(verdict.ok).toBe(true);
      const publicKey = new X509Certificate(issued.certificatePem).publicKey;
      expect(publicKey.export({ type: 'spki', format: 'pem' })).toBe(publicKeyOf(issued.keyPem));
    },
  );
});

describe('trust', () => {
  it('gives the root and, before any issuance, the intermediate from the CA TLS chain', async () => {
    const trust = await withIssuer(settings(), (issuer) => issuer.trust());

    expect(trust.rootsPem.trim()).toBe(ca.rootPem.trim());
    expect(trust.intermediatesPem.trim()).toBe(ca.intermediatePem.trim());
  });

  it('bootstraps trust from the root fingerprint alone', async () => {
    const { issued, trust } = await withIssuer(
      settings({ root: undefined, fingerprint: ca.fingerprint }),
      async (issuer) => ({
        issued: await issuer.issue(aRequest()),
        trust: await issuer.trust(),
      }),
    );

    expect(trust.rootsPem.trim()).toBe(ca.rootPem.trim());
    expect(issued.caBundlePem.trim()).toBe(ca.rootPem.trim());
  });

  it('refuses a fingerprint the CA does not have', async () => {
    const wrong = 'ab'.repeat(32);
    const error = await caught(
      withIssuer(settings({ root: undefined, fingerprint: wrong }), (issuer) => issuer.issue(aRequest())),
    );

    expect(error.code).toBe('ISSUER_TLS');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain(wrong);
  });

  it('fails TLS verification against the root of another CA, saying so', async () => {
    const other = await tempDir('other-ca');
    try {
      const local = await createLocalCaIssuer({ directory: other.path });
      await local.prepare?.();
      const error = await caught(
        withIssuer(settings({ root: join(other.path, 'root_ca.crt') }), (issuer) => issuer.issue(aRequest())),
      );

      expect(error.code).toBe('ISSUER_TLS');
      expect(error.retryable).toBe(false);
      expect(error.message).toMatch(
        /does not verify against the root file .*root_ca\.crt \(root mismatch\?\)/,
      );
    } finally {
      await other.cleanup();
    }
  });
});

describe('configuration from $STEPPATH', () => {
  it('takes the CA URL and root from $STEPPATH/config/defaults.json', async () => {
    const resolved = await resolveStepCaSettings({
      flags: { provisioner: ca.provisioner, passwordFile: ca.passwordFile },
      env: { STEPPATH: ca.stepPath },
    });

    expect(resolved.caUrl).toBe(ca.url);
    const issued = await withIssuer(resolved, (issuer) => issuer.issue(aRequest()));
    expect(issued.caBundlePem.trim()).toBe(ca.rootPem.trim());
  });
});

describe('clear failures', () => {
  it('says a wrong password is the likely cause when the provisioner key does not decrypt', async () => {
    const passwordFile = join(scratch.path, 'wrong-password');
    await writeFile(passwordFile, 'not-the-password\n', { mode: 0o600 });
    const error = await caught(withIssuer(settings({ passwordFile }), (issuer) => issuer.issue(aRequest())));

    expect(error.message).toMatch(/could not decrypt the provisioner key: wrong password\?/i);
    expect(error.retryable).toBe(false);
  });

  it('lists the available provisioners when the named one does not exist', async () => {
    const error = await caught(
      withIssuer(settings({ provisioner: 'nobody' }), (issuer) => issuer.issue(aRequest())),
    );

    expect(error.message).toContain('no provisioner named "nobody"');
    expect(error.message).toContain(`${ca.provisioner} (JWK)`);
    expect(error.retryable).toBe(false);
  });

  it('names the limits when the lifetime is above the provisioner maximum', async () => {
    const error = await caught(
      withIssuer(settings(), (issuer) => issuer.issue(aRequest(lasting(25 * HOUR)))),
    );

    expect(error.code).toBe('ISSUER_REJECTED');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('above the maximum of 24h0m0s');
    expect(error.message).toContain(`"${ca.provisioner}" allows lifetimes from 1m0s to 24h0m0s`);
  });

  it('names the CA URL and is retryable when the CA is down', async () => {
    await ca.stop();
    try {
      const error = await caught(withIssuer(settings(), (issuer) => issuer.issue(aRequest())));

      expect(error.code).toBe('ISSUER_UNREACHABLE');
      expect(error.retryable).toBe(true);
      expect(error.message).toContain(ca.url);
      expect(error.message).toContain('ECONNREFUSED');
    } finally {
      await ca.start();
    }
  }, 60_000);
});

describe('secrets', () => {
  it('never puts the password, the provisioner key or a private key in a log line or an error', async () => {
    const logger = recordingLogger();
    const messages: string[] = [];
    const record = (error: unknown) => {
      const e = error as IssuerError;
      messages.push(e.message, e.hint ?? '', String((e.cause as Error | undefined)?.message ?? ''));
    };
    const config = await readFile(ca.configPath, 'utf8');
    const listing = (
      JSON.parse(config) as { authority: { provisioners: { name: string; encryptedKey: string }[] } }
    ).authority.provisioners.find((p) => p.name === ca.provisioner);
    const provisionerJwk = await decryptProvisionerKey(listing?.encryptedKey ?? '', ca.password);
    const wrongPasswordFile = join(scratch.path, 'wrong-password-2');
    await writeFile(wrongPasswordFile, `${ca.password}x\n`, { mode: 0o600 });

    const issued = await withIssuer(
      settings(),
      async (issuer) => {
        const ok = await issuer.issue(aRequest());
        await issuer.issue(aRequest(lasting(48 * HOUR))).catch(record);
        await issuer.trust();
        return ok;
      },
      { logger },
    );
    await withIssuer(settings({ passwordFile: wrongPasswordFile }), (i) => i.issue(aRequest()), {
      logger,
    }).catch(record);
    await withIssuer(settings({ provisioner: 'nobody' }), (i) => i.issue(aRequest()), { logger }).catch(
      record,
    );

    const everything = `${logger.text()}\n${messages.join('\n')}`;
    expect(logger.records.filter((r) => r.level === 'debug').length).toBeGreaterThan(0);
    expect(everything).toContain('"sans"'); // the token claims are logged...
    expect(everything).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/); // ...but never a token
    expect(everything).not.toContain(ca.password);
    expect(typeof provisionerJwk.d).toBe('string');
    expect(everything).not.toContain(provisionerJwk.d as string);
    expect(everything).not.toContain('PRIVATE KEY');
    expect(everything).not.toContain(issued.keyPem.split('\n')[1] as string);
  });
});
