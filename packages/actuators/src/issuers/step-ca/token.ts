/**
 * The one-time token step-ca wants with each sign request, with the claims the
 * step CLI puts in it. Tokens are minted just in time, one per request.
 */
import { randomBytes } from 'node:crypto';
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

export async function signToken(claims: SignTokenClaims, key: ProvisionerSigningKey): Promise<string> {
  // Loaded on first use (cached by the module system): `plan` never signs.
  const { SignJWT } = await import('jose');
  return new SignJWT({ ...claims, sans: [...claims.sans] })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .sign(key.privateKey);
}
