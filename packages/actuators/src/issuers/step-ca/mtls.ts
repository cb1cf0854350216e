/**
 * The requests step-ca authenticates with the client's own certificate
 * (mutual TLS): `/1.0/renew`, `/1.0/rekey` and `/1.0/revoke`. No provisioner
 * secret is involved; the certificate's key lives only in this request's agent.
 */
import { Agent } from 'node:https';
import { type CurrentCertificate, IssuerError, joinPem } from '@certloop/core';
import { keyPemMatchesCertificatePem, parseCertificatePem } from '@certloop/x509';
import { type ApiResponse, StepCaClient } from './client.js';
import { TransportFailure } from './transport.js';

export interface MtlsContext {
  readonly caUrl: string;
  readonly rootsPem: string;
  /** Sent after the leaf: step-ca verifies client certificates against its roots only. */
  readonly intermediatesPem: string;
  readonly timeoutMs: number;
  readonly trustDescription: string;
}

export type MtlsPath = '/1.0/renew' | '/1.0/rekey' | '/1.0/revoke';

/**
 * One POST authenticated by `current`. A refused handshake (expired, revoked
 * at the TLS layer, missing clientAuth) is a final IssuerError, not a trust
 * problem of the CA's certificate.
 */
export async function postWithCertificate(
  context: MtlsContext,
  current: CurrentCertificate,
  path: MtlsPath,
  body: unknown,
): Promise<ApiResponse> {
  assertPair(context.caUrl, current, path);
  // A fresh agent per request: the key is not kept in a pool beyond this call.
  const agent = new Agent({
    keepAlive: false,
    maxCachedSessions: 0,
    ca: context.rootsPem,
    cert: joinPem(current.certificatePem, context.intermediatesPem),
    key: current.keyPem,
  });
  const client = new StepCaClient({
    caUrl: context.caUrl,
    agent,
    timeoutMs: context.timeoutMs,
    trustDescription: context.trustDescription,
  });
  try {
    return await client.call('POST', path, body);
  } catch (error) {
    // The client already turned transport failures into IssuerErrors; a TLS alert means "not this certificate".
    const cause = error instanceof IssuerError ? error.cause : undefined;
    if (cause instanceof TransportFailure && refusedCertificate(cause)) {
      throw new IssuerError(
        'ISSUER_REJECTED',
        `The Step-CA at ${context.caUrl} refused the client certificate for ${path}: ${cause.message}`,
        { cause, retryable: false },
      );
    }
    throw error;
  } finally {
    agent.destroy();
  }
}

/** Node would fail deep in the TLS setup with a generic error; say what is wrong before any request. */
function assertPair(caUrl: string, current: CurrentCertificate, path: MtlsPath): void {
  if (!keyPemMatchesCertificatePem(current.certificatePem, current.keyPem)) {
    throw new IssuerError(
      'ISSUER_REJECTED',
      `Cannot call ${path} of the Step-CA at ${caUrl}: the private key does not belong to the certificate (or one of them does not parse).`,
      { retryable: false },
    );
  }
}

function refusedCertificate(failure: TransportFailure): boolean {
  return (
    failure.kind !== 'timeout' && /ALERT|bad certificate/i.test(`${failure.errno ?? ''} ${failure.message}`)
  );
}

/** The serial as step-ca compares it in revocation requests: decimal. */
export function decimalSerialOf(certificatePem: string): string {
  return BigInt(`0x${parseCertificatePem(certificatePem).serial}`).toString(10);
}
