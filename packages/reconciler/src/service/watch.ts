/**
 * Calls back (debounced) when the manifest may have changed. Watches the
 * manifest's directory, because editors and config managers replace the file
 * (write a temp file, rename it over), which ends a watch on the old inode;
 * and the file itself for in-place writes. inotify does not see changes made
 * by other NFS clients: the service's periodic resync covers those.
 */
import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import { type Logger, silentLogger } from '@certloop/core';

export interface ManifestWatcher {
  close(): void;
}

export interface WatchOptions {
  /** Quiet time after the last event before calling back. Default 500 ms. */
  readonly debounceMs?: number;
  readonly logger?: Logger;
}

export function watchManifest(
  path: string,
  onChange: () => void,
  options: WatchOptions = {},
): ManifestWatcher {
  const logger = options.logger ?? silentLogger;
  const debounceMs = options.debounceMs ?? 500;
  const name = basename(path);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  const watchers: FSWatcher[] = [];

  const changed = () => {
    if (closed) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      if (!closed) onChange();
    }, debounceMs);
  };

  const open = (target: string, filter?: (file: string | null) => boolean) => {
    try {
      const watcher = watch(target, { persistent: false }, (_event, file) => {
        if (filter === undefined || filter(typeof file === 'string' ? file : null)) changed();
      });
      watcher.on('error', (error) => {
        logger.debug('A manifest watch stopped; the resync still picks up changes.', {
          path: target,
          error: error.message,
        });
      });
      watchers.push(watcher);
    } catch (error) {
      logger.warn('Cannot watch the manifest; changes are picked up at the next resync.', {
        path: target,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  };

  open(dirname(path), (file) => file === null || file === name);
  open(path);

  return {
    close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
    },
  };
}
