export { actualDocument, type CertificateDocument, desiredDocument, type JsonValue } from './documents.js';
export { type Gathered, type GatherPorts, gatherAndPlan } from './gather.js';
export { environmentOf, type HookTrigger, planHookRuns } from './hooks.js';
export {
  type HeldLease,
  type LeaseHealth,
  type LeaseHolder,
  type LockPort,
  type PassPorts,
  type PassSettings,
  passOrStandby,
  RECONCILE_LOCK,
  reconcilePass,
  underLease,
} from './pass.js';
export {
  buildPlan,
  PLAN_FORMAT_VERSION,
  type Plan,
  type PlanContext,
  type PlanEntry,
} from './plan.js';
export {
  ACTION_OF_REASON,
  ACTION_PRECEDENCE,
  type Decision,
  decide,
  strongestAction,
} from './policies/actions.js';
export type { Policy, PolicyInput, ResolvedIds } from './policies/input.js';
export { NEEDS_ISSUANCE } from './policies/issuance.js';
export {
  CHAIN_ROLES,
  type ChainRole,
  chainFileDrift,
  type FilePlacementDrift,
  NEEDS_PLACEMENT_FIX,
  pendingHooksOf,
  placementDrift,
} from './policies/placement.js';
export { NEEDS_REISSUE, sanDifference } from './policies/reissue.js';
export {
  RENEWAL_PATHS,
  type RenewalPath,
  type RenewalRoute,
  renewalModeOf,
  renewalRouteOf,
  whyNotMtls,
} from './policies/renewal-path.js';
export { PREVENTS_USE, useBlocker } from './policies/usable.js';
export type {
  FileToWrite,
  HookRun,
  HookRunResult,
  PlacementToFix,
  ProvenanceStore,
  ReconcilePorts,
  StatusStore,
} from './ports.js';
export {
  buildStatusReport,
  type CertificateReadiness,
  pendingWorkOf,
  readinessOf,
  STATUS_FORMAT_VERSION,
  type StatusInput,
  type StatusReport,
  type StatusSummary,
  summarize,
} from './readiness.js';
export {
  certificateLogFields,
  type HookReport,
  type ReconcileOptions,
  type ReconcileReport,
  type ReconcileResult,
  reconcileOnce,
} from './reconcile.js';
export { redactSecrets } from './redact.js';
export { DEFAULT_RENEWAL_FRACTION, renewalPoint, renewalPointOf } from './renewal.js';
export {
  jitterMs,
  type ManifestWatcher,
  nextWake,
  type PassOutcome,
  ReconcileService,
  retryOf,
  type ScheduleInput,
  type ScheduleSettings,
  type ServiceListener,
  type ServiceLook,
  type ServiceOptions,
  type ServicePorts,
  type ServiceResult,
  type TriggerReason,
  type Wake,
  type WakeReason,
  watchManifest,
} from './service/index.js';
export {
  type BackoffPolicy,
  backoffDelay,
  conditionFor,
  DEFAULT_BACKOFF,
  MIN_LIFETIME_CAPPED_DELAY_MS,
  type Outcome,
} from './status.js';
