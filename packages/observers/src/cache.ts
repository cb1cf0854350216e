/**
 * Parsed file data keyed by path and stat fingerprint (dev, inode, size, mtime,
 * ctime): an unchanged file is not read or parsed again. Atomic writes rename
 * a new inode into place, so any rewrite changes the fingerprint. Bounded,
 * least recently used first out.
 */

export interface CachedFile<T> {
  readonly sha256: string;
  readonly parsed: T;
}

interface Entry {
  readonly fingerprint: string;
  readonly value: CachedFile<unknown>;
}

export class ObservationCache {
  readonly #maxEntries: number;
  readonly #files = new Map<string, Entry>();
  readonly #verifications = new Map<string, boolean>();

  constructor(maxEntries = 50_000) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError('ObservationCache needs maxEntries >= 1');
    }
    this.#maxEntries = maxEntries;
  }

  /** Number of cached files. */
  get size(): number {
    return this.#files.size;
  }

  clear(): void {
    this.#files.clear();
    this.#verifications.clear();
  }

  /** @internal Cached data for `kind` of file at `path`, if its fingerprint is unchanged. */
  getFile<T>(kind: string, path: string, fingerprint: string): CachedFile<T> | undefined {
    const key = `${kind}\0${path}`;
    const entry = this.#files.get(key);
    if (entry === undefined) return undefined;
    if (entry.fingerprint !== fingerprint) {
      this.#files.delete(key);
      return undefined;
    }
    touch(this.#files, key, entry);
    return entry.value as CachedFile<T>;
  }

  /** @internal */
  setFile<T>(kind: string, path: string, fingerprint: string, value: CachedFile<T>): void {
    touch(this.#files, `${kind}\0${path}`, { fingerprint, value });
    evict(this.#files, this.#maxEntries);
  }

  /** @internal Chain verification results keyed by the hashes of leaf, intermediates and roots. */
  getVerification(key: string): boolean | undefined {
    return this.#verifications.get(key);
  }

  /** @internal */
  setVerification(key: string, verifies: boolean): void {
    touch(this.#verifications, key, verifies);
    evict(this.#verifications, this.#maxEntries);
  }
}

function touch<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
}

function evict<V>(map: Map<string, V>, max: number): void {
  while (map.size > max) {
    const oldest = map.keys().next();
    if (oldest.done) return;
    map.delete(oldest.value);
  }
}
