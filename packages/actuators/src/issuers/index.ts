export { createIssuer } from './create-issuer.js';
export { formatGoDuration, parseGoDuration } from './go-duration.js';
export { createLocalCaIssuer, type LocalCaIssuerOptions } from './local-ca/issuer.js';
export { LOCAL_CA_FILES } from './local-ca/store.js';
export { checkPasswordFile, preflightIssuer, rejectContradictions } from './preflight.js';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.js';
export {
  createStepCaIssuer,
  DEFAULT_STEP_CA_CONCURRENCY,
  DEFAULT_STEP_CA_TIMEOUT_MS,
  type StepCaIssuerOptions,
} from './step-ca/issuer.js';
export {
  credentialPasswordFileOf,
  mergeStepCaSettings,
  missingCredentials,
  PROVISIONER_PASSWORD_CREDENTIAL,
  readStepDefaults,
  resolveStepCaSettings,
  type StepCaFlags,
  type StepCaPurpose,
  type StepCaSettings,
  type StepCaSources,
  type StepDefaults,
  stepPathOf,
} from './step-ca/settings.js';
