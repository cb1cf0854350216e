export { ObservationCache } from './cache.js';
export { parseCertificatePem } from './certificate.js';
export { verifiesTo } from './chain.js';
export { CertificateParseError } from './errors.js';
export {
  DEFAULT_CONCURRENCY,
  inspectContents,
  type ObserveOptions,
  observeAll,
  observeCertificate,
} from './observe.js';
