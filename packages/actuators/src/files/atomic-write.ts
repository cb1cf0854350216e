/**
 * Writes a set of files (typically a key and its certificate) so that a reader
 * sees either the old or the new content of each, never a partial file, and a
 * key is never readable by anyone else, not even for an instant.
 *
 * Phase 1 prepares a complete temp file next to each changed target, all of
 * them at once (on NFS every call is a round trip): created with
 * O_EXCL|O_NOFOLLOW (a planted file or symbolic link is refused, never
 * followed), fchown and fchmod to the exact mode (unless the create already
 * gave it) BEFORE the first byte, then written and fsynced. Phase 2 starts only when every temp is complete: each
 * is renamed over its target, in the order given, and each affected directory
 * is fsynced once so the renames survive a crash. A reader can therefore see
 * a mismatched pair only between two renames. Any failure removes every temp
 * created so far.
 *
 * Rename order: pass the files in COMMIT_ORDER, key first and certificate
 * last. The certificate is the commit marker: whoever sees the new certificate
 * (an observer, a reloading server) finds the key that matches it already in
 * place. Everything stays in one directory per file, so rename is atomic on
 * NFS too (the server commits it before replying).
 */
import { constants } from 'node:fs';
import { mkdir, open, unlink } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { LocalFileSystems, Logger } from '@certloop/core';
import { CertloopError, silentLogger } from '@certloop/core';
import { fsyncDirectory } from './directories.js';
import { FileWriteError, isErrno } from './errors.js';
import { fdSync } from './fd.js';
import { type FileIo, fileIoFor } from './file-io.js';
import { type ResolvedOwner, resolveOwner } from './owners.js';
import { fixPlacement } from './placement.js';
import { tempPathFor } from './temp-names.js';

export interface FileToWrite {
  /** Absolute path of the target. */
  readonly path: string;
  readonly content: string | Buffer;
  /** Exact permission bits, e.g. 0o600 (not reduced by the umask). */
  readonly mode: number;
  /** User name or numeric uid; undefined leaves the owner to the writing process. */
  readonly owner?: string;
  /** Group name or numeric gid; undefined leaves the group to the writing process. */
  readonly group?: string;
  /**
   * The caller knows the target cannot hold this content (a freshly generated
   * key, a newly issued certificate): it is replaced without being read first.
   */
  readonly knownChanged?: boolean;
}

export interface WriteResult {
  /** Targets whose content was replaced, in rename order. */
  readonly written: string[];
  /** Targets whose content was already identical (mode/owner corrected if needed). */
  readonly unchanged: string[];
}

export interface PreparedTemp {
  readonly target: string;
  readonly temp: string;
}

export interface WriteOptions {
  readonly logger?: Logger;
  /** Mode of parent directories that have to be created; 0o755 by default. */
  readonly directoryMode?: number;
  /**
   * Called after phase 1, when every temp file is complete and before any
   * rename. For tests (inspect or sabotage the temps) and diagnostics.
   */
  readonly onPrepared?: (temps: readonly PreparedTemp[]) => void | Promise<void>;
  /** Chooses the temp path of a target; for tests that plant something there. */
  readonly tempPathFor?: (target: string) => string;
  /** Which directories are on local file systems (synchronous calls there); one per pass or process. */
  readonly fileSystems?: LocalFileSystems;
}

/** The order in which a certificate's files should be passed: key first, certificate last. */
export { COMMIT_ORDER } from '@certloop/core';

const DEFAULT_DIRECTORY_MODE = 0o755;
const CREATE_TEMP = constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW;

interface PlannedFile extends FileToWrite {
  readonly ids: ResolvedOwner;
  readonly data: Buffer;
  /** How the system calls for this file are made (inline on local file systems). */
  readonly io: FileIo;
}

