/**
 * The coordination backend of a run: the manifest's `coordination` section,
 * overridden by flags, turned into a LockPort. A new backend (Consul, the
 * Proxmox cluster file system) is a case here and a class in actuators/src/lock.
 */
import { resolve } from 'node:path';
import { acquireLock, EtcdLease, lockPaths, readLockOwner } from '@certloop/actuators';
import {
  type CoordinationConfig,
  DEFAULT_ETCD_PREFIX,
  DEFAULT_ETCD_TTL_MS,
  type DesiredState,
  type Logger,
  MIN_ETCD_TTL_MS,
  omitUndefined,
  parseDuration,
  UsageError,
} from '@certloop/core';
import type { LockPort } from '@certloop/reconciler';
import type { CoordinationFlags } from './options.js';

export function coordinationOf(state: DesiredState, flags: CoordinationFlags): CoordinationConfig {
  const fromManifest = state.settings.coordination;
  const backend =
    flags.coordination ?? (flags.etcdEndpoints !== undefined ? 'etcd' : (fromManifest?.backend ?? 'file'));
  if (backend === 'file') return { backend: 'file' };
  if (backend !== 'etcd') throw new UsageError(`--coordination must be file or etcd, not "${backend}".`);
  const base = fromManifest?.backend === 'etcd' ? fromManifest : undefined;
  const endpoints =
    flags.etcdEndpoints
      ?.split(',')
      .map((e) => e.trim())
      .filter(Boolean) ??
    base?.endpoints ??
    [];
  if (endpoints.length === 0) {
    throw new UsageError(
      'etcd coordination needs endpoints: --etcd-endpoints or coordination.etcd.endpoints.',
    );
  }
  const ttlMs =
    flags.etcdTtl === undefined ? (base?.ttlMs ?? DEFAULT_ETCD_TTL_MS) : parseDuration(flags.etcdTtl);
  if (ttlMs < MIN_ETCD_TTL_MS)
    throw new UsageError(`--etcd-ttl must be at least ${MIN_ETCD_TTL_MS / 1000}s.`);
  const file = (flag: string | undefined, manifest: string | undefined) =>
    flag === undefined ? manifest : resolve(flag);
  return omitUndefined({
    backend: 'etcd' as const,
    endpoints,
    prefix: flags.etcdPrefix ?? base?.prefix ?? DEFAULT_ETCD_PREFIX,
    ttlMs,
    caFile: file(flags.etcdCa, base?.caFile),
    certFile: file(flags.etcdCert, base?.certFile),
    keyFile: file(flags.etcdKey, base?.keyFile),
  });
}

export interface LockSettings {
  readonly stateDir: string;
  readonly logger: Logger;
  /** The service keeps an etcd lease between passes (it leads); one-shot runs give it back. */
  readonly retain: boolean;
}

export function openLock(config: CoordinationConfig, settings: LockSettings): LockPort {
  const { stateDir, logger } = settings;
  if (config.backend === 'etcd') {
    return new EtcdLease({
      ...config,
      // The state directory's name is made of the manifest's path: the same on every host.
      scope: stateDir.split('/').pop() ?? 'manifest',
      retain: settings.retain,
      logger,
    });
  }
  return {
    backend: 'file',
    acquire: (key, { waitMs, onLost }) => acquireLock(stateDir, key, { waitMs, logger, onLost }),
    async holder(key) {
      const owner = await readLockOwner(lockPaths(stateDir, key).owner);
      return owner === undefined ? undefined : { host: owner.host, pid: owner.pid, since: owner.acquiredAt };
    },
  };
}
