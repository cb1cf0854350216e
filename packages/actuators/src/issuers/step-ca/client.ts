/**
 * JSON over HTTPS to one step-ca, with every failure turned into an IssuerError
 * that names the CA's URL. HTTP statuses are left to the caller, which knows
 * what the request was for; `httpFailure` gives the generic mapping.
 */
import type { Agent } from 'node:https';
import { IssuerError, omitUndefined } from '@certloop/core';
import { type HttpResponse, sendRequest, TransportFailure } from './transport.js';

export interface ApiResponse {
  readonly status: number;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  readonly json: unknown;
  /** The `message` step-ca puts in its error bodies. */
  readonly caMessage: string | undefined;
  readonly peerChainDer: HttpResponse['peerChainDer'];
}

export interface StepCaClientOptions {
  readonly caUrl: string;
  readonly agent: Agent;
  readonly timeoutMs: number;
  /** How the root was configured ("root file /x/root.crt" or "fingerprint ab12..."), for TLS errors. */
  readonly trustDescription: string;
}

export class StepCaClient {
  constructor(private readonly options: StepCaClientOptions) {}

  get caUrl(): string {
    return this.options.caUrl;
  }

  async call(
    method: 'GET' | 'POST',
    path: string,
    jsonBody?: unknown,
    capturePeerChain = false,
  ): Promise<ApiResponse> {
    const { caUrl, agent, timeoutMs } = this.options;
    let response: HttpResponse;
    try {
      response = await sendRequest({
        method,
        url: new URL(`${caUrl}${path}`),
        agent,
        timeoutMs,
        jsonBody,
        capturePeerChain,
      });
    } catch (error) {
      throw transportError(error, { ...this.options, method, path });
    }
    const json = parseJson(response.body);
    return {
      status: response.status,
      json,
      caMessage: messageOf(json) ?? (response.body.trim().slice(0, 300) || undefined),
      peerChainDer: response.peerChainDer,
    };
  }
}

/** An IssuerError for a request that got no HTTP answer. */
export function transportError(
  error: unknown,
  context: { caUrl: string; timeoutMs: number; trustDescription: string; method: string; path: string },
): IssuerError {
  if (!(error instanceof TransportFailure)) {
    return new IssuerError('ISSUER_UNREACHABLE', `Cannot reach the Step-CA at ${context.caUrl}.`, {
      cause: error,
    });
  }
  switch (error.kind) {
    case 'timeout':
      return new IssuerError(
        'ISSUER_TIMEOUT',
        `The Step-CA at ${context.caUrl} did not answer ${context.method} ${context.path} within ${context.timeoutMs / 1000} s.`,
        {
          cause: error,
          hint: 'Check the CA and the network; a slow CA can be given more time with --ca-timeout.',
        },
      );
    case 'tls':
      if (/ALTNAME|HOSTNAME/.test(error.errno ?? '')) {
        return new IssuerError(
          'ISSUER_TLS',
          `The TLS certificate of the Step-CA at ${context.caUrl} is not valid for that host name: ${error.message}`,
          { cause: error, hint: "Use a CA URL whose host is among the CA's dnsNames (ca.json)." },
        );
      }
      return new IssuerError(
        'ISSUER_TLS',
        `The TLS certificate of the Step-CA at ${context.caUrl} does not verify against the ${context.trustDescription} (root mismatch?): ${error.message}`,
        {
          cause: error,
          hint: 'Point --root / STEP_ROOT at the root certificate of this CA, or bootstrap with its --fingerprint.',
        },
      );
    case 'network':
      return new IssuerError(
        'ISSUER_UNREACHABLE',
        `Cannot reach the Step-CA at ${context.caUrl}: ${error.message}`,
        { cause: error, hint: 'Check that step-ca is running and that the CA URL is right.' },
      );
  }
}

/** The generic IssuerError for a non-2xx answer: 5xx, 408 and 429 are transient, other statuses are final. */
export function httpFailure(response: ApiResponse, what: string, caUrl: string, hint?: string): IssuerError {
  const said = response.caMessage ? `: ${response.caMessage}` : '.';
  const options = omitUndefined({ hint });
  if (response.status >= 500 || response.status === 408 || response.status === 429) {
    return new IssuerError(
      'ISSUER_SERVER',
      `The Step-CA at ${caUrl} failed ${what} (HTTP ${response.status})${said}`,
      { ...options, retryable: true },
    );
  }
  if (response.status >= 400) {
    return new IssuerError(
      'ISSUER_REJECTED',
      `The Step-CA at ${caUrl} rejected ${what} (HTTP ${response.status})${said}`,
      { ...options, retryable: false },
    );
  }
  return new IssuerError(
    'ISSUER_SERVER',
    `The Step-CA at ${caUrl} answered ${what} with unexpected HTTP ${response.status}.`,
    { ...options, retryable: false },
  );
}

export function isOk(response: ApiResponse): boolean {
  return response.status >= 200 && response.status < 300;
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

function messageOf(json: unknown): string | undefined {
  if (typeof json === 'object' && json !== null && 'message' in json) {
    const message = (json as { message: unknown }).message;
    if (typeof message === 'string' && message.trim() !== '') return message.trim();
  }
  return undefined;
}
