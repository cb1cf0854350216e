/**
 * The least complete issuer: everything certloop does for a new certificate,
 * written as plainly as Node allows and with nothing else (no manifest, plan,
 * lock, status, logging, retries or error handling; one process already
 * running, so no start-up). Per certificate: a fresh P-256 key, the CSR, a
 * one-time token, the POST over keep-alive TLS, the leaf checked against the
 * intermediate and the key, key and certificate written atomically (fsync,
 * rename, directory fsync), then a provenance record likewise. It answers
 * "how close to the raw client can any Node implementation of certloop's
 * guarantees get on this machine?". With `files: false` it skips both writes:
 * what is left when nothing touches the disk.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto';
import {
  closeSync,
  constants,
  fsync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { Agent } from 'node:https';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { bitString, explicit, octets, oid, seq, uint } from './der.js';
import { dist } from './paths.js';
import { csrPem, post } from './raw-sign.js';

const fsyncAsync = promisify(fsync);
const CREATE = constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW;
const base64url = (value) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** A JWK provisioner's one-time token, signed with node:crypto (ES256, r||s). */
function token(ca, key, commonName, sans) {
  const now = Math.floor(Date.now() / 1000);
  const header = base64url({ alg: 'ES256', kid: ca.provisionerKid, typ: 'JWT' });
  const claims = base64url({
    iss: ca.provisioner,
    aud: `${ca.url}/1.0/sign`,
    sub: commonName,
    sans,
    sha: ca.fingerprint,
    jti: randomBytes(32).toString('hex'),
    iat: now,
    nbf: now,
    exp: now + 300,
  });
  const signature = sign('sha256', Buffer.from(`${header}.${claims}`), { key, dsaEncoding: 'ieee-p1363' });
  return `${header}.${claims}.${signature.toString('base64url')}`;
}

const P256 = seq(oid('1.2.840.10045.2.1'), oid('1.2.840.10045.3.1.7'));

/**
 * A fresh P-256 key with its SPKI and PKCS#8 PEM encoded from the JWK, as
 * certloop does: OpenSSL's encoders cost more than the key itself.
 */
function freshKey() {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { d, x, y } = privateKey.export({ format: 'jwk' });
  const point = Buffer.concat([Buffer.from([4]), Buffer.from(x, 'base64url'), Buffer.from(y, 'base64url')]);
  const ecPrivateKey = seq(
    uint(Buffer.from([1])),
    octets(Buffer.from(d, 'base64url')),
    explicit(1, bitString(point)),
  );
  const pkcs8 = seq(uint(Buffer.from([0])), P256, octets(ecPrivateKey));
  const body = pkcs8.toString('base64').replace(/.{64}/g, '$&\n');
  return {
    privateKey,
    spki: seq(P256, bitString(point)),
    keyPem: `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`,
  };
}

/** Temp files written and fsynced, renamed in order, then the directory fsynced. */
async function writeAtomically(directory, files) {
  const temps = [];
  for (const [name, data, mode] of files) {
    const temp = join(directory, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
    const fd = openSync(temp, CREATE, mode);
    writeSync(fd, data);
    await fsyncAsync(fd);
    closeSync(fd);
    temps.push([temp, join(directory, name)]);
  }
  for (const [temp, target] of temps) renameSync(temp, target);
  const dirFd = openSync(directory, constants.O_RDONLY);
  await fsyncAsync(dirFd);
  closeSync(dirFd);
}

async function provisionerKey(ca) {
  const { decryptProvisionerKey } = await import(dist('testbed'));
  const config = JSON.parse(readFileSync(ca.configPath, 'utf8'));
  const entry = config.authority.provisioners.find((p) => p.type === 'JWK' && p.name === ca.provisioner);
  return createPrivateKey({
    key: await decryptProvisionerKey(entry.encryptedKey, ca.password),
    format: 'jwk',
  });
}

/** Issues `names` into `directory`, `concurrency` at a time; resolves to the elapsed ms (set-up excluded). */
export async function minimalIssue(ca, names, concurrency, directory, { files = true } = {}) {
  const key = await provisionerKey(ca);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency, ca: ca.rootPem });
  const url = new URL(`${ca.url}/1.0/sign`);
  for (let d = 0; d < 50; d++) mkdirSync(join(directory, 'certs', String(d)), { recursive: true });
  const records = join(directory, 'provenance');
  mkdirSync(records, { recursive: true });

  const intermediates = new Map();
  const intermediateKey = (pem) => {
    if (!intermediates.has(pem)) intermediates.set(pem, new X509Certificate(pem).publicKey);
    return intermediates.get(pem);
  };

  const one = async (index) => {
    const { commonName, sans } = names[index];
    const pair = freshKey();
    const body = JSON.stringify({
      csr: csrPem(commonName, sans, pair),
      ott: token(ca, key, commonName, sans),
      notAfter: '24h',
    });
    const { crt, ca: intermediatePem } = JSON.parse(await post(url, agent, body));
    const leaf = new X509Certificate(crt);
    if (!leaf.checkPrivateKey(pair.privateKey) || !leaf.verify(intermediateKey(intermediatePem))) {
      throw new Error(`${commonName}: the certificate does not match`);
    }
    if (!files) return;
    await writeAtomically(join(directory, 'certs', String(index % 50)), [
      [`${commonName}.key`, pair.keyPem, 0o600],
      [`${commonName}.crt`, crt, 0o644],
    ]);
    const record = JSON.stringify({
      name: commonName,
      sans,
      serial: leaf.serialNumber,
      notAfter: leaf.validTo,
    });
    await writeAtomically(records, [[`${commonName}.json`, record, 0o600]]);
  };

  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < names.length) await one(next++);
    }),
  );
  const ms = performance.now() - started;
  agent.destroy();
  return ms;
}
