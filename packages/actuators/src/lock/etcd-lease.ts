/**
 * One reconciler per manifest across hosts, with a lease in etcd: the key
 * `<prefix><manifest>/<lock key>` is created only if absent, attached to a
 * lease of `ttlMs`, and holds the leader's host, pid and start. The leader
 * renews the lease four times per TTL. etcd deletes the key when the lease
 * runs out, so a dead leader is replaced after about one TTL.
 *
 * Stop acting: the leader counts from the moment it *sent* its last renewal
 * that etcd confirmed (etcd extended the lease at or after that moment). When
 * that moment is older than the TTL minus a margin, it cannot prove it still
 * holds the lease: it drops it and fires `onLost` at once, before etcd could
 * hand the key to anyone else. A renewal that finds the lease gone does the same.
 *
 * With `retain` (the service), a released pass keeps the lease: the process
 * stays leader between passes and standbys keep standing by; `close()` gives
 * it up. Without it (`reconcile --once`), release revokes the lease.
 */
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@certloop/core';
import { CertloopError, silentLogger } from '@certloop/core';
import { EtcdClient, type EtcdClientOptions } from './etcd-client.js';
import type { LockOwner } from './lock.js';

export interface EtcdLeaseOptions extends Omit<EtcdClientOptions, 'timeoutMs'> {
  readonly prefix: string;
  /** Names the manifest inside the prefix (the state directory's name: the same on every host). */
  readonly scope: string;
  readonly ttlMs: number;
  /** Keep the lease between passes (the service); false revokes it when a pass releases it. */
  readonly retain: boolean;
  readonly logger?: Logger;
}

export interface EtcdLeaseHealth {
  readonly leading: boolean;
  readonly since?: string;
  readonly lastRenewal?: string;
  readonly problem?: string;
}

interface Leadership {
  readonly key: string;
  readonly lease: string;
  readonly since: string;
  /**
   * When the last renewal etcd confirmed was sent, on the monotonic clock (a
   * wall clock stepped back by NTP must not stretch the time a leader acts).
   */
  renewedFrom: number;
  /** The same moment on the wall clock, for status and metrics. */
  renewedAt: string;
  renewTimer?: NodeJS.Timeout;
  deadlineTimer?: NodeJS.Timeout;
  /** The onLost of the pass in progress, if one is. */
  onLost?: () => void;
}

/** How long before the TTL runs out the leader stops acting: clock drift, and the pass noticing. */
export function stopMarginMs(ttlMs: number): number {
  return Math.max(1_000, Math.floor(ttlMs / 5));
}

const POLL_MS = 250;

export class EtcdLease {
  readonly backend = 'etcd';
  /** A standby tries again this often: takeover comes within the TTL plus this. */
  readonly standbyRetryMs = 500;
  readonly #client: EtcdClient;
  readonly #options: EtcdLeaseOptions;
  readonly #logger: Logger;
  #held: Leadership | undefined;
  #problem: string | undefined;

  constructor(options: EtcdLeaseOptions) {
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
    // A renewal that hangs must leave time for another before the leader has to stop.
    this.#client = new EtcdClient({ ...options, timeoutMs: Math.min(2_000, Math.floor(options.ttlMs / 6)) });
  }

  keyOf(lockKey: string): string {
    return `${this.#options.prefix}${this.#options.scope}/${lockKey}`;
  }

