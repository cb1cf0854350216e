/**
 * What `certloop --version` prints. The version is a constant (kept in sync
 * with package.json by a test) so that `--version` reads no file; the commit is
 * stamped into the bundles by scripts/bundle-cli.mjs and is `source` when the
 * sources run directly (tests).
 */
declare const __CERTLOOP_COMMIT__: string | undefined;

export const VERSION = '0.1.0';

export const COMMIT = typeof __CERTLOOP_COMMIT__ === 'string' ? __CERTLOOP_COMMIT__ : 'source';

/** `certloop 0.1.0 (commit 1a2b3c4, node v20.20.2)`. */
export function versionLine(): string {
  return `certloop ${VERSION} (commit ${COMMIT}, node ${process.version})`;
}
