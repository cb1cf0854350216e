/**
 * One HTTPS request with a total deadline, a bounded body, and failures sorted
 * into the three kinds the issuer reports differently: network, TLS trust, timeout.
 */
import type { Agent } from 'node:https';
import { request } from 'node:https';
import type { TLSSocket } from 'node:tls';

export type TransportFailureKind = 'network' | 'tls' | 'timeout';

/** A request that got no HTTP answer. `detail` is Node's message (never holds the request body). */
export class TransportFailure extends Error {
  readonly kind: TransportFailureKind;
  readonly errno: string | undefined;
  constructor(kind: TransportFailureKind, detail: string, errno?: string, cause?: unknown) {
    super(detail, cause === undefined ? undefined : { cause });
    this.name = 'TransportFailure';
    this.kind = kind;
    this.errno = errno;
  }
}

export interface HttpRequest {
  readonly method: 'GET' | 'POST';
  readonly url: URL;
  readonly agent: Agent;
  readonly timeoutMs: number;
  readonly jsonBody?: unknown;
  /** Also return the DER certificates the server presented (leaf first). */
  readonly capturePeerChain?: boolean;
}

export interface HttpResponse {
  readonly status: number;
  readonly body: string;
  readonly peerChainDer: readonly Buffer[];
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;

// OpenSSL verification codes and Node's TLS codes: all mean "cannot trust this server".
const TLS_CODE = /CERT|SELF_SIGNED|UNABLE_TO_|ERR_TLS|ERR_SSL|HOSTNAME|ALTNAME/;

export function classifyErrno(code: string | undefined): TransportFailureKind {
  return code !== undefined && TLS_CODE.test(code) ? 'tls' : 'network';
}

export function sendRequest(req: HttpRequest): Promise<HttpResponse> {
  return new Promise((resolvePromise, rejectPromise) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const payload = req.jsonBody === undefined ? undefined : Buffer.from(JSON.stringify(req.jsonBody));
    const outgoing = request(req.url, {
      method: req.method,
      agent: req.agent,
      headers: {
        accept: 'application/json',
        ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
      },
    });
    const timer = setTimeout(() => {
      settle(() =>
        rejectPromise(new TransportFailure('timeout', `no answer within ${req.timeoutMs} ms`, 'ETIMEDOUT')),
      );
      outgoing.destroy();
    }, req.timeoutMs);

    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      settle(() =>
        rejectPromise(new TransportFailure(classifyErrno(error.code), error.message, error.code, error)),
      );
    });
    outgoing.on('response', (incoming) => {
      const peerChainDer = req.capturePeerChain ? peerChainOf(incoming.socket as TLSSocket) : [];
      const chunks: Buffer[] = [];
      let size = 0;
      incoming.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          settle(() => rejectPromise(new TransportFailure('network', 'response body too large')));
          outgoing.destroy();
          return;
        }
        chunks.push(chunk);
      });
      incoming.on('end', () => {
        settle(() =>
          resolvePromise({
            status: incoming.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            peerChainDer,
          }),
        );
      });
      incoming.on('error', (error: NodeJS.ErrnoException) => {
        settle(() => rejectPromise(new TransportFailure('network', error.message, error.code, error)));
      });
    });
    outgoing.end(payload);
  });
}

/** The certificates the server sent, leaf first, each once (Node links the root to itself). */
function peerChainOf(socket: TLSSocket): Buffer[] {
  const chain: Buffer[] = [];
  const seen = new Set<string>();
  let cert = socket.getPeerCertificate?.(true);
  while (cert?.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    chain.push(cert.raw);
    cert = cert.issuerCertificate;
  }
  return chain;
}
