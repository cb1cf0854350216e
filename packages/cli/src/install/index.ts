export { copySnapshot } from './copy.js';
export { type InstallFlags, type InstallRequest, parseInstallFlags } from './request.js';
export { readSnapshot, type Snapshot } from './snapshot.js';
export { findCertificate, type SharedSource, sharedSourceOf } from './source.js';
export { checkSnapshot, type Verdict } from './verify.js';
export { waitForInstallable } from './wait.js';
