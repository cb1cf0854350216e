/**
 * One file's metadata and content as an observation. Nothing here throws for
 * what it finds: ENOENT, EACCES, EISDIR, ... become fields.
 */
import { constants, type Stats } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
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

/** Parsers by cache kind: one read of a file serves every kind asked for. */
export type FileParsers = Readonly<Record<string, (content: Buffer) => unknown>>;

export type ParsedAs<P extends FileParsers> = { readonly [K in keyof P]: ReturnType<P[K]> };

export function fingerprintOf(stats: Stats): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;
}

function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return error instanceof Error ? error.message : String(error);
}

/** What a failed stat or open says about the path. */
function missingOrUnreadable(path: string, error: unknown): { file: ObservedFile } {
  const code = errorCode(error);
  if (code === 'ENOENT') return { file: { path, exists: false, readable: false } };
  // ENOTDIR: a parent is a file, so this path cannot exist; other errors (EACCES on
  // a parent, ELOOP) leave something we cannot read.
  return { file: { path, exists: code !== 'ENOTDIR', readable: false, error: code } };
}

function baseOf(path: string, stats: Stats) {
  return {
    path,
    exists: true,
    uid: stats.uid,
    gid: stats.gid,
    mode: stats.mode & 0o777,
    size: stats.size,
    fingerprint: fingerprintOf(stats),
  };
}

/** Why a file with these stats is not read, or undefined when it is read. */
function notReadReason(stats: Stats): string | undefined {
  if (stats.isDirectory()) return 'EISDIR';
  // A FIFO or device could block or never end.
  if (!stats.isFile()) return 'not a regular file';
  if (stats.size > MAX_FILE_BYTES) return `EFBIG: larger than ${MAX_FILE_BYTES} bytes, not read`;
  return undefined;
}

/** Reads the whole file in one read call when its size is as stat'ed; more calls only if it grew. */
async function readAll(handle: FileHandle, size: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(size + 1);
  const { bytesRead } = await handle.read(buffer, 0, size + 1, 0);
  if (bytesRead <= size) return buffer.subarray(0, bytesRead);
  const rest = await handle.readFile();
  return Buffer.concat([buffer.subarray(0, bytesRead), rest]);
}

/**
 * With a cache (the service), one `stat` decides: an unchanged file is served
 * from the cache without opening it, which keeps a warm pass to one syscall
 * per file. Otherwise (or on a miss) `path` is opened once (non-blocking, so a
 * FIFO cannot hang us), fstat'ed, read once, and each parser runs on the same bytes.
 */
export async function observeFileAs<P extends FileParsers>(
  path: string,
  parsers: P,
  context: FileReadContext,
): Promise<FileObservation<ParsedAs<P>>> {
  const cached = context.cache === undefined ? undefined : await fromCache(path, parsers, context.cache);
  if (cached !== undefined) return cached;
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR')
      return missingOrUnreadable(path, error);
    // Not openable (EACCES, ...): the metadata may still be visible.
    let stats: Stats;
    try {
      stats = await stat(path);
    } catch (statError) {
      return missingOrUnreadable(path, statError);
    }
    const base = baseOf(path, stats);
    return { file: { ...base, readable: false, error: notReadReason(stats) ?? errorCode(error) } };
  }
  try {
    return await observeOpen(path, handle, parsers, context);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

async function fromCache<P extends FileParsers>(
  path: string,
  parsers: P,
  cache: NonNullable<FileReadContext['cache']>,
): Promise<FileObservation<ParsedAs<P>> | undefined> {
  let stats: Stats;
  try {
    stats = await stat(path);
  } catch {
    return undefined; // the open path reports it
  }
  if (notReadReason(stats) !== undefined) return undefined;
  const base = baseOf(path, stats);
  const kinds = Object.keys(parsers) as (keyof P & string)[];
  const hits = kinds.map((kind) => cache.getFile<unknown>(kind, path, base.fingerprint));
  if (!hits.every((hit) => hit !== undefined)) return undefined;
  const parsed = Object.fromEntries(kinds.map((kind, i) => [kind, hits[i]!.parsed])) as ParsedAs<P>;
  return { file: { ...base, readable: true, sha256: hits[0]!.sha256 }, parsed };
}

async function observeOpen<P extends FileParsers>(
  path: string,
  handle: FileHandle,
  parsers: P,
  context: FileReadContext,
): Promise<FileObservation<ParsedAs<P>>> {
  let stats: Stats;
  try {
    stats = await handle.stat();
  } catch (error) {
    return missingOrUnreadable(path, error);
  }
  const base = baseOf(path, stats);
  const reason = notReadReason(stats);
  if (reason !== undefined) return { file: { ...base, readable: false, error: reason } };

  const { fingerprint } = base;
  const kinds = Object.keys(parsers) as (keyof P & string)[];
  const cache = context.cache;

  let content: Buffer;
  try {
    content = await readAll(handle, stats.size);
  } catch (error) {
    return { file: { ...base, readable: false, error: errorCode(error) } };
  }
  const sha256 = sha256Hex(content);
  context.onParse?.(path);
  const parsed = Object.fromEntries(kinds.map((kind) => [kind, parsers[kind]!(content)])) as ParsedAs<P>;
  if (cache !== undefined) {
    // Cache only what was read from a file that did not change during the read.
    const after = await handle.stat().catch(() => undefined);
    if (after !== undefined && fingerprintOf(after) === fingerprint) {
      for (const kind of kinds) cache.setFile(kind, path, fingerprint, { sha256, parsed: parsed[kind] });
    }
  }
  return { file: { ...base, readable: true, sha256 }, parsed };
}
