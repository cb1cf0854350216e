import { tmpdir } from 'node:os';
import { LocalFileSystems, type StatfsFunction } from '../src/file-systems.js';

/** A statfs that answers from a table and counts its calls. */
function fakeStatfs(types: Record<string, number | Error>) {
  const calls: string[] = [];
  const statfs: StatfsFunction = (path, callback) => {
    calls.push(path);
    const answer = types[path];
    if (answer === undefined || answer instanceof Error) {
      callback(Object.assign(answer ?? new Error('ENOENT'), { code: 'ENOENT' }), { type: 0 });
    } else {
      callback(null, { type: answer });
    }
  };
  return { statfs, calls };
}

describe('LocalFileSystems', () => {
  it('calls disk and memory file systems local and NFS, SMB, FUSE and unknown ones not', async () => {
    const { statfs } = fakeStatfs({
      '/ext4': 0xef53,
      '/xfs': 0x58465342,
      '/tmpfs': 0x01021994,
      '/nfs': 0x6969,
      '/smb': 0xfe534d42,
      '/fuse': 0x65735546,
      '/odd': 0x1234,
    });
    const fileSystems = new LocalFileSystems(statfs);
    const answers = await Promise.all(
      ['/ext4', '/xfs', '/tmpfs', '/nfs', '/smb', '/fuse', '/odd'].map((d) => fileSystems.isLocal(d)),
    );
    expect(answers).toEqual([true, true, true, false, false, false, false]);
  });

  it('asks once per directory and then answers without a promise', async () => {
    const { statfs, calls } = fakeStatfs({ '/certs': 0xef53 });
    const fileSystems = new LocalFileSystems(statfs);
    expect(await fileSystems.isLocal('/certs')).toBe(true);
    expect(fileSystems.isLocal('/certs')).toBe(true);
    expect(calls).toEqual(['/certs']);
  });

  it('treats a failed statfs as remote and asks again next time (the directory may be created meanwhile)', async () => {
    const types: Record<string, number | Error> = {};
    const { statfs, calls } = fakeStatfs(types);
    const fileSystems = new LocalFileSystems(statfs);
    expect(await fileSystems.isLocal('/new')).toBe(false);
    types['/new'] = 0xef53;
    expect(await fileSystems.isLocal('/new')).toBe(true);
    // Its ancestor ('/') did not answer either.
    expect(calls).toEqual(['/new', '/', '/new']);
  });

  it('answers for a directory that does not exist yet with its nearest existing ancestor, asked once', async () => {
    const { statfs, calls } = fakeStatfs({ '/nfs': 0x6969, '/disk': 0xef53 });
    const fileSystems = new LocalFileSystems(statfs);
    const answers = await Promise.all([
      fileSystems.isLocal('/nfs/new/a'),
      fileSystems.isLocal('/nfs/new/b'),
      fileSystems.isLocal('/disk/new'),
    ]);
    expect(answers).toEqual([false, false, true]);
    expect(fileSystems.isLocal('/nfs/new/a')).toBe(false);
    expect(calls.sort()).toEqual(['/disk', '/disk/new', '/nfs', '/nfs/new', '/nfs/new/a', '/nfs/new/b']);
  });

  it("does not take an ancestor's answer when statfs fails for another reason than a missing directory", async () => {
    const { statfs, calls } = fakeStatfs({ '/disk': 0xef53, '/disk/locked': new Error('EACCES') });
    const fileSystems = new LocalFileSystems((path, callback) =>
      statfs(path, (error, stats) =>
        callback(error && path === '/disk/locked' ? Object.assign(error, { code: 'EACCES' }) : error, stats),
      ),
    );
    expect(await fileSystems.isLocal('/disk/locked')).toBe(false);
    expect(calls).toEqual(['/disk/locked']);
  });

  it('reads the real file system type with node:fs', async () => {
    // The test machine's temp directory is on a disk or in memory, never on NFS.
    expect(await new LocalFileSystems().isLocal(tmpdir())).toBe(true);
  });
});
