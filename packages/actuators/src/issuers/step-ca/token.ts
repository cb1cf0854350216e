/**
 * The one-time token step-ca wants with each sign request, with the claims the
 * step CLI puts in it. Tokens are minted just in time, one per request.
 */

import { KeyObject, randomBytes, sign, type webcrypto } from 'node:crypto';
import { omitUndefined } from '@certloop/core';
import type { ProvisionerSigningKey } from './provisioner-key.js';

/** Token lifetime, as the step CLI's default. */
export const TOKEN_VALIDITY_SECONDS = 5 * 60;

/** The claims of a sign token: safe to log (they hold no secret; the signature does). */
export interface SignTokenClaims {
  readonly iss: string;
  readonly aud: string;
  readonly sub: string;
  readonly sans: readonly string[];
  readonly iat: number;
  readonly nbf: number;
  readonly exp: number;
  readonly jti: string;
  /** SHA-256 of the root, lower-case hex (the step CLI's `sha` claim). */
  readonly sha: string;
}

export interface SignTokenInput {
  readonly provisioner: string;
  readonly caUrl: string;
  readonly commonName: string;
  readonly sans: readonly string[];
  readonly rootFingerprint: string;
  readonly nowMs: number;
  readonly jti?: string;
}

/** The claims of a token for `POST /1.0/sign` (pure but for a random jti when none is given). */
export function signTokenClaims(input: SignTokenInput): SignTokenClaims {
  // Rounded up: step-ca refuses a token issued before it started, and a CA
  // that started within this second would otherwise see iat as too early.
  const now = Math.ceil(input.nowMs / 1000);
  return {
    iss: input.provisioner,
    aud: `${input.caUrl}/1.0/sign`,
    sub: input.commonName,
    sans: [...input.sans],
    iat: now,
    nbf: now,
    exp: now + TOKEN_VALIDITY_SECONDS,
    jti: input.jti ?? randomBytes(32).toString('hex'),
    sha: input.rootFingerprint,
  };
}

/** How node:crypto signs for a JWS algorithm; undefined leaves the algorithm to jose. */
function nodeSignature(alg: string): { digest: string | null; dsaEncoding?: 'ieee-p1363' } | undefined {
  switch (alg) {
    case 'ES256':
      return { digest: 'sha256', dsaEncoding: 'ieee-p1363' };
    case 'ES384':
      return { digest: 'sha384', dsaEncoding: 'ieee-p1363' };
    case 'ES512':
      return { digest: 'sha512', dsaEncoding: 'ieee-p1363' };
    case 'RS256':
      return { digest: 'sha256' };
    case 'EdDSA':
      return { digest: null };
    default:
      return undefined;
  }
}

const base64url = (bytes: Buffer | string): string => Buffer.from(bytes).toString('base64url');

/**
 * The compact JWS of the claims. The common algorithms are signed with
 * node:crypto directly (one token per certificate: jose's per-call overhead
 * showed in profiles); anything else goes through jose.
 */
export async function signToken(claims: SignTokenClaims, key: ProvisionerSigningKey): Promise<string> {
  const scheme = nodeSignature(key.alg);
  if (scheme !== undefined) {
    const header = base64url(JSON.stringify({ alg: key.alg, kid: key.kid, typ: 'JWT' }));
    const payload = base64url(JSON.stringify(claims));
    const input = `${header}.${payload}`;
    const signature = sign(
      scheme.digest,
      Buffer.from(input),
      omitUndefined({ key: keyObjectOf(key), dsaEncoding: scheme.dsaEncoding }),
    );
    return `${input}.${base64url(signature)}`;
  }
  // Loaded on first use (cached by the module system): `plan` never signs.
  const { SignJWT } = await import('jose');
  return new SignJWT({ ...claims, sans: [...claims.sans] })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .sign(key.privateKey);
}

// The KeyObject behind each (non-extractable) CryptoKey, looked up once per key.
const keyObjects = new WeakMap<object, KeyObject>();

function keyObjectOf(key: ProvisionerSigningKey): KeyObject {
  let keyObject = keyObjects.get(key.privateKey);
  if (keyObject === undefined) {
    keyObject = KeyObject.from(key.privateKey as webcrypto.CryptoKey);
    keyObjects.set(key.privateKey, keyObject);
  }
  return keyObject;
}

/** The claims of a token for `POST /1.0/revoke`: the subject is the serial (decimal), no SANs. */
export function revokeTokenClaims(
  input: Omit<SignTokenInput, 'commonName' | 'sans'> & { readonly serial: string },
): SignTokenClaims {
  const claims = signTokenClaims({ ...input, commonName: input.serial, sans: [] });
  return { ...claims, aud: `${input.caUrl}/1.0/revoke` };
}
