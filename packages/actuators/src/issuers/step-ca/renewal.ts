/**
 * Renewal and revocation with the certificate itself as the credential:
 * `/1.0/renew` keeps the key, `/1.0/rekey` signs a fresh one, `/1.0/revoke`
 * retires the certificate. step-ca copies names and lifetime from the
 * current certificate, so the request only supplies the new key's algorithm.
 */
import {
  type CurrentCertificate,
  type IssuedCertificate,
  type IssueRequest,
  IssuerError,
  type Logger,
  REVOCATION_REASONS,
  type RevocationOutcome,
  type RevocationReason,
} from '@certloop/core';
import { createCsr } from '@certloop/x509';
import { issuedCertificate } from '../issued.js';
import { keyForRequest } from '../request-key.js';
import { type RetryPolicy, withRetries } from '../retry.js';
import { type ApiResponse, httpFailure, isOk } from './client.js';
import { decimalSerialOf, type MtlsContext, postWithCertificate } from './mtls.js';
import { intermediatesOf, parseSignResponse } from './sign-response.js';
import type { CaTrust } from './trust.js';

export interface RenewalDeps {
  readonly context: MtlsContext;
  readonly trust: CaTrust;
  readonly retry: RetryPolicy;
  readonly logger: Logger;
}

/** Renews (same key) or rekeys (fresh key) `current`; a refusal is a final IssuerError. */
export async function renewWithCertificate(
  deps: RenewalDeps,
  current: CurrentCertificate,
  request: IssueRequest,
  rekey: boolean,
): Promise<IssuedCertificate> {
  const { context, trust, retry, logger } = deps;
  let keyPem = current.keyPem;
  let body: { csr: string } | undefined;
  if (rekey) {
    const fresh = await keyForRequest({ ...request, existingKeyPem: undefined });
    keyPem = fresh.keyPem;
    body = { csr: createCsr(fresh.privateKey, request.commonName, request.sans) };
  }
  const path = rekey ? '/1.0/rekey' : '/1.0/renew';
  logger.debug('Renewing a certificate over mTLS', { name: request.name, caUrl: context.caUrl, path });
  const response = await withRetries(
    `Renewing ${request.name}`,
    async () => {
      const answer = await postWithCertificate(context, current, path, body);
      if (!isOk(answer)) throw renewalFailure(answer, request.name, context.caUrl, rekey);
      return answer;
    },
    retry,
    { logger },
  );
  const signed = parseSignResponse(response, context.caUrl);
  return issuedCertificate({
    certificatePem: signed.leaf,
    intermediatesPem: intermediatesOf(signed, trust),
    rootsPem: trust.rootsPem,
    keyPem,
  });
}

/** The body of a revocation; `ott` when a provisioner token authenticates it instead of the certificate. */
export function revocationBody(certificatePem: string, reason: RevocationReason, ott?: string) {
  return {
    serial: decimalSerialOf(certificatePem),
    reasonCode: REVOCATION_REASONS[reason],
    reason,
    // step-ca 0.19 implements passive revocation only (its database refuses renewals).
    passive: true,
    ...(ott === undefined ? {} : { ott }),
  };
}

/** Revokes `current` over mTLS. */
export async function revokeWithCertificate(
  deps: RenewalDeps,
  current: CurrentCertificate,
  reason: RevocationReason,
  name: string,
): Promise<RevocationOutcome> {
  const { context, retry, logger } = deps;
  return withRetries(
    `Revoking ${name}`,
    async () => {
      const answer = await postWithCertificate(
        context,
        current,
        '/1.0/revoke',
        revocationBody(current.certificatePem, reason),
      );
      return revocationOutcome(answer, name, context.caUrl);
    },
    retry,
    { logger },
  );
}

/** step-ca answers a second revocation with 400 "... is already revoked": the goal holds, so it is an outcome. */
export function revocationOutcome(answer: ApiResponse, name: string, caUrl: string): RevocationOutcome {
  if (isOk(answer)) return 'revoked';
  if (answer.status === 400 && /already revoked/i.test(answer.caMessage ?? '')) return 'already-revoked';
  throw httpFailure(answer, `the revocation of ${name}`, caUrl);
}

function renewalFailure(response: ApiResponse, name: string, caUrl: string, rekey: boolean): IssuerError {
  const what = `the ${rekey ? 'rekey' : 'renewal'} of ${name}`;
  if (response.status === 401 || response.status === 403) {
    const said = response.caMessage ? `: ${response.caMessage}` : '.';
    return new IssuerError(
      'ISSUER_REJECTED',
      `The Step-CA at ${caUrl} refused ${what} (HTTP ${response.status})${said}`,
      {
        retryable: false,
        hint: 'The certificate may be revoked, expired, or its provisioner may disable renewal.',
      },
    );
  }
  return httpFailure(response, what, caUrl);
}
