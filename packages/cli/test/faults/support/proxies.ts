/**
 * Loopback proxies that put faults between certloop and a real step-ca.
 *
 * - TcpFaultProxy forwards raw TCP (TLS passes through untouched, so the CA's
 *   own certificate is what certloop verifies) or, by mode, swallows
 *   connections without answering ('blackhole') or resets them ('reset').
 * - HttpsFaultProxy terminates TLS with a certificate the CA issued for
 *   127.0.0.1 (so certloop still trusts it), sees each request, and answers it
 *   itself (e.g. 502), holds it at a gate, or forwards it to the CA (and may
 *   rewrite the CA's answer).
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  Agent,
  createServer as createHttpsServer,
  type Server as HttpsServer,
  request as httpsRequest,
} from 'node:https';
import { connect, createServer as createTcpServer, type Server, type Socket } from 'node:net';

export type TcpMode = 'pass' | 'blackhole' | 'reset';

export class TcpFaultProxy {
  mode: TcpMode;
  /** Connections accepted so far, whatever the mode. */
  accepted = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
    mode: TcpMode,
  ) {
    this.mode = mode;
  }

  static async start(targetPort: number, mode: TcpMode = 'pass'): Promise<TcpFaultProxy> {
    let proxy: TcpFaultProxy | undefined;
    const server = createTcpServer((client) => proxy?.accept(client, targetPort));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('proxy has no port');
    proxy = new TcpFaultProxy(server, address.port, mode);
    return proxy;
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => {});
  }

  private accept(client: Socket, targetPort: number): void {
    this.accepted += 1;
    this.track(client);
    if (this.mode === 'reset') {
      client.resetAndDestroy();
      return;
    }
    if (this.mode === 'blackhole') {
      client.resume(); // read and discard: the TLS handshake never gets an answer
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    this.track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', closeBoth);
    upstream.on('close', closeBoth);
  }

  /** Drops every open connection (what a CA restart does to keep-alive connections). */
  dropConnections(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  async close(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  /** 'forwarded', or the status the proxy answered with itself. */
  readonly answer: 'forwarded' | number;
}

/** What to do with a request: forward it, or answer with a status. May wait (a gate). */
export type Verdict = 'forward' | { readonly status: number };
export type Decide = (request: { method: string; path: string }) => Verdict | Promise<Verdict>;

export interface HttpsProxyOptions {
  /** Upstream CA base URL, e.g. https://127.0.0.1:9000. */
  readonly upstream: string;
  readonly upstreamRootPem: string;
  /** The proxy's own TLS key and certificate chain (leaf first), issued for 127.0.0.1. */
  readonly keyPem: string;
  readonly certChainPem: string;
  readonly decide: Decide;
  /** Removed from the front of each path before forwarding (certloop then signs tokens for a URL the CA does not serve). */
  readonly stripPrefix?: string;
  /** Rewrites the body of a forwarded answer before certloop gets it (a CA that answers wrongly). */
  readonly rewrite?: (request: { method: string; path: string }, body: string) => string;
}

export class HttpsFaultProxy {
  readonly seen: SeenRequest[] = [];
  /** The one-time tokens of the sign requests that passed through: secrets a test looks for in output. */
  readonly tokens: string[] = [];
  /** Forwarded requests the CA did not answer (it was stopped): the client's connection was dropped. */
  upstreamFailures = 0;
  private readonly agent: Agent;

  private constructor(
    private readonly server: HttpsServer,
    readonly port: number,
    agent: Agent,
  ) {
    this.agent = agent;
  }

  static async start(options: HttpsProxyOptions): Promise<HttpsFaultProxy> {
    const agent = new Agent({ keepAlive: true, ca: options.upstreamRootPem });
    let proxy: HttpsFaultProxy | undefined;
    const server = createHttpsServer({ key: options.keyPem, cert: options.certChainPem }, (req, res) => {
      void proxy?.handle(req, res, options);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('proxy has no port');
    proxy = new HttpsFaultProxy(server, address.port, agent);
    return proxy;
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  count(predicate: (r: SeenRequest) => boolean): number {
    return this.seen.filter(predicate).length;
  }

  private async handle(req: IncomingMessage, res: ServerResponse, options: HttpsProxyOptions): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const path =
      options.stripPrefix && url.startsWith(options.stripPrefix)
        ? url.slice(options.stripPrefix.length)
        : url;
    this.recordToken(body);
    const verdict = await options.decide({ method, path });
    if (verdict !== 'forward') {
      this.seen.push({ method, path, answer: verdict.status });
      res.writeHead(verdict.status, { 'content-type': 'text/html' });
      res.end('<html><body>Bad Gateway (fault injected by the test proxy)</body></html>');
      return;
    }
    this.seen.push({ method, path, answer: 'forwarded' });
    const upstream = httpsRequest(`${options.upstream}${path}`, {
      method,
      agent: this.agent,
      headers: {
        ...(req.headers['content-type'] ? { 'content-type': req.headers['content-type'] } : {}),
        'content-length': body.length,
        accept: req.headers.accept ?? '*/*',
      },
    });
    upstream.on('response', (answer) => {
      const head = { 'content-type': answer.headers['content-type'] ?? 'application/json' };
      const { rewrite } = options;
      if (rewrite === undefined) {
        res.writeHead(answer.statusCode ?? 502, head);
        answer.pipe(res);
        return;
      }
      const parts: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => parts.push(chunk));
      answer.on('end', () => {
        res.writeHead(answer.statusCode ?? 502, head);
        res.end(rewrite({ method, path }, Buffer.concat(parts).toString('utf8')));
      });
    });
    upstream.on('error', () => {
      // The CA is gone: certloop sees the connection drop, as it would without the proxy.
      this.upstreamFailures += 1;
      res.socket?.destroy();
    });
    upstream.end(body);
  }

  private recordToken(body: Buffer): void {
    try {
      const ott = (JSON.parse(body.toString('utf8')) as { ott?: unknown }).ott;
      if (typeof ott === 'string') this.tokens.push(ott);
    } catch {
      // not JSON: no token
    }
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.agent.destroy();
  }
}

/** A gate: requests wait on `opened` until `open()`; `waiting` counts who arrived. */
export class Gate {
  waiting = 0;
  private release: () => void = () => {};
  private readonly promise = new Promise<void>((resolve) => {
    this.release = resolve;
  });

  async pass(): Promise<void> {
    this.waiting += 1;
    await this.promise;
  }

  open(): void {
    this.release();
  }
}
