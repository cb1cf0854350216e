#!/usr/bin/env python3
"""A passthrough file system that waits a fixed time before every request.

Stands in for NFS in `pnpm bench` (this machine has no NFS client, but has
FUSE): every request the kernel sends costs the latency, as a round trip to a
file server would, and requests in flight at once overlap, as they do on NFS.
It speaks the kernel's FUSE protocol itself (trio, no libfuse) so that it can
ask for parallel directory operations: lookups of different names in one
directory then overlap, as on Linux's NFS client, instead of queueing behind
the directory's lock. Neither libfuse 2 (fusepy) nor pyfuse3 3.2.1 on libfuse
3.14 asks for them. Creates, renames and unlinks in one directory stay
serialised by the kernel, as on every file system.

    latency-fs.py ROOT MOUNTPOINT LATENCY_MS [STATS_PATH]

Runs in the foreground until the mount point is unmounted (umount MOUNTPOINT).
Needs root (mount(2)) and python3-trio. With STATS_PATH, writes
{"ops": {"lookup": n, ...}, "maxInFlight": n} there (the whole file at once, by
rename) on SIGUSR1 and at unmount: "ops" counts the requests of each kind since
the mount, "maxInFlight" is the most requests in flight at once since the
previous write.
"""
import ctypes
import errno
import json
import os
import signal
import stat
import struct
import sys
import time
from collections import Counter

import trio

# The structures of linux/fuse.h, protocol 7.31 (what libfuse 3.14 speaks).
IN_HEADER = struct.Struct('<IIQQIIIHH')  # len, opcode, unique, nodeid, uid, gid, pid, extlen, pad
OUT_HEADER = struct.Struct('<IiQ')  # len, error, unique
ATTR = struct.Struct('<6Q10I')  # ino size blocks atime mtime ctime, their ns, mode nlink uid gid rdev blksize flags
ENTRY_OUT = struct.Struct('<4Q2I')  # nodeid generation entry_valid attr_valid, their ns; then ATTR
ATTR_OUT = struct.Struct('<Q2I')  # attr_valid, its ns, dummy; then ATTR
OPEN_OUT = struct.Struct('<Q2I')  # fh open_flags padding
INIT_OUT = struct.Struct('<4I2H2I2HI7I')
IO_IN = struct.Struct('<2Q2IQ2I')  # read_in and write_in: fh offset size flags lock_owner flags pad
SETATTR_IN = struct.Struct('<2I6Q8I')
DIRENT = struct.Struct('<2Q2I')  # ino off namelen type; then the name, padded to 8 bytes
FH_IN = struct.Struct('<QI')  # fh and flags: the start of release_in, flush_in, fsync_in

MAJOR, MINOR = 7, 31
ROOT_NODE = 1
MAX_WRITE = 128 * 1024
# Negotiated: async reads, O_TRUNC with open, big writes, cached data dropped when
# mtime or size change, READDIRPLUS always, parallel lookups and readdirs.
INIT_FLAGS = (1 << 0) | (1 << 3) | (1 << 5) | (1 << 12) | (1 << 13) | (1 << 18)
# Background requests (async reads, releases) in flight before the kernel
# holds more back: well above the kernel's 12, as an NFS client's slot table.
MAX_BACKGROUND = 64
# The kernel's usual entry and attribute timeout (libfuse's default), so a
# second run within a second finds the kernel's caches, as on NFS.
CACHE_TIMEOUT_S = 1

FATTR_MODE, FATTR_UID, FATTR_GID, FATTR_SIZE = 1 << 0, 1 << 1, 1 << 2, 1 << 3
FATTR_ATIME, FATTR_MTIME, FATTR_FH, FATTR_ATIME_NOW, FATTR_MTIME_NOW = 1 << 4, 1 << 5, 1 << 6, 1 << 7, 1 << 8
GETATTR_FH = 1 << 0
INIT, FORGET, INTERRUPT, DESTROY, BATCH_FORGET = 26, 2, 36, 38, 42


def attr(st):
    s = 10**9
    return ATTR.pack(st.st_ino, st.st_size, st.st_blocks,
                     st.st_atime_ns // s, st.st_mtime_ns // s, st.st_ctime_ns // s,
                     st.st_atime_ns % s, st.st_mtime_ns % s, st.st_ctime_ns % s,
                     st.st_mode, st.st_nlink, st.st_uid, st.st_gid, st.st_rdev & 0xFFFFFFFF, st.st_blksize, 0)


def entry(st):
    return ENTRY_OUT.pack(st.st_ino, 0, CACHE_TIMEOUT_S, CACHE_TIMEOUT_S, 0, 0) + attr(st)


