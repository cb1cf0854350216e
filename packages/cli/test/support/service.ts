/** The service (`certloop reconcile` with a metrics listener) as a process, for tests that scrape it or load its page. */
import { spawnCli } from './run.js';

export interface RunningService {
  /** The listener's base URL, as the service logged it. */
  readonly url: string;
  /** What the service printed on stderr so far. */
  stderr(): string;
  /** SIGTERM, then its exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `certloop reconcile -f MANIFEST --metrics-addr 127.0.0.1:0` and waits
 * until `ready(url)` holds (polled every 100 ms, 30 s at most).
 */
export async function startService(
  manifest: string,
  ready: (url: string) => Promise<boolean>,
  extra: readonly string[] = [],
): Promise<RunningService> {
  const child = spawnCli([
    'reconcile',
    '-f',
    manifest,
    '--metrics-addr',
    '127.0.0.1:0',
    '--resync',
    '1h',
    '--log-format',
    'json',
    ...extra,
  ]);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const stop = async () => {
    child.kill('SIGTERM');
    return exited;
  };
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const url = /"url":"(http:\/\/[^"]+)"/.exec(stderr)?.[1];
      if (url !== undefined && (await ready(url))) return { url, stderr: () => stderr, stop };
      if (Date.now() > deadline) throw new Error(`the service was not ready in time:\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } catch (error) {
    await stop();
    throw error;
  }
}
