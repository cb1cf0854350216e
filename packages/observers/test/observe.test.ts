import nodeCrypto, { createHash, X509Certificate } from 'node:crypto';
import { chmod, chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { joinPem, type TrustMaterial } from '@certloop/core';
import { inspectContents, observeAll, observeCertificate } from '@certloop/observers';
import {
  aCa,
  aCert,
  aDesiredCertificate,
  anIntermediate,
  aTempDir,
  type BuiltCertificate,
  ExtendedKeyUsage,
  expiringIn,
  KeyUsage,
  signedBy,
  withCommonName,
  withExtendedKeyUsage,
  withKey,
  withKeyUsage,
  withSans,
  withSerial,
  writeFileAt,
} from '../../x509/test/builders.js';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

let root: BuiltCertificate;
let intermediate: BuiltCertificate;
let trust: TrustMaterial;
let dir: { path: string; cleanup: () => Promise<void> };

beforeAll(async () => {
  root = await aCa();
  intermediate = await anIntermediate(root);
  trust = { rootsPem: root.certPem, intermediatesPem: intermediate.certPem };
});

beforeEach(async () => {
  dir = await aTempDir();
});

afterEach(async () => {
  await dir.cleanup();
});

const ALL_FILES = {
  cert: 'cert.pem',
  key: 'key.pem',
  chain: 'chain.pem',
  fullchain: 'fullchain.pem',
  caBundle: 'ca.pem',
};

/** Writes what the writer would write for `leaf` issued through `intermediate`. */
async function writeIssued(leaf: BuiltCertificate, chainPem = intermediate.certPem): Promise<void> {
  const at = (name: string) => join(dir.path, name);
  await writeFileAt(at('cert.pem'), leaf.certPem);
  await writeFileAt(at('key.pem'), leaf.keyPem, 0o600);
  await writeFileAt(at('chain.pem'), joinPem(chainPem));
  await writeFileAt(at('fullchain.pem'), joinPem(leaf.certPem, chainPem));
  await writeFileAt(at('ca.pem'), joinPem(root.certPem));
}

describe('observeCertificate', () => {
  test('reports every field of a complete, matching set of files', async () => {
    const leaf = await aCert(
      withSans('a.example', 'www.a.example'),
      signedBy(intermediate),
      withSerial('00c0ffee'),
    );
    await writeIssued(leaf);
    const observed = await observeCertificate(aDesiredCertificate(dir.path, { files: ALL_FILES }), { trust });

    const spki = new X509Certificate(leaf.certPem).publicKey.export({ type: 'spki', format: 'der' });
    expect(observed.certificateError).toBeUndefined();
    expect(observed.keyError).toBeUndefined();
    expect(observed.certificate).toEqual({
      commonName: 'a.example',
      sans: { dns: ['a.example', 'www.a.example'], ip: [], email: [], uri: [] },
      serial: 'c0ffee',
      notBefore: new Date(Math.floor(leaf.notBefore.getTime() / 1000) * 1000).toISOString(),
      notAfter: new Date(Math.floor(leaf.notAfter.getTime() / 1000) * 1000).toISOString(),
      keyAlgorithm: 'ecdsa-p256',
      issuer: 'CN=Test Intermediate CA',
      subject: 'CN=a.example',
      selfSigned: false,
      chainVerifies: true,
      keyUsage: ['digitalSignature'],
      extendedKeyUsage: ['serverAuth', 'clientAuth'],
      publicKeySha256: sha256(spki),
      sha256: sha256(leaf.der),
    });
    expect(observed.key).toEqual({ keyAlgorithm: 'ecdsa-p256', publicKeySha256: sha256(spki) });
    expect(observed.keyMatchesCertificate).toBe(true);
    expect(observed.chainFilesCurrent).toEqual({ chain: true, fullchain: true, caBundle: true });
    expect(Object.keys(observed.files).sort()).toEqual(['caBundle', 'cert', 'chain', 'fullchain', 'key']);
    expect(observed.files.cert).toMatchObject({
      path: join(dir.path, 'cert.pem'),
      exists: true,
      readable: true,
      mode: 0o644,
      size: Buffer.byteLength(leaf.certPem),
      sha256: sha256(leaf.certPem),
    });
    expect(observed.files.key).toMatchObject({ mode: 0o600, sha256: sha256(leaf.keyPem) });
    expect(observed.files.cert?.fingerprint).toMatch(/^\d+:\d+:\d+:[\d.]+:[\d.]+$/);
  });

  test('reads the leaf from the full chain when no cert file is declared (legacy cert_path)', async () => {
    const leaf = await aCert(
      withSans('legacy.example', '10.0.0.111'),
      signedBy(intermediate),
      expiringIn('3h'),
    );
    await writeIssued(leaf);
    const observed = await observeCertificate(
      aDesiredCertificate(dir.path, { files: { fullchain: 'fullchain.pem', key: 'key.pem' } }),
      { trust },
    );

    expect(observed.certificate).toMatchObject({
      sans: { dns: ['legacy.example'], ip: ['10.0.0.111'], email: [], uri: [] },
      notAfter: new Date(Math.floor(leaf.notAfter.getTime() / 1000) * 1000).toISOString(),
      chainVerifies: true,
    });
    expect(observed.keyMatchesCertificate).toBe(true);
    expect(observed.chainFilesCurrent).toEqual({ fullchain: true });
    expect(Object.keys(observed.files).sort()).toEqual(['fullchain', 'key']);
  });

  test('a missing certificate file is an observation, not an error', async () => {
    const leaf = await aCert(signedBy(intermediate));
    await writeFileAt(join(dir.path, 'key.pem'), leaf.keyPem);
    const observed = await observeCertificate(aDesiredCertificate(dir.path), { trust });
    expect(observed.files.cert).toEqual({ path: join(dir.path, 'cert.pem'), exists: false, readable: false });
    expect(observed.certificate).toBeUndefined();
    expect(observed.certificateError).toBeUndefined();
    expect(observed.key?.keyAlgorithm).toBe('ecdsa-p256');
    expect(observed.keyMatchesCertificate).toBeUndefined();
  });

  test('a missing key file leaves the key and the match undecided', async () => {
    const leaf = await aCert(signedBy(intermediate));
    await writeFileAt(join(dir.path, 'cert.pem'), leaf.certPem);
    const observed = await observeCertificate(aDesiredCertificate(dir.path), { trust });
    expect(observed.files.key?.exists).toBe(false);
    expect(observed.key).toBeUndefined();
    expect(observed.keyError).toBeUndefined();
    expect(observed.keyMatchesCertificate).toBeUndefined();
    expect(observed.certificate?.chainVerifies).toBe(true);
  });

  test.each([
    ['a truncated PEM', (l: BuiltCertificate) => l.certPem.slice(0, 200), /truncated/],
    ['garbage text', () => 'hello, this is not a certificate\n', /no PEM certificate found/],
    ['an empty file', () => '', /empty/],
    [
      'a PEM block with a broken body',
      () => '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
      /not a valid X\.509 certificate/,
    ],
    ['DER instead of PEM', (l: BuiltCertificate) => l.der, /binary data \(DER\?\)/],
    ['a key in the certificate file', (l: BuiltCertificate) => l.keyPem, /holds: PRIVATE KEY/],
  ])('the certificate file holding %s gives certificateError', async (_, content, message) => {
    const leaf = await aCert(signedBy(intermediate));
    await writeFileAt(join(dir.path, 'cert.pem'), content(leaf));
    await writeFileAt(join(dir.path, 'key.pem'), leaf.keyPem);
    const observed = await observeCertificate(aDesiredCertificate(dir.path), { trust });
    expect(observed.files.cert).toMatchObject({ exists: true, readable: true });
    expect(observed.certificate).toBeUndefined();
    expect(observed.certificateError).toMatch(message);
    expect(observed.keyMatchesCertificate).toBeUndefined();
  });

  test('a key that belongs to another certificate does not match', async () => {
    const leaf = await aCert(signedBy(intermediate));
    const other = await aCert(signedBy(intermediate));
    await writeFileAt(join(dir.path, 'cert.pem'), leaf.certPem);
    await writeFileAt(join(dir.path, 'key.pem'), other.keyPem);
    const observed = await observeCertificate(aDesiredCertificate(dir.path), { trust });
    expect(observed.key).toBeDefined();
    expect(observed.keyMatchesCertificate).toBe(false);
  });

  test('a self-signed certificate with the same SANs does not verify', async () => {
    const selfSigned = await aCert(withSans('a.example'));
    await writeFileAt(join(dir.path, 'cert.pem'), selfSigned.certPem);
    const observed = await observeCertificate(aDesiredCertificate(dir.path), { trust });
    expect(observed.certificate?.sans.dns).toEqual(['a.example']);
    expect(observed.certificate?.selfSigned).toBe(true);
    expect(observed.certificate?.chainVerifies).toBe(false);
  });

  test('a certificate from a second CA with the same names does not verify', async () => {
    const otherRoot = await aCa();
    const otherIntermediate = await anIntermediate(otherRoot);
    const foreign = await aCert(withSans('a.example'), signedBy(otherIntermediate));
    await writeFileAt(join(dir.path, 'cert.pem'), foreign.certPem);
    await writeFileAt(join(dir.path, 'chain.pem'), otherIntermediate.certPem);
    const desired = aDesiredCertificate(dir.path, { files: { cert: 'cert.pem', chain: 'chain.pem' } });
    const observed = await observeCertificate(desired, { trust });
    expect(observed.certificate?.issuer).toBe('CN=Test Intermediate CA');
    expect(observed.certificate?.selfSigned).toBe(false);
    expect(observed.certificate?.chainVerifies).toBe(false);
    expect(observed.chainFilesCurrent.chain).toBe(false);
  });

  test('chain verification uses the chain file, else the bundled certificates, else the issuer intermediates', async () => {
    const leaf = await aCert(signedBy(intermediate));
    const noIntermediates: TrustMaterial = { rootsPem: root.certPem, intermediatesPem: '' };
    const certOnly = aDesiredCertificate(dir.path, { files: { cert: 'cert.pem' } });

    await writeFileAt(join(dir.path, 'cert.pem'), leaf.certPem);
    expect((await observeCertificate(certOnly, { trust })).certificate?.chainVerifies).toBe(true);
    expect((await observeCertificate(certOnly, { trust: noIntermediates })).certificate?.chainVerifies).toBe(
      false,
    );

    await writeFileAt(join(dir.path, 'cert.pem'), joinPem(leaf.certPem, intermediate.certPem));
    expect((await observeCertificate(certOnly, { trust: noIntermediates })).certificate?.chainVerifies).toBe(
      true,
    );

    await writeFileAt(join(dir.path, 'cert.pem'), leaf.certPem);
    await writeFileAt(join(dir.path, 'chain.pem'), intermediate.certPem);
    const withChain = aDesiredCertificate(dir.path, { files: { cert: 'cert.pem', chain: 'chain.pem' } });
    expect((await observeCertificate(withChain, { trust: noIntermediates })).certificate?.chainVerifies).toBe(
      true,
    );
  });

  test('without trust material chain facts stay undecided', async () => {
    const leaf = await aCert(signedBy(intermediate));
    await writeIssued(leaf);
    const observed = await observeCertificate(aDesiredCertificate(dir.path, { files: ALL_FILES }));
    expect(observed.certificate).toBeDefined();
    expect(observed.certificate?.chainVerifies).toBeUndefined();
    expect(observed.chainFilesCurrent).toEqual({});
  });

  test('SANs of every type are read and canonicalized (IPv4, IPv6 compressed lower-case)', async () => {
    const leaf = await aCert(
      withSans('B.Example', 'a.example', '10.0.0.1', '2001:0DB8:0:0:0:0:0:1', 'fe80::A', 'Ops@Example.ORG'),
      withSans('spiffe://cluster.local/ns/a', '192.168.1.20'),
      signedBy(intermediate),
    );
    await writeFileAt(join(dir.path, 'cert.pem'), leaf.certPem);
    const observed = await observeCertificate(aDesiredCertificate(dir.path));
    expect(observed.certificate?.sans).toEqual({
      dns: ['a.example', 'b.example'],
      ip: ['10.0.0.1', '192.168.1.20', '2001:db8::1', 'fe80::a'],
      email: ['Ops@example.org'],
      uri: ['spiffe://cluster.local/ns/a'],
    });
  });

  test('a certificate without SANs, key usage or EKU gives empty lists and its common name', async () => {
    const leaf = await aCert(withCommonName('plain'), withExtendedKeyUsage(), signedBy(intermediate));
    await writeFileAt(join(dir.path, 'cert.pem'), leaf.certPem);
    const data = (await observeCertificate(aDesiredCertificate(dir.path))).certificate;
    expect(data?.commonName).toBe('plain');
    expect(data?.sans).toEqual({ dns: [], ip: [], email: [], uri: [] });
    expect(data?.extendedKeyUsage).toEqual([]);
  });

  test('key usage and extended key usage are named', async () => {
    const leaf = await aCert(
      withKeyUsage(
        KeyUsage.digitalSignature,
        KeyUsage.keyEncipherment,
        KeyUsage.keyAgreement,
        KeyUsage.decipherOnly,
      ),
      withExtendedKeyUsage(ExtendedKeyUsage.codeSigning, '1.2.3.4.5'),
      signedBy(intermediate),
    );
    await writeFileAt(join(dir.path, 'cert.pem'), leaf.certPem);
    const data = (await observeCertificate(aDesiredCertificate(dir.path))).certificate;
    expect(data?.keyUsage).toEqual(['digitalSignature', 'keyEncipherment', 'keyAgreement', 'decipherOnly']);
    expect(data?.extendedKeyUsage).toEqual(['codeSigning', '1.2.3.4.5']);
  });

  test('file mode, owner and group are reported', async () => {
    const leaf = await aCert(signedBy(intermediate));
    const certPath = join(dir.path, 'cert.pem');
    await writeFileAt(certPath, leaf.certPem);
    await chmod(certPath, 0o640);
    const isRoot = process.getuid?.() === 0;
    if (isRoot) await chown(certPath, 1234, 5678);
    const file = (await observeCertificate(aDesiredCertificate(dir.path))).files.cert;
    expect(file?.mode).toBe(0o640);
    expect(file?.uid).toBe(isRoot ? 1234 : process.getuid?.());
    expect(file?.gid).toBe(isRoot ? 5678 : process.getgid?.());
  });

  test('a directory in place of the certificate file is unreadable (EISDIR), not a crash', async () => {
    await mkdir(join(dir.path, 'cert.pem'));
    const observed = await observeCertificate(aDesiredCertificate(dir.path), { trust });
    expect(observed.files.cert).toMatchObject({ exists: true, readable: false, error: 'EISDIR' });
    expect(observed.files.cert?.sha256).toBeUndefined();
    expect(observed.certificate).toBeUndefined();
  });

  test('a file below a regular file does not exist (ENOTDIR kept as error)', async () => {
    await writeFileAt(join(dir.path, 'notadir'), 'x');
    const desired = aDesiredCertificate(dir.path, { files: { cert: 'notadir/cert.pem' } });
    const observed = await observeCertificate(desired);
    expect(observed.files.cert).toMatchObject({ exists: false, readable: false, error: 'ENOTDIR' });
  });

  const asRoot = process.getuid?.() === 0;
  (asRoot ? test.skip : test)(
    'a file without read permission is unreadable (EACCES) [skipped as root: root reads mode 000 files]',
    async () => {
      const leaf = await aCert(signedBy(intermediate));
      await writeFileAt(join(dir.path, 'cert.pem'), leaf.certPem, 0o000);
      const observed = await observeCertificate(aDesiredCertificate(dir.path));
      expect(observed.files.cert).toMatchObject({ exists: true, readable: false, error: 'EACCES' });
    },
  );

  test.each([
    ['ecdsa-p384', 'pkcs8'],
    ['ecdsa-p384', 'sec1'],
    ['ed25519', 'pkcs8'],
    ['rsa-2048', 'pkcs8'],
    ['rsa-2048', 'pkcs1'],
  ] as const)('detects %s keys (%s key file) on both sides', async (algorithm, format) => {
    const leaf = await aCert(withKey(algorithm), signedBy(intermediate));
    await writeFileAt(join(dir.path, 'cert.pem'), leaf.certPem);
    await writeFileAt(join(dir.path, 'key.pem'), leaf.keyPemAs(format));
    const observed = await observeCertificate(aDesiredCertificate(dir.path), { trust });
    expect(observed.keyError).toBeUndefined();
    expect(observed.certificate?.keyAlgorithm).toBe(algorithm);
    expect(observed.key?.keyAlgorithm).toBe(algorithm);
    expect(observed.keyMatchesCertificate).toBe(true);
  });

  test('a CA signing with a P-384 key issues certificates that verify', async () => {
    const root384 = await aCa(withKey('ecdsa-p384'));
    const leaf = await aCert(signedBy(root384));
    await writeFileAt(join(dir.path, 'cert.pem'), leaf.certPem);
    const observed = await observeCertificate(aDesiredCertificate(dir.path), {
      trust: { rootsPem: root384.certPem, intermediatesPem: '' },
    });
    expect(observed.certificate?.chainVerifies).toBe(true);
  });

  test.each([
    [
      'an encrypted key',
      '-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n',
      /unsupported key format "ENCRYPTED PRIVATE KEY"/,
    ],
    ['a certificate instead of a key', (l: BuiltCertificate) => l.certPem, /no PEM private key found/],
    ['a truncated key', (l: BuiltCertificate) => l.keyPem.slice(0, 60), /truncated/],
    [
      'a broken key body',
      '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n',
      /the PRIVATE KEY block could not be parsed/,
    ],
  ])('the key file holding %s gives keyError without key material', async (_, content, message) => {
    const leaf = await aCert(signedBy(intermediate));
    await writeFileAt(join(dir.path, 'cert.pem'), leaf.certPem);
    await writeFileAt(join(dir.path, 'key.pem'), typeof content === 'string' ? content : content(leaf));
    const observed = await observeCertificate(aDesiredCertificate(dir.path));
    expect(observed.key).toBeUndefined();
    expect(observed.keyError).toMatch(message);
    expect(observed.keyError).not.toMatch(/[A-Za-z0-9+/]{40}/);
    expect(observed.keyMatchesCertificate).toBeUndefined();
  });
});

describe('chainFilesCurrent', () => {
  test('stale CA bundle, chain and full chain are each reported', async () => {
    const leaf = await aCert(signedBy(intermediate));
    const oldIntermediate = await anIntermediate(root);
    const otherRoot = await aCa();
    await writeIssued(leaf, oldIntermediate.certPem);
    await writeFileAt(join(dir.path, 'ca.pem'), joinPem(otherRoot.certPem));
    const observed = await observeCertificate(aDesiredCertificate(dir.path, { files: ALL_FILES }), { trust });
    expect(observed.chainFilesCurrent).toEqual({ chain: false, fullchain: false, caBundle: false });
  });

  test('a CA bundle that gained a root is stale; same roots with CRLF line endings are stale too', async () => {
    const leaf = await aCert(signedBy(intermediate));
    await writeIssued(leaf);
    const desired = aDesiredCertificate(dir.path, { files: ALL_FILES });
    await writeFileAt(join(dir.path, 'ca.pem'), root.certPem.replace(/\n/g, '\r\n'));
    expect((await observeCertificate(desired, { trust })).chainFilesCurrent.caBundle).toBe(false);
    const twoRoots: TrustMaterial = { ...trust, rootsPem: joinPem(root.certPem, (await aCa()).certPem) };
    await writeFileAt(join(dir.path, 'ca.pem'), joinPem(root.certPem));
    expect((await observeCertificate(desired, { trust: twoRoots })).chainFilesCurrent.caBundle).toBe(false);
    expect((await observeCertificate(desired, { trust })).chainFilesCurrent.caBundle).toBe(true);
  });

  test('missing chain files are not current; the full chain needs a parsed leaf', async () => {
    const desired = aDesiredCertificate(dir.path, { files: ALL_FILES });
    const observed = await observeCertificate(desired, { trust });
    expect(observed.chainFilesCurrent).toEqual({ chain: false, fullchain: false, caBundle: false });

    await writeFileAt(join(dir.path, 'chain.pem'), joinPem(intermediate.certPem));
    await writeFileAt(join(dir.path, 'fullchain.pem'), joinPem(intermediate.certPem));
    const noLeaf = await observeCertificate(desired, { trust });
    expect(noLeaf.chainFilesCurrent).toEqual({ chain: true, caBundle: false });
  });

  describe('when the issuer intermediates are unknown', () => {
    const noIntermediates = () => ({ rootsPem: root.certPem, intermediatesPem: '' });

    test('a chain that is the issuer chain of the leaf is current', async () => {
      const leaf = await aCert(signedBy(intermediate));
      await writeIssued(leaf);
      const observed = await observeCertificate(aDesiredCertificate(dir.path, { files: ALL_FILES }), {
        trust: noIntermediates(),
      });
      expect(observed.chainFilesCurrent).toEqual({ chain: true, fullchain: true, caBundle: true });
    });

    test('a chain from another intermediate, or not in canonical form, is stale', async () => {
      const leaf = await aCert(signedBy(intermediate));
      const sibling = await anIntermediate(root);
      const desired = aDesiredCertificate(dir.path, { files: ALL_FILES });

      await writeIssued(leaf, sibling.certPem);
      const wrong = await observeCertificate(desired, { trust: noIntermediates() });
      expect(wrong.chainFilesCurrent).toMatchObject({ chain: false, fullchain: false });

      await writeIssued(leaf);
      await writeFileAt(join(dir.path, 'chain.pem'), `\n${intermediate.certPem.replace(/\n/g, '\r\n')}`);
      const crlf = await observeCertificate(desired, { trust: noIntermediates() });
      expect(crlf.chainFilesCurrent.chain).toBe(false);
    });

    test('a full chain alone is checked for its leaf and issuer chain', async () => {
      const leaf = await aCert(signedBy(intermediate));
      const other = await aCert(signedBy(intermediate));
      const desired = aDesiredCertificate(dir.path, {
        files: { cert: 'cert.pem', fullchain: 'fullchain.pem' },
      });
      await writeFileAt(join(dir.path, 'cert.pem'), leaf.certPem);
      await writeFileAt(join(dir.path, 'fullchain.pem'), joinPem(leaf.certPem, intermediate.certPem));
      expect((await observeCertificate(desired, { trust: noIntermediates() })).chainFilesCurrent).toEqual({
        fullchain: true,
      });
      await writeFileAt(join(dir.path, 'fullchain.pem'), joinPem(other.certPem, intermediate.certPem));
      expect((await observeCertificate(desired, { trust: noIntermediates() })).chainFilesCurrent).toEqual({
        fullchain: false,
      });
    });
  });
});

describe('observeAll', () => {
  test('returns every certificate in input order; a broken one does not stop the rest', async () => {
    const names = ['one', 'two', 'three', 'four', 'five'];
    const desired = [];
    for (const name of names) {
      const sub = join(dir.path, name);
      const leaf = await aCert(withCommonName(`${name}.example`), signedBy(intermediate));
      await writeFileAt(join(sub, 'cert.pem'), name === 'three' ? 'garbage' : leaf.certPem);
      await writeFileAt(join(sub, 'key.pem'), leaf.keyPem);
      desired.push(aDesiredCertificate(sub, { name }));
    }
    await rm(join(dir.path, 'four', 'key.pem'));
    await mkdir(join(dir.path, 'four', 'key.pem'));

    const observed = await observeAll(desired, { trust, concurrency: 2 });
    expect(observed.map((o) => o.name)).toEqual(names);
    expect(observed.map((o) => o.certificate?.commonName)).toEqual([
      'one.example',
      'two.example',
      undefined,
      'four.example',
      'five.example',
    ]);
    expect(observed[2]?.certificateError).toBeDefined();
    expect(observed[3]?.files.key).toMatchObject({ readable: false, error: 'EISDIR' });
    expect(observed.map((o) => o.keyMatchesCertificate)).toEqual([true, true, undefined, undefined, true]);
  });

  test('certificates observed together verify their shared intermediate once', async () => {
    // A CA of its own: links of the file's other CAs are remembered from earlier tests.
    const ownRoot = await aCa(withCommonName('Shared Link Root'));
    const ownIntermediate = await anIntermediate(ownRoot);
    const desired = [];
    for (const name of ['one', 'two', 'three', 'four', 'five', 'six']) {
      const sub = join(dir.path, name);
      await writeFileAt(join(sub, 'cert.pem'), (await aCert(signedBy(ownIntermediate))).certPem);
      desired.push(aDesiredCertificate(sub, { name }));
    }
    const verify = jest.spyOn(nodeCrypto, 'verify');
    try {
      const observed = await observeAll(desired, {
        trust: { rootsPem: ownRoot.certPem, intermediatesPem: ownIntermediate.certPem },
      });
      expect(observed.map((o) => o.certificate?.chainVerifies)).toEqual(desired.map(() => true));
      // One check per leaf, one for the intermediate under the root.
      expect(verify).toHaveBeenCalledTimes(desired.length + 1);
    } finally {
      verify.mockRestore();
    }
  });

  test('lets other work (timers, requests) run between certificates, even when every read is synchronous', async () => {
    const leaf = await aCert(signedBy(intermediate));
    const desired = [];
    for (let i = 0; i < 20; i++) {
      await writeFileAt(join(dir.path, `${i}.pem`), leaf.certPem);
      desired.push(aDesiredCertificate(dir.path, { name: `c${i}`, files: { cert: `${i}.pem` } }));
    }
    let turns = 0;
    let running = true;
    const tick = () => {
      turns++;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    await observeAll(desired, { concurrency: 1 });
    running = false;
    expect(turns).toBeGreaterThanOrEqual(desired.length);
  });

  test('an empty list gives an empty result', async () => {
    await expect(observeAll([])).resolves.toEqual([]);
  });

  test('expiringIn sets notAfter', async () => {
    const leaf = await aCert(expiringIn('1h'), signedBy(intermediate));
    await writeFile(join(dir.path, 'cert.pem'), leaf.certPem);
    const [observed] = await observeAll([aDesiredCertificate(dir.path)]);
    const left = Date.parse(observed!.certificate!.notAfter) - Date.now();
    expect(left).toBeGreaterThan(50 * 60_000);
    expect(left).toBeLessThanOrEqual(60 * 60_000);
  });
});

describe('inspectContents', () => {
  /** The contents of every declared file, as the writer would hand them over. */
  async function contentsOf(desired: ReturnType<typeof aDesiredCertificate>): Promise<Map<string, Buffer>> {
    const paths = Object.values(desired.files).filter((p): p is string => p !== undefined);
    return new Map(await Promise.all(paths.map(async (p) => [p, await readFile(p)] as const)));
  }

  /** An observation without what only the disk knows: mode, owner, stat identity. */
  function withoutPlacement(observed: Awaited<ReturnType<typeof observeCertificate>>) {
    const files = Object.fromEntries(
      Object.entries(observed.files).map(([role, file]) => {
        const { mode, uid, gid, fingerprint, ...rest } = file!;
        return [role, rest];
      }),
    );
    return { ...observed, files };
  }

  test('finds in memory what observing the written files finds, except mode and owner', async () => {
    const leaf = await aCert(withSans('a.example', 'www.a.example'), signedBy(intermediate));
    await writeIssued(leaf);
    const desired = aDesiredCertificate(dir.path, { files: ALL_FILES });
    const fromDisk = await observeCertificate(desired, { trust });
    const contents = await contentsOf(desired);
    await rm(dir.path, { recursive: true, force: true });

    const inMemory = await inspectContents(desired, contents, { trust });
    expect(inMemory).toEqual(withoutPlacement(fromDisk));
    expect(inMemory.keyMatchesCertificate).toBe(true);
    expect(inMemory.certificate?.chainVerifies).toBe(true);
    expect(inMemory.chainFilesCurrent).toEqual({ chain: true, fullchain: true, caBundle: true });
    expect(inMemory.files.key).not.toHaveProperty('mode');
  });

  test('reports a key that does not match, a chain that does not verify, and a file it was not given', async () => {
    const stranger = await aCa(withCommonName('Stranger CA'));
    const leaf = await aCert(signedBy(stranger));
    const other = await aCert();
    const desired = aDesiredCertificate(dir.path, { files: ALL_FILES });
    const contents = new Map([
      [desired.files.cert!, Buffer.from(leaf.certPem)],
      [desired.files.key!, Buffer.from(other.keyPem)],
    ]);

    const inMemory = await inspectContents(desired, contents, { trust });
    expect(inMemory.keyMatchesCertificate).toBe(false);
    expect(inMemory.certificate?.chainVerifies).toBe(false);
    expect(inMemory.files.chain).toEqual({ path: desired.files.chain, exists: false, readable: false });
  });
});
