#!/usr/bin/env python3
"""A passthrough file system that waits a fixed time before every operation.

Stands in for NFS in `pnpm bench` (this machine has no NFS client, but has
FUSE): every call certloop or the shell loop makes on the mount costs the
latency, as a round trip to a file server would, and calls in flight at once
overlap (the file system is multithreaded), as they do on NFS.

    latency-fs.py ROOT MOUNTPOINT LATENCY_MS

Runs in the foreground until the mount point is unmounted (umount MOUNTPOINT).
Needs root (mount(2) without fusermount) and Debian's python3-fusepy.
"""
import errno
import os
import sys
import time

from fusepy import FUSE, FuseOSError, Operations  # Debian python3-fusepy names the module fusepy


class LatencyPassthrough(Operations):
    def __init__(self, root, latency_s):
        self.root = os.path.realpath(root)
        self.latency_s = latency_s

    def _path(self, path):
        return os.path.join(self.root, path.lstrip('/'))

    def _wait(self):
        if self.latency_s > 0:
            time.sleep(self.latency_s)

    def __call__(self, op, *args):
        # One wait per operation the kernel sends, whatever it is.
        self._wait()
        try:
            return super().__call__(op, *args)
        except OSError as error:
            raise FuseOSError(error.errno or errno.EIO)

    def access(self, path, mode):
        if not os.access(self._path(path), mode):
            raise FuseOSError(errno.EACCES)

    def chmod(self, path, mode):
        return os.chmod(self._path(path), mode)

    def chown(self, path, uid, gid):
        return os.lchown(self._path(path), uid, gid)

    def create(self, path, mode, fi=None):
        return os.open(self._path(path), os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)

    def flush(self, path, fh):
        return 0

    def fsync(self, path, datasync, fh):
        return os.fdatasync(fh) if datasync else os.fsync(fh)

    def fsyncdir(self, path, datasync, fh):
        return 0

    def getattr(self, path, fh=None):
        st = os.lstat(self._path(path))
        keys = ('st_atime', 'st_ctime', 'st_gid', 'st_mode', 'st_mtime', 'st_nlink', 'st_size', 'st_uid', 'st_ino')
        return {key: getattr(st, key) for key in keys}

    def link(self, target, source):
        return os.link(self._path(source), self._path(target))

    def mkdir(self, path, mode):
        return os.mkdir(self._path(path), mode)

    def open(self, path, flags):
        return os.open(self._path(path), flags)

    def read(self, path, size, offset, fh):
        return os.pread(fh, size, offset)

    def readdir(self, path, fh):
        return ['.', '..'] + os.listdir(self._path(path))

    def readlink(self, path):
        return os.readlink(self._path(path))

    def release(self, path, fh):
        return os.close(fh)

    def rename(self, old, new):
        return os.rename(self._path(old), self._path(new))

    def rmdir(self, path):
        return os.rmdir(self._path(path))

    def statfs(self, path):
        st = os.statvfs(self._path(path))
        keys = ('f_bavail', 'f_bfree', 'f_blocks', 'f_bsize', 'f_favail', 'f_ffree', 'f_files', 'f_flag', 'f_frsize', 'f_namemax')
        return {key: getattr(st, key) for key in keys}

    def symlink(self, target, source):
        return os.symlink(source, self._path(target))

    def truncate(self, path, length, fh=None):
        if fh is not None:
            return os.ftruncate(fh, length)
        with open(self._path(path), 'r+b') as file:
            file.truncate(length)

    def unlink(self, path):
        return os.unlink(self._path(path))

    def utimens(self, path, times=None):
        return os.utime(self._path(path), times, follow_symlinks=False)

    def write(self, path, data, offset, fh):
        return os.pwrite(fh, data, offset)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    root, mountpoint, latency_ms = sys.argv[1], sys.argv[2], float(sys.argv[3])
    # use_ino: the real inode numbers, which certloop's observation cache keys on.
    FUSE(LatencyPassthrough(root, latency_ms / 1000), mountpoint, foreground=True, nothreads=False,
         use_ino=True, default_permissions=True, allow_other=True)


if __name__ == '__main__':
    main()
