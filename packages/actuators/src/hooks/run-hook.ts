/**
 * Runs one post-renewal hook: `/bin/sh -c <command>` in its own process group,
 * stdin closed, the run's variables added to certloop's environment, output
 * captured (bounded) and logged line by line. On timeout the whole group gets
 * SIGTERM, then SIGKILL after a grace period, so a child the hook started
 * cannot outlive it. A hook that exits in time is never killed, and neither
 * are daemons it started (they usually leave the group with setsid): we wait
 * only a moment for them to release the output pipes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import type { Logger } from '@certloop/core';
import { omitUndefined, silentLogger } from '@certloop/core';
import { isGuestExecCommand, parseGuestExecResult } from '../delivery/guest-exec-result.js';
import { BoundedOutput, LineSplitter } from './output.js';

export interface HookRun {
  readonly command: string;
  readonly timeoutMs: number;
  /** Added to process.env for the hook (see environment.ts for the CERTLOOP_* set). */
  readonly env: Readonly<Record<string, string>>;
}

export interface HookResult {
  readonly command: string;
  /** Null when the hook was killed by a signal or could not be started. */
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  readonly durationMs: number;
  /** Combined stdout and stderr in arrival order, the last `maxOutputBytes` of it. */
  readonly output: string;
  /** Set when the shell could not be started at all. */
  readonly error?: string;
}

export interface RunHookOptions {
  readonly logger?: Logger;
  /** Time between SIGTERM and SIGKILL after a timeout; 5 s by default. */
  readonly killGraceMs?: number;
  /** How much output to keep; 64 KiB by default. */
  readonly maxOutputBytes?: number;
  /** How long to wait for the output pipes after the shell exited; 1 s by default. */
  readonly drainMs?: number;
}

const GROUP_POLL_MS = 50;

export function hookSucceeded(result: HookResult): boolean {
  return result.exitCode === 0 && !result.timedOut;
}

