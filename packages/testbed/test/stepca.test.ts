import 'reflect-metadata';
import { randomUUID, webcrypto } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import * as x509 from '@peculiar/x509';
import { calculateJwkThumbprint, compactDecrypt, decodeProtectedHeader, importJWK, SignJWT } from 'jose';
import { httpsGet, type StepCaHandle, startStepCa, stepCaBinary } from '../src/index.js';

x509.cryptoProvider.set(webcrypto as unknown as ReturnType<typeof x509.cryptoProvider.get>);

interface ProvisionerEntry {
  type: string;
  name: string;
  key: { kid: string; kty: string; crv: string; x: string; y: string };
  encryptedKey: string;
}

async function getJson<T>(ca: StepCaHandle, route: string): Promise<T> {
  const { status, body } = await httpsGet(`${ca.url}${route}`, ca.rootPem);
  // step-ca 0.19 answers some GETs (e.g. /roots) with 201.
  expect([200, 201]).toContain(status);
  return JSON.parse(body) as T;
}

async function jwkProvisioner(ca: StepCaHandle): Promise<ProvisionerEntry> {
  const { provisioners } = await getJson<{ provisioners: ProvisionerEntry[] }>(ca, '/provisioners');
  const entry = provisioners.find((p) => p.type === 'JWK' && p.name === ca.provisioner);
  if (!entry) throw new Error(`no JWK provisioner ${ca.provisioner} in /provisioners`);
  return entry;
}

/** Decrypts like a step client would: PBES2 with the CLI's 100000 iterations allowed. */
async function decryptKey(encryptedKey: string, password: string): Promise<Record<string, string>> {
  const { plaintext } = await compactDecrypt(encryptedKey, new TextEncoder().encode(password), {
    keyManagementAlgorithms: ['PBES2-HS256+A128KW'],
    maxPBES2Count: 100_000,
  });
  return JSON.parse(new TextDecoder().decode(plaintext)) as Record<string, string>;
}

function post(ca: StepCaHandle, route: string, payload: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = https.request(
      `${ca.url}${route}`,
      { method: 'POST', ca: ca.rootPem, headers: { 'content-type': 'application/json' }, agent: false },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          body += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    request.on('error', reject);
    request.end(JSON.stringify(payload));
  });
}

