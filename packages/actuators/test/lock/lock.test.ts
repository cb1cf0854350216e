import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdir, readFile, rm, stat, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CertloopError } from '@certloop/core';
import { acquireLock, lockPaths } from '../../src/lock/index.js';
import { recordingLogger, useTempDir } from '../support/temp-dir.js';

/** A logger that tells when the caller starts waiting for a held lock. */
function waitingSignal() {
  const logger = recordingLogger();
  const waiting = new Promise<void>((resolve) => {
    logger.debug = (message) => {
      if (message.startsWith('Waiting')) resolve();
    };
  });
  return { logger, waiting };
}

describe('acquireLock', () => {
  const dir = useTempDir('certloop-lock-');

  it('serializes two acquisitions of one key: the second gets it after the first releases', async () => {
    const first = await acquireLock(dir(), 'manifest', { waitMs: 0 });
    const { logger, waiting } = waitingSignal();
    const events: string[] = [];
    const second = acquireLock(dir(), 'manifest', { waitMs: 20_000, logger }).then((lock) => {
      events.push('second acquired');
      return lock;
    });
    await waiting;
    events.push('first releasing');
    await first.release();
    const lock = await second;
    expect(events).toEqual(['first releasing', 'second acquired']);
    await lock.release();
  });

  it('creates a missing state directory readable by its owner only', async () => {
    const stateDir = join(dir(), 'var', 'lib', 'certloop');
    const lock = await acquireLock(stateDir, 'manifest', { waitMs: 0 });
    await lock.release();
    for (const created of [stateDir, join(stateDir, 'locks')]) {
      expect(((await stat(created)).mode & 0o777).toString(8)).toBe('700');
    }
  });

  it('does not make different keys wait for each other', async () => {
    const a = await acquireLock(dir(), 'one', { waitMs: 0 });
    const b = await acquireLock(dir(), 'two', { waitMs: 0 });
    await Promise.all([a.release(), b.release()]);
  });

  it('fails with LOCK_TIMEOUT naming the holder when the wait runs out', async () => {
    const held = await acquireLock(dir(), 'manifest', { waitMs: 0 });
    const attempt = acquireLock(dir(), 'manifest', { waitMs: 200 });
    await expect(attempt).rejects.toBeInstanceOf(CertloopError);
    await expect(attempt).rejects.toMatchObject({
      code: 'LOCK_TIMEOUT',
      message: expect.stringContaining(`held by process ${process.pid} on ${hostname()}`),
    });
    await held.release();
  });

  it('takes over a stale lock left by a dead process', async () => {
    const { lock } = lockPaths(dir(), 'manifest');
    await mkdir(lock, { recursive: true });
    const anHourAgo = new Date(Date.now() - 3_600_000);
    await utimes(lock, anHourAgo, anHourAgo);
    const taken = await acquireLock(dir(), 'manifest', { waitMs: 0, staleMs: 60_000 });
    expect((await stat(lock)).mtimeMs).toBeGreaterThan(anHourAgo.getTime());
    await taken.release();
  });

  it('does not take over a lock that is still renewed', async () => {
    const { lock } = lockPaths(dir(), 'manifest');
    await mkdir(lock, { recursive: true });
    await expect(acquireLock(dir(), 'manifest', { waitMs: 0, staleMs: 60_000 })).rejects.toMatchObject({
      code: 'LOCK_TIMEOUT',
      message: expect.stringContaining('held by another process'),
    });
  });

  it('records the owner while held and removes lock and owner on release', async () => {
    const paths = lockPaths(dir(), 'manifest');
    const held = await acquireLock(dir(), 'manifest', { waitMs: 0 });
    expect(JSON.parse(await readFile(paths.owner, 'utf8'))).toMatchObject({
      host: hostname(),
      pid: process.pid,
    });
    expect(((await stat(paths.owner)).mode & 0o777).toString(8)).toBe('644');
    await held.release();
    await held.release(); // idempotent
    await expect(stat(paths.lock)).rejects.toThrow(/ENOENT/);
    await expect(stat(paths.owner)).rejects.toThrow(/ENOENT/);
  });

  it('calls onLost when the lock disappears while held', async () => {
    let lost: (error: Error) => void = () => {};
    const lostPromise = new Promise<Error>((resolve) => {
      lost = resolve;
    });
    const held = await acquireLock(dir(), 'manifest', { waitMs: 0, staleMs: 2_000, onLost: lost });
    await rm(lockPaths(dir(), 'manifest').lock, { recursive: true });
    expect(await lostPromise).toMatchObject({ code: 'ECOMPROMISED' });
    await held.release();
  });

  it('uses a hash for keys that are not plain names', () => {
    const { lock } = lockPaths('/state', '../../etc/evil');
    expect(lock).toMatch(/^\/state\/locks\/[0-9a-f]{32}\.lock$/);
  });
});

describe('acquireLock across processes', () => {
  const dir = useTempDir('certloop-lock-');
  const children: ChildProcessWithoutNullStreams[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  });

  /** Starts a holder process; `next()` resolves to its next stdout line. */
  function holder(key: string, waitMs: number) {
    const child = spawn(
      process.execPath,
      [
        join(__dirname, '../support/run-ts.cjs'),
        join(__dirname, 'lock-holder.ts'),
        dir(),
        key,
        String(waitMs),
      ],
      { stdio: 'pipe' },
    );
    children.push(child);
    const lines: string[] = [];
    const waiters: ((line: string) => void)[] = [];
    createInterface({ input: child.stdout }).on('line', (line) => {
      const waiter = waiters.shift();
      if (waiter) waiter(line);
      else lines.push(line);
    });
    const next = () =>
      new Promise<string>((resolve) => {
        const line = lines.shift();
        if (line !== undefined) resolve(line);
        else waiters.push(resolve);
      });
    return { child, next, release: () => child.stdin.write('release\n') };
  }

  it('lets a second process in only after the first released', async () => {
    const a = holder('shared', 0);
    expect(await a.next()).toBe('acquired');
    const b = holder('shared', 30_000);
    expect(await b.next()).toBe('waiting');
    a.release();
    expect(await a.next()).toBe('released');
    expect(await b.next()).toBe('acquired');
    b.release();
    expect(await b.next()).toBe('released');
  });

  it('takes over at once from a holder on this host that was killed', async () => {
    const a = holder('shared', 0);
    expect(await a.next()).toBe('acquired');
    a.child.kill('SIGKILL');
    await new Promise((resolve) => a.child.once('exit', resolve));

    // Far below the 120 s lease: only the dead pid lets the second process in.
    const b = holder('shared', 5_000);
    expect(await b.next()).toBe('acquired');
    b.release();
    expect(await b.next()).toBe('released');
  });

  it('times out in the second process, naming the first', async () => {
    const a = holder('shared', 0);
    expect(await a.next()).toBe('acquired');
    const b = holder('shared', 300);
    expect(await b.next()).toBe('waiting');
    expect(await b.next()).toMatch(new RegExp(`^failed LOCK_TIMEOUT: .*held by process ${a.child.pid} on `));
    a.release();
    expect(await a.next()).toBe('released');
  });
});
