import { webcrypto } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import type { ProvisionerSigningKey } from '../../src/issuers/step-ca/provisioner-key.js';
import { signToken, signTokenClaims } from '../../src/issuers/step-ca/token.js';

const claims = signTokenClaims({
  provisioner: 'admin',
  caUrl: 'https://ca.example:9000',
  commonName: 'a.example',
  sans: ['a.example', '192.0.2.1'],
  rootFingerprint: 'ab'.repeat(32),
  nowMs: Date.now(),
});

const algorithms: [
  string,
  webcrypto.EcKeyGenParams | webcrypto.RsaHashedKeyGenParams | webcrypto.Algorithm,
][] = [
  ['ES256', { name: 'ECDSA', namedCurve: 'P-256' } as webcrypto.EcKeyGenParams],
  ['ES384', { name: 'ECDSA', namedCurve: 'P-384' } as webcrypto.EcKeyGenParams],
  ['EdDSA', { name: 'Ed25519' }],
  [
    'RS256',
    {
      name: 'RSASSA-PKCS1-v1_5',
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: 'SHA-256',
    } as webcrypto.RsaHashedKeyGenParams,
  ],
  [
    'PS256',
    {
      name: 'RSA-PSS',
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: 'SHA-256',
    } as webcrypto.RsaHashedKeyGenParams,
  ],
];

describe('signToken', () => {
  it.each(algorithms)(
    'signs a %s token that verifies with the public key and carries the claims',
    async (alg, params) => {
      // Non-extractable, as the decrypted provisioner key is.
      const keys = (await webcrypto.subtle.generateKey(params, false, [
        'sign',
        'verify',
      ])) as webcrypto.CryptoKeyPair;
      const key: ProvisionerSigningKey = { kid: 'kid-1', alg, privateKey: keys.privateKey };

      const token = await signToken(claims, key);

      expect(decodeProtectedHeader(token)).toEqual({ alg, kid: 'kid-1', typ: 'JWT' });
      const { payload } = await jwtVerify(token, keys.publicKey, {
        issuer: 'admin',
        audience: 'https://ca.example:9000/1.0/sign',
        subject: 'a.example',
        currentDate: new Date(claims.iat * 1000),
      });
      expect(payload).toEqual({ ...claims, sans: ['a.example', '192.0.2.1'] });
    },
  );
});
