/**
 * The strict DER reading and the chain-link fast path must answer exactly as
 * OpenSSL (node:crypto's X509Certificate, checkIssued + verify) does, and
 * step aside (undefined) for anything they do not fully understand.
 */
import 'reflect-metadata';
import nodeCrypto, { type webcrypto, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import fc from 'fast-check';
import { parseCertificateBlock, parseWithOpenSsl } from '../src/certificate.js';
import { issuedBy, issuedByAsync } from '../src/chain.js';
import { CertificateParseError } from '../src/errors.js';
import { parseCertificatePem } from '../src/index.js';
import { fastIssuedBy, fastSelfSigned } from '../src/link.js';
import { strictCertificate } from '../src/strict-der.js';
import {
  aCa,
  aCert,
  anIntermediate,
  type BuiltCertificate,
  KeyUsage,
  signedBy,
  withCommonName,
  withKey,
  withKeyUsage,
  withoutKeyIdentifiers,
} from './builders.js';

const pemOf = (der: Uint8Array) =>
  `-----BEGIN CERTIFICATE-----\n${Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})(?!$)/g, '$1\n')}\n-----END CERTIFICATE-----`;

const derOf = (c: BuiltCertificate | Buffer) => (Buffer.isBuffer(c) ? c : c.der);

/** What node:crypto says: the answer the fast path must reproduce. */
function openssl(child: BuiltCertificate | Buffer, parent: BuiltCertificate | Buffer): boolean {
  const c = new X509Certificate(derOf(child));
  const p = new X509Certificate(derOf(parent));
  return c.checkIssued(p) && c.verify(p.publicKey);
}

function fast(child: BuiltCertificate | Buffer, parent: BuiltCertificate | Buffer): boolean | undefined {
  const c = strictCertificate(derOf(child));
  const p = strictCertificate(derOf(parent));
  if (c === undefined || p === undefined) throw new Error('not read strictly');
  return fastIssuedBy(c.link, p.link, new X509Certificate(derOf(parent)).publicKey);
}

/**
 * The link as observation checks it (a strictly parsed leaf against a native
 * parent), with the signature checked in the thread pool; the same link
 * checked on this thread (a separate parse, so no shared memo) must agree.
 */
async function observed(
  child: BuiltCertificate | Buffer,
  parent: BuiltCertificate | Buffer,
): Promise<boolean> {
  const parentValue = { der: derOf(parent) };
  const inPool = await issuedByAsync(parseCertificateBlock(pemOf(derOf(child))), parentValue);
  expect(issuedBy(parseCertificateBlock(pemOf(derOf(child))), parentValue)).toBe(inPool);
  return inPool;
}

/** `der` with the first occurrence (from `from`) of hex `find` replaced by `replace`. */
function patched(der: Buffer, find: string, replace: string, from = 0): Buffer {
  const text = der.toString('hex');
  const at = text.indexOf(find, from * 2);
  if (at < 0 || at % 2 !== 0) throw new Error(`${find} not found`);
  return Buffer.from(text.slice(0, at) + replace + text.slice(at + find.length), 'hex');
}

/** A CA certificate with the given name, key pair and extensions, signed by `signer`'s key. */
/** The certificate with its outer signature algorithm (not the TBS one) changed to ecdsa-with-SHA384. */
function withOuterAlgorithmChanged(der: Buffer): Buffer {
  const ecdsaSha256 = '300a06082a8648ce3d040302';
  const outerAt = der.toString('hex').lastIndexOf(ecdsaSha256) / 2;
  return patched(der, ecdsaSha256, '300a06082a8648ce3d040303', outerAt);
}

async function aCustomCa(
  name: string,
  keys: CryptoKeyPair,
  extensions: x509.Extension[],
  signer: CryptoKeyPair = keys,
): Promise<Buffer> {
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: '0a0b',
    subject: name,
    issuer: name,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    publicKey: keys.publicKey,
    signingKey: signer.privateKey,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } as webcrypto.EcdsaParams,
    extensions,
  });
  return Buffer.from(certificate.rawData);
}

type CryptoKeyPair = webcrypto.CryptoKeyPair;

