/**
 * Runs one Proxmox tool (`pct`, `qm`) with an argument vector, never through a
 * shell: nothing is interpolated, and secrets travel only on standard input
 * or in files, never in argv (which any user can read in the process list).
 */

import { spawn } from 'node:child_process';
import { omitUndefined } from '@certloop/core';

export interface CommandResult {
  /** Null when killed (timeout) or not started. */
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Set when the program could not be started (not on PATH, not executable). */
  readonly startError?: string;
  readonly timedOut: boolean;
}

export interface CommandOptions {
  /** Written to the command's standard input, which is then closed. */
  readonly stdin?: Buffer;
  readonly timeoutMs: number;
}

/** Output kept per stream: enough for an error message, bounded against a chatty tool. */
const MAX_OUTPUT = 64 * 1024;

export type CommandRunner = (argv: readonly string[], options: CommandOptions) => Promise<CommandResult>;

export const runCommand: CommandRunner = (argv, options) =>
  new Promise((resolve) => {
    const [program, ...args] = argv;
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let sizes = [0, 0];
    let timedOut = false;
    const child = spawn(program ?? '', args, {
      env: process.env,
      stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    const keep = (chunks: Buffer[], index: 0 | 1) => (chunk: Buffer) => {
      if (sizes[index]! >= MAX_OUTPUT) return;
      chunks.push(chunk);
      sizes = index === 0 ? [sizes[0]! + chunk.length, sizes[1]!] : [sizes[0]!, sizes[1]! + chunk.length];
    };
    child.stdout?.on('data', keep(stdout, 0));
    child.stderr?.on('data', keep(stderr, 1));
    // A tool that exits without reading its input (wrong id) must not crash us with EPIPE.
    child.stdin?.on('error', () => {});
    child.stdin?.end(options.stdin);
    let startError: string | undefined;
    child.on('error', (error) => {
      startError = error.message;
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(
        omitUndefined({
          exitCode: startError === undefined ? code : null,
          stdout: Buffer.concat(stdout).toString('utf8'),
          stderr: Buffer.concat(stderr).toString('utf8'),
          timedOut,
          startError,
        }),
      );
    });
  });
