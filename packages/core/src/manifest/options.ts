/** Overrides of the manifest's defaults, from CLI flags (--duration, --renew-before). */
export interface LoadOptions {
  /** Replaces the default lifetime (legacy: 24h; v1: `defaults.duration`), never a certificate's own. */
  durationMs?: number;
  /** Replaces the default renewal point (legacy: 12h; v1: `defaults.renewBefore`/`renewAt`), never a certificate's own. */
  renewBeforeMs?: number;
  /** The largest file read as a manifest (default DEFAULT_MAX_MANIFEST_BYTES). */
  maxBytes?: number;
}

/**
 * Larger files are refused before they are read: a guard against --file
 * pointing at the wrong file (an image, a log). 64 MiB holds about 230,000
 * legacy entries; --max-manifest-size raises it.
 */
export const DEFAULT_MAX_MANIFEST_BYTES = 64 * 1024 * 1024;
