import { lstat, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CertloopError, LocalFileSystems, type StatfsFunction } from '@certloop/core';
import {
  type FileToWrite,
  FileWriteError,
  type WriteOptions,
  writeFilesAtomically,
} from '../../src/files/index.js';
import { canMount, run, useTempDir } from '../support/temp-dir.js';

const KEY = '-----BEGIN PRIVATE KEY-----\nnew key\n-----END PRIVATE KEY-----\n';
const CERT = '-----BEGIN CERTIFICATE-----\nnew cert\n-----END CERTIFICATE-----\n';

const modeOf = async (path: string) => (await lstat(path)).mode & 0o7777;
const tempsIn = async (dir: string) => (await readdir(dir)).filter((name) => name.endsWith('.tmp'));

async function rejection(promise: Promise<unknown>): Promise<FileWriteError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof FileWriteError) return error;
    throw error;
  }
  throw new Error('expected the write to fail');
}

// Every behaviour holds both ways the writer makes its system calls: inline
// on a local file system, through the thread pool on one it cannot vouch for
// (NFS). The temp directory is local; a statfs that says NFS forces the other way.
const NFS: StatfsFunction = (_path, callback) => callback(null, { type: 0x6969 });
const MODES: [string, () => LocalFileSystems][] = [
  ['local file system (inline calls)', () => new LocalFileSystems()],
  ['network file system (thread-pool calls)', () => new LocalFileSystems(NFS)],
];

