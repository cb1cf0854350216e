/**
 * A scripted stand-in for step-ca, for the answers a real one cannot be made
 * to give on demand (401, 5xx, silence). Unit tests only: the real server is
 * in the integration tests.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { CompactEncrypt, exportJWK, generateKeyPair, type JWK } from 'jose';
import { createLocalCaIssuer } from '../../../src/issuers/index.js';
import { aRequest, withSans } from './builders.js';

export interface FakeAnswer {
  status: number;
  body?: unknown;
  /** Never answer (for timeouts). */
  hang?: boolean;
}

export interface FakeStepCa {
  url: string;
  rootPem: string;
  rootPath: string;
  password: string;
  publicJwk: JWK;
  privateD: string;
  /** Bodies of the POST /1.0/sign requests received. */
  signRequests: { csr: string; ott: string; notAfter: string }[];
  /** Answers for the next sign requests, in order; the last repeats. */
  signAnswers: FakeAnswer[];
  provisionerClaims: Record<string, string> | undefined;
  close(): Promise<void>;
}

export async function startFakeStepCa(directory: string): Promise<FakeStepCa> {
  const local = await createLocalCaIssuer({ directory });
  const serverCert = await local.issue(aRequest(withSans({ ip: ['127.0.0.1'] })));
  const trust = await local.trust();
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const privateJwk = { ...(await exportJWK(privateKey)), kid: 'fake-kid', alg: 'ES256', use: 'sig' };
  const publicJwk = { ...(await exportJWK(publicKey)), kid: 'fake-kid', alg: 'ES256', use: 'sig' };
  const password = 'fake password with spaces';
  const encryptedKey = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(privateJwk)))
    .setProtectedHeader({ alg: 'PBES2-HS256+A128KW', enc: 'A256GCM', cty: 'jwk+json' })
    .setKeyManagementParameters({ p2c: 100_000 })
    .encrypt(new TextEncoder().encode(password));

  const fake: Omit<FakeStepCa, 'url' | 'close'> = {
    rootPem: trust.rootsPem,
    rootPath: `${directory}/root_ca.crt`,
    password,
    publicJwk,
    privateD: privateJwk.d as string,
    signRequests: [],
    signAnswers: [{ status: 201, body: {} }],
    provisionerClaims: undefined,
  };

  const server: Server = createServer(
    { key: serverCert.keyPem, cert: serverCert.certificatePem + serverCert.chainPem },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const reply = (status: number, body: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        const url = new URL(req.url ?? '/', 'https://fake');
        if (url.pathname === '/provisioners') {
          // Two pages, to exercise nextCursor.
          if (url.searchParams.get('cursor') !== 'page2') {
            return reply(200, { provisioners: [{ type: 'ACME', name: 'acme' }], nextCursor: 'page2' });
          }
          return reply(200, {
            provisioners: [
              { type: 'JWK', name: 'fake', key: publicJwk, encryptedKey, claims: fake.provisionerClaims },
            ],
            nextCursor: '',
          });
        }
        if (url.pathname === '/1.0/sign' && req.method === 'POST') {
          fake.signRequests.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          const answer =
            fake.signAnswers.length > 1
              ? (fake.signAnswers.shift() as FakeAnswer)
              : (fake.signAnswers[0] as FakeAnswer);
          if (answer.hang) return;
          return reply(answer.status, answer.body ?? {});
        }
        return reply(404, { status: 404, message: 'not found' });
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    ...fake,
    get signRequests() {
      return fake.signRequests;
    },
    get signAnswers() {
      return fake.signAnswers;
    },
    set signAnswers(value) {
      fake.signAnswers = value;
    },
    get provisionerClaims() {
      return fake.provisionerClaims;
    },
    set provisionerClaims(value) {
      fake.provisionerClaims = value;
    },
    url: `https://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
