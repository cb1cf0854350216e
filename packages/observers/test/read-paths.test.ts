/**
 * Files on local file systems are read synchronously, others through the
 * thread pool: both ways must observe exactly the same things, and only file
 * systems known to be local may be read synchronously.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, symlink } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { StatfsFunction } from '@certloop/core';
import { aTempDir, writeFileAt } from '../../x509/test/builders.js';
import { ObservationCache } from '../src/cache.js';
import { FileSystemClassifier } from '../src/file-systems.js';
import { type FileReadContext, MAX_FILE_BYTES, observeFileWith } from '../src/files.js';
import { ASYNC_ACCESS, type FileAccess, SYNC_ACCESS } from '../src/read-once.js';

let dir: { path: string; cleanup: () => Promise<void> };

beforeEach(async () => {
  dir = await aTempDir();
});

afterEach(async () => {
  await dir.cleanup();
});

const PARSERS = {
  text: (content: Buffer) => content.toString('utf8'),
  length: (content: Buffer) => content.length,
};

function observe(access: FileAccess, path: string, cache?: ObservationCache) {
  const context: FileReadContext = { cache, onParse: undefined };
  return observeFileWith(access, path, PARSERS, context);
}

/** The observation both ways (without and with a cache, twice: miss then hit); they must be equal. */
async function bothWays(path: string) {
  const sync = await observe(SYNC_ACCESS, path);
  expect(await observe(ASYNC_ACCESS, path)).toEqual(sync);
  const [syncCache, asyncCache] = [new ObservationCache(), new ObservationCache()];
  for (let pass = 0; pass < 2; pass++) {
    const cachedSync = await observe(SYNC_ACCESS, path, syncCache);
    expect(await observe(ASYNC_ACCESS, path, asyncCache)).toEqual(cachedSync);
    expect(cachedSync).toEqual(sync);
  }
  expect(syncCache.size).toBe(asyncCache.size);
  return sync;
}

describe('synchronous and asynchronous reads observe the same', () => {
  test('a regular file: metadata, hash and parsed content', async () => {
    const path = join(dir.path, 'cert.pem');
    await writeFileAt(path, 'hello\n', 0o640);
    const observed = await bothWays(path);
    expect(observed.file).toMatchObject({ path, exists: true, readable: true, mode: 0o640, size: 6 });
    expect(observed.file.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(observed.parsed).toEqual({ text: 'hello\n', length: 6 });
  });

  test('an empty file', async () => {
    const path = join(dir.path, 'empty.pem');
    await writeFileAt(path, '');
    expect((await bothWays(path)).parsed).toEqual({ text: '', length: 0 });
  });

  test('a missing file', async () => {
    const path = join(dir.path, 'missing.pem');
    expect(await bothWays(path)).toEqual({ file: { path, exists: false, readable: false } });
  });

  test('a directory', async () => {
    const path = join(dir.path, 'a-directory');
    await mkdir(path);
    expect((await bothWays(path)).file).toMatchObject({ exists: true, readable: false, error: 'EISDIR' });
  });

  test('a FIFO (opened non-blocking, never read)', async () => {
    const path = join(dir.path, 'fifo');
    execFileSync('mkfifo', [path]);
    expect((await bothWays(path)).file).toMatchObject({
      exists: true,
      readable: false,
      error: 'not a regular file',
    });
  });

  const asRoot = process.getuid?.() === 0;
  (asRoot ? test.skip : test)('an unreadable file [skipped as root: root reads mode 000 files]', async () => {
    const path = join(dir.path, 'secret.pem');
    await writeFileAt(path, 'secret', 0o000);
    expect((await bothWays(path)).file).toMatchObject({
      exists: true,
      readable: false,
      error: 'EACCES',
      mode: 0,
    });
  });

  test('a file whose parent is a file', async () => {
    await writeFileAt(join(dir.path, 'not-a-dir'), 'x');
    const path = join(dir.path, 'not-a-dir', 'cert.pem');
    expect(await bothWays(path)).toEqual({
      file: { path, exists: false, readable: false, error: 'ENOTDIR' },
    });
  });

  test('a symbolic link loop (open and stat both fail)', async () => {
    const path = join(dir.path, 'loop.pem');
    await symlink(path, path);
    expect(await bothWays(path)).toEqual({ file: { path, exists: true, readable: false, error: 'ELOOP' } });
  });

  test('a socket (open fails, stat tells what it is)', async () => {
    const path = join(dir.path, 'socket');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      expect((await bothWays(path)).file).toMatchObject({
        exists: true,
        readable: false,
        error: 'not a regular file',
      });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('a file larger than the cap is not read', async () => {
    const path = join(dir.path, 'huge.pem');
    await writeFileAt(path, Buffer.alloc(MAX_FILE_BYTES + 1, 0x41));
    const observed = await bothWays(path);
    expect(observed.file).toMatchObject({ exists: true, readable: false, size: MAX_FILE_BYTES + 1 });
    expect(observed.file.error).toMatch(/^EFBIG/);
    expect(observed.parsed).toBeUndefined();
  });

  test('a file exactly at the cap is read whole', async () => {
    const path = join(dir.path, 'large.pem');
    await writeFileAt(path, Buffer.alloc(MAX_FILE_BYTES, 0x41));
    expect((await bothWays(path)).parsed?.length).toBe(MAX_FILE_BYTES);
  });
});

describe('FileSystemClassifier', () => {
  /** A statfs that answers `type` (or fails) and counts its calls. */
  function fakeStatfs(answer: number | NodeJS.ErrnoException) {
    const calls: string[] = [];
    const statfs: StatfsFunction = (path, callback) => {
      calls.push(path);
      setImmediate(() =>
        typeof answer === 'number' ? callback(null, { type: answer }) : callback(answer, { type: 0 }),
      );
    };
    return { statfs, calls };
  }

  // The full table of file-system types is tested with LocalFileSystems in core.
  test.each([
    ['NFS (0x6969)', 0x6969, ASYNC_ACCESS],
    ['an unknown type', 0x12345678, ASYNC_ACCESS],
    ['ext4 (0xef53)', 0xef53, SYNC_ACCESS],
    ['overlayfs (0x794c7630)', 0x794c7630, SYNC_ACCESS],
  ])('files on %s are read the matching way', async (_, type, expected) => {
    const classifier = new FileSystemClassifier(fakeStatfs(type).statfs);
    expect(await classifier.accessFor('/srv/certs/a.pem')).toBe(expected);
  });

  test('a statfs that fails means asynchronous reads', async () => {
    const failure = Object.assign(new Error('statfs failed'), { code: 'EIO' });
    const classifier = new FileSystemClassifier(fakeStatfs(failure).statfs);
    expect(await classifier.accessFor('/srv/certs/a.pem')).toBe(ASYNC_ACCESS);
  });

  test('statfs runs once per directory, also for files asked for at the same time', async () => {
    const { statfs, calls } = fakeStatfs(0xef53);
    const classifier = new FileSystemClassifier(statfs);
    await Promise.all([
      classifier.accessFor('/srv/a/cert.pem'),
      classifier.accessFor('/srv/a/key.pem'),
      classifier.accessFor('/srv/b/cert.pem'),
    ]);
    expect(classifier.accessFor('/srv/a/chain.pem')).toBe(SYNC_ACCESS);
    expect(calls).toEqual(['/srv/a', '/srv/b']);
  });
});
