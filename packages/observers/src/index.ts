export { ObservationCache } from './cache.js';
export {
  DEFAULT_CONCURRENCY,
  inspectContents,
  type ObserveOptions,
  observeAll,
  observeCertificate,
} from './observe.js';
