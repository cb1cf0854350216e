import { constants } from 'node:fs';
import { FileWriteError, isErrno } from './errors.js';
import { fdSync } from './fd.js';
import { fileIoFor } from './file-io.js';

interface DirectorySyncs {
  /** The fsync running now; it may have started before the caller's change. */
  running: Promise<void>;
  /** The fsync queued to start once `running` ends: it covers every change made until it starts. */
  next?: Promise<void>;
}

/**
 * Group commit for directory fsyncs: a caller arriving while an fsync of the
 * same directory runs waits for the next one, which starts after that
 * caller's change and so covers it; every caller arriving meanwhile shares
 * that same next fsync. With many certificates in flight per directory this
 * saves most of the calls without weakening any caller's guarantee.
 */
export function coalescedBy(syncOnce: (directory: string) => Promise<void>) {
  const syncs = new Map<string, DirectorySyncs>();
  return (directory: string): Promise<void> => {
    const current = syncs.get(directory);
    if (current !== undefined) {
      current.next ??= current.running.then(
        () => syncOnce(directory),
        () => syncOnce(directory),
      );
      return current.next;
    }
    const entry: DirectorySyncs = { running: syncOnce(directory) };
    syncs.set(directory, entry);
    const advance = (): void => {
      const next = entry.next;
      if (next === undefined) {
        syncs.delete(directory);
        return;
      }
      entry.running = next;
      entry.next = undefined;
      next.then(advance, advance);
    };
    entry.running.then(advance, advance);
    return entry.running;
  };
}

/**
 * fsync a directory so the entries created, renamed or removed in it survive
 * a crash. File systems that cannot fsync a directory (EINVAL) are skipped:
 * there is nothing more we can do there. Concurrent calls share fsyncs
 * (coalescedBy).
 */
export const fsyncDirectory: (directory: string) => Promise<void> = coalescedBy(syncOnce);

async function syncOnce(directory: string): Promise<void> {
  let fd: number | undefined;
  // Open and close the way the directory's file system wants (inline on a
  // local disk: two thread-pool round trips fewer per fsync); fsync itself
  // always waits in the pool.
  const io = await fileIoFor(directory);
  try {
    fd = await io.open(directory, constants.O_RDONLY, 0);
    await fdSync(fd);
  } catch (error) {
    if (!isErrno(error, 'EINVAL', 'ENOTSUP', 'EOPNOTSUPP')) {
      throw new FileWriteError(directory, 'fsync the directory', error);
    }
  } finally {
    if (fd !== undefined) await io.close(fd).catch(() => {});
  }
}
