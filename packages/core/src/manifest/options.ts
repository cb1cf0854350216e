/** Overrides of the manifest's defaults, from CLI flags (--duration, --renew-before). */
export interface LoadOptions {
  /** Replaces the default lifetime (legacy: 24h; v1: `defaults.duration`), never a certificate's own. */
  durationMs?: number;
  /** Replaces the default renewal point (legacy: 12h; v1: `defaults.renewBefore`/`renewAt`), never a certificate's own. */
  renewBeforeMs?: number;
}
