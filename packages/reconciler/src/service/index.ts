export {
  type PassOutcome,
  ReconcileService,
  type ServiceListener,
  type ServiceLook,
  type ServiceOptions,
  type ServicePorts,
  type ServiceResult,
  type TriggerReason,
} from './loop.js';
export {
  DEFAULT_MAX_JITTER_MS,
  DEFAULT_MIN_DELAY_MS,
  jitterMs,
  nextWake,
  retryOf,
  type ScheduleInput,
  type ScheduleSettings,
  type Wake,
  type WakeReason,
} from './schedule.js';
export { type ManifestWatcher, type WatchOptions, watchManifest } from './watch.js';
