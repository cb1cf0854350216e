export { canonicalJson, STATE_DIRECTORY_MODE, STATE_FILE_MODE } from './json-file.js';
export { ProvenanceStore } from './provenance-store.js';
export { defaultStateDir, type StateDirContext, stateDirFor } from './state-dir.js';
export { STATUS_FILE, StatusStore } from './status-store.js';
