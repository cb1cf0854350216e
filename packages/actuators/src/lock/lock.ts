/**
 * One certloop at a time per key (per manifest), across processes and hosts.
 *
 * proper-lockfile creates the lock as a directory with mkdir, which is atomic
 * on NFS too (unlike O_EXCL on old NFS clients or flock, which NFS may not
 * propagate). The holder renews the directory's mtime every `update` ms as a
 * lease; when the holder dies, the lease runs out and the lock is stale after
 * `staleMs`, so another process takes it over. The stale limit must stay well
 * above NFS attribute caching (acregmax, 60 s by default), hence 2 minutes by
 * default with a renewal every 20 s.
 *
 * Next to the lock directory (not inside: proper-lockfile removes it with
 * rmdir) an owner file records host and pid, so a timeout can say who holds it.
 *
 * A holder that died on this host (a run killed with SIGKILL) is taken over at
 * once instead of after `staleMs`: its pid is checked. The taker first renames
 * the owner file away, which only one process can do, so two takers never both
 * remove the lock; a lock whose new holder has not written its owner file yet
 * has no owner file to rename, so it is never taken. Other hosts' pids cannot
 * be checked: for them the lease decides.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@certloop/core';
import { CertloopError, silentLogger } from '@certloop/core';
import { writeFilesAtomically } from '../files/index.js';
import { isProcessAlive } from '../files/stale-temps.js';
import { STATE_DIRECTORY_MODE } from '../state/json-file.js';

export interface LockOptions {
  /** How long to wait for a held lock before LOCK_TIMEOUT; 0 means try once. */
  readonly waitMs: number;
  /** Age of an unrenewed lock after which it is taken over; 120 s by default (at least 2 s). */
  readonly staleMs?: number;
  /** Called when the lock was lost while held (lease not renewed, taken over): stop writing. */
  readonly onLost?: (error: Error) => void;
  readonly logger?: Logger;
}

export interface HeldLock {
  release(): Promise<void>;
}

export interface LockOwner {
  readonly host: string;
  readonly pid: number;
  readonly acquiredAt: string;
}

const DEFAULT_STALE_MS = 120_000;
const MIN_STALE_MS = 2_000;
const MAX_RETRY_DELAY_MS = 1_000;

export function lockPaths(stateDir: string, key: string): { lock: string; owner: string } {
  const base = join(stateDir, 'locks', lockName(key));
  return { lock: `${base}.lock`, owner: `${base}.owner` };
}

export async function acquireLock(stateDir: string, key: string, options: LockOptions): Promise<HeldLock> {
  const logger = options.logger ?? silentLogger;
  const staleMs = Math.max(options.staleMs ?? DEFAULT_STALE_MS, MIN_STALE_MS);
  const paths = lockPaths(stateDir, key);
  // The first thing a pass creates in the state directory, so it sets the mode
  // of the directory itself too: root's only, as the .deb ships it.
  await mkdir(join(stateDir, 'locks'), { recursive: true, mode: STATE_DIRECTORY_MODE });

  // Loaded here, not at import: commands that never lock (plan, status) skip it.
  const { default: lockfile } = await import('proper-lockfile');
  const deadline = Date.now() + Math.max(options.waitMs, 0);
  let delay = 50;
  let release: () => Promise<void>;
  for (;;) {
    try {
      release = await lockfile.lock(paths.lock, {
        lockfilePath: paths.lock,
        realpath: false, // the locked "file" need not exist; the directory is the lock
        stale: staleMs,
        update: Math.max(Math.floor(staleMs / 6), 1_000),
        retries: 0, // we retry ourselves, bounded by waitMs
        onCompromised: (error: Error) => {
          logger.error('Lost the certloop lock; another process may be running', {
            key,
            error: error.message,
          });
          options.onLost?.(error);
        },
      });
      break;
    } catch (error) {
      if (!isLocked(error)) {
        throw new CertloopError('LOCK_TIMEOUT', `Could not create the lock ${paths.lock}.`, { cause: error });
      }
      if (await takeOverFromDeadHolder(paths, logger)) continue;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw await timeoutError(key, paths.owner, options.waitMs);
      logger.debug('Waiting for the certloop lock', { key });
      await sleep(Math.min(delay, remaining));
      delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS);
    }
  }

  const owner: LockOwner = { host: hostname(), pid: process.pid, acquiredAt: new Date().toISOString() };
  await writeFilesAtomically([
    { path: paths.owner, content: `${JSON.stringify(owner)}\n`, mode: 0o644 },
  ]).catch((error: unknown) =>
    logger.warn('Could not record the lock owner', { path: paths.owner, error: String(error) }),
  );

  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      await unlink(paths.owner).catch(() => {});
      await release().catch((error: unknown) => {
        // ERELEASED: the lock was lost earlier and onLost already said so.
        logger.debug('Releasing the certloop lock failed', { key, error: String(error) });
      });
    },
  };
}

/** Removes the lock of a holder that died on this host; true when it did. */
async function takeOverFromDeadHolder(
  paths: { lock: string; owner: string },
  logger: Logger,
): Promise<boolean> {
  const isDead = (owner: LockOwner | undefined) =>
    owner !== undefined &&
    owner.host === hostname() &&
    owner.pid !== process.pid &&
    !isProcessAlive(owner.pid);
  const owner = await readLockOwner(paths.owner);
  if (!isDead(owner)) return false;
  const claimed = `${paths.owner}.taking-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await rename(paths.owner, claimed);
  } catch {
    return false; // another process is taking it over
  }
  const confirmed = await readLockOwner(claimed);
  if (!isDead(confirmed) || confirmed?.pid !== owner?.pid) {
    await rename(claimed, paths.owner).catch(() => {});
    return false;
  }
  await rm(paths.lock, { recursive: true, force: true });
  await unlink(claimed).catch(() => {});
  logger.warn('Took over the lock of a certloop process that died', { pid: owner?.pid, lock: paths.lock });
  return true;
}

/** The recorded holder of a lock, if any. */
export async function readLockOwner(ownerPath: string): Promise<LockOwner | undefined> {
  try {
    const parsed: unknown = JSON.parse(await readFile(ownerPath, 'utf8'));
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      'host' in parsed &&
      typeof parsed.host === 'string' &&
      'pid' in parsed &&
      typeof parsed.pid === 'number'
    ) {
      const acquiredAt =
        'acquiredAt' in parsed && typeof parsed.acquiredAt === 'string' ? parsed.acquiredAt : '';
      return { host: parsed.host, pid: parsed.pid, acquiredAt };
    }
  } catch {
    // missing or half-written: the holder is simply unknown
  }
  return undefined;
}

async function timeoutError(key: string, ownerPath: string, waitMs: number): Promise<CertloopError> {
  const owner = await readLockOwner(ownerPath);
  const holder = owner
    ? `process ${owner.pid} on ${owner.host}${owner.acquiredAt ? ` since ${owner.acquiredAt}` : ''}`
    : 'another process';
  return new CertloopError(
    'LOCK_TIMEOUT',
    `The certloop lock "${key}" is held by ${holder}; waited ${waitMs} ms.`,
    {
      hint: 'Another certloop is running for this manifest; wait for it or raise the lock wait time.',
    },
  );
}

function isLocked(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === 'ELOCKED';
}

/** Readable keys stay as they are; anything else becomes a hash (no path tricks). */
function lockName(key: string): string {
  if (/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(key)) return key;
  return createHash('sha256').update(key).digest('hex').slice(0, 32);
}
