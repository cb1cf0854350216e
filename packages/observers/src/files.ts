/**
 * One file's metadata and content as an observation. Nothing here throws for
 * what it finds: ENOENT, EACCES, EISDIR, ... become fields.
 */
import type { Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { ObservedFile } from '@certloop/core';
import type { ObservationCache } from './cache.js';
import { sha256Hex } from './certificate.js';

/** Certificate material is a few KiB; anything far larger is not read. */
export const MAX_FILE_BYTES = 4 * 1024 * 1024;

export interface FileObservation<T> {
  readonly file: ObservedFile;
  /** The parsed content, when the file was read (or found unchanged in the cache). */
  readonly parsed?: T;
}

export interface FileReadContext {
  readonly cache: ObservationCache | undefined;
  /** Called each time a file's content is actually read and parsed (not served from the cache). */
  readonly onParse: ((path: string) => void) | undefined;
}

export function fingerprintOf(stats: Stats): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;
}

function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * Stats `path` and, unless the cache holds data for the same fingerprint,
 * reads and parses it. `kind` separates cache entries of different parsers.
 */
export async function observeFile<T>(
  path: string,
  kind: string,
  parse: (content: Buffer) => T,
  context: FileReadContext,
): Promise<FileObservation<T>> {
  let stats: Stats;
  try {
    stats = await stat(path);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT') return { file: { path, exists: false, readable: false } };
    // ENOTDIR: a parent is a file, so this path cannot exist; other errors (EACCES on
    // a parent, ELOOP) leave something we cannot read.
    return { file: { path, exists: code !== 'ENOTDIR', readable: false, error: code } };
  }
  const fingerprint = fingerprintOf(stats);
  const base = {
    path,
    exists: true,
    uid: stats.uid,
    gid: stats.gid,
    mode: stats.mode & 0o777,
    size: stats.size,
    fingerprint,
  };
  if (stats.isDirectory()) return { file: { ...base, readable: false, error: 'EISDIR' } };
  // A FIFO or device could block or never end.
  if (!stats.isFile()) return { file: { ...base, readable: false, error: 'not a regular file' } };
  if (stats.size > MAX_FILE_BYTES) {
    return {
      file: { ...base, readable: false, error: `EFBIG: larger than ${MAX_FILE_BYTES} bytes, not read` },
    };
  }

  const cached = context.cache?.getFile<T>(kind, path, fingerprint);
  if (cached !== undefined)
    return { file: { ...base, readable: true, sha256: cached.sha256 }, parsed: cached.parsed };

  let content: Buffer;
  try {
    content = await readFile(path);
  } catch (error) {
    const code = errorCode(error);
    // Removed between stat and read.
    if (code === 'ENOENT') return { file: { path, exists: false, readable: false } };
    return { file: { ...base, readable: false, error: code } };
  }
  const sha256 = sha256Hex(content);
  context.onParse?.(path);
  const parsed = parse(content);
  if (context.cache !== undefined) {
    // Cache only what was read from a file that did not change during the read.
    const after = await stat(path).catch(() => undefined);
    if (after !== undefined && fingerprintOf(after) === fingerprint) {
      context.cache.setFile(kind, path, fingerprint, { sha256, parsed });
    }
  }
  return { file: { ...base, readable: true, sha256 }, parsed };
}