export function runHook(run: HookRun, options: RunHookOptions = {}): Promise<HookResult> {
  const logger = options.logger ?? silentLogger;
  const killGraceMs = options.killGraceMs ?? 5_000;
  const drainMs = options.drainMs ?? 1_000;
  const output = new BoundedOutput(options.maxOutputBytes ?? 64 * 1024);
  const started = performance.now();
  // Every line about this run names the certificates it is for and why (reason codes), for the journal.
  const about = {
    name: run.env.CERTLOOP_NAMES ?? run.env.CERTLOOP_NAME,
    ...(run.env.CERTLOOP_REASON === undefined ? {} : { reason: run.env.CERTLOOP_REASON }),
  };
  logger.info('Running hook', { ...about, command: run.command });

  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn('/bin/sh', ['-c', run.command], {
        detached: true, // own process group: the timeout can kill everything the hook started
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ...run.env },
      });
    } catch (error) {
      resolve(startFailure(run, started, error));
      return;
    }

    let exit: { code: number | null; signal: string | null } | undefined;
    let spawnError: string | undefined;
    let timedOut = false;
    let groupSettled = true; // becomes false while a timed-out group is being terminated
    let pipesClosed = false;
    let drainExpired = false;
    let finished = false;
    const timers: NodeJS.Timeout[] = [];

    for (const [name, stream] of [
      ['stdout', child.stdout],
      ['stderr', child.stderr],
    ] as const) {
      const lines = new LineSplitter((line) =>
        logger.info('Hook output', { ...about, command: run.command, stream: name, line }),
      );
      stream?.on('data', (chunk: Buffer) => {
        output.append(chunk);
        lines.push(chunk);
      });
      stream?.on('close', () => lines.end());
      stream?.on('error', () => {});
    }

    const finish = (): void => {
      if (finished || exit === undefined || !groupSettled || !(pipesClosed || drainExpired)) return;
      finished = true;
      for (const timer of timers) clearTimeout(timer);
      const inGuest = guestOutcome(run.command, exit.code, output.toString());
      const result: HookResult = omitUndefined({
        command: run.command,
        exitCode: inGuest?.exitCode ?? exit.code,
        signal: exit.signal,
        timedOut,
        durationMs: Math.round(performance.now() - started),
        output: inGuest?.output ?? output.toString(),
        error: spawnError,
      });
      const level = hookSucceeded(result) ? 'info' : 'warn';
      logger[level]('Hook finished', {
        command: run.command,
        exitCode: result.exitCode,
        signal: result.signal,
        timedOut,
        durationMs: result.durationMs,
      });
      resolve(result);
    };

    const terminateGroup = (): void => {
      timedOut = true;
      groupSettled = false;
      logger.warn('Hook timed out; terminating its process group', {
        ...about,
        command: run.command,
        timeoutMs: run.timeoutMs,
      });
      signalGroup(child.pid, 'SIGTERM');
      const deadline = performance.now() + killGraceMs;
      const poll = (): void => {
        if (!groupAlive(child.pid)) {
          groupSettled = true;
          finish();
        } else if (performance.now() >= deadline) {
          signalGroup(child.pid, 'SIGKILL');
          // SIGKILL cannot be caught; give the kernel one poll interval to deliver it.
          timers.push(
            setTimeout(() => {
              groupSettled = true;
              finish();
            }, GROUP_POLL_MS),
          );
        } else {
          timers.push(setTimeout(poll, GROUP_POLL_MS));
        }
      };
      poll();
    };

    timers.push(setTimeout(terminateGroup, run.timeoutMs));

    child.on('error', (error) => {
      spawnError = error.message;
      exit ??= { code: null, signal: null };
      pipesClosed = true;
      finish();
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      if (!timedOut) {
        // Stop the timeout: what the hook left running in the background is not ours to kill.
        for (const timer of timers) clearTimeout(timer);
      }
      timers.push(
        setTimeout(() => {
          drainExpired = true;
          child.stdout?.destroy();
          child.stderr?.destroy();
          finish();
        }, drainMs),
      );
      finish();
    });
    child.on('close', () => {
      pipesClosed = true;
      finish();
    });
  });
}

const PEM_BLOCK = /-----BEGIN [A-Z0-9 ]+-----[\s\S]*?(-----END [A-Z0-9 ]+-----|$)/g;

/**
 * `qm guest exec` exits 0 even when the command in the VM failed; its JSON
 * carries the guest's exit code. A hook that is such a call succeeded only if
 * that code is 0; a failure is reported with the guest's err-data (PEM blocks
 * redacted). Undefined: the shell's own exit code stands.
 */
function guestOutcome(
  command: string,
  shellExitCode: number | null,
  output: string,
): { exitCode: number; output: string } | undefined {
  if (shellExitCode !== 0 || !isGuestExecCommand(command)) return undefined;
  const parsed = parseGuestExecResult(output);
  if (parsed === undefined || parsed.exitCode === 0) return undefined;
  const errData = parsed.errData.replace(PEM_BLOCK, '[redacted PEM]').trim();
  const code = parsed.exitCode ?? 1;
  const status = parsed.exitCode === null ? 'did not finish' : `exited with ${code}`;
  return {
    exitCode: code,
    output: `The command inside the VM ${status} (qm guest exec itself exited 0)${errData ? `: ${errData}` : '.'}`,
  };
}

function signalGroup(pgid: number | undefined, signal: NodeJS.Signals): void {
  if (pgid === undefined) return;
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone
  }
}

function groupAlive(pgid: number | undefined): boolean {
  if (pgid === undefined) return false;
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function startFailure(run: HookRun, started: number, error: unknown): HookResult {
  return {
    command: run.command,
    exitCode: null,
    signal: null,
    timedOut: false,
    durationMs: Math.round(performance.now() - started),
    output: '',
    error: error instanceof Error ? error.message : String(error),
  };
}
