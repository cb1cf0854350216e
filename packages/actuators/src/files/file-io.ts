/**
 * The system calls of an atomic write, made two ways with the same results
 * and errors: inline (synchronous) on local file systems, where a call costs
 * less than a thread-pool round trip, and through libuv's pool elsewhere
 * (NFS), where calls in flight hide the network's latency (see
 * LocalFileSystems in core). fsync always goes through the pool: it waits for
 * the disk and must never hold up the event loop.
 */
import {
  closeSync,
  fchmodSync,
  fchownSync,
  fstatSync,
  lstatSync,
  openSync,
  renameSync,
  type Stats,
  writeSync,
} from 'node:fs';
import { lstat, rename } from 'node:fs/promises';
import { LocalFileSystems } from '@certloop/core';
import { fdChmod, fdChown, fdClose, fdOpen, fdStat, fdWriteAll } from './fd.js';

export interface FileIo {
  open(path: string, flags: number, mode: number): Promise<number>;
  chmod(fd: number, mode: number): Promise<void>;
  fstat(fd: number): Promise<Stats>;
  chown(fd: number, uid: number, gid: number): Promise<void>;
  writeAll(fd: number, data: Buffer): Promise<void>;
  close(fd: number): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** lstat(2) of a target, to tell whether it already holds the content. */
  lstat(path: string): Promise<Stats>;
}

export const threadPoolIo: FileIo = {
  open: fdOpen,
  chmod: fdChmod,
  fstat: fdStat,
  chown: fdChown,
  writeAll: fdWriteAll,
  close: fdClose,
  rename,
  lstat: (path) => lstat(path),
};

/** A synchronous call as a settled promise: callers await both kinds alike. */
function settled<A extends unknown[], R>(call: (...args: A) => R): (...args: A) => Promise<R> {
  return (...args) => {
    try {
      return Promise.resolve(call(...args));
    } catch (error) {
      return Promise.reject(error);
    }
  };
}

function writeAllSync(fd: number, data: Buffer): void {
  for (let offset = 0; offset < data.length; ) {
    const written = writeSync(fd, data, offset, data.length - offset, offset);
    // Never loop forever on a file system that accepts nothing.
    if (written <= 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
    offset += written;
  }
}

export const inlineIo: FileIo = {
  open: settled(openSync),
  chmod: settled(fchmodSync),
  fstat: settled((fd: number) => fstatSync(fd)),
  chown: settled(fchownSync),
  writeAll: settled(writeAllSync),
  close: settled(closeSync),
  rename: settled(renameSync),
  lstat: settled((path: string) => lstatSync(path)),
};

const defaultFileSystems = new LocalFileSystems();

/** The calls to use for files in `directory`. */
export async function fileIoFor(
  directory: string,
  fileSystems: LocalFileSystems = defaultFileSystems,
): Promise<FileIo> {
  return (await fileSystems.isLocal(directory)) ? inlineIo : threadPoolIo;
}
