/** Where things are: the repo, the built packages, the cache of generated data. */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CACHE = join(REPO, '.cache', 'bench');
export const CLI_BIN = join(REPO, 'packages', 'cli', 'bin', 'certloop.js');
/** The single executable (`pnpm package`). */
export const SEA_BIN = join(REPO, 'dist', 'certloop-linux-x64');
export const BASELINES = join(REPO, 'bench', 'baselines');

/** A built package's entry (`pnpm build` first). */
export function dist(pkg, file = 'index.js') {
  return join(REPO, 'packages', pkg, 'dist', file);
}
