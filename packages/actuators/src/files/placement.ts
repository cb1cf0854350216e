/**
 * Mode and owner of an existing file, corrected in place (no rewrite). Works
 * through a file descriptor opened with O_NOFOLLOW: as root, following a
 * symbolic link planted by a local user would chown or chmod a file of the
 * attacker's choosing.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { FileWriteError } from './errors.js';
import { resolveOwner } from './owners.js';

export interface PlacementSpec {
  /** Permission bits, e.g. 0o600. */
  readonly mode: number;
  /** User name or numeric uid; undefined leaves the owner alone. */
  readonly owner?: string;
  /** Group name or numeric gid; undefined leaves the group alone. */
  readonly group?: string;
}

const PERMISSION_BITS = 0o7777;

/** chmod/chown `path` to `spec`; resolves to whether anything changed. */
export async function fixPlacement(path: string, spec: PlacementSpec): Promise<boolean> {
  const { uid, gid } = await resolveOwner(spec.owner, spec.group);
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    // O_NONBLOCK: a FIFO planted at the path must not hang us.
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    throw new FileWriteError(path, 'open (to fix its mode and owner)', error);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) {
      throw new FileWriteError(path, 'fix the mode and owner of', new Error('not a regular file'), 'EISDIR');
    }
    let changed = false;
    const wantUid = uid ?? stat.uid;
    const wantGid = gid ?? stat.gid;
    if (wantUid !== stat.uid || wantGid !== stat.gid) {
      await handle.chown(wantUid, wantGid).catch((error: unknown) => {
        throw new FileWriteError(path, `chown ${wantUid}:${wantGid}`, error);
      });
      changed = true;
    }
    // After chown: changing the owner clears set-id bits, so the mode comes last.
    const after = changed ? await handle.stat() : stat;
    if ((after.mode & PERMISSION_BITS) !== spec.mode) {
      await handle.chmod(spec.mode).catch((error: unknown) => {
        throw new FileWriteError(path, `chmod ${spec.mode.toString(8)}`, error);
      });
      changed = true;
    }
    return changed;
  } finally {
    await handle.close().catch(() => {});
  }
}
