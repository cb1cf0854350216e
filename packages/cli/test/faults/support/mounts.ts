/**
 * Real file-system faults need real mounts: root ignores chmod, so a
 * read-only directory is a read-only bind mount, and a full disk is a small
 * tmpfs. Tests that need them say in their name why they were skipped when
 * this process may not mount.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function mount(...args: string[]): void {
  execFileSync('mount', args, { stdio: 'pipe' });
}

/** Whether this process may mount (root in a namespace that allows it); probed once with a tiny tmpfs. */
export const canMount: boolean = (() => {
  if (process.getuid?.() !== 0) return false;
  const probe = mkdtempSync(join(tmpdir(), 'certloop-mount-probe-'));
  try {
    mount('-t', 'tmpfs', '-o', 'size=4k', 'tmpfs', probe);
    execFileSync('umount', [probe], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  } finally {
    rmdirSync(probe);
  }
})();

export const MOUNT_SKIP_REASON = '(skipped: needs root and permission to mount)';

export function mountTmpfs(dir: string, size: string): void {
  mount('-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir);
}

/** Makes `dir` read-only in place: a bind mount onto itself, remounted read-only. */
export function makeReadOnly(dir: string): void {
  mount('--bind', dir, dir);
  mount('-o', 'remount,bind,ro', dir);
}

export function unmount(dir: string): void {
  execFileSync('umount', [dir], { stdio: 'pipe' });
}
