/** The Step-CA issuer's side of the protocol, against a scripted fake (answers a real CA cannot be made to give). */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IssuerError } from '@certloop/core';
import { x509 } from '@certloop/x509';
import { decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import { createStepCaIssuer, type StepCaSettings } from '../../src/issuers/index.js';
import { aRequest, recordingLogger, tempDir, withSans } from './support/builders.js';
import { type FakeStepCa, startFakeStepCa } from './support/fake-step-ca.js';

let dir: Awaited<ReturnType<typeof tempDir>>;
let fake: FakeStepCa;
let settings: StepCaSettings;
const fastRetry = { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 };

beforeAll(async () => {
  dir = await tempDir('fake-stepca');
  fake = await startFakeStepCa(join(dir.path, 'ca'));
  const passwordFile = join(dir.path, 'password');
  await writeFile(passwordFile, `${fake.password}\n`, { mode: 0o600 });
  settings = { caUrl: fake.url, root: fake.rootPath, provisioner: 'fake', passwordFile };
});
afterAll(async () => {
  await fake?.close();
  await dir?.cleanup();
});
beforeEach(() => {
  fake.signRequests.length = 0;
  fake.provisionerClaims = undefined;
});

async function issueOnce(answers: FakeStepCa['signAnswers'], options = {}) {
  fake.signAnswers = answers;
  const issuer = await createStepCaIssuer(settings, { retry: fastRetry, ...options });
  try {
    return await issuer.issue(aRequest(withSans({ dns: ['web.internal.example'], ip: ['10.0.0.1'] })));
  } finally {
    await issuer.close();
  }
}

async function failure(answers: FakeStepCa['signAnswers'], options = {}): Promise<IssuerError> {
  const error = await issueOnce(answers, options).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(IssuerError);
  return error as IssuerError;
}

describe('the sign request', () => {
  it('carries a token with the claims step-ca checks, signed with the provisioner key', async () => {
    await failure([{ status: 401, body: { status: 401, message: 'Unauthorized' } }]);
    const { ott, notAfter, csr } = fake.signRequests[0] ?? { ott: '', notAfter: '', csr: '' };

    const { payload } = await jwtVerify(ott, await importJWK(fake.publicJwk, 'ES256'), {
      issuer: 'fake',
      audience: `${fake.url}/1.0/sign`,
      subject: 'web.internal.example',
      clockTolerance: 60, // step-ca validates with one minute of leeway
    });
    expect(decodeProtectedHeader(ott)).toEqual({ alg: 'ES256', kid: 'fake-kid', typ: 'JWT' });
    expect(payload.sans).toEqual(['web.internal.example', '10.0.0.1']);
    expect(payload.sha).toMatch(/^[0-9a-f]{64}$/);
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(300);
    expect(payload.nbf).toBe(payload.iat);
    expect(payload.jti).toEqual(expect.any(String));
    expect(notAfter).toBe('1h0m0s');
    const sanExtension = new x509.Pkcs10CertificateRequest(csr).getExtension('2.5.29.17');
    const names =
      sanExtension && new x509.SubjectAlternativeNameExtension(sanExtension.rawData).names.toJSON();
    expect(names).toEqual([
      { type: 'dns', value: 'web.internal.example' },
      { type: 'ip', value: '10.0.0.1' },
    ]);
  });

  it('mints a fresh token for each attempt', async () => {
    await failure([{ status: 503, body: { message: 'busy' } }]);

    expect(fake.signRequests).toHaveLength(3);
    expect(new Set(fake.signRequests.map((r) => r.ott)).size).toBe(3);
    expect(new Set(fake.signRequests.map((r) => r.csr)).size).toBe(1); // same key and CSR on every retry
  });
});

describe('what the CA answers', () => {
  it('reports a 401 with what the CA said, as a rejection that is not retried', async () => {
    const error = await failure([
      {
        status: 401,
        body: { status: 401, message: 'The request lacked necessary authorization to be completed.' },
      },
    ]);

    expect(error.code).toBe('ISSUER_REJECTED');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('rejected the one-time token');
    expect(error.message).toContain('lacked necessary authorization');
    expect(fake.signRequests).toHaveLength(1);
  });

  it("reports the CA's lifetime refusal with the provisioner's limits", async () => {
    const message =
      'The request was forbidden by the certificate authority: requested duration of 1h1m0s is more than the authorized maximum certificate duration of 24h1m0s.';
    const error = await failure([{ status: 403, body: { status: 403, message } }]);

    expect(error.code).toBe('ISSUER_REJECTED');
    expect(error.message).toContain(message);
    expect(error.message).toContain("step-ca's defaults allow lifetimes from 5m0s to 24h0m0s");
  });

  it('reports a 400 with the CA message and the limits', async () => {
    const error = await failure([
      { status: 400, body: { status: 400, message: 'The request could not be completed: invalid csr.' } },
    ]);

    expect(error.message).toContain('invalid csr');
    expect(error.message).toContain('lifetimes from');
    expect(error.retryable).toBe(false);
  });

  it('checks the lifetime against the provisioner claims before asking', async () => {
    fake.provisionerClaims = { minTLSCertDuration: '5m0s', maxTLSCertDuration: '30m0s' };
    const error = await failure([{ status: 201 }]);

    expect(error.message).toContain('above the maximum of 30m0s');
    expect(error.message).toContain('"fake" allows lifetimes from 5m0s to 30m0s');
    expect(fake.signRequests).toHaveLength(0);
  });

  it('retries a 5xx and succeeds when the CA recovers', async () => {
    const leaf = await (await import('../../src/issuers/index.js')).createLocalCaIssuer({
      directory: join(dir.path, 'ca'),
    });
    const real = await leaf.issue(aRequest());
    const issued = await issueOnce([
      { status: 500, body: { message: 'oops' } },
      {
        status: 201,
        body: {
          crt: real.certificatePem,
          ca: real.chainPem,
          certChain: [real.certificatePem, real.chainPem],
        },
      },
    ]);

    expect(fake.signRequests).toHaveLength(2);
    expect(issued.serial).toBe(real.serial);
    expect(issued.chainPem).toBe(real.chainPem);
  });

  it('gives up on a 5xx after the bounded attempts, as retryable for the engine', async () => {
    const error = await failure([{ status: 502, body: { message: 'bad gateway' } }]);

    expect(error.code).toBe('ISSUER_SERVER');
    expect(error.retryable).toBe(true);
    expect(fake.signRequests).toHaveLength(3);
  });

  it('times out a CA that does not answer', async () => {
    const error = await failure([{ status: 0, hang: true }], {
      timeoutMs: 200,
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    });

    expect(error.code).toBe('ISSUER_TIMEOUT');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain(fake.url);
  });
});

describe('the provisioner key', () => {
  it('is decrypted once per issuer, shared by concurrent callers, and never logged', async () => {
    const logger = recordingLogger();
    fake.signAnswers = [{ status: 401, body: { message: 'no' } }];
    const issuer = await createStepCaIssuer(settings, { retry: fastRetry, logger });
    try {
      await Promise.all([1, 2, 3].map(() => issuer.issue(aRequest()).catch(() => undefined)));
    } finally {
      await issuer.close();
    }

    expect(logger.records.filter((r) => r.message === 'Decrypted the Step-CA provisioner key')).toHaveLength(
      1,
    );
    expect(fake.signRequests).toHaveLength(3);
    const text = logger.text();
    expect(text).not.toContain(fake.privateD);
    expect(text).not.toContain(fake.password);
    for (const { ott } of fake.signRequests) expect(text).not.toContain(ott.split('.')[2]);
  });
});
