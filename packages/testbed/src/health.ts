import https from 'node:https';
import net from 'node:net';

/** A port that was free on 127.0.0.1 a moment ago (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface HttpsResult {
  status: number;
  body: string;
}

/** GET over TLS verified against `caPem` only (never with verification off). */
export function httpsGet(url: string, caPem: string, timeoutMs = 2_000): Promise<HttpsResult> {
  return new Promise((resolve, reject) => {
    const request = https.get(url, { ca: caPem, timeout: timeoutMs, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${url} timed out after ${timeoutMs}ms`)));
    request.on('error', reject);
  });
}

/** True when `GET /health` answers `{"status":"ok"}` over verified TLS. */
export async function isHealthy(baseUrl: string, caPem: string): Promise<boolean> {
  try {
    const { status, body } = await httpsGet(`${baseUrl}/health`, caPem);
    return status === 200 && (JSON.parse(body) as { status?: unknown }).status === 'ok';
  } catch {
    return false;
  }
}
