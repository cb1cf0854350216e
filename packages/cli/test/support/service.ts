/** The service (`certloop reconcile` with a metrics listener) as a process, for tests that scrape it, load its page or kill it. */
import type { ChildProcess } from 'node:child_process';
import { spawnCli } from './run.js';

export interface RunningService {
  /** The listener's base URL, as the service logged it. */
  readonly url: string;
  /** What the service printed on stderr so far. */
  stderr(): string;
  /** SIGTERM, then its exit code. */
  stop(): Promise<number | null>;
}

export interface ServiceProcess extends RunningService {
  /** For signals the test sends itself (SIGKILL, SIGHUP). */
  readonly child: ChildProcess;
  /** The exit code, once the process has ended. */
  readonly exit: Promise<number | null>;
}

const READY_WITHIN_MS = 30_000;

async function healthy(url: string): Promise<boolean> {
  return (await fetch(`${url}/healthz`)).status === 200;
}

/**
 * Starts `certloop reconcile -f MANIFEST --metrics-addr 127.0.0.1:0 --log-format json ARGS`
 * and waits until `ready(url)` holds (by default: /healthz answers 200), polled
 * every 100 ms for 30 s at most; a service that exits first fails at once, with its stderr.
 */
export async function spawnService(
  manifest: string,
  options: { args?: readonly string[]; ready?: (url: string) => Promise<boolean> } = {},
): Promise<ServiceProcess> {
  const ready = options.ready ?? healthy;
  const child = spawnCli([
    'reconcile',
    '-f',
    manifest,
    '--metrics-addr',
    '127.0.0.1:0',
    '--log-format',
    'json',
    ...(options.args ?? []),
  ]);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exit;
  };
  try {
    const deadline = Date.now() + READY_WITHIN_MS;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`the service exited before it was ready:\n${stderr}`);
      }
      const url = /"url":"(http:\/\/[^"]+)"/.exec(stderr)?.[1];
      if (url !== undefined && (await ready(url).catch(() => false))) {
        return { child, url, exit, stderr: () => stderr, stop };
      }
      if (Date.now() > deadline) throw new Error(`the service was not ready in time:\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A service that renews on its own schedule only (resync 1 h), ready when `ready(url)` holds. */
export async function startService(
  manifest: string,
  ready: (url: string) => Promise<boolean>,
  extra: readonly string[] = [],
): Promise<RunningService> {
  return spawnService(manifest, { ready, args: ['--resync', '1h', ...extra] });
}
