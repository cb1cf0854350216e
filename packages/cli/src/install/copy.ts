/**
 * Copying a checked snapshot to the local paths with writeFilesAtomically:
 * every temp file complete (mode and owner set before the first byte) before
 * the first rename, key first, certificate last. Identical files are left
 * alone (same inode, same mtime); only their mode or owner is corrected.
 */

import { COMMIT_ORDER, type FileToWrite, writeFilesAtomically } from '@certloop/actuators';
import { omitUndefined } from '@certloop/core';
import type { LocalTarget } from './request.js';
import type { Snapshot } from './snapshot.js';

export interface CopyResult {
  /** Local paths whose content was replaced. */
  readonly written: readonly string[];
}

export async function copySnapshot(snapshot: Snapshot, local: LocalTarget): Promise<CopyResult> {
  const ids = omitUndefined({ owner: local.owner, group: local.group });
  const byRole: Partial<Record<(typeof COMMIT_ORDER)[number], FileToWrite>> = {
    key: { path: local.keyPath, content: snapshot.key, mode: local.keyMode, ...ids },
    cert: { path: local.certPath, content: snapshot.cert, mode: local.mode, ...ids },
  };
  if (local.caPath !== undefined && snapshot.ca !== undefined) {
    byRole.caBundle = { path: local.caPath, content: snapshot.ca, mode: local.mode, ...ids };
  }
  const files = COMMIT_ORDER.flatMap((role) => byRole[role] ?? []);
  const result = await writeFilesAtomically(files);
  return { written: result.written };
}
