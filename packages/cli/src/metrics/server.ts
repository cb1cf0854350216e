/**
 * `--metrics-addr HOST:PORT`: GET / (the status page), /metrics (Prometheus
 * text), /healthz (the process is alive) and /readyz (the service is doing
 * its job: see health.ts). Nothing else; no request body is read.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { omitUndefined, UsageError } from '@certloop/core';
import type { Registry } from 'prom-client';

export interface Readiness {
  readonly ready: boolean;
  /** One sentence, served as the body. */
  readonly message: string;
}

export interface MetricsServer {
  /** http://HOST:PORT, with the port actually bound (PORT 0 picks a free one). */
  readonly url: string;
  close(): Promise<void>;
}

/** "HOST:PORT", "[v6]:PORT" or ":PORT" (all interfaces). */
export function parseListenAddress(text: string): { host: string | undefined; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text.trim());
  const port = match ? Number(match[3]) : Number.NaN;
  if (!match || port > 65_535) {
    throw new UsageError(`--metrics-addr must be HOST:PORT, e.g. 127.0.0.1:9464, got "${text}"`);
  }
  const host = match[1] ?? match[2];
  return { host: host === '' ? undefined : host, port };
}

export async function startMetricsServer(
  address: string,
  endpoints: {
    registry: Registry;
    readiness: () => Readiness;
    /** The status page; undefined until the first pass was looked at. */
    page?: () => string | undefined;
  },
): Promise<MetricsServer> {
  const { host, port } = parseListenAddress(address);
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      endpoints.registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': endpoints.registry.contentType }).end(text),
        () => response.writeHead(500).end('metrics unavailable\n'),
      );
      return;
    }
    if (path === '/' && endpoints.page !== undefined) {
      const html = endpoints.page();
      const headers = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' };
      if (html === undefined) {
        response
          .writeHead(503, { ...headers, 'retry-after': '5' })
          .end(
            '<!doctype html><title>certloop</title><p>certloop is starting: no pass has finished yet.</p>\n',
          );
      } else {
        response.writeHead(200, headers).end(html);
      }
      return;
    }
    if (path === '/healthz') {
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    if (path === '/readyz') {
      const { ready, message } = endpoints.readiness();
      response.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' }).end(`${message}\n`);
      return;
    }
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
  // Idle keep-alive sockets must not hold up shutdown.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(omitUndefined({ port, host }), () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const shownHost = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  return {
    url: `http://${shownHost}:${bound.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
