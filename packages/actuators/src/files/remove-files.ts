import { unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '@certloop/core';
import { silentLogger } from '@certloop/core';
import { fsyncDirectory } from './directories.js';
import { FileWriteError, isErrno } from './errors.js';

/**
 * Removes files for --prune. Only pass paths certloop wrote (its provenance
 * says which): nothing here checks. Missing files are fine; directories are
 * never removed. Resolves to the paths actually removed.
 */
export async function removeFiles(
  paths: readonly string[],
  options: { logger?: Logger } = {},
): Promise<string[]> {
  const logger = options.logger ?? silentLogger;
  const removed: string[] = [];
  const directories = new Set<string>();
  for (const path of paths) {
    try {
      await unlink(path);
    } catch (error) {
      if (isErrno(error, 'ENOENT')) continue;
      throw new FileWriteError(path, 'remove', error);
    }
    removed.push(path);
    directories.add(dirname(path));
    logger.info('Removed file', { path });
  }
  for (const directory of directories) await fsyncDirectory(directory);
  return removed;
}
