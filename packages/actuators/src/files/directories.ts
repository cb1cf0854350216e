import { constants } from 'node:fs';
import { FileWriteError, isErrno } from './errors.js';
import { fdClose, fdOpen, fdSync } from './fd.js';

/**
 * fsync a directory so the entries created, renamed or removed in it survive
 * a crash. File systems that cannot fsync a directory (EINVAL) are skipped:
 * there is nothing more we can do there.
 */
export async function fsyncDirectory(directory: string): Promise<void> {
  let fd: number | undefined;
  try {
    fd = await fdOpen(directory, constants.O_RDONLY, 0);
    await fdSync(fd);
  } catch (error) {
    if (!isErrno(error, 'EINVAL', 'ENOTSUP', 'EOPNOTSUPP')) {
      throw new FileWriteError(directory, 'fsync the directory', error);
    }
  } finally {
    if (fd !== undefined) await fdClose(fd).catch(() => {});
  }
}
