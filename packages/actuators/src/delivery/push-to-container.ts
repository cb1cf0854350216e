/**
 * One file into an LXC container: `pct push <ctid> <src> <dest> --perms <mode>`.
 * The content goes through a host temp file, never argv: a private directory
 * (0700) holding a file created with O_EXCL|O_NOFOLLOW and its final mode
 * (0600 for a key) before the first byte, removed on every path.
 */
import { constants } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeliveryError } from '@certloop/core';
import type { CommandRunner } from './run-command.js';

export interface GuestFile {
  /** Absolute path inside the guest. */
  readonly path: string;
  /** Never logged; for a key, the private key PEM. */
  readonly content: string;
  /** Mode in the guest, e.g. 0o600 for a key (root only). */
  readonly mode: number;
}

export function octal(mode: number): string {
  return `0${mode.toString(8).padStart(3, '0')}`;
}

export async function pushToContainer(
  ctid: number,
  file: GuestFile,
  run: CommandRunner,
  timeoutMs: number,
): Promise<void> {
  const directory = await mkdtemp(join(tmpdir(), 'certloop-push-'));
  try {
    const source = join(directory, 'content');
    const handle = await open(
      source,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o600,
    );
    try {
      await handle.writeFile(file.content);
    } finally {
      await handle.close();
    }
    const result = await run(['pct', 'push', String(ctid), source, file.path, '--perms', octal(file.mode)], {
      timeoutMs,
    });
    if (result.exitCode !== 0) {
      const detail = result.startError ?? (result.stderr || result.stdout).trim();
      throw new DeliveryError(
        `pct push ${ctid} … ${file.path} failed${result.timedOut ? ' (timed out)' : ''}${detail ? `: ${detail}` : '.'}`,
      );
    }
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
