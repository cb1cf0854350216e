export { EtcdLease, type EtcdLeaseHealth, type EtcdLeaseOptions, stopMarginMs } from './etcd-lease.js';
export {
  acquireLock,
  type HeldLock,
  type LockOptions,
  type LockOwner,
  lockPaths,
  readLockOwner,
} from './lock.js';
