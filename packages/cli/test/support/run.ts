/**
 * Two ways to run the real CLI in tests: in-process through `main` (fast,
 * output captured), or as a separate `node` process from the build (needed for
 * signals, concurrency between processes and exit codes as a shell sees them).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/main.js';
import { captureIo } from './capture.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `certloop ARGS` in this process with the given environment (merged over a clean one). */
export async function runCli(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<CliResult> {
  const io = captureIo({ PATH: process.env.PATH, HOME: process.env.HOME, ...env });
  const code = await main(args, io);
  return { code, stdout: io.out(), stderr: io.err() };
}

const REPO = join(__dirname, '..', '..', '..', '..');
export const CLI_BIN = join(REPO, 'packages', 'cli', 'bin', 'certloop.js');

/** Fails loudly when the CLI was not built: process tests must not silently skip. */
export function assertBuilt(): void {
  if (!existsSync(join(REPO, 'packages', 'cli', 'dist', 'bundle', 'main.js'))) {
    throw new Error(
      'The CLI is not built: run `pnpm build` before the process tests (scripts/test.sh does).',
    );
  }
}

/** Starts `node certloop.js ARGS` as a child process. */
export function spawnCli(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): ChildProcess {
  assertBuilt();
  return spawn(process.execPath, [CLI_BIN, ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs `node certloop.js ARGS` to completion. */
export function execCli(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<CliResult> {
  const child = spawnCli(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
  });
}
