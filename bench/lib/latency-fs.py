#!/usr/bin/env python3
"""A passthrough file system that waits a fixed time before every request.

Stands in for NFS in `pnpm bench` (this machine has no NFS client, but has
FUSE): every request the kernel sends costs the latency, as a round trip to a
file server would, and requests in flight at once overlap, as they do on NFS.
It is built on libfuse 3 (Debian's python3-pyfuse3), not 2, because libfuse 3
negotiates parallel directory operations: lookups of different names in one
directory then overlap, as on Linux's NFS client, instead of queueing behind
the directory's lock. Creates, renames and unlinks in one directory stay
serialised by the kernel, as on every file system.

    latency-fs.py ROOT MOUNTPOINT LATENCY_MS [STATS_PATH]

Runs in the foreground until the mount point is unmounted (umount MOUNTPOINT).
Needs root (mount(2) without fusermount3) and python3-pyfuse3. With
STATS_PATH, writes {"ops": {"lookup": n, ...}, "maxInFlight": n} there (the
whole file at once, by rename) on SIGUSR1 and at unmount: "ops" counts the
requests of each kind since the mount, "maxInFlight" is the most requests in
flight at once since the previous write.
"""
import errno
import json
import os
import signal
import stat
import sys
from collections import Counter
from functools import wraps

import pyfuse3
import trio

# The kernel's usual entry and attribute timeout (libfuse's default), so a
# second run within a second finds the kernel's caches, as on NFS.
CACHE_TIMEOUT_S = 1.0
# Requests handled at once: enough that the latencies of a busy client overlap.
MAX_TASKS = 64


def request(handler):
    """One request from the kernel: counted, answered after the latency, OSError as its errno."""

    @wraps(handler)
    async def answer(self, *args):
        self.ops[handler.__name__] += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await trio.sleep(self.latency_s)
            return await handler(self, *args)
        except OSError as error:
            raise pyfuse3.FUSEError(error.errno or errno.EIO) from None
        finally:
            self.in_flight -= 1

    return answer


def attributes(st):
    entry = pyfuse3.EntryAttributes()
    for key in ('st_ino', 'st_mode', 'st_nlink', 'st_uid', 'st_gid', 'st_rdev', 'st_size',
                'st_blksize', 'st_blocks', 'st_atime_ns', 'st_mtime_ns', 'st_ctime_ns'):
        setattr(entry, key, getattr(st, key))
    entry.entry_timeout = entry.attr_timeout = CACHE_TIMEOUT_S
    return entry


