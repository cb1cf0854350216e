/** The CA's provisioner list (`GET /provisioners`, paginated) and the JWK provisioner certloop signs with. */
import { IssuerError } from '@certloop/core';
import { parseGoDuration } from '../go-duration.js';
import { httpFailure, isOk, type StepCaClient } from './client.js';

/** A provisioner as `/provisioners` lists it: public data only. */
export interface ProvisionerListing {
  readonly type: string;
  readonly name: string;
  readonly key?: {
    readonly kid?: string;
    readonly alg?: string;
    readonly kty?: string;
    readonly crv?: string;
  };
  readonly encryptedKey?: string;
  readonly claims?: Readonly<Record<string, unknown>>;
}

export interface JwkProvisioner {
  readonly name: string;
  readonly kid: string;
  readonly encryptedKey: string;
  readonly limits: LifetimeLimits;
}

/** TLS certificate lifetime limits of a provisioner. */
export interface LifetimeLimits {
  readonly minMs: number;
  readonly maxMs: number;
  /** True when the provisioner sets them itself; otherwise they are step-ca's defaults, which ca.json may change. */
  readonly fromProvisioner: boolean;
}

export const STEP_CA_DEFAULT_LIMITS: LifetimeLimits = {
  minMs: 5 * 60_000,
  maxMs: 24 * 3_600_000,
  fromProvisioner: false,
};

const MAX_PAGES = 100;

export async function listProvisioners(client: StepCaClient): Promise<ProvisionerListing[]> {
  const all: ProvisionerListing[] = [];
  let cursor = '';
  for (let page = 0; page < MAX_PAGES; page++) {
    const query = cursor === '' ? '' : `?cursor=${encodeURIComponent(cursor)}`;
    const response = await client.call('GET', `/provisioners${query}`);
    if (!isOk(response)) throw httpFailure(response, 'the provisioner list request', client.caUrl);
    const body = response.json as { provisioners?: unknown; nextCursor?: unknown } | undefined;
    if (!Array.isArray(body?.provisioners)) {
      throw new IssuerError(
        'ISSUER_SERVER',
        `The Step-CA at ${client.caUrl} answered /provisioners without a provisioner list: is it a step-ca?`,
        { retryable: false },
      );
    }
    all.push(...body.provisioners.filter(isListing));
    cursor = typeof body.nextCursor === 'string' ? body.nextCursor : '';
    if (cursor === '') return all;
  }
  return all;
}

/** The JWK provisioner named `name`, or an error that lists the ones the CA has. */
export function selectJwkProvisioner(
  listings: readonly ProvisionerListing[],
  name: string,
  caUrl: string,
): JwkProvisioner {
  const named = listings.filter((p) => p.name === name);
  const jwk = named.find((p) => p.type.toUpperCase() === 'JWK');
  const available = listings.map((p) => `${p.name} (${p.type})`).join(', ') || 'none';
  if (jwk === undefined) {
    const why =
      named.length > 0
        ? `the provisioner "${name}" is of type ${named.map((p) => p.type).join('/')}, but certloop signs with JWK provisioners only`
        : `it has no provisioner named "${name}"`;
    throw new IssuerError(
      'ISSUER_CONFIG',
      `The Step-CA at ${caUrl} cannot be used: ${why}. Available: ${available}.`,
      {
        hint: 'Set --provisioner / STEP_PROVISIONER to one of the JWK provisioners listed.',
        retryable: false,
      },
    );
  }
  if (!jwk.key?.kid || !jwk.encryptedKey) {
    throw new IssuerError(
      'ISSUER_CONFIG',
      `The JWK provisioner "${name}" of the Step-CA at ${caUrl} does not publish its encrypted key, so certloop cannot sign tokens with it.`,
      {
        hint: 'Create the provisioner with an encrypted key (step ca provisioner add --create).',
        retryable: false,
      },
    );
  }
  return { name, kid: jwk.key.kid, encryptedKey: jwk.encryptedKey, limits: lifetimeLimitsOf(jwk.claims) };
}

/** The provisioner's own TLS lifetime claims over step-ca's defaults. */
export function lifetimeLimitsOf(claims: Readonly<Record<string, unknown>> | undefined): LifetimeLimits {
  const duration = (key: string) =>
    typeof claims?.[key] === 'string' ? parseGoDuration(claims[key] as string) : undefined;
  const minMs = duration('minTLSCertDuration');
  const maxMs = duration('maxTLSCertDuration');
  return {
    minMs: minMs ?? STEP_CA_DEFAULT_LIMITS.minMs,
    maxMs: maxMs ?? STEP_CA_DEFAULT_LIMITS.maxMs,
    fromProvisioner: minMs !== undefined || maxMs !== undefined,
  };
}

function isListing(value: unknown): value is ProvisionerListing {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record.type === 'string' && typeof record.name === 'string';
}