describe('fastIssuedBy agrees with OpenSSL', () => {
  test.each([['ecdsa-p256'], ['ecdsa-p384'], ['rsa-2048'], ['ed25519']] as const)(
    'on a good %s chain, answering itself',
    async (algorithm) => {
      const root = await aCa(withKey(algorithm));
      const intermediate = await anIntermediate(root, withKey(algorithm));
      const leaf = await aCert(signedBy(intermediate));
      for (const [child, parent] of [
        [intermediate, root],
        [leaf, intermediate],
      ] as const) {
        expect(openssl(child, parent)).toBe(true);
        expect(fast(child, parent)).toBe(true);
        expect(await observed(child, parent)).toBe(true);
      }
      // And the links that do not exist.
      expect(openssl(leaf, root)).toBe(false);
      expect(fast(leaf, root)).toBe(false);
      expect(fast(root, leaf)).toBe(false);
    },
  );

  test('a tampered TBS byte and a tampered signature do not verify', async () => {
    const root = await aCa();
    const leaf = await aCert(signedBy(root));
    const tamperedTbs = patched(
      leaf.der,
      Buffer.from('a.example').toString('hex'),
      Buffer.from('b.example').toString('hex'),
    );
    const tamperedSignature = Buffer.from(leaf.der);
    tamperedSignature[tamperedSignature.length - 1]! ^= 0x01;
    for (const child of [tamperedTbs, tamperedSignature]) {
      expect(openssl(child, root)).toBe(false);
      expect(fast(child, root)).toBe(false);
      expect(await observed(child, root)).toBe(false);
    }
  });

  test('a certificate is not issued by a CA of another name, nor by a namesake with another key', async () => {
    const root = await aCa();
    const leaf = await aCert(signedBy(root));
    const other = await aCa(withCommonName('Other CA'));
    const namesake = await aCa();
    expect([openssl(leaf, other), fast(leaf, other)]).toEqual([false, false]);
    // The namesake's SKI differs from the leaf's AKI.
    expect([openssl(leaf, namesake), fast(leaf, namesake)]).toEqual([false, false]);
    // Without key identifiers only the signature tells them apart.
    const bareRoot = await aCa(withoutKeyIdentifiers());
    const bareLeaf = await aCert(signedBy(bareRoot), withoutKeyIdentifiers());
    const bareNamesake = await aCa(withoutKeyIdentifiers());
    expect([openssl(bareLeaf, bareRoot), fast(bareLeaf, bareRoot)]).toEqual([true, true]);
    expect([openssl(bareLeaf, bareNamesake), fast(bareLeaf, bareNamesake)]).toEqual([false, false]);
  });

  test('an AKI that differs from the parent SKI fails even when the signature is good', async () => {
    const root = await aCa();
    const leaf = await aCert(signedBy(root));
    const usage = new x509.KeyUsagesExtension(KeyUsage.keyCertSign, true);
    const ca = new x509.BasicConstraintsExtension(true, undefined, true);
    const otherSki = await aCustomCa('CN=Test Root CA', root.keys, [
      ca,
      usage,
      new x509.SubjectKeyIdentifierExtension('00112233'),
    ]);
    const noSki = await aCustomCa('CN=Test Root CA', root.keys, [ca, usage]);
    expect([openssl(leaf, otherSki), fast(leaf, otherSki)]).toEqual([false, false]);
    expect([openssl(leaf, noSki), fast(leaf, noSki)]).toEqual([true, true]);
  });

  test('a parent whose key usage lacks keyCertSign issues nothing', async () => {
    const root = await aCa(withKeyUsage(KeyUsage.digitalSignature | KeyUsage.cRLSign));
    const leaf = await aCert(signedBy(root));
    expect([openssl(leaf, root), fast(leaf, root), await observed(leaf, root)]).toEqual([
      false,
      false,
      false,
    ]);
  });

  test('steps aside when the TBS and outer signature algorithms differ, and OpenSSL says no', async () => {
    const root = await aCa();
    const leaf = await aCert(signedBy(root));
    const mismatched = withOuterAlgorithmChanged(leaf.der);
    expect(fast(mismatched, root)).toBeUndefined();
    expect(openssl(mismatched, root)).toBe(false);
    expect(await observed(mismatched, root)).toBe(false);
  });

  test('steps aside for names equal only after case folding, and OpenSSL decides', async () => {
    const root = await aCa();
    const leaf = await aCert(signedBy(root));
    const lowerCase = await aCustomCa('CN=test root ca', root.keys, [
      new x509.BasicConstraintsExtension(true, undefined, true),
    ]);
    expect(fast(leaf, lowerCase)).toBeUndefined();
    expect(openssl(leaf, lowerCase)).toBe(true);
    expect(await observed(leaf, lowerCase)).toBe(true);
  });

  test('steps aside for a child with an extension OpenSSL decodes and this module does not check', async () => {
    const root = await aCa();
    const withCrlDp = await aCustomCa(
      'CN=Test Root CA',
      (await aCa()).keys,
      [new x509.Extension('2.5.29.31', false, Buffer.from('3000', 'hex'))],
      root.keys,
    );
    expect(strictCertificate(withCrlDp)?.link.plainExtensions).toBe(false);
    expect(fast(withCrlDp, root)).toBeUndefined();
    expect(await observed(withCrlDp, root)).toBe(openssl(withCrlDp, root));
  });

  test('self-signed certificates are recognised as OpenSSL recognises them', async () => {
    const root = await aCa();
    const leaf = await aCert(signedBy(root));
    expect(fastSelfSigned(strictCertificate(root.der)!.link)).toBe(true);
    expect(new X509Certificate(root.der).verify(new X509Certificate(root.der).publicKey)).toBe(true);
    expect(parseCertificateBlock(pemOf(root.der)).facts.selfSigned).toBe(true);
    expect(parseCertificateBlock(pemOf(leaf.der)).facts.selfSigned).toBe(false);
  });
});

