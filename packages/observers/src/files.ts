/**
 * One file's metadata and content as an observation. Nothing here throws for
 * what it finds: ENOENT, EACCES, EISDIR, ... become fields.
 */
import type { Stats } from 'node:fs';
import type { ObservedFile } from '@certloop/core';
import { sha256Hex } from '@certloop/x509';
import type { ObservationCache } from './cache.js';
import type { FileSystemClassifier } from './file-systems.js';
import { ASYNC_ACCESS, type FileAccess } from './read-once.js';

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
  /** Reads synchronously where it knows the file system is local; without it, every read is asynchronous. */
  readonly fileSystems?: FileSystemClassifier | undefined;
}

/** Parsers by cache kind: one read of a file serves every kind asked for. */
export type FileParsers = Readonly<Record<string, (content: Buffer) => unknown>>;

export type ParsedAs<P extends FileParsers> = { readonly [K in keyof P]: ReturnType<P[K]> };

export function fingerprintOf(stats: Stats): string {
  // join, not a template: one flat string instead of a rope (cons string) of
  // about ten nodes, kept in every observed file (two per certificate).
  return [stats.dev, stats.ino, stats.size, stats.mtimeMs, stats.ctimeMs].join(':');
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

/**
 * A file that exists, as one object literal per outcome: spreading a shared
 * base (`{ ...base, readable, sha256 }`) gives every object a hidden class of
 * its own in V8 (measured: 14,000 for 10,000 certificates), which costs memory
 * and megamorphic reads in the plan. The key order is the one observations
 * have always had.
 */
function readFile(path: string, stats: Stats, sha256: string): ObservedFile {
  return {
    path,
    exists: true,
    uid: stats.uid,
    gid: stats.gid,
    mode: stats.mode & 0o777,
    size: stats.size,
    fingerprint: fingerprintOf(stats),
    readable: true,
    sha256,
  };
}

function unreadFile(path: string, stats: Stats, error: string | undefined): ObservedFile {
  return {
    path,
    exists: true,
    uid: stats.uid,
    gid: stats.gid,
    mode: stats.mode & 0o777,
    size: stats.size,
    fingerprint: fingerprintOf(stats),
    readable: false,
    error,
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

/**
 * With a cache (the service), one `stat` decides: an unchanged file is served
 * from the cache without opening it, which keeps a warm pass to one syscall
 * per file. Otherwise (or on a miss) `path` is opened once (non-blocking, so a
 * FIFO cannot hang us), fstat'ed, read once (fstat'ed again with a cache),
 * closed, and each parser runs on the same bytes. Both ways of reading
 * (file-systems.ts picks one) go through the same steps and the same
 * interpretation below.
 */
export async function observeFileAs<P extends FileParsers>(
  path: string,
  parsers: P,
  context: FileReadContext,
): Promise<FileObservation<ParsedAs<P>>> {
  const access = context.fileSystems === undefined ? ASYNC_ACCESS : await context.fileSystems.accessFor(path);
  return observeFileWith(access, path, parsers, context);
}

/** @internal observeFileAs with the given way of reading (tests compare both). */
export async function observeFileWith<P extends FileParsers>(
  access: FileAccess,
  path: string,
  parsers: P,
  context: FileReadContext,
): Promise<FileObservation<ParsedAs<P>>> {
  const cached =
    context.cache === undefined ? undefined : await fromCache(access, path, parsers, context.cache);
  if (cached !== undefined) return cached;
  const outcome = await access.readOnce(path, {
    shouldRead: (stats) => notReadReason(stats) === undefined,
    statAfter: context.cache !== undefined,
  });
  switch (outcome.stage) {
    case 'open': {
      const { error } = outcome;
      if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR')
        return missingOrUnreadable(path, error);
      // Not openable (EACCES, ...): the metadata may still be visible.
      let stats: Stats;
      try {
        stats = await access.stat(path);
      } catch (statError) {
        return missingOrUnreadable(path, statError);
      }
      return { file: unreadFile(path, stats, notReadReason(stats) ?? errorCode(error)) };
    }
    case 'stat':
      return missingOrUnreadable(path, outcome.error);
    case 'skipped':
      return { file: unreadFile(path, outcome.stats, notReadReason(outcome.stats)) };
    case 'read':
      return { file: unreadFile(path, outcome.stats, errorCode(outcome.error)) };
    case 'done':
      return parsedObservation(path, outcome.stats, outcome.content, outcome.after, parsers, context);
  }
}

async function fromCache<P extends FileParsers>(
  access: FileAccess,
  path: string,
  parsers: P,
  cache: NonNullable<FileReadContext['cache']>,
): Promise<FileObservation<ParsedAs<P>> | undefined> {
  let stats: Stats;
  try {
    stats = await access.stat(path);
  } catch {
    return undefined; // the open path reports it
  }
  if (notReadReason(stats) !== undefined) return undefined;
  const fingerprint = fingerprintOf(stats);
  const kinds = Object.keys(parsers) as (keyof P & string)[];
  const hits = kinds.map((kind) => cache.getFile<unknown>(kind, path, fingerprint));
  if (!hits.every((hit) => hit !== undefined)) return undefined;
  const parsed = Object.fromEntries(kinds.map((kind, i) => [kind, hits[i]!.parsed])) as ParsedAs<P>;
  return { file: readFile(path, stats, hits[0]!.sha256), parsed };
}

function parsedObservation<P extends FileParsers>(
  path: string,
  stats: Stats,
  content: Buffer,
  after: Stats | undefined,
  parsers: P,
  context: FileReadContext,
): FileObservation<ParsedAs<P>> {
  const kinds = Object.keys(parsers) as (keyof P & string)[];
  const sha256 = sha256Hex(content);
  const file = readFile(path, stats, sha256);
  const fingerprint = file.fingerprint!;
  context.onParse?.(path);
  const parsed = Object.fromEntries(kinds.map((kind) => [kind, parsers[kind]!(content)])) as ParsedAs<P>;
  // Cache only what was read from a file that did not change during the read.
  if (context.cache !== undefined && after !== undefined && fingerprintOf(after) === fingerprint) {
    for (const kind of kinds)
      context.cache.setFile(kind, path, fingerprint, { sha256, parsed: parsed[kind] });
  }
  return { file, parsed };
}
