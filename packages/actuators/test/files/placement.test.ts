import { chmod, lstat, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CertloopError } from '@certloop/core';
import { clearOwnerCache, fixPlacement, removeFiles, resolveOwner } from '../../src/files/index.js';
import { ownerDatabaseFiles } from '../../src/files/owners.js';
import { useTempDir } from '../support/temp-dir.js';

const asRoot = process.getuid?.() === 0 ? it : it.skip;

describe('fixPlacement', () => {
  const dir = useTempDir();

  it('changes the mode in place and says so only when something changed', async () => {
    const key = join(dir(), 'svc.key');
    await writeFile(key, 'k');
    await chmod(key, 0o644);
    const inode = (await stat(key)).ino;
    expect(await fixPlacement(key, { mode: 0o600 })).toBe(true);
    expect(await fixPlacement(key, { mode: 0o600 })).toBe(false);
    const after = await stat(key);
    expect([after.mode & 0o7777, after.ino]).toEqual([0o600, inode]);
  });

  asRoot('changes owner and group', async () => {
    const key = join(dir(), 'svc.key');
    await writeFile(key, 'k', { mode: 0o600 });
    expect(await fixPlacement(key, { mode: 0o600, owner: 'nobody', group: 'nogroup' })).toBe(true);
    const after = await stat(key);
    expect([after.uid, after.gid]).toEqual([65534, 65534]);
    expect(await fixPlacement(key, { mode: 0o600, owner: 'nobody', group: 'nogroup' })).toBe(false);
  });

  it('does not follow a symbolic link', async () => {
    const victim = join(dir(), 'victim');
    await writeFile(victim, 'v', { mode: 0o644 });
    const link = join(dir(), 'svc.key');
    await symlink(victim, link);
    await expect(fixPlacement(link, { mode: 0o600 })).rejects.toMatchObject({
      code: 'WRITE_FAILED',
      errno: 'ELOOP',
    });
    expect((await lstat(victim)).mode & 0o7777).toBe(0o644);
  });
});

describe('resolveOwner', () => {
  const dir = useTempDir();
  const saved = { ...ownerDatabaseFiles };
  afterEach(() => {
    Object.assign(ownerDatabaseFiles, saved);
    clearOwnerCache();
  });

  it('resolves names from /etc/passwd and /etc/group and passes numbers through', async () => {
    expect(await resolveOwner('nobody', 'nogroup')).toEqual({ uid: 65534, gid: 65534 });
    expect(await resolveOwner('1234', '5678')).toEqual({ uid: 1234, gid: 5678 });
    expect(await resolveOwner()).toEqual({});
    expect(await resolveOwner(undefined, '0')).toEqual({ gid: 0 });
  });

  it('falls back to getent for names the files do not list', async () => {
    await writeFile(join(dir(), 'empty'), '');
    ownerDatabaseFiles.passwd = join(dir(), 'empty');
    ownerDatabaseFiles.group = join(dir(), 'missing');
    expect(await resolveOwner('nobody', 'nogroup')).toEqual({ uid: 65534, gid: 65534 });
  });

  it('rejects unknown users and groups with a clear error', async () => {
    await expect(resolveOwner('certloop-no-such-user')).rejects.toThrow(
      new CertloopError(
        'WRITE_FAILED',
        'Unknown user "certloop-no-such-user": it is neither in /etc/passwd nor known to getent.',
      ),
    );
    await expect(resolveOwner(undefined, 'certloop-no-such-group')).rejects.toThrow(
      /Unknown group "certloop-no-such-group"/,
    );
  });
});

describe('removeFiles', () => {
  const dir = useTempDir();

  it('removes the listed files and skips missing ones', async () => {
    const a = join(dir(), 'a.crt');
    await writeFile(a, 'a');
    await writeFile(join(dir(), 'b.crt'), 'b');
    expect(await removeFiles([a, join(dir(), 'missing.crt')])).toEqual([a]);
    await expect(stat(a)).rejects.toThrow(/ENOENT/);
    expect((await stat(join(dir(), 'b.crt'))).isFile()).toBe(true);
  });
});
