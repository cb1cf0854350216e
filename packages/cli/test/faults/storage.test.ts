/**
 * Faults of the storage certloop writes to, provoked for real: a read-only
 * mount, a full file system, a parent that is a file, and symbolic links
 * planted where certloop creates its temp files. The issuer is certloop's
 * local CA: these faults are about the files, not the CA.
 */
import { spawnSync } from 'node:child_process';
import { lstat, mkdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { tempHostTag, writeFilesAtomically } from '@certloop/actuators';
import { reconcileOncePass } from '../../src/commands/reconcile.js';
import { captureIo } from '../support/capture.js';
import { type CliResult, runCli } from '../support/run.js';
import { inspectAll, problemsOf, tempFilesUnder } from './support/inspect.js';
import { canMount, MOUNT_SKIP_REASON, makeReadOnly, mountTmpfs, unmount } from './support/mounts.js';
import { cliEnv, makeWorkspace, type Workspace } from './support/workspace.js';

jest.setTimeout(30_000);

const workspaces: Workspace[] = [];
afterAll(async () => {
  await Promise.all(workspaces.map((w) => w.remove()));
});

async function workspace(count: number, certsDir?: (dir: string) => string): Promise<Workspace> {
  // The certificates' directory may be a mount point, so it is chosen before the manifest is written.
  const probe = await makeWorkspace({ count: 0, issuer: 'local' });
  await probe.remove();
  const ws = await makeWorkspace({
    count,
    issuer: 'local',
    ...(certsDir ? { certsDir: certsDir(probe.dir) } : {}),
  });
  workspaces.push(ws);
  return ws;
}

function reconcileArgs(ws: Workspace, extra: readonly string[]): string[] {
  return ['reconcile', '--once', '-f', ws.manifest, '--log-level', 'error', ...extra];
}

function reconcile(ws: Workspace, ...extra: string[]): Promise<CliResult> {
  return runCli(reconcileArgs(ws, extra), cliEnv(ws));
}

/**
 * `reconcile --once` in this process, its writer port choosing the temp
 * names: they are random otherwise, and a test that plants a link at one
 * must know it.
 */
async function reconcileWithTempNames(
  ws: Workspace,
  tempPathFor: (target: string) => string,
  options: { force?: boolean } = {},
): Promise<CliResult> {
  const io = captureIo({ PATH: process.env.PATH, ...cliEnv(ws) });
  const code = await reconcileOncePass(
    { file: ws.manifest, once: true, logLevel: 'error', ...options },
    io,
    (ports) => ({ ...ports, writeFiles: (files) => writeFilesAtomically(files, { tempPathFor }) }),
  );
  return { code, stdout: io.out(), stderr: io.err() };
}

async function expectConverged(ws: Workspace, result: CliResult): Promise<void> {
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
  expect(problemsOf(await inspectAll(ws.certs), true)).toEqual([]);
  expect(await tempFilesUnder(ws.certsDir)).toEqual([]);
}

async function snapshot(ws: Workspace): Promise<string[]> {
  return Promise.all(ws.certs.flatMap((c) => [readFile(c.cert, 'utf8'), readFile(c.key, 'utf8')]));
}

/** A failed run: exit 1, a typed message with the errno and its hint, no stack trace. */
function expectWriteFailure(result: CliResult, errno: string, hint: RegExp): void {
  const output = `${result.stdout}${result.stderr}`;
  expect(result.code).toBe(1);
  expect(output).toContain(`(${errno})`);
  expect(output).toMatch(hint);
  expect(output).not.toMatch(/internal error|\n\s+at /);
}

const mountTest = canMount ? test : test.skip;
const mountSuffix = canMount ? '' : ` ${MOUNT_SKIP_REASON}`;

describe('a read-only file system', () => {
  mountTest(
    `a read-only mount: exit 1 with EROFS, files untouched; writable again, the next run converges${mountSuffix}`,
    async () => {
      const ws = await workspace(3);
      await expectConverged(ws, await reconcile(ws));
      const before = await snapshot(ws);
      makeReadOnly(ws.certsDir);
      try {
        const result = await reconcile(ws, '--force');
        expectWriteFailure(result, 'EROFS', /mounted read-only/);
        expect(await snapshot(ws)).toEqual(before);
        expect(problemsOf(await inspectAll(ws.certs), true)).toEqual([]);
      } finally {
        unmount(ws.certsDir);
      }
      await expectConverged(ws, await reconcile(ws, '--force'));
    },
  );
});

describe('a full file system', () => {
  mountTest(
    `a full 64k tmpfs: exit 1 with ENOSPC, no partial file, no temp; with space again, the next run converges${mountSuffix}`,
    async () => {
      const ws = await workspace(2, (dir) => join(dir, 'small-disk'));
      await mkdir(ws.certsDir, { recursive: true });
      mountTmpfs(ws.certsDir, '64k');
      try {
        await expectConverged(ws, await reconcile(ws));
        const before = await snapshot(ws);
        const filler = join(ws.certsDir, 'filler');
        // Fill every block that is left.
        spawnSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=4k', 'count=64'], { stdio: 'ignore' });
        const result = await reconcile(ws, '--force');
        expectWriteFailure(result, 'ENOSPC', /file system is full/);
        expect(await snapshot(ws)).toEqual(before);
        expect(await tempFilesUnder(ws.certsDir)).toEqual([]);
        await rm(filler);
        await expectConverged(ws, await reconcile(ws, '--force'));
      } finally {
        unmount(ws.certsDir);
      }
    },
  );
});

describe('paths that cannot hold a file', () => {
  test('a certificate path whose parent is a file: that certificate fails with ENOTDIR, the others converge', async () => {
    const ws = await workspace(3);
    const [blocked, ...others] = ws.certs;
    if (!blocked) throw new Error('no certificate');
    await mkdir(dirname(dirname(blocked.cert)), { recursive: true });
    await writeFile(dirname(blocked.cert), 'I am a file, not a directory\n');
    const result = await reconcile(ws);
    expectWriteFailure(result, 'ENOTDIR', /parent of the path is a file/);
    expect(await readFile(dirname(blocked.cert), 'utf8')).toBe('I am a file, not a directory\n');
    expect(problemsOf(await inspectAll(others), true)).toEqual([]);
  });
});

describe('symbolic links planted at temp paths', () => {
  test('a link at the temp path of a running write is refused (O_EXCL|O_NOFOLLOW): exit 1, the link target untouched', async () => {
    const ws = await workspace(1);
    const [cert] = ws.certs;
    if (!cert) throw new Error('no certificate');
    await expectConverged(ws, await reconcile(ws));
    const before = await snapshot(ws);
    // Predictable temp names, and a link planted at each, pointing at a file outside.
    const predictable = (target: string) =>
      join(dirname(target), `.${basename(target)}.certloop-${tempHostTag()}-${process.pid}-0000000000aa.tmp`);
    const victim = join(ws.dir, 'victim.txt');
    await writeFile(victim, 'must not change\n', { mode: 0o644 });
    const links = [predictable(cert.key), predictable(cert.cert)];
    for (const link of links) await symlink(victim, link);

    const result = await reconcileWithTempNames(ws, predictable, { force: true });
    expectWriteFailure(result, 'EEXIST', /planted symbolic link/);
    expect(await readFile(victim, 'utf8')).toBe('must not change\n');
    expect((await lstat(victim)).mode & 0o777).toBe(0o644);
    for (const link of links) expect(await readlink(link)).toBe(victim);
    expect(await snapshot(ws)).toEqual(before);
  });

  test("a link named like a dead run's temp file is removed itself, never followed, and the run converges", async () => {
    const ws = await workspace(1);
    const [cert] = ws.certs;
    if (!cert) throw new Error('no certificate');
    await expectConverged(ws, await reconcile(ws));
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    const victim = join(ws.dir, 'victim.txt');
    await writeFile(victim, 'must not change\n');
    const link = join(dirname(cert.key), `.key.pem.certloop-${tempHostTag()}-${dead}-00000000bbbb.tmp`);
    await symlink(victim, link);
    await expectConverged(ws, await reconcile(ws, '--force'));
    expect(await readFile(victim, 'utf8')).toBe('must not change\n');
    await expect(lstat(link)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
