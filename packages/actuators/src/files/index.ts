export {
  COMMIT_ORDER,
  type FileToWrite,
  type PreparedTemp,
  type WriteOptions,
  type WriteResult,
  writeFilesAtomically,
} from './atomic-write.js';
export { FileWriteError } from './errors.js';
export { clearOwnerCache, type ResolvedOwner, resolveOwner } from './owners.js';
export { fixPlacement, type PlacementSpec } from './placement.js';
export { removeFiles } from './remove-files.js';
export { removeStaleTemps, type StaleTempOptions } from './stale-temps.js';
export { tempHostTag } from './temp-names.js';
