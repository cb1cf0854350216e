import { spawnSync } from 'node:child_process';
import { readdir, readFile, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { removeStaleTemps } from '../../src/files/index.js';
import { tempHostTag } from '../../src/files/temp-names.js';
import { useTempDir } from '../support/temp-dir.js';

/** The pid of a process that has exited (and been reaped). */
function deadPid(): number {
  const result = spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' });
  return Number(result.stdout.trim());
}

describe('removeStaleTemps', () => {
  const dir = useTempDir();
  const host = tempHostTag();
  const name = (h: string, pid: number) => `.svc.key.certloop-${h}-${pid}-0123456789ab.tmp`;

  it('removes temps of dead local processes and old temps, and keeps everything else', async () => {
    const d = dir();
    const dead = name(host, deadPid());
    const ours = name(host, process.pid);
    const otherHostRecent = name('otherhost', process.pid);
    const otherHostOld = name('otherhost', 4242);
    for (const file of [dead, ours, otherHostRecent, otherHostOld, 'svc.key', '.svc.key.tmp']) {
      await writeFile(join(d, file), 'x');
    }
    const tenMinutesAgo = new Date(Date.now() - 10 * 60_000);
    await utimes(join(d, otherHostOld), tenMinutesAgo, tenMinutesAgo);

    const removed = await removeStaleTemps([d, join(d, 'missing')]);

    expect(removed.sort()).toEqual([join(d, dead), join(d, otherHostOld)].sort());
    expect((await readdir(d)).sort()).toEqual(['.svc.key.tmp', otherHostRecent, ours, 'svc.key'].sort());
  });

  it('removes a symbolic link with our name without touching what it points to', async () => {
    const d = dir();
    await writeFile(join(d, 'target'), 'keep');
    const link = join(d, name(host, deadPid()));
    await symlink(join(d, 'target'), link);
    expect(await removeStaleTemps([d])).toEqual([link]);
    expect(await readFile(join(d, 'target'), 'utf8')).toBe('keep');
  });

  it('treats any temp as stale once it is older than maxAgeMs', async () => {
    const d = dir();
    await writeFile(join(d, name(host, process.pid)), 'x');
    expect(await removeStaleTemps([d], { now: Date.now() + 60_000, maxAgeMs: 30_000 })).toEqual([
      join(d, name(host, process.pid)),
    ]);
  });
});
