/**
 * Renewal, rekey and revocation with the certificate itself (mTLS) against a
 * real step-ca 0.19. The renewing issuer is given a password file that does
 * not exist: renewal must never need it.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { type CurrentCertificate, type IssuedCertificate, type Issuer, IssuerError } from '@certloop/core';
import { type StepCaHandle, startStepCa } from '@certloop/testbed';
import { createStepCaIssuer, type StepCaSettings } from '../../src/issuers/index.js';
import { aRequest, lasting, tempDir, withSans } from './support/builders.js';

const HOUR = 3_600_000;
const fastRetry = { attempts: 2, baseDelayMs: 10, maxDelayMs: 20 };

let ca: StepCaHandle;
let scratch: Awaited<ReturnType<typeof tempDir>>;
let provisionerIssuer: Issuer;
/** Knows no password: a renewal that reached for the provisioner key would fail. */
let renewingIssuer: Issuer;

beforeAll(async () => {
  // Certificates of a few seconds, to see step-ca refuse an expired one.
  ca = await startStepCa({ minTLSCertDuration: '2s' });
  scratch = await tempDir('stepca-renewal');
  const settings: StepCaSettings = {
    caUrl: ca.url,
    root: ca.rootPath,
    provisioner: ca.provisioner,
    passwordFile: ca.passwordFile,
  };
  provisionerIssuer = await createStepCaIssuer(settings, { retry: fastRetry });
  renewingIssuer = await createStepCaIssuer(
    { ...settings, passwordFile: join(scratch.path, 'no-such-password') },
    { retry: fastRetry },
  );
}, 60_000);
afterAll(async () => {
  await provisionerIssuer?.close();
  await renewingIssuer?.close();
  await ca?.dispose();
  await scratch?.cleanup();
});

const request = aRequest(
  withSans({ dns: ['renew.internal.example', 'alt.internal.example'] }),
  lasting(2 * HOUR),
);

function currentOf(issued: IssuedCertificate): CurrentCertificate {
  return { certificatePem: issued.certificatePem, keyPem: issued.keyPem };
}

function publicKeyDer(pem: string): string {
  return new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' }).toString('hex');
}

async function rejection(promise: Promise<unknown>): Promise<IssuerError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(IssuerError);
  return error as IssuerError;
}

describe('renewal over mTLS', () => {
  it('renews with the same key, a new serial, the same names and the same lifetime', async () => {
    const first = await provisionerIssuer.issue(request);
    const renewed = await renewingIssuer.renew?.(currentOf(first), request, false);

    expect(renewed).toBeDefined();
    if (renewed === undefined) return;
    expect(renewed.serial).not.toBe(first.serial);
    expect(renewed.keyPem).toBe(first.keyPem);
    expect(publicKeyDer(renewed.certificatePem)).toBe(publicKeyDer(first.certificatePem));
    const cert = new X509Certificate(renewed.certificatePem);
    expect(cert.subjectAltName).toBe(new X509Certificate(first.certificatePem).subjectAltName);
    expect(Date.parse(renewed.notAfter) - Date.parse(renewed.notBefore)).toBe(
      Date.parse(first.notAfter) - Date.parse(first.notBefore),
    );
    expect(renewed.chainPem.trim()).toBe(ca.intermediatePem.trim());
  });

  it('rekeys with a fresh key that belongs to the new certificate', async () => {
    const first = await provisionerIssuer.issue(request);
    const rekeyed = await renewingIssuer.renew?.(currentOf(first), request, true);

    expect(rekeyed).toBeDefined();
    if (rekeyed === undefined) return;
    expect(rekeyed.serial).not.toBe(first.serial);
    expect(rekeyed.keyPem).not.toBe(first.keyPem);
    expect(publicKeyDer(rekeyed.certificatePem)).not.toBe(publicKeyDer(first.certificatePem));
    expect(
      new X509Certificate(rekeyed.certificatePem).checkPrivateKey(createPrivateKey(rekeyed.keyPem)),
    ).toBe(true);
    expect(new X509Certificate(rekeyed.certificatePem).subjectAltName).toBe(
      'DNS:renew.internal.example, DNS:alt.internal.example',
    );
  });

  it('is refused, finally, when the key does not belong to the certificate', async () => {
    const first = await provisionerIssuer.issue(request);
    const other = await provisionerIssuer.issue(request);

    const error = await rejection(
      renewingIssuer.renew?.(
        { certificatePem: first.certificatePem, keyPem: other.keyPem },
        request,
        false,
      ) ?? Promise.resolve(),
    );
    expect(error.message).toContain('does not belong');
    expect(error.retryable).toBe(false);
  });

  it('is refused, finally, once the certificate has expired', async () => {
    const short = aRequest(withSans({ dns: ['short.internal.example'] }), lasting(2_000));
    const first = await provisionerIssuer.issue(short);
    // Expiry is the CA's clock against notAfter: wait past it (notAfter is 2 s after the request).
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, Date.parse(first.notAfter) - Date.now()) + 1_500),
    );

    const error = await rejection(
      renewingIssuer.renew?.(currentOf(first), short, false) ?? Promise.resolve(),
    );
    expect(error.code).toBe('ISSUER_REJECTED');
    expect(error.retryable).toBe(false);
  });
});

describe('revocation', () => {
  it('says so when the CA had already revoked the certificate, rather than failing', async () => {
    const first = await provisionerIssuer.issue(request);
    expect(await renewingIssuer.revoke?.(currentOf(first), 'keyCompromise')).toBe('revoked');
    expect(await renewingIssuer.revoke?.(currentOf(first), 'keyCompromise')).toBe('already-revoked');
  });

  it('revokes with the certificate itself; the CA then refuses to renew it', async () => {
    const first = await provisionerIssuer.issue(request);
    expect(await renewingIssuer.revoke?.(currentOf(first), 'superseded')).toBe('revoked');

    const error = await rejection(
      renewingIssuer.renew?.(currentOf(first), request, false) ?? Promise.resolve(),
    );
    expect(error.code).toBe('ISSUER_REJECTED');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain(ca.url);
  });
});