describe('strict parsing', () => {
  test('truncated or garbage DER is a CertificateParseError, as before', async () => {
    const leaf = await aCert();
    for (const der of [leaf.der.subarray(0, 200), Buffer.from('3003020101', 'hex'), Buffer.alloc(64, 0x41)]) {
      expect(strictCertificate(der)).toBeUndefined();
      expect(() => parseCertificatePem(pemOf(der))).toThrow(CertificateParseError);
      expect(() => parseCertificatePem(pemOf(der))).toThrow(
        'The PEM block is not a valid X.509 certificate.',
      );
    }
  });

  test('trailing bytes after the certificate are left to OpenSSL', async () => {
    const leaf = await aCert();
    expect(strictCertificate(Buffer.concat([leaf.der, Buffer.from([0])]))).toBeUndefined();
  });

  test('a length in a longer form than DER allows is left to OpenSSL (one-byte flips never make one)', async () => {
    const leaf = await aCert();
    const der = Buffer.from(leaf.der);
    // The outer SEQUENCE's length as 0x82 HH LL; re-encoded as 0x83 00 HH LL (BER, not DER).
    expect(der[1]).toBe(0x82);
    const longer = Buffer.concat([Buffer.from([0x30, 0x83, 0x00]), der.subarray(2)]);
    expect(strictCertificate(der)).toBeDefined();
    expect(strictCertificate(longer)).toBeUndefined();
  });

  test('a byte flipped anywhere: the strict reading accepts only what OpenSSL accepts, with the same facts and links', async () => {
    const root = await aCa();
    const leaf = await aCert(signedBy(root));
    const nativeRoot = new X509Certificate(root.der);
    const rootValue = { der: root.der };
    const outcome = (read: () => unknown) => {
      try {
        return { value: read() };
      } catch (error) {
        return {
          error: error instanceof Error ? `${error.constructor.name}: ${error.message}` : 'non-error',
        };
      }
    };
    await fc.assert(
      fc.asyncProperty(fc.nat(leaf.der.length - 1), fc.integer({ min: 1, max: 255 }), async (index, xor) => {
        const der = Buffer.from(leaf.der);
        der[index]! ^= xor;
        const pem = pemOf(der);
        const native = outcome(() => new X509Certificate(der));
        if (strictCertificate(der) !== undefined) expect(native.error).toBeUndefined();
        const strictPath = outcome(() => parseCertificateBlock(pem).facts);
        const opensslPath = outcome(() => parseWithOpenSsl(pem).facts);
        expect(strictPath).toEqual(opensslPath);
        if (native.error === undefined && strictPath.error === undefined) {
          const child = native.value as X509Certificate;
          const expected = outcome(() => child.checkIssued(nativeRoot) && child.verify(nativeRoot.publicKey));
          expect(issuedBy(parseCertificateBlock(pem), rootValue)).toBe(expected.value ?? false);
          expect(await issuedByAsync(parseCertificateBlock(pem), rootValue)).toBe(expected.value ?? false);
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe('link checks in the thread pool', () => {
  test('concurrent checks of one link share one signature verification, then the answer is remembered', async () => {
    const root = await aCa();
    const leaf = await aCert(signedBy(root));
    const child = parseCertificateBlock(pemOf(leaf.der));
    const parent = { der: root.der };
    const verify = jest.spyOn(nodeCrypto, 'verify');
    try {
      const first = issuedByAsync(child, parent);
      const second = issuedByAsync(child, parent);
      expect(first).toBeInstanceOf(Promise);
      expect(second).toBe(first);
      expect(await Promise.all([first, second])).toEqual([true, true]);
      expect(issuedByAsync(child, parent)).toBe(true);
      expect(issuedBy(child, parent)).toBe(true);
      expect(verify).toHaveBeenCalledTimes(1);
    } finally {
      verify.mockRestore();
    }
  });

  test("a check the fast path leaves to OpenSSL gives OpenSSL's answer without the pool", async () => {
    const root = await aCa();
    const leaf = await aCert(signedBy(root));
    const mismatched = withOuterAlgorithmChanged(leaf.der);
    const answer = issuedByAsync(parseCertificateBlock(pemOf(mismatched)), { der: root.der });
    expect(answer).toBe(false);
  });
});
