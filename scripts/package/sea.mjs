/**
 * The single executable: Node's own runtime (the one running this script) with
 * certloop's one-file bundle (dist/sea/certloop.cjs, from `pnpm build`)
 * injected as a single executable application. It needs no Node, no
 * node_modules and no network on the host.
 *
 * V8's code cache goes into the blob, so start-up skips compiling the bundle.
 * The runtime is stripped of its debug information first (about 12 MiB);
 * the blob is injected after, since strip would not keep it.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The fuse Node looks for to know a blob was injected (documented with SEAs). */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/**
 * Builds `<outDir>/certloop-linux-x64` from the bundle in `<repo>/dist/sea/`.
 * Returns the executable's path.
 */
export function buildExecutable({ repo, outDir }) {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`The single executable is built for linux-x64, not ${process.platform}-${process.arch}.`);
  }
  const sea = join(repo, 'dist', 'sea');
  const config = join(sea, 'sea-config.json');
  const blob = join(sea, 'certloop.blob');
  writeFileSync(
    config,
    `${JSON.stringify(
      {
        main: join(sea, 'certloop.cjs'),
        output: blob,
        disableExperimentalSEAWarning: true,
        useCodeCache: true,
      },
      null,
      2,
    )}\n`,
  );
  execFileSync(process.execPath, ['--experimental-sea-config', config], { stdio: 'pipe' });

  const executable = join(outDir, 'certloop-linux-x64');
  const next = `${executable}.next`;
  rmSync(next, { force: true });
  copyFileSync(process.execPath, next);
  chmodSync(next, 0o755);
  execFileSync('strip', ['--strip-all', next]);
  // postject's ELF reader warns about each of the runtime's unnamed note
  // sections (harmless): its output is shown only when it fails.
  execFileSync(
    join(repo, 'node_modules', '.bin', 'postject'),
    [next, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE],
    { stdio: 'pipe' },
  );
  renameSync(next, executable);
  return executable;
}
