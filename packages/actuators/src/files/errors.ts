import { CertloopError } from '@certloop/core';

/** What the user can do about the most common errno values of a failed write. */
const HINTS: Readonly<Record<string, string>> = {
  EROFS: 'The file system is mounted read-only; remount it read-write or choose another path.',
  ENOSPC: 'The file system is full; free some space and run again.',
  EDQUOT: 'The disk quota is exhausted; free some space and run again.',
  ENOTDIR: 'A parent of the path is a file, not a directory; move it away or change the path.',
  EEXIST: 'Something already exists at the temporary path (perhaps a planted symbolic link); remove it.',
  ELOOP: 'A symbolic link is in the way; certloop does not follow symbolic links it did not expect.',
  EACCES: 'Permission denied; run certloop as a user allowed to write there.',
  EPERM: 'Operation not permitted; run certloop as a user allowed to change owners and modes there.',
  EISDIR: 'A directory is in the way of the file.',
};

/** A failed write, chmod, chown or removal: names the path and the errno (never any content). */
export class FileWriteError extends CertloopError {
  readonly path: string;
  /** errno code such as ENOSPC, or undefined when the failure was not a system error. */
  readonly errno: string | undefined;

  constructor(path: string, action: string, cause: unknown, errno = errnoOf(cause)) {
    super('WRITE_FAILED', `Could not ${action} ${path}${errno ? ` (${errno})` : ''}.`, {
      cause,
      hint: errno ? HINTS[errno] : undefined,
    });
    this.path = path;
    this.errno = errno;
  }
}

export function errnoOf(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

export function isErrno(error: unknown, ...codes: string[]): boolean {
  const code = errnoOf(error);
  return code !== undefined && codes.includes(code);
}
