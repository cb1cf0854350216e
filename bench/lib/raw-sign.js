/**
 * The issuance baseline: the least a client can do to get N certificates from
 * step-ca. Everything that is not the HTTP exchange is prepared before the clock
 * starts: keys, CSRs (DER built by hand, ~0.3 ms each) and N one-time tokens
 * minted with jose from the decrypted provisioner key.
 */
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bitString, explicit, oid, seq, set, tlv, uint, utf8 } from './der.js';
import { dist, REPO } from './paths.js';

const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'));

/**
 * A PKCS#10 request for `commonName` and DNS `sans`, signed with the key pair
 * (a fresh P-256 one by default); `spki` spares the public key's export.
 */
export function csrPem(
  commonName,
  sans,
  { publicKey, privateKey, spki } = generateKeyPairSync('ec', { namedCurve: 'P-256' }),
) {
  const san = seq(oid('2.5.29.17'), tlv(0x04, seq(...sans.map((name) => tlv(0x82, Buffer.from(name))))));
  const info = seq(
    uint(Buffer.from([0])),
    seq(set(seq(oid('2.5.4.3'), utf8(commonName)))),
    spki ?? publicKey.export({ type: 'spki', format: 'der' }),
    explicit(0, seq(oid('1.2.840.113549.1.9.14'), set(seq(san)))),
  );
  const der = seq(info, ECDSA_SHA256, bitString(sign('sha256', info, privateKey)));
  return `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
}

async function jose() {
  const require = createRequire(join(REPO, 'packages', 'actuators', 'package.json'));
  return import(pathToFileURL(require.resolve('jose')).href);
}

/** N requests ready to send: CSR and a fresh token each. Tokens live 5 minutes: prepare right before sending. */
export async function prepareRequests(ca, names) {
  const { importJWK, SignJWT } = await jose();
  const { decryptProvisionerKey } = await import(dist('testbed'));
  const config = JSON.parse(readFileSync(ca.configPath, 'utf8'));
  const entry = config.authority.provisioners.find((p) => p.type === 'JWK' && p.name === ca.provisioner);
  const jwk = await decryptProvisionerKey(entry.encryptedKey, ca.password);
  const key = await importJWK(jwk, 'ES256');
  const now = Math.ceil(Date.now() / 1000);
  const requests = [];
  for (const { commonName, sans } of names) {
    const ott = await new SignJWT({
      sans,
      sha: ca.fingerprint,
      jti: randomBytes(32).toString('hex'),
    })
      .setProtectedHeader({ alg: 'ES256', kid: ca.provisionerKid, typ: 'JWT' })
      .setIssuer(ca.provisioner)
      .setAudience(`${ca.url}/1.0/sign`)
      .setSubject(commonName)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + 300)
      .sign(key);
    requests.push(JSON.stringify({ csr: csrPem(commonName, sans), ott, notAfter: '24h' }));
  }
  return requests;
}

/** POSTs `body` as JSON; resolves to the answer's text when step-ca says 201 Created. */
export function post(url, agent, body) {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          res.statusCode === 201
            ? resolve(text)
            : reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 300)}`));
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Sends the prepared requests `concurrency` at a time over keep-alive TLS; resolves to the elapsed ms. */
export async function sendAll(ca, requests, concurrency) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency, ca: ca.rootPem });
  const url = new URL(`${ca.url}/1.0/sign`);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests.length) await post(url, agent, requests[next++]);
    }),
  );
  const ms = performance.now() - started;
  agent.destroy();
  return ms;
}
