/**
 * Promise wrappers over the callback fs API on plain file descriptors. The
 * writer issues several calls per file for hundreds of files in a pass; a
 * FileHandle per file (object, close bookkeeping, GC tracking) costs more CPU
 * than the system calls themselves. Same calls, same errors, same thread pool.
 */
import { close, fchmod, fchown, fstat, fsync, open, type Stats, write } from 'node:fs';

function done<T>(resolve: (value: T) => void, reject: (error: unknown) => void) {
  return (error: NodeJS.ErrnoException | null, value: T) => (error ? reject(error) : resolve(value));
}

export function fdOpen(path: string, flags: number, mode: number): Promise<number> {
  return new Promise((resolve, reject) => open(path, flags, mode, done(resolve, reject)));
}

export function fdChmod(fd: number, mode: number): Promise<void> {
  return new Promise((resolve, reject) => fchmod(fd, mode, (error) => (error ? reject(error) : resolve())));
}

export function fdChown(fd: number, uid: number, gid: number): Promise<void> {
  return new Promise((resolve, reject) =>
    fchown(fd, uid, gid, (error) => (error ? reject(error) : resolve())),
  );
}

export function fdStat(fd: number): Promise<Stats> {
  return new Promise((resolve, reject) => fstat(fd, done(resolve, reject)));
}

export function fdSync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve())));
}

export function fdClose(fd: number): Promise<void> {
  return new Promise((resolve, reject) => close(fd, (error) => (error ? reject(error) : resolve())));
}

/** Writes all of `data` from the start of the file (a short write continues where it stopped). */
export async function fdWriteAll(fd: number, data: Buffer): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const written = await new Promise<number>((resolve, reject) =>
      write(fd, data, offset, data.length - offset, offset, done(resolve, reject)),
    );
    // Never loop forever on a file system that accepts nothing.
    if (written <= 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
    offset += written;
  }
}
