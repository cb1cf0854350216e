/**
 * The few etcd v3 calls a lease needs, over etcd's JSON gateway (HTTP/1.1,
 * `/v3/...`, served by etcd 3.4 and later on its client port): grant, keep
 * alive, revoke, a put-if-absent transaction and a read. node:http(s) only:
 * the gRPC client (etcd3) loads .proto files from disk at run time, which the
 * single executable cannot carry; the gateway needs nothing but the request.
 *
 * Endpoints are tried in order; each request has a deadline, so an etcd that
 * stopped answering is a failed call, never a hang.
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { CertloopError } from '@certloop/core';

export interface EtcdClientOptions {
  readonly endpoints: readonly string[];
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  /** Deadline of each request. */
  readonly timeoutMs: number;
}

export interface EtcdKeyValue {
  readonly value: string;
  readonly lease: string;
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const unb64 = (text: string) => Buffer.from(text, 'base64').toString('utf8');

export class EtcdClient {
  readonly #endpoints: readonly URL[];
  readonly #agent: HttpsAgent | undefined;
  readonly #timeoutMs: number;
  /** The endpoint that answered last, tried first next time. */
  #preferred = 0;

  constructor(options: EtcdClientOptions) {
    this.#endpoints = options.endpoints.map((endpoint) => new URL(endpoint));
    this.#timeoutMs = options.timeoutMs;
    const tls = this.#endpoints.some((url) => url.protocol === 'https:');
    this.#agent = tls
      ? new HttpsAgent({
          keepAlive: true,
          ...(options.caFile === undefined ? {} : { ca: readTlsFile(options.caFile, 'CA certificate') }),
          ...(options.certFile === undefined
            ? {}
            : { cert: readTlsFile(options.certFile, 'client certificate') }),
          ...(options.keyFile === undefined ? {} : { key: readTlsFile(options.keyFile, 'client key') }),
        })
      : undefined;
  }

  /** A new lease of `ttlMs` (rounded up to whole seconds); its id. */
  async grant(ttlMs: number): Promise<string> {
    const answer = await this.#call('/v3/lease/grant', { TTL: Math.ceil(ttlMs / 1000) });
    const id = field(answer, 'ID');
    if (typeof id !== 'string') throw protocolError('lease/grant');
    return id;
  }

  /** Renews the lease; resolves to the seconds it has left (0: it had expired, it is gone). */
  async keepAlive(lease: string): Promise<number> {
    const answer = await this.#call('/v3/lease/keepalive', { ID: lease });
    const result = field(answer, 'result');
    return Number(field(result, 'TTL') ?? 0);
  }

  async revoke(lease: string): Promise<void> {
    await this.#call('/v3/lease/revoke', { ID: lease });
  }

  /** Puts `value` at `key`, attached to `lease`, only if the key does not exist; true when it did. */
  async createIfAbsent(key: string, value: string, lease: string): Promise<boolean> {
    const answer = await this.#call('/v3/kv/txn', {
      compare: [{ key: b64(key), target: 'CREATE', create_revision: '0' }],
      success: [{ request_put: { key: b64(key), value: b64(value), lease } }],
    });
    return field(answer, 'succeeded') === true;
  }

  async get(key: string): Promise<EtcdKeyValue | undefined> {
    const answer = await this.#call('/v3/kv/range', { key: b64(key) });
    const kvs = field(answer, 'kvs');
    const first: unknown = Array.isArray(kvs) ? kvs[0] : undefined;
    const value = field(first, 'value');
    if (typeof value !== 'string') return undefined;
    const lease = field(first, 'lease');
    return { value: unb64(value), lease: typeof lease === 'string' ? lease : '0' };
  }

  close(): void {
    this.#agent?.destroy();
  }

  async #call(path: string, body: unknown): Promise<unknown> {
    let lastError: unknown;
    for (let i = 0; i < this.#endpoints.length; i += 1) {
      const index = (this.#preferred + i) % this.#endpoints.length;
      try {
        const answer = await this.#post(this.#endpoints[index]!, path, body);
        this.#preferred = index;
        return answer;
      } catch (error) {
        if (error instanceof CertloopError) throw error; // etcd answered: another endpoint would say the same
        lastError = error;
      }
    }
    throw new CertloopError(
      'LOCK_TIMEOUT',
      `etcd did not answer at ${this.#endpoints.map((u) => u.origin).join(', ')}: ${describe(lastError)}.`,
      { cause: lastError, hint: 'Check that etcd runs and that its endpoints and TLS files are right.' },
    );
  }

  #post(endpoint: URL, path: string, body: unknown): Promise<unknown> {
    const payload = JSON.stringify(body);
    const url = new URL(path, endpoint);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(
        url,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
          timeout: this.#timeoutMs,
          ...(this.#agent === undefined ? {} : { agent: this.#agent }),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown;
            try {
              // The keep-alive endpoint is a stream: one JSON object per line; the first is the answer.
              parsed = JSON.parse(text.split('\n')[0] ?? '');
            } catch {
              reject(new Error(`etcd answered ${res.statusCode} with something that is not JSON`));
              return;
            }
            if (res.statusCode !== 200) {
              const message = field(parsed, 'message') ?? field(parsed, 'error') ?? `HTTP ${res.statusCode}`;
              reject(new CertloopError('LOCK_TIMEOUT', `etcd refused ${path}: ${String(message)}.`));
              return;
            }
            resolve(parsed);
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.#timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }
}

function readTlsFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new CertloopError('LOCK_TIMEOUT', `Cannot read the etcd ${what} ${path}.`, { cause: error });
  }
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

function protocolError(call: string): CertloopError {
  return new CertloopError('LOCK_TIMEOUT', `etcd's answer to ${call} was not understood.`);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