def attr_out(st):
    return ATTR_OUT.pack(CACHE_TIMEOUT_S, 0, 0) + attr(st)


def names(body, count):
    """The `count` NUL-terminated names at the start of a request's body."""
    return bytes(body).split(b'\0')[:count]


class LatencyPassthrough:
    def __init__(self, root, latency_s, fd):
        self.latency_s = latency_s
        self.fd = fd
        # The kernel names files by node; real inode numbers are the node ids,
        # each mapped to the path it was last seen at (the root is always 1).
        self.paths = {ROOT_NODE: os.fsencode(os.path.realpath(root))}
        self.open_dirs = {}
        self.next_dir_handle = 1
        self.ops = Counter()
        self.in_flight = 0
        self.max_in_flight = 0
        self.handlers = {
            1: self.lookup, 3: self.getattr, 4: self.setattr, 5: self.readlink, 6: self.symlink,
            9: self.mkdir, 10: self.unlink, 11: self.rmdir, 12: self.rename, 13: self.link,
            14: self.open, 15: self.read, 16: self.write, 17: self.statfs, 18: self.release,
            20: self.fsync, 25: self.flush, 27: self.opendir, 29: self.releasedir,
            30: self.fsyncdir, 35: self.create, 44: self.readdirplus, 45: self.rename2,
        }

    def write_stats(self, stats_path):
        temp = f'{stats_path}.{os.getpid()}.tmp'
        with open(temp, 'w') as file:
            json.dump({'ops': dict(self.ops), 'maxInFlight': self.max_in_flight}, file)
        os.replace(temp, stats_path)
        self.max_in_flight = self.in_flight

    def reply(self, unique, error=0, body=b''):
        try:
            os.write(self.fd, OUT_HEADER.pack(OUT_HEADER.size + len(body), error, unique) + body)
        except FileNotFoundError:
            pass  # the request was interrupted meanwhile

    async def handle(self, request):
        _, opcode, unique, node, uid, gid, _, _, _ = IN_HEADER.unpack_from(request)
        body = memoryview(request)[IN_HEADER.size:]
        if opcode in (FORGET, BATCH_FORGET, INTERRUPT):
            return  # no answer expected; nodes are never forgotten here
        if opcode == INIT:
            return self.reply(unique, body=INIT_OUT.pack(
                MAJOR, MINOR, struct.unpack_from('<I', body, 8)[0], INIT_FLAGS, MAX_BACKGROUND,
                MAX_BACKGROUND * 3 // 4, MAX_WRITE, 1, 0, 0, 0, *[0] * 7))
        if opcode == DESTROY:
            return self.reply(unique)
        handler = self.handlers.get(opcode)
        if handler is None:
            return self.reply(unique, -errno.ENOSYS)  # the kernel stops asking
        self.ops[handler.__name__] += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await trio.sleep(self.latency_s)
            answer = await handler(node, body, (uid, gid))
        except OSError as error:
            self.reply(unique, -(error.errno or errno.EIO))
        else:
            self.reply(unique, body=answer or b'')
        finally:
            self.in_flight -= 1

    def _path(self, node, name=None):
        path = self.paths.get(node)
        if path is None:
            raise OSError(errno.ESTALE, 'unknown node')
        return path if name is None else os.path.join(path, name)

    def _seen(self, path):
        st = os.lstat(path)
        self.paths[st.st_ino] = path
        return st

    def _inode_at(self, path):
        try:
            return os.lstat(path).st_ino
        except FileNotFoundError:
            return None

    def _forget(self, inode, path):
        """Forgets the path of an inode that was just removed or replaced there."""
        if self.paths.get(inode) == path:
            del self.paths[inode]

    def _own(self, path, owner):
        # The daemon runs as root: what it creates belongs to the caller.
        os.chown(path, *owner, follow_symlinks=False)

    async def lookup(self, node, body, owner):
        try:
            return entry(self._seen(self._path(node, *names(body, 1))))
        except FileNotFoundError:
            # A negative entry (node 0) the kernel keeps for the timeout, as
            # Linux's NFS client keeps negative lookups (lookupcache=all, its
            # default); an ENOENT error would send every lookup of the name again.
            return ENTRY_OUT.pack(0, 0, CACHE_TIMEOUT_S, 0, 0, 0) + bytes(ATTR.size)

    async def getattr(self, node, body, owner):
        flags, _, fh = struct.unpack_from('<IIQ', body)
        if flags & GETATTR_FH:
            return attr_out(os.fstat(fh))
        st = os.lstat(self._path(node))
        if node != ROOT_NODE and st.st_ino != node:
            raise OSError(errno.ESTALE, 'another file has its name now')
        return attr_out(st)

    async def setattr(self, node, body, owner):
        (valid, _, fh, size, _, atime, mtime, _, atime_ns, mtime_ns, _, mode, _, uid, gid, _) = \
            SETATTR_IN.unpack_from(body)
        path = self._path(node)
        if valid & FATTR_SIZE:
            os.truncate(fh if valid & FATTR_FH else path, size)
        if valid & FATTR_MODE:
            os.chmod(path, stat.S_IMODE(mode))
        if valid & (FATTR_UID | FATTR_GID):
            os.chown(path, uid if valid & FATTR_UID else -1, gid if valid & FATTR_GID else -1,
                     follow_symlinks=False)
        if valid & (FATTR_ATIME | FATTR_MTIME | FATTR_ATIME_NOW | FATTR_MTIME_NOW):
            st, now = os.lstat(path), time.time_ns()

            def chosen(now_bit, given_bit, seconds, ns, unchanged):
                if valid & now_bit:
                    return now
                return seconds * 10**9 + ns if valid & given_bit else unchanged

            os.utime(path, ns=(chosen(FATTR_ATIME_NOW, FATTR_ATIME, atime, atime_ns, st.st_atime_ns),
                               chosen(FATTR_MTIME_NOW, FATTR_MTIME, mtime, mtime_ns, st.st_mtime_ns)),
                     follow_symlinks=False)
        return attr_out(os.lstat(path))

    async def readlink(self, node, body, owner):
        return os.readlink(self._path(node))

    async def symlink(self, node, body, owner):
        name, target = names(body, 2)
        path = self._path(node, name)
        os.symlink(target, path)
        self._own(path, owner)
        return entry(self._seen(path))

    async def mkdir(self, node, body, owner):
        mode, _ = struct.unpack_from('<II', body)
        path = self._path(node, *names(body[8:], 1))
        os.mkdir(path, stat.S_IMODE(mode))  # the kernel has applied the caller's umask
        self._own(path, owner)
        return entry(self._seen(path))

    async def unlink(self, node, body, owner):
        path = self._path(node, *names(body, 1))
        inode = self._inode_at(path)
        os.unlink(path)
        self._forget(inode, path)

    async def rmdir(self, node, body, owner):
        path = self._path(node, *names(body, 1))
        inode = self._inode_at(path)
        os.rmdir(path)
        self._forget(inode, path)

    async def rename(self, node, body, owner):
        (new_node,) = struct.unpack_from('<Q', body)
        self._move(node, new_node, *names(body[8:], 2))

    async def rename2(self, node, body, owner):
        new_node, flags, _ = struct.unpack_from('<QII', body)
        if flags != 0:
            raise OSError(errno.EINVAL, 'rename flags are not supported')
        self._move(node, new_node, *names(body[16:], 2))

    def _move(self, node, new_node, name, new_name):
        old, new = self._path(node, name), self._path(new_node, new_name)
        moved, replaced = os.lstat(old), self._inode_at(new)
        os.rename(old, new)
        self._forget(replaced, new)
        self.paths[moved.st_ino] = new
        if stat.S_ISDIR(moved.st_mode):
            prefix = old + b'/'
            for inode, path in list(self.paths.items()):
                if path.startswith(prefix):
                    self.paths[inode] = new + path[len(old):]

    async def link(self, node, body, owner):
        (old_node,) = struct.unpack_from('<Q', body)
        path = self._path(node, *names(body[8:], 1))
        os.link(self._path(old_node), path, follow_symlinks=False)
        return entry(os.lstat(path))

    async def create(self, node, body, owner):
        flags, mode, _, _ = struct.unpack_from('<4I', body)
        path = self._path(node, *names(body[16:], 1))
        fd = os.open(path, flags | os.O_CREAT | os.O_EXCL, stat.S_IMODE(mode))
        self._own(path, owner)
        return entry(self._seen(path)) + OPEN_OUT.pack(fd, 0, 0)

    async def open(self, node, body, owner):
        (flags,) = struct.unpack_from('<I', body)
        return OPEN_OUT.pack(os.open(self._path(node), flags & ~(os.O_CREAT | os.O_EXCL)), 0, 0)

    async def read(self, node, body, owner):
        fh, offset, size, *_ = IO_IN.unpack_from(body)
        return os.pread(fh, size, offset)

    async def write(self, node, body, owner):
        fh, offset, size, *_ = IO_IN.unpack_from(body)
        return struct.pack('<II', os.pwrite(fh, body[IO_IN.size:IO_IN.size + size], offset), 0)

    async def flush(self, node, body, owner):
        pass  # the descriptor is closed at release

    async def release(self, node, body, owner):
        os.close(FH_IN.unpack_from(body)[0])

    async def fsync(self, node, body, owner):
        fh, flags = FH_IN.unpack_from(body)
        # On a thread, so that the other requests in flight go on meanwhile.
        await trio.to_thread.run_sync(os.fdatasync if flags & 1 else os.fsync, fh)

    async def opendir(self, node, body, owner):
        handle = self.next_dir_handle
        self.next_dir_handle += 1
        self.open_dirs[handle] = (node, [])
        return OPEN_OUT.pack(handle, 0, 0)

    async def readdirplus(self, node, body, owner):
        # The names are read once per listing, so a listing read in several
        # requests neither skips nor repeats a name when the directory changes.
        fh, offset, size, *_ = IO_IN.unpack_from(body)
        directory_node, listing = self.open_dirs[fh]
        directory = self._path(directory_node)
        if offset == 0:
            listing[:] = sorted(os.listdir(directory))
        out = bytearray()
        for index in range(offset, len(listing)):
            name = listing[index]
            try:
                st = self._seen(os.path.join(directory, name))
            except FileNotFoundError:
                continue
            record = entry(st) + DIRENT.pack(st.st_ino, index + 1, len(name), stat.S_IFMT(st.st_mode) >> 12) + name
            record += b'\0' * (-len(record) % 8)
            if len(out) + len(record) > size:
                break
            out += record
        return bytes(out)

    async def releasedir(self, node, body, owner):
        del self.open_dirs[FH_IN.unpack_from(body)[0]]

    async def fsyncdir(self, node, body, owner):
        fd = os.open(self._path(self.open_dirs[FH_IN.unpack_from(body)[0]][0]), os.O_RDONLY | os.O_DIRECTORY)
        try:
            await trio.to_thread.run_sync(os.fsync, fd)
        finally:
            os.close(fd)

    async def statfs(self, node, body, owner):
        st = os.statvfs(self.paths[ROOT_NODE])
        return struct.pack('<5Q4I6I', st.f_blocks, st.f_bfree, st.f_bavail, st.f_files, st.f_ffree,
                           st.f_bsize, st.f_namemax, st.f_frsize, 0, *[0] * 6)


def mount(root, mountpoint):
    """Opens /dev/fuse and mounts it at `mountpoint`; returns the descriptor."""
    fd = os.open('/dev/fuse', os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)
    # No default_permissions: the kernel would then check permissions itself and,
    # after every create or rename, first ask for the directory's attributes
    # again (measured: 7.5 GETATTRs per issued certificate). An NFS server checks
    # permissions itself and returns the directory's new attributes with each
    # reply; here the daemon acts for root, as the bench runs.
    options = (f'fd={fd},rootmode={stat.S_IFMT(os.stat(root).st_mode):o},user_id={os.getuid()},'
               f'group_id={os.getgid()},allow_other')
    libc = ctypes.CDLL(None, use_errno=True)
    ms_nosuid, ms_nodev = 2, 4
    if libc.mount(b'latency-fs', os.fsencode(mountpoint), b'fuse', ms_nosuid | ms_nodev, options.encode()) != 0:
        raise OSError(ctypes.get_errno(), f'mount {mountpoint}')
    return fd


async def write_stats_on_signal(fs, stats_path, task_status=trio.TASK_STATUS_IGNORED):
    with trio.open_signal_receiver(signal.SIGUSR1) as signals:
        task_status.started()
        async for _ in signals:
            fs.write_stats(stats_path)


async def serve(root, mountpoint, latency_s, stats_path):
    async with trio.open_nursery() as nursery:
        # Listening before mounting: whoever sees the mount may signal at once.
        fs = LatencyPassthrough(root, latency_s, None)
        if stats_path is not None:
            await nursery.start(write_stats_on_signal, fs, stats_path)
        fs.fd = mount(root, mountpoint)
        while True:
            await trio.lowlevel.wait_readable(fs.fd)
            try:
                request = os.read(fs.fd, MAX_WRITE + 4096)
            except (BlockingIOError, InterruptedError, FileNotFoundError):
                continue  # nothing there after all, or the request was interrupted
            except OSError as error:
                if error.errno == errno.ENODEV:
                    break  # unmounted
                raise
            nursery.start_soon(fs.handle, request)
        nursery.cancel_scope.cancel()
    if stats_path is not None:
        fs.write_stats(stats_path)


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    root, mountpoint, latency_ms = sys.argv[1], sys.argv[2], float(sys.argv[3])
    stats_path = sys.argv[4] if len(sys.argv) == 5 else None
    os.umask(0)  # the kernel has applied the caller's umask to the modes it sends
    trio.run(serve, root, mountpoint, latency_ms / 1000, stats_path)


if __name__ == '__main__':
    main()