describe.each(MODES)('writeFilesAtomically on a %s', (_mode, fileSystems) => {
  const write = (files: readonly FileToWrite[], options: WriteOptions = {}) =>
    writeFilesAtomically(files, { fileSystems: fileSystems(), ...options });
  const dir = useTempDir();
  let savedUmask = 0;
  beforeEach(() => {
    savedUmask = process.umask(0o022);
  });
  afterEach(() => {
    process.umask(savedUmask);
  });

  it('creates missing parent directories and writes the content', async () => {
    const key = join(dir(), 'a', 'b', 'svc.key');
    const result = await write([{ path: key, content: KEY, mode: 0o600 }]);
    expect(result).toEqual({ written: [key], unchanged: [] });
    expect(await readFile(key, 'utf8')).toBe(KEY);
    expect(await modeOf(join(dir(), 'a'))).toBe(0o755);
    expect(await modeOf(join(dir(), 'a', 'b'))).toBe(0o755);
    expect(await tempsIn(join(dir(), 'a', 'b'))).toEqual([]);
  });

  it('creates the missing parents of some files of a set and leaves the existing ones alone', async () => {
    const existing = join(dir(), 'existing');
    await mkdir(existing);
    await writeFile(join(existing, 'neighbour'), 'keep');
    const files = [
      { path: join(existing, 'svc.key'), content: KEY, mode: 0o600 },
      { path: join(dir(), 'new', 'svc.key'), content: KEY, mode: 0o600 },
      { path: join(dir(), 'new', 'svc.crt'), content: CERT, mode: 0o644 },
      { path: join(dir(), 'other', 'deep', 'svc.crt'), content: CERT, mode: 0o644 },
    ];
    const result = await write(files);
    expect(result.written).toEqual(files.map((f) => f.path));
    for (const file of files) expect(await readFile(file.path, 'utf8')).toBe(file.content);
    expect(await readdir(existing)).toEqual(['neighbour', 'svc.key']);
    expect(await tempsIn(join(dir(), 'new'))).toEqual([]);
  });

  it.each(['000', '022', '077'])('gives temp and target their exact mode under umask %s', async (umask) => {
    process.umask(Number.parseInt(umask, 8));
    const key = join(dir(), 'svc.key');
    const cert = join(dir(), 'svc.crt');
    const tempModes: number[] = [];
    await write(
      [
        { path: key, content: KEY, mode: 0o600 },
        { path: cert, content: CERT, mode: 0o644 },
      ],
      {
        onPrepared: async (temps) => {
          for (const { temp } of temps) tempModes.push(await modeOf(temp));
        },
      },
    );
    expect(tempModes).toEqual([0o600, 0o644]);
    expect(await modeOf(key)).toBe(0o600);
    expect(await modeOf(cert)).toBe(0o644);
  });

  it('writes every temp completely before renaming any target', async () => {
    const key = join(dir(), 'svc.key');
    const cert = join(dir(), 'svc.crt');
    await writeFile(key, 'old key');
    await writeFile(cert, 'old cert');
    let seen: string[] = [];
    const result = await write(
      [
        { path: key, content: KEY, mode: 0o600 },
        { path: cert, content: CERT, mode: 0o644 },
      ],
      {
        onPrepared: async (temps) => {
          seen = [
            await readFile(key, 'utf8'),
            await readFile(cert, 'utf8'),
            ...(await Promise.all(temps.map((t) => readFile(t.temp, 'utf8')))),
          ];
        },
      },
    );
    expect(seen).toEqual(['old key', 'old cert', KEY, CERT]);
    expect(result.written).toEqual([key, cert]); // key first, certificate last
    expect(await readFile(key, 'utf8')).toBe(KEY);
    expect(await readFile(cert, 'utf8')).toBe(CERT);
  });

  it('leaves a file with identical content alone (same inode and mtime)', async () => {
    const key = join(dir(), 'svc.key');
    await write([{ path: key, content: KEY, mode: 0o600 }]);
    const before = await stat(key);
    const result = await write([{ path: key, content: Buffer.from(KEY), mode: 0o600 }]);
    const after = await stat(key);
    expect(result).toEqual({ written: [], unchanged: [key] });
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
  });

  it('replaces a file marked knownChanged without comparing it, even when identical', async () => {
    const key = join(dir(), 'svc.key');
    await write([{ path: key, content: KEY, mode: 0o600 }]);
    const before = await stat(key);
    const result = await write([{ path: key, content: KEY, mode: 0o600, knownChanged: true }]);
    expect(result).toEqual({ written: [key], unchanged: [] });
    expect((await stat(key)).ino).not.toBe(before.ino);
    expect(await readFile(key, 'utf8')).toBe(KEY);
  });

  it('corrects the mode of an unchanged file without rewriting it', async () => {
    const key = join(dir(), 'svc.key');
    await writeFile(key, KEY, { mode: 0o644 });
    const before = await stat(key);
    const result = await write([{ path: key, content: KEY, mode: 0o600 }]);
    const after = await stat(key);
    expect(result.unchanged).toEqual([key]);
    expect(after.mode & 0o7777).toBe(0o600);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
  });

  it('replaces a symbolic link at the target instead of writing through it', async () => {
    const elsewhere = join(dir(), 'elsewhere');
    await writeFile(elsewhere, 'precious');
    const key = join(dir(), 'svc.key');
    await symlink(elsewhere, key);
    await write([{ path: key, content: KEY, mode: 0o600 }]);
    expect((await lstat(key)).isFile()).toBe(true);
    expect(await readFile(elsewhere, 'utf8')).toBe('precious');
  });

  const asRoot = process.getuid?.() === 0 ? it : it.skip;
  asRoot('applies owner and group to the temp before any content, by name or number', async () => {
    const key = join(dir(), 'svc.key');
    const cert = join(dir(), 'svc.crt');
    const tempOwners: number[][] = [];
    await write(
      [
        { path: key, content: KEY, mode: 0o640, owner: 'nobody', group: 'nogroup' },
        { path: cert, content: CERT, mode: 0o644, owner: '65534' },
      ],
      {
        onPrepared: async (temps) => {
          for (const { temp } of temps) {
            const s = await lstat(temp);
            tempOwners.push([s.uid, s.gid, s.mode & 0o7777]);
          }
        },
      },
    );
    expect(tempOwners).toEqual([
      [65534, 65534, 0o640],
      [65534, 0, 0o644],
    ]);
    const keyStat = await stat(key);
    expect([keyStat.uid, keyStat.gid]).toEqual([65534, 65534]);
  });

  asRoot('corrects the owner of an unchanged file', async () => {
    const key = join(dir(), 'svc.key');
    await writeFile(key, KEY, { mode: 0o600 });
    await write([{ path: key, content: KEY, mode: 0o600, owner: 'nobody', group: 'nogroup' }]);
    const s = await stat(key);
    expect([s.uid, s.gid]).toEqual([65534, 65534]);
  });

  it('rejects an unknown owner before touching anything', async () => {
    const key = join(dir(), 'sub', 'svc.key');
    await expect(
      write([{ path: key, content: KEY, mode: 0o600, owner: 'no-such-user-certloop' }]),
    ).rejects.toThrow(/Unknown user "no-such-user-certloop"/);
    await expect(stat(join(dir(), 'sub'))).rejects.toThrow(/ENOENT/);
  });

  it('removes every temp and changes no target when a failure happens before the renames', async () => {
    const key = join(dir(), 'svc.key');
    const cert = join(dir(), 'svc.crt');
    await writeFile(key, 'old key');
    await writeFile(cert, 'old cert');
    await expect(
      write(
        [
          { path: key, content: KEY, mode: 0o600 },
          { path: cert, content: CERT, mode: 0o644 },
        ],
        {
          onPrepared: () => {
            throw new CertloopError('WRITE_FAILED', 'simulated failure');
          },
        },
      ),
    ).rejects.toThrow('simulated failure');
    expect(await tempsIn(dir())).toEqual([]);
    expect(await readFile(key, 'utf8')).toBe('old key');
    expect(await readFile(cert, 'utf8')).toBe('old cert');
  });

  it('refuses to follow a symbolic link planted at the temp path', async () => {
    const victim = join(dir(), 'victim');
    await writeFile(victim, 'do not overwrite', { mode: 0o644 });
    const key = join(dir(), 'svc.key');
    const cert = join(dir(), 'svc.crt');
    const plantedTemp = join(dir(), '.svc.crt.certloop-planted.tmp');
    await symlink(victim, plantedTemp);
    const error = await rejection(
      write(
        [
          { path: key, content: KEY, mode: 0o600 },
          { path: cert, content: CERT, mode: 0o644 },
        ],
        { tempPathFor: (target) => (target === cert ? plantedTemp : `${target}.ok.tmp`) },
      ),
    );
    expect(error.code).toBe('WRITE_FAILED');
    expect(['EEXIST', 'ELOOP']).toContain(error.errno);
    expect(error.message).toContain(plantedTemp);
    expect(await readFile(victim, 'utf8')).toBe('do not overwrite');
    expect(await modeOf(victim)).toBe(0o644);
    // The key's temp was removed, the key itself never written; the planted link is not ours to remove.
    expect((await readdir(dir())).sort()).toEqual(['.svc.crt.certloop-planted.tmp', 'victim']);
  });

  it('reports ENOTDIR when a parent is a file', async () => {
    await writeFile(join(dir(), 'not-a-dir'), 'x');
    for (const path of [join(dir(), 'not-a-dir', 'svc.key'), join(dir(), 'not-a-dir', 'deeper', 'svc.key')]) {
      const error = await rejection(write([{ path, content: KEY, mode: 0o600 }]));
      expect(error.code).toBe('WRITE_FAILED');
      expect(error.errno).toBe('ENOTDIR');
      expect(error.message).toContain(path);
    }
  });

  it('refuses to write one path twice in a set', async () => {
    const key = join(dir(), 'svc.key');
    await expect(
      write([
        { path: key, content: KEY, mode: 0o600 },
        { path: join(dir(), '.', 'svc.key'), content: CERT, mode: 0o644 },
      ]),
    ).rejects.toThrow(/written twice/);
    await expect(stat(key)).rejects.toThrow(/ENOENT/);
  });

  it('refuses relative paths', async () => {
    await expect(write([{ path: 'svc.key', content: KEY, mode: 0o600 }])).rejects.toThrow(/relative path/);
  });

  // Without mount rights (not root, no CAP_SYS_ADMIN) these two are skipped: chmod does not stop root.
  const withMount = canMount() ? it : it.skip;
  withMount('reports EROFS on a read-only mount and leaves nothing behind', async () => {
    const ro = join(dir(), 'ro');
    await mkdir(ro);
    await writeFile(join(ro, 'svc.key'), 'old key');
    run('mount', ['--bind', ro, ro]);
    try {
      run('mount', ['-o', 'remount,ro,bind', ro]);
      const error = await rejection(write([{ path: join(ro, 'svc.key'), content: KEY, mode: 0o600 }]));
      expect(error.errno).toBe('EROFS');
      expect(error.message).toContain(ro);
      expect(await readFile(join(ro, 'svc.key'), 'utf8')).toBe('old key');
      expect(await tempsIn(ro)).toEqual([]);
    } finally {
      run('umount', [ro]);
    }
  });

  withMount('reports ENOSPC on a full file system, removes the temps and keeps the old pair', async () => {
    const small = join(dir(), 'small');
    await mkdir(small);
    run('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', small]);
    try {
      const key = join(small, 'svc.key');
      const cert = join(small, 'svc.crt');
      await writeFile(key, 'old key');
      await writeFile(cert, 'old cert');
      const error = await rejection(
        write([
          { path: key, content: KEY, mode: 0o600 },
          { path: cert, content: Buffer.alloc(256 * 1024, 'x'), mode: 0o644 },
        ]),
      );
      expect(error.errno).toBe('ENOSPC');
      expect(await tempsIn(small)).toEqual([]);
      expect(await readFile(key, 'utf8')).toBe('old key');
      expect(await readFile(cert, 'utf8')).toBe('old cert');
    } finally {
      run('umount', [small]);
    }
  });
});
