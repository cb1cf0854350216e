export {
  acquireLock,
  type HeldLock,
  type LockOptions,
  type LockOwner,
  lockPaths,
  readLockOwner,
} from './lock.js';
