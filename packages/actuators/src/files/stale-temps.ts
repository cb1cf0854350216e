/**
 * Removes temp files left by runs that were killed between the two phases of
 * a write. A temp is stale when its age passes `maxAgeMs`, or sooner when it
 * was made on this host by a process that no longer exists. A pid from
 * another host (NFS) means nothing here, so those wait for the age limit.
 */
import { lstat, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@certloop/core';
import { silentLogger } from '@certloop/core';
import { isErrno } from './errors.js';
import { parseTempName, tempHostTag } from './temp-names.js';

export interface StaleTempOptions {
  readonly logger?: Logger;
  /** Age after which any temp of ours is stale; 5 minutes by default (a write takes milliseconds). */
  readonly maxAgeMs?: number;
  /** Current time in ms (tests). */
  readonly now?: number;
}

const DEFAULT_MAX_AGE_MS = 5 * 60_000;

/** Resolves to the paths removed. Missing directories are skipped. */
export async function removeStaleTemps(
  directories: readonly string[],
  options: StaleTempOptions = {},
): Promise<string[]> {
  const logger = options.logger ?? silentLogger;
  const maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
  const now = options.now ?? Date.now();
  const ourHost = tempHostTag();
  const removed: string[] = [];
  for (const directory of new Set(directories)) {
    let names: string[];
    try {
      names = await readdir(directory);
    } catch (error) {
      if (isErrno(error, 'ENOENT', 'ENOTDIR')) continue;
      throw error;
    }
    for (const name of names) {
      const parts = parseTempName(name);
      if (!parts) continue;
      const path = join(directory, name);
      try {
        // lstat: a symbolic link with our name is removed itself, never followed.
        const stat = await lstat(path);
        if (stat.isDirectory()) continue;
        const old = now - stat.mtimeMs > maxAgeMs;
        const orphaned = parts.host === ourHost && parts.pid !== process.pid && !isProcessAlive(parts.pid);
        if (!old && !orphaned) continue;
        await unlink(path);
        removed.push(path);
        logger.info('Removed a temporary file left by an interrupted run', { path });
      } catch (error) {
        if (!isErrno(error, 'ENOENT')) {
          logger.warn('Could not remove a stale temporary file', { path, error: String(error) });
        }
      }
    }
  }
  return removed;
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return isErrno(error, 'EPERM'); // exists, owned by someone else
  }
}
