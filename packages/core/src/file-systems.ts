/**
 * Is a directory on a local file system? Observers and writers use the answer
 * to pick how they make their system calls. On a local disk a synchronous
 * call costs ~10-25 µs of CPU against ~40-60 µs as a libuv thread-pool round
 * trip, and waits only for the disk. On NFS (and SMB, FUSE, Ceph, ...) every
 * call can be a network round trip: made on the main thread it would stall
 * everything, while many calls in flight hide the latency. So: synchronous
 * only where statfs says the file system is one known to be local;
 * asynchronous for anything else, including when statfs fails.
 */
import { statfs } from 'node:fs';
import { dirname } from 'node:path';

/**
 * f_type values (linux/magic.h; ZFS from OpenZFS) of disk and memory file
 * systems. NFS (0x6969), CIFS (0xff534d42), SMB2 (0xfe534d42), FUSE
 * (0x65735546), Ceph and every unknown type count as remote.
 */
const LOCAL_FILE_SYSTEMS: ReadonlySet<number> = new Set([
  0xef53, // ext2, ext3, ext4
  0x58465342, // xfs
  0x9123683e, // btrfs
  0x01021994, // tmpfs
  0x858458f6, // ramfs
  0x794c7630, // overlayfs (container root file systems)
  0x2fc12fc1, // zfs
  0xf2f52010, // f2fs
]);

export function isLocalFileSystemType(type: number): boolean {
  return LOCAL_FILE_SYSTEMS.has(type);
}

/** statfs(2) as node:fs gives it (injectable so tests can pretend to be on NFS). */
export type StatfsFunction = (
  path: string,
  callback: (error: NodeJS.ErrnoException | null, stats: { readonly type: number }) => void,
) => void;

const MAX_DIRECTORIES = 4096;

/**
 * statfs once per directory, remembered for this object's life (one pass, or
 * one process for a short command): a directory mounted over later is seen by
 * the next object. Ask with a file's own directory, so a mount point is seen.
 * A directory that does not exist is answered for its nearest existing
 * ancestor, and that answer is kept once the directory is created.
 */
export class LocalFileSystems {
  readonly #statfs: StatfsFunction;
  readonly #byDirectory = new Map<string, boolean | Promise<boolean | undefined>>();

  constructor(statfsFunction: StatfsFunction = statfs) {
    this.#statfs = statfsFunction;
  }

  /** Known at once (no promise) after the first question about `directory`. */
  isLocal(directory: string): boolean | Promise<boolean> {
    const known = this.#lookup(directory);
    return typeof known === 'boolean' ? known : known.then((local) => local ?? false);
  }

  /** The remembered answer, or the question in flight; undefined: nothing answered. */
  #lookup(directory: string): boolean | Promise<boolean | undefined> {
    const known = this.#byDirectory.get(directory);
    if (known !== undefined) return known;
    const pending = this.#ask(directory).then((local) => {
      if (this.#byDirectory.get(directory) === pending) {
        // statfs failed and no ancestor answered: asked again next time.
        if (local === undefined) this.#byDirectory.delete(directory);
        else this.#byDirectory.set(directory, local);
      }
      return local;
    });
    if (this.#byDirectory.size >= MAX_DIRECTORIES) this.#byDirectory.clear();
    this.#byDirectory.set(directory, pending);
    return pending;
  }

  /**
   * A directory that does not exist yet (new certificates) will be created on
   * its nearest existing ancestor's file system: asking that once, shared by
   * its new siblings, spares a failing statfs per file (1,075 of them when
   * issuing 1,000 certificates into 50 new directories).
   */
  async #ask(directory: string): Promise<boolean | undefined> {
    const type = await new Promise<number | 'missing' | undefined>((resolve) => {
      try {
        this.#statfs(directory, (error, stats) =>
          resolve(error === null ? stats.type : error.code === 'ENOENT' ? 'missing' : undefined),
        );
      } catch {
        resolve(undefined);
      }
    });
    if (typeof type === 'number') return isLocalFileSystemType(type);
    const parent = dirname(directory);
    if (type === undefined || parent === directory) return undefined;
    return this.#lookup(parent);
  }
}
