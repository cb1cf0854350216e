import { type LoadOptions, loadManifest, parseDuration } from '@certloop/core';
import type { ManifestOptions } from './options.js';

/** Loads the manifest with the CLI's duration overrides (--duration, --renew-before). */
export async function loadFromOptions(options: ManifestOptions) {
  const load: LoadOptions = {};
  if (options.duration !== undefined) load.durationMs = parseDuration(options.duration);
  if (options.renewBefore !== undefined) load.renewBeforeMs = parseDuration(options.renewBefore);
  return loadManifest(options.file, load);
}
