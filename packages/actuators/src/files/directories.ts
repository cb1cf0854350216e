import { open } from 'node:fs/promises';
import { FileWriteError, isErrno } from './errors.js';

/**
 * fsync a directory so the entries created, renamed or removed in it survive
 * a crash. File systems that cannot fsync a directory (EINVAL) are skipped:
 * there is nothing more we can do there.
 */
export async function fsyncDirectory(directory: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(directory, 'r');
    await handle.sync();
  } catch (error) {
    if (!isErrno(error, 'EINVAL', 'ENOTSUP', 'EOPNOTSUPP')) {
      throw new FileWriteError(directory, 'fsync the directory', error);
    }
  } finally {
    await handle?.close().catch(() => {});
  }
}
