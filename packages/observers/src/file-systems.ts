/**
 * Which way to read a file: synchronously where its directory is on a local
 * file system, through the thread pool anywhere else (NFS: reads in flight
 * hide the latency). The decision and its reasons live in core's
 * LocalFileSystems, shared with the writer; this maps it to a FileAccess.
 */
import { dirname } from 'node:path';
import { LocalFileSystems, type StatfsFunction } from '@certloop/core';
import { ASYNC_ACCESS, type FileAccess, SYNC_ACCESS } from './read-once.js';

const accessOf = (local: boolean): FileAccess => (local ? SYNC_ACCESS : ASYNC_ACCESS);

/**
 * statfs once per directory, remembered for this object's life (one
 * observation pass): a directory mounted over between passes is seen at the
 * next pass. The file's own directory is asked, so a mount point is seen; a
 * symbolic link from a local directory into NFS would be read synchronously
 * (same results, just without overlap).
 */
export class FileSystemClassifier {
  readonly #fileSystems: LocalFileSystems;

  constructor(statfsFunction?: StatfsFunction) {
    this.#fileSystems = new LocalFileSystems(statfsFunction);
  }

  /** How to read `path`: known at once after the first file of its directory. */
  accessFor(path: string): FileAccess | Promise<FileAccess> {
    const local = this.#fileSystems.isLocal(dirname(path));
    return typeof local === 'boolean' ? accessOf(local) : local.then(accessOf);
  }
}