async function signRequest(ca: StepCaHandle, name: string) {
  const entry = await jwkProvisioner(ca);
  const privateJwk = await decryptKey(entry.encryptedKey, ca.password);
  const now = Math.floor(Date.now() / 1000);
  const ott = await new SignJWT({ sans: [name], sha: ca.fingerprint })
    .setProtectedHeader({ alg: 'ES256', kid: entry.key.kid, typ: 'JWT' })
    .setIssuer(ca.provisioner)
    .setSubject(name)
    .setAudience(`${ca.url}/1.0/sign`)
    .setJti(randomUUID())
    .setNotBefore(now)
    .setIssuedAt(now)
    .setExpirationTime(now + 300)
    .sign(await importJWK(privateJwk, 'ES256'));
  const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${name}`,
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: name }])],
  });
  return { csr: csr.toString('pem'), ott, notAfter: '5m' };
}

function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

describe('startStepCa', () => {
  let ca: StepCaHandle;

  beforeAll(async () => {
    ca = await startStepCa();
  }, 60_000);

  afterAll(async () => {
    await ca?.dispose();
  });

  test('serves /health over TLS verified against the new root', async () => {
    expect(ca.url).toBe(`https://127.0.0.1:${ca.port}`);
    expect(ca.pid).toEqual(expect.any(Number));
    const { status, body } = await httpsGet(`${ca.url}/health`, ca.rootPem);
    expect(status).toBe(200);
    expect(JSON.parse(body)).toEqual({ status: 'ok' });
  });

  test('a client that trusts another root is refused, so verification is really on', async () => {
    const other = await startStepCa();
    try {
      await expect(httpsGet(`${ca.url}/health`, other.rootPem)).rejects.toThrow(/certificate/i);
    } finally {
      await other.dispose();
    }
  });

  test('/roots returns the root whose fingerprint the handle reports', async () => {
    const { crts } = await getJson<{ crts: string[] }>(ca, '/roots');
    expect(crts).toHaveLength(1);
    const served = new x509.X509Certificate(crts[0] ?? '');
    const digest = Buffer.from(await served.getThumbprint('SHA-256')).toString('hex');
    expect(digest).toBe(ca.fingerprint);
    expect(ca.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(served.equal(new x509.X509Certificate(ca.rootPem))).toBe(true);
    expect(await readFile(ca.rootPath, 'utf8')).toBe(ca.rootPem);
  });

  test('the root and intermediate carry the CA constraints step ca init gives them', () => {
    const root = new x509.X509Certificate(ca.rootPem);
    const intermediate = new x509.X509Certificate(ca.intermediatePem);
    const rootBc = root.getExtension(x509.BasicConstraintsExtension);
    const intBc = intermediate.getExtension(x509.BasicConstraintsExtension);
    expect([rootBc?.ca, rootBc?.pathLength]).toEqual([true, 1]);
    expect([intBc?.ca, intBc?.pathLength]).toEqual([true, 0]);
    const usage = x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign;
    expect(intermediate.getExtension(x509.KeyUsagesExtension)?.usages).toBe(usage);
    expect(intermediate.issuer).toBe(root.subject);
  });

  test('/provisioners lists the JWK provisioner whose encryptedKey decrypts with the password', async () => {
    const entry = await jwkProvisioner(ca);
    expect(ca.provisioner).toBe('admin@thinkheads.ai');
    expect(entry.key.kid).toBe(await calculateJwkThumbprint(entry.key));
    expect(entry.key.kid).toBe(ca.provisionerKid);
    expect(decodeProtectedHeader(entry.encryptedKey)).toMatchObject({
      alg: 'PBES2-HS256+A128KW',
      enc: 'A256GCM',
      cty: 'jwk+json',
      p2c: 100_000,
    });
    const privateJwk = await decryptKey(entry.encryptedKey, ca.password);
    expect(privateJwk).toMatchObject({ kty: 'EC', crv: 'P-256', x: entry.key.x, y: entry.key.y });
    expect(privateJwk.d).toEqual(expect.any(String));
    await expect(decryptKey(entry.encryptedKey, `${ca.password}-wrong`)).rejects.toThrow();
  });

  test('the password file holds the password with mode 0600', async () => {
    expect((await readFile(ca.passwordFile, 'utf8')).trim()).toBe(ca.password);
    expect((await stat(ca.passwordFile)).mode & 0o777).toBe(0o600);
  });

  test('the STEPPATH dir holds defaults.json and the root as step ca bootstrap writes them', async () => {
    const defaults = JSON.parse(await readFile(path.join(ca.stepPath, 'config', 'defaults.json'), 'utf8'));
    const root = path.join(ca.stepPath, 'certs', 'root_ca.crt');
    expect(defaults).toEqual({ 'ca-url': ca.url, fingerprint: ca.fingerprint, root });
    expect(await readFile(root, 'utf8')).toBe(ca.rootPem);
  });

  test('signs a CSR with a provisioner token once and rejects the replayed token', async () => {
    const request = await signRequest(ca, 'replay.test.internal');
    const first = await post(ca, '/1.0/sign', request);
    expect(first.status).toBe(201);
    const replay = await post(ca, '/1.0/sign', request);
    expect(replay.status).toBe(401);
    // The generic 401 body hides the reason; the CA log names it.
    expect(await readFile(ca.logPath, 'utf8')).toMatch(/token already used/);
  });

  test('stop() makes the port refuse connections and start() brings the same CA back', async () => {
    const { port, fingerprint } = ca;
    await ca.stop();
    expect(ca.pid).toBeUndefined();
    expect(await connectionRefused(port)).toBe(true);
    await ca.stop(); // idempotent

    await ca.start();
    expect(ca.port).toBe(port);
    const { crts } = await getJson<{ crts: string[] }>(ca, '/roots');
    const served = new x509.X509Certificate(crts[0] ?? '');
    expect(Buffer.from(await served.getThumbprint('SHA-256')).toString('hex')).toBe(fingerprint);
  });

  test('setProvisionerPassword re-encrypts the served key and rewrites the password file', async () => {
    const oldPassword = ca.password;
    const before = await jwkProvisioner(ca);
    await ca.setProvisionerPassword('a new test password');

    const after = await jwkProvisioner(ca);
    expect(after.key).toEqual(before.key);
    expect((await decryptKey(after.encryptedKey, 'a new test password')).d).toBe(
      (await decryptKey(before.encryptedKey, oldPassword)).d,
    );
    await expect(decryptKey(after.encryptedKey, oldPassword)).rejects.toThrow();
    expect(ca.password).toBe('a new test password');
    expect((await readFile(ca.passwordFile, 'utf8')).trim()).toBe('a new test password');
  });
});

describe('startup failures', () => {
  test('a port already taken fails with the tail of the step-ca log and leaves no temp dir', async () => {
    const blocker = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const error = await startStepCa({ port }).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error?.message).toMatch(/exited with .* before it was healthy/);
      expect(error?.message).toMatch(/address already in use/);
      const dir = /Last lines of (.*)\/step-ca\.log/.exec(error?.message ?? '')?.[1];
      expect(dir && existsSync(dir)).toBe(false);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  test('a missing step-ca binary is an error that says how to build it', () => {
    const saved = process.env.STEP_CA_BIN;
    process.env.STEP_CA_BIN = path.join('/nonexistent', 'step-ca');
    try {
      expect(() => stepCaBinary()).toThrow('step-ca is not built: run `pnpm stepca:build`');
    } finally {
      if (saved === undefined) delete process.env.STEP_CA_BIN;
      else process.env.STEP_CA_BIN = saved;
    }
  });
});
