/**
 * How tests run certloop: as what ships. Every test that runs the CLI runs an
 * artifact as a separate process:
 * - `CERTLOOP_BIN` set: that executable (the single executable, an installed
 *   npm bin, /usr/bin/certloop from the .deb); the test command runs the
 *   process tests once more this way (scripts/test.sh);
 * - otherwise: the repository's launcher on the bundle (`pnpm build`).
 * In-process runs through `main` on the sources are kept for the few tests
 * that must reach inside the process (a mocked temp name) or run the CLI
 * hundreds of times (property tests), and say so.
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

const REPO = join(__dirname, '..', '..', '..', '..');
const LAUNCHER = join(REPO, 'packages', 'cli', 'bin', 'certloop.js');

/** The artifact under test: the file to execute and the arguments that come before certloop's own. */
export const ARTIFACT: { readonly file: string; readonly args: readonly string[]; readonly label: string } =
  process.env.CERTLOOP_BIN
    ? { file: process.env.CERTLOOP_BIN, args: [], label: process.env.CERTLOOP_BIN }
    : { file: process.execPath, args: [LAUNCHER], label: 'the bundle (packages/cli/bin/certloop.js)' };

/** The artifact as a command for scripts that split it into words (the sync_all snippet's $CERTLOOP_BIN). */
export const ARTIFACT_COMMAND = [ARTIFACT.file, ...ARTIFACT.args].join(' ');

/** Fails loudly when the artifact is missing: process tests must not silently skip. */
export function assertBuilt(): void {
  const needed = process.env.CERTLOOP_BIN ?? join(REPO, 'packages', 'cli', 'dist', 'bundle', 'entry.js');
  if (!existsSync(needed)) {
    throw new Error(
      process.env.CERTLOOP_BIN
        ? `CERTLOOP_BIN=${needed} does not exist: run \`pnpm package\` first.`
        : 'The CLI is not built: run `pnpm build` before the process tests (scripts/test.sh does).',
    );
  }
}

/** Starts `certloop ARGS` as a child process, with the given environment over a clean one. */
export function spawnCli(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): ChildProcess {
  assertBuilt();
  return spawn(ARTIFACT.file, [...ARTIFACT.args, ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs `certloop ARGS` to completion as a child process. */
export function runCli(
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

/**
 * Runs `certloop ARGS` inside this test process, on the sources. Only for a
 * test that changes something inside the process (a jest mock) to provoke a
 * fault that cannot be set up from outside, or that runs it hundreds of times.
 */
export async function runInProcess(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<CliResult> {
  const io = captureIo({ PATH: process.env.PATH, HOME: process.env.HOME, ...env });
  const code = await main(args, io);
  return { code, stdout: io.out(), stderr: io.err() };
}
