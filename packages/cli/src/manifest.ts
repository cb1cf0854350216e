import { type LoadOptions, loadManifest, parseDuration } from '@certloop/core';
import { parseByteSize } from './flag-values.js';
import type { ManifestOptions } from './options.js';

/** Loads the manifest with the CLI's overrides (--duration, --renew-before, --max-manifest-size). */
export async function loadFromOptions(options: ManifestOptions) {
  const load: LoadOptions = {};
  if (options.duration !== undefined) load.durationMs = parseDuration(options.duration);
  if (options.renewBefore !== undefined) load.renewBeforeMs = parseDuration(options.renewBefore);
  if (options.maxManifestSize !== undefined) load.maxBytes = parseByteSize(options.maxManifestSize);
  return loadManifest(options.file, load);
}