export async function writeFilesAtomically(
  files: readonly FileToWrite[],
  options: WriteOptions = {},
): Promise<WriteResult> {
  const logger = options.logger ?? silentLogger;
  checkTargets(files);
  const planned: PlannedFile[] = [];
  for (const file of files) {
    const data = typeof file.content === 'string' ? Buffer.from(file.content, 'utf8') : file.content;
    const ids =
      file.owner === undefined && file.group === undefined ? {} : await resolveOwner(file.owner, file.group);
    const io = await fileIoFor(dirname(file.path), options.fileSystems);
    planned.push({ ...file, data, ids, io });
  }

  const directoriesToSync = new Set<string>();
  // Parents are created on demand: the temp's O_EXCL open fails with ENOENT (or
  // ENOTDIR) when one is missing, and only then is mkdir -p run, once per
  // directory (files preparing at once share it). The common case (the
  // directory exists) costs no system call at all.
  const parentsCreated = new Map<string, Promise<void>>();
  const createParents = (target: string): Promise<void> => {
    const parent = dirname(target);
    let created = parentsCreated.get(parent);
    if (created === undefined) {
      created = ensureParentDirectory(target, options.directoryMode).then((directories) => {
        for (const directory of directories) directoriesToSync.add(directory);
      });
      parentsCreated.set(parent, created);
    }
    return created;
  };
  // Every file's steps at once: on NFS each call is a round trip, and the
  // files of one certificate need not wait for each other until the renames.
  const same = await Promise.all(
    planned.map((file) => file.knownChanged !== true && hasContent(file.path, file.data, file.io)),
  );
  const changed = planned.filter((_, i) => !same[i]);
  const unchanged = planned.filter((_, i) => same[i]);

  // Every temp that exists on disk and has not been renamed yet: removed on any failure.
  const pending = new Set<string>();
  try {
    const tempPath = options.tempPathFor ?? tempPathFor;
    const prepared = await Promise.allSettled(
      changed.map((file) =>
        prepareTemp(file, tempPath(file.path), createParents, (temp) => pending.add(temp)),
      ),
    );
    const failed = prepared.find((result) => result.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    const temps = prepared.map((result) => (result as PromiseFulfilledResult<PreparedTemp>).value);
    await options.onPrepared?.(temps);
    // In the order given: the certificate, renamed last, is the commit marker.
    for (const [index, { target, temp }] of temps.entries()) {
      try {
        await changed[index]!.io.rename(temp, target);
      } catch (error) {
        throw new FileWriteError(target, 'rename the temporary file over', error);
      }
      pending.delete(temp);
      directoriesToSync.add(dirname(target));
    }
  } catch (error) {
    await removeQuietly([...pending]);
    throw error;
  }
  for (const directory of directoriesToSync) await fsyncDirectory(directory);

  for (const file of unchanged) {
    if (await fixPlacement(file.path, file)) {
      logger.info('Corrected mode or owner of an unchanged file', { path: file.path });
    }
  }
  for (const { path } of changed) logger.info('Wrote file', { path });
  return { written: changed.map((f) => f.path), unchanged: unchanged.map((f) => f.path) };
}

function checkTargets(files: readonly FileToWrite[]): void {
  const seen = new Set<string>();
  for (const file of files) {
    if (!isAbsolute(file.path)) {
      throw new CertloopError('INTERNAL', `Refusing to write a relative path: ${file.path}.`);
    }
    const normalized = resolve(file.path);
    if (seen.has(normalized)) {
      throw new CertloopError('INTERNAL', `The same path is written twice: ${file.path}.`);
    }
    if (!Number.isInteger(file.mode) || file.mode < 0 || file.mode > 0o7777) {
      throw new CertloopError('INTERNAL', `Invalid mode ${file.mode} for ${file.path}.`);
    }
    seen.add(normalized);
  }
}

/** Creates missing parents; returns the directories whose entries changed (to fsync). */
async function ensureParentDirectory(path: string, mode = DEFAULT_DIRECTORY_MODE): Promise<string[]> {
  const parent = dirname(path);
  let first: string | undefined;
  try {
    first = await mkdir(parent, { recursive: true, mode });
  } catch (error) {
    // mkdir -p reports EEXIST when the parent itself is a file: say what it means.
    throw new FileWriteError(
      path,
      'create the parent directory of',
      error,
      isErrno(error, 'EEXIST') ? 'ENOTDIR' : undefined,
    );
  }
  if (first === undefined) return [];
  // The new directories and the existing directory that received the first one.
  const changedDirectories = [dirname(first)];
  for (let dir = parent; dir !== dirname(first) && dir !== dirname(dir); dir = dirname(dir)) {
    changedDirectories.push(dir);
  }
  return changedDirectories;
}

/**
 * True when `path` is a regular file with exactly `data` (symbolic links never
 * count). The content is read only when lstat finds a regular file of the
 * same size: a missing target (every first issuance) costs one lstat, made
 * with the file's FileIo (inline on a local disk: no thread-pool round trip).
 */
async function hasContent(path: string, data: Buffer, io: FileIo): Promise<boolean> {
  const stat = await io.lstat(path).catch(() => undefined); // missing or unreadable: write it
  if (stat === undefined || !stat.isFile() || stat.size !== data.length) return false;
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return false; // the write reports real problems
  }
  try {
    return (await handle.readFile()).equals(data);
  } catch {
    return false;
  } finally {
    await handle.close().catch(() => {});
  }
}