  async acquire(
    lockKey: string,
    options: { waitMs: number; onLost: () => void },
  ): Promise<{ release(): Promise<void> }> {
    const key = this.keyOf(lockKey);
    const deadline = Date.now() + Math.max(options.waitMs, 0);
    for (;;) {
      const held = this.#held?.key === key ? this.#held : await this.#tryToLead(key);
      if (held !== undefined) {
        held.onLost = options.onLost;
        return { release: () => this.#releasePass(held) };
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw await this.#busyError(key, options.waitMs);
      await sleep(Math.min(POLL_MS, remaining));
    }
  }

  async holder(lockKey: string): Promise<{ host: string; pid: number; since: string } | undefined> {
    const found = await this.#client.get(this.keyOf(lockKey));
    const owner = found === undefined ? undefined : parseOwner(found.value);
    return owner === undefined ? undefined : { host: owner.host, pid: owner.pid, since: owner.acquiredAt };
  }

  health(): EtcdLeaseHealth {
    const held = this.#held;
    if (held === undefined) return { leading: false, ...(this.#problem ? { problem: this.#problem } : {}) };
    return { leading: true, since: held.since, lastRenewal: held.renewedAt };
  }

  async close(): Promise<void> {
    const held = this.#held;
    if (held !== undefined) await this.#giveUp(held);
    this.#client.close();
  }

  /** One attempt: the key free, a lease granted, the key created on it. */
  async #tryToLead(key: string): Promise<Leadership | undefined> {
    try {
      if ((await this.#client.get(key)) !== undefined) {
        this.#problem = 'Standing by: another certloop leads.';
        return undefined;
      }
      const sentAt = performance.now();
      const sentAtWall = new Date().toISOString();
      const lease = await this.#client.grant(this.#options.ttlMs);
      const since = new Date().toISOString();
      const owner: LockOwner = { host: hostname(), pid: process.pid, acquiredAt: since };
      if (!(await this.#client.createIfAbsent(key, JSON.stringify(owner), lease))) {
        await this.#client.revoke(lease).catch(() => {});
        this.#problem = 'Standing by: another certloop leads.';
        return undefined;
      }
      const held: Leadership = { key, lease, since, renewedFrom: sentAt, renewedAt: sentAtWall };
      this.#held = held;
      this.#problem = undefined;
      this.#scheduleRenewal(held, this.#renewEveryMs());
      this.#logger.info('Leading: holding the etcd lease.', { key, ttlMs: this.#options.ttlMs });
      return held;
    } catch (error) {
      this.#problem = error instanceof Error ? error.message : String(error);
      throw error;
    }
  }

  /** Four renewals per TTL: one or two may fail before the leader has to stop. */
  #renewEveryMs(): number {
    return Math.floor(this.#options.ttlMs / 4);
  }

  #scheduleRenewal(held: Leadership, delayMs: number): void {
    const { ttlMs } = this.#options;
    clearTimeout(held.deadlineTimer);
    held.deadlineTimer = setTimeout(
      () => this.#lose(held, `no renewal confirmed for ${ttlMs - stopMarginMs(ttlMs)} ms`),
      Math.max(0, held.renewedFrom + ttlMs - stopMarginMs(ttlMs) - performance.now()),
    );
    held.deadlineTimer.unref();
    held.renewTimer = setTimeout(() => void this.#renew(held), delayMs);
    held.renewTimer.unref();
  }

  async #renew(held: Leadership): Promise<void> {
    if (this.#held !== held) return;
    const sentAt = performance.now();
    const sentAtWall = new Date().toISOString();
    try {
      const left = await this.#client.keepAlive(held.lease);
      if (this.#held !== held) return;
      if (left <= 0) {
        this.#lose(held, 'etcd says the lease expired');
        return;
      }
      held.renewedFrom = sentAt;
      held.renewedAt = sentAtWall;
      this.#problem = undefined;
      this.#scheduleRenewal(held, this.#renewEveryMs());
    } catch (error) {
      if (this.#held !== held) return;
      this.#problem = `Renewing the etcd lease failed: ${error instanceof Error ? error.message : String(error)}`;
      this.#logger.warn('Could not renew the etcd lease; trying again.', { error: this.#problem });
      this.#scheduleRenewal(held, Math.min(this.#renewEveryMs(), 500));
    }
  }

  /** Stops acting at once; etcd will drop the key by itself. */
  #lose(held: Leadership, why: string): void {
    if (this.#held !== held) return;
    this.#stopTimers(held);
    this.#held = undefined;
    this.#problem = `Lost the etcd lease: ${why}.`;
    this.#logger.error('Lost the etcd lease; not acting until it is held again.', {
      key: held.key,
      reason: why,
    });
    held.onLost?.();
  }

  async #releasePass(held: Leadership): Promise<void> {
    held.onLost = undefined;
    if (!this.#options.retain) await this.#giveUp(held);
  }

  async #giveUp(held: Leadership): Promise<void> {
    if (this.#held !== held) return;
    this.#stopTimers(held);
    this.#held = undefined;
    await this.#client.revoke(held.lease).catch((error: unknown) => {
      // The lease then runs out by itself, after its TTL.
      this.#logger.debug('Revoking the etcd lease failed', { error: String(error) });
    });
  }

  #stopTimers(held: Leadership): void {
    clearTimeout(held.renewTimer);
    clearTimeout(held.deadlineTimer);
  }

  async #busyError(key: string, waitMs: number): Promise<CertloopError> {
    const owner = await this.#client.get(key).then(
      (found) => (found === undefined ? undefined : parseOwner(found.value)),
      () => undefined,
    );
    const holder = owner
      ? `process ${owner.pid} on ${owner.host} since ${owner.acquiredAt}`
      : 'another process';
    return new CertloopError(
      'LOCK_TIMEOUT',
      `The etcd lease ${key} is held by ${holder}; waited ${waitMs} ms.`,
      {
        hint: 'Another certloop leads for this manifest; wait for it or raise --lock-timeout.',
      },
    );
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { host, pid, acquiredAt } = parsed as Record<string, unknown>;
    if (typeof host !== 'string' || typeof pid !== 'number') return undefined;
    return { host, pid, acquiredAt: typeof acquiredAt === 'string' ? acquiredAt : '' };
  } catch {
    return undefined;
  }
}