class LatencyPassthrough(pyfuse3.Operations):
    def __init__(self, root, latency_s):
        super().__init__()
        self.latency_s = latency_s
        # The kernel names files by inode; the real inode numbers are used, so
        # each inode maps to the path it was last seen at (the root is always 1).
        self.paths = {pyfuse3.ROOT_INODE: os.fsencode(os.path.realpath(root))}
        self.open_dirs = {}
        self.next_dir_handle = 1
        self.ops = Counter()
        self.in_flight = 0
        self.max_in_flight = 0

    def _path(self, inode, name=None):
        path = self.paths.get(inode)
        if path is None:
            raise pyfuse3.FUSEError(errno.ESTALE)
        return path if name is None else os.path.join(path, name)

    def _seen(self, path):
        st = os.lstat(path)
        self.paths[st.st_ino] = path
        return attributes(st)

    def _inode_at(self, path):
        try:
            return os.lstat(path).st_ino
        except FileNotFoundError:
            return None

    def _forget(self, inode, path):
        """Forgets the path of an inode that was just removed or replaced there."""
        if self.paths.get(inode) == path:
            del self.paths[inode]

    def _own(self, path, ctx):
        # The daemon runs as root: what it creates belongs to the caller.
        os.chown(path, ctx.uid, ctx.gid, follow_symlinks=False)

    def write_stats(self, stats_path):
        temp = f'{stats_path}.{os.getpid()}.tmp'
        with open(temp, 'w') as file:
            json.dump({'ops': dict(self.ops), 'maxInFlight': self.max_in_flight}, file)
        os.replace(temp, stats_path)
        self.max_in_flight = self.in_flight

    @request
    async def lookup(self, parent_inode, name, ctx):
        return self._seen(self._path(parent_inode, name))

    @request
    async def getattr(self, inode, ctx):
        st = os.lstat(self._path(inode))
        if inode != pyfuse3.ROOT_INODE and st.st_ino != inode:
            raise pyfuse3.FUSEError(errno.ESTALE)  # another file has its name now
        return attributes(st)

    @request
    async def setattr(self, inode, attr, fields, fh, ctx):
        path = self._path(inode)
        if fields.update_size:
            os.truncate(fh if fh is not None else path, attr.st_size)
        if fields.update_mode:
            os.chmod(path, stat.S_IMODE(attr.st_mode))
        if fields.update_uid or fields.update_gid:
            os.chown(path, attr.st_uid if fields.update_uid else -1,
                     attr.st_gid if fields.update_gid else -1, follow_symlinks=False)
        if fields.update_atime or fields.update_mtime:
            st = os.lstat(path)
            times = (attr.st_atime_ns if fields.update_atime else st.st_atime_ns,
                     attr.st_mtime_ns if fields.update_mtime else st.st_mtime_ns)
            os.utime(path, ns=times, follow_symlinks=False)
        return attributes(os.lstat(path))

    @request
    async def create(self, parent_inode, name, mode, flags, ctx):
        path = self._path(parent_inode, name)
        fd = os.open(path, flags | os.O_CREAT | os.O_EXCL, stat.S_IMODE(mode))
        self._own(path, ctx)
        return pyfuse3.FileInfo(fh=fd), self._seen(path)

    @request
    async def open(self, inode, flags, ctx):
        return pyfuse3.FileInfo(fh=os.open(self._path(inode), flags & ~os.O_CREAT))

    @request
    async def read(self, fh, off, size):
        return os.pread(fh, size, off)

    @request
    async def write(self, fh, off, buf):
        return os.pwrite(fh, buf, off)

    @request
    async def flush(self, fh):
        pass  # the descriptor is closed at release

    @request
    async def release(self, fh):
        os.close(fh)

    @request
    async def fsync(self, fh, datasync):
        # On a thread, so that the other requests in flight go on meanwhile.
        await trio.to_thread.run_sync(os.fdatasync if datasync else os.fsync, fh)

    @request
    async def mkdir(self, parent_inode, name, mode, ctx):
        path = self._path(parent_inode, name)
        os.mkdir(path, stat.S_IMODE(mode))
        self._own(path, ctx)
        return self._seen(path)

    @request
    async def rmdir(self, parent_inode, name, ctx):
        path = self._path(parent_inode, name)
        inode = self._inode_at(path)
        os.rmdir(path)
        self._forget(inode, path)

    @request
    async def unlink(self, parent_inode, name, ctx):
        path = self._path(parent_inode, name)
        inode = self._inode_at(path)
        os.unlink(path)
        self._forget(inode, path)

    @request
    async def rename(self, parent_inode_old, name_old, parent_inode_new, name_new, flags, ctx):
        if flags != 0:
            raise pyfuse3.FUSEError(errno.EINVAL)
        old, new = self._path(parent_inode_old, name_old), self._path(parent_inode_new, name_new)
        moved, replaced = os.lstat(old), self._inode_at(new)
        os.rename(old, new)
        self._forget(replaced, new)
        self.paths[moved.st_ino] = new
        if stat.S_ISDIR(moved.st_mode):
            prefix = old + b'/'
            for inode, path in list(self.paths.items()):
                if path.startswith(prefix):
                    self.paths[inode] = new + path[len(old):]

    @request
    async def readlink(self, inode, ctx):
        return os.readlink(self._path(inode))

    @request
    async def symlink(self, parent_inode, name, target, ctx):
        path = self._path(parent_inode, name)
        os.symlink(target, path)
        self._own(path, ctx)
        return self._seen(path)

    @request
    async def link(self, inode, new_parent_inode, new_name, ctx):
        path = self._path(new_parent_inode, new_name)
        os.link(self._path(inode), path, follow_symlinks=False)
        return attributes(os.lstat(path))

    @request
    async def opendir(self, inode, ctx):
        handle = self.next_dir_handle
        self.next_dir_handle += 1
        self.open_dirs[handle] = (inode, [])
        return handle

    @request
    async def readdir(self, fh, start_id, token):
        # Always with attributes (pyfuse3 answers READDIRPLUS), as NFS's READDIRPLUS.
        # The names are read once per listing, so a listing read in several
        # requests neither skips nor repeats a name when the directory changes.
        inode, names = self.open_dirs[fh]
        directory = self._path(inode)
        if start_id == 0:
            names[:] = sorted(os.listdir(directory))
        for index in range(start_id, len(names)):
            try:
                entry = self._seen(os.path.join(directory, names[index]))
            except FileNotFoundError:
                continue
            if not pyfuse3.readdir_reply(token, names[index], entry, index + 1):
                break

    @request
    async def releasedir(self, fh):
        del self.open_dirs[fh]

    @request
    async def fsyncdir(self, fh, datasync):
        fd = os.open(self._path(self.open_dirs[fh][0]), os.O_RDONLY | os.O_DIRECTORY)
        try:
            await trio.to_thread.run_sync(os.fsync, fd)
        finally:
            os.close(fd)

    @request
    async def statfs(self, ctx):
        st = os.statvfs(self.paths[pyfuse3.ROOT_INODE])
        data = pyfuse3.StatvfsData()
        for key in ('f_bsize', 'f_frsize', 'f_blocks', 'f_bfree', 'f_bavail', 'f_files',
                    'f_ffree', 'f_favail', 'f_namemax'):
            setattr(data, key, getattr(st, key))
        return data


async def write_stats_on_signal(fs, stats_path, task_status=trio.TASK_STATUS_IGNORED):
    with trio.open_signal_receiver(signal.SIGUSR1) as signals:
        task_status.started()
        async for _ in signals:
            fs.write_stats(stats_path)


async def serve(fs, mountpoint, stats_path):
    async with trio.open_nursery() as nursery:
        # Listening before mounting: whoever sees the mount may signal at once.
        if stats_path is not None:
            await nursery.start(write_stats_on_signal, fs, stats_path)
        pyfuse3.init(fs, mountpoint, set(pyfuse3.default_options) | {'allow_other', 'fsname=latency-fs'})
        try:
            await pyfuse3.main(max_tasks=MAX_TASKS)  # returns once unmounted
        except BaseException:
            pyfuse3.close(unmount=True)
            raise
        pyfuse3.close(unmount=False)
        nursery.cancel_scope.cancel()
    if stats_path is not None:
        fs.write_stats(stats_path)


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    root, mountpoint, latency_ms = sys.argv[1], sys.argv[2], float(sys.argv[3])
    stats_path = sys.argv[4] if len(sys.argv) == 5 else None
    os.umask(0)  # the kernel has applied the caller's umask to the modes it sends
    trio.run(serve, LatencyPassthrough(root, latency_ms / 1000), mountpoint, stats_path)


if __name__ == '__main__':
    main()
