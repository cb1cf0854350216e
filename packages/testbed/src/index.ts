export { fingerprintOf } from './ca-certificates.js';
export { TestbedError } from './errors.js';
export { type EtcdHandle, etcdBinary, startEtcd } from './etcd.js';
export {
  createProxmoxBed,
  type FakeGuest,
  type FakeGuestState,
  type FakeGuestType,
  type ProxmoxBed,
  proxmoxBedUnavailable,
  proxmoxStandInsDir,
} from './guests.js';
export { freePort, type HttpsResult, httpsGet, isHealthy } from './health.js';
export { repoRoot, stepCaBinary } from './paths.js';
export {
  changeProvisionerPassword,
  createPki,
  DATABASE_TYPE,
  DEFAULT_PROVISIONER,
  loadPki,
  type Pki,
  type PkiOptions,
} from './pki.js';
export { decryptProvisionerKey, encryptProvisionerKey, STEP_PBES2_COUNT } from './provisioner-key.js';
export { type StartStepCaOptions, type StepCaHandle, startStepCa } from './stepca.js';
