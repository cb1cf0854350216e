/**
 * Bundles the compiled CLI (packages/cli/dist/main.js and everything it
 * imports, statically or lazily) into packages/cli/dist/bundle/, which the
 * `certloop` launcher runs. Why: resolving and loading ~70 small ES modules
 * cost a cold process ~100 ms of CPU before any work (about as much as
 * starting Node itself); one module per command costs a fraction of that.
 * Lazy `import()`s stay lazy (code splitting): `--version` loads no command.
 *
 * Libraries loaded on demand with createRequire (zod, yaml, winston,
 * @peculiar/x509, reflect-metadata) are not bundled: they are resolved at run
 * time from packages/cli, which therefore lists them as dependencies.
 * Runs after `tsc -b` (pnpm build); tests import the TypeScript sources.
 */
import { renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'packages', 'cli');
const target = join(cli, 'dist', 'bundle');
// Built next to the old bundle and swapped in by two renames, so a CLI
// started meanwhile (a test run during a rebuild) never finds it missing.
const outdir = `${target}.next-${process.pid}`;
const old = `${target}.old-${process.pid}`;

await build({
  entryPoints: [join(cli, 'dist', 'main.js')],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // CommonJS dependencies (proper-lockfile, commander, ...) call require() for
  // Node's built-ins; an ES module has no require unless it makes one.
  banner: {
    js: "import { createRequire as __certloopRequire } from 'node:module';\nconst require = __certloopRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
try {
  renameSync(target, old);
} catch {
  // First build: nothing to move away.
}
renameSync(outdir, target);
rmSync(old, { recursive: true, force: true });
