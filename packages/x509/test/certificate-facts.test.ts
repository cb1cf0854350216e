import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { certificateFacts, factsFromDer } from '../src/certificate-facts.js';
import { aTempDir } from './builders.js';

const run = promisify(execFile);

/** A self-signed certificate made by openssl, with the given serial and lifetime. */
async function opensslCertificate(serial: string, days: number): Promise<string> {
  const dir = await aTempDir('certloop-facts-');
  try {
    const out = join(dir.path, 'c.pem');
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      join(dir.path, 'k.pem'),
      '-out',
      out,
      '-subj',
      '/CN=facts.example',
      '-days',
      String(days),
      '-set_serial',
      serial,
    ]);
    return await readFile(out, 'utf8');
  } finally {
    await dir.cleanup();
  }
}

describe('certificateFacts', () => {
  it.each([
    ['a small serial and UTCTime validity', '0x1234', 30, '1234'],
    [
      'a serial with its high bit set (a leading zero byte in DER)',
      '0x8a0b0c0d0e0f10111213',
      30,
      '8a0b0c0d0e0f10111213',
    ],
    ['a notAfter past 2049 (GeneralizedTime)', '0x0100', 12_000, '0100'],
  ])('reads %s as node:crypto does', async (_, serial, days, hex) => {
    const pem = await opensslCertificate(serial, days);
    const cert = new X509Certificate(pem);

    expect(certificateFacts(pem)).toEqual({
      serial: cert.serialNumber.toLowerCase().replace(/^(00)+(?=.)/, ''),
      notBefore: new Date(cert.validFrom).toISOString(),
      notAfter: new Date(cert.validTo).toISOString(),
    });
    expect(certificateFacts(pem).serial).toBe(hex);
    // The quick DER reader itself, not its fallback, gives the same facts.
    expect(factsFromDer(Buffer.from(cert.raw))).toEqual(certificateFacts(pem));
  });

  it('throws on a PEM that is not a certificate', () => {
    expect(() =>
      certificateFacts('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'),
    ).toThrow();
  });
});