/**
 * Phase 1 for one file; `onCreated` learns the temp path as soon as it exists,
 * for cleanup. Works on a plain descriptor rather than a FileHandle, with the
 * file's FileIo (inline on local file systems): the same system calls, for a
 * fraction of the CPU per file.
 */
async function prepareTemp(
  file: PlannedFile,
  temp: string,
  createParents: (target: string) => Promise<void>,
  onCreated: (temp: string) => void,
): Promise<PreparedTemp> {
  // Open's mode is only a ceiling (the umask lowers it); fchmod below makes it
  // exact where it is not already.
  const { io } = file;
  const create = () => io.open(temp, CREATE_TEMP, file.mode & 0o777);
  let fd: number;
  try {
    fd = await create().catch(async (error: unknown) => {
      // A missing parent (ENOENT) or a file in its place (ENOTDIR, reported by mkdir -p).
      if (!isErrno(error, 'ENOENT', 'ENOTDIR')) throw error;
      await createParents(file.path);
      return create();
    });
  } catch (error) {
    if (error instanceof FileWriteError) throw error;
    throw new FileWriteError(temp, 'create the temporary file', error);
  }
  onCreated(temp);
  try {
    const chmod = () => step(temp, `chmod ${file.mode.toString(8)}`, () => io.chmod(fd, file.mode));
    if (file.ids.uid !== undefined || file.ids.gid !== undefined) {
      await step(temp, 'chown', () => io.chown(fd, file.ids.uid ?? -1, file.ids.gid ?? -1));
      // chown may clear set-id bits; make the mode exact before any byte exists.
      await chmod();
    } else if (!(await hasMode(io, fd, file.mode))) {
      await chmod();
    }
    await step(temp, 'write', () => io.writeAll(fd, file.data));
    await step(temp, 'fsync', () => fdSync(fd));
  } finally {
    await io.close(fd).catch(() => {});
  }
  return { target: file.path, temp };
}

/**
 * Whether the new file already has exactly `mode` (the usual case: a umask of
 * 022 or 077 takes nothing from 0600 or 0644). fstat answers from the
 * attributes the create returned, also on NFS and FUSE, so it saves the
 * fchmod's round trip there; an fstat that fails just means "chmod it".
 */
async function hasMode(io: FileIo, fd: number, mode: number): Promise<boolean> {
  try {
    return ((await io.fstat(fd)).mode & 0o7777) === mode;
  } catch {
    return false;
  }
}

async function step(path: string, action: string, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    throw new FileWriteError(path, action, error);
  }
}

async function removeQuietly(paths: readonly string[]): Promise<void> {
  for (const path of paths) await unlink(path).catch(() => {});
}
