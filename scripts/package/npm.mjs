/**
 * The npm package `certloop`, for hosts that already run Node >= 20.19: the
 * split ES-module bundle (packages/cli/dist/bundle/, from `pnpm build`, every
 * dependency inside) behind a small bin. It has no dependencies to install.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Stages the package in `<outDir>/npm/` and packs it there with `pnpm pack`; returns the tarball's path. */
export function buildNpmTarball({ repo, outDir, version }) {
  const stage = join(outDir, 'npm', 'certloop');
  rmSync(join(outDir, 'npm'), { recursive: true, force: true });
  mkdirSync(join(stage, 'bin'), { recursive: true });
  cpSync(join(repo, 'packages', 'cli', 'dist', 'bundle'), join(stage, 'lib'), { recursive: true });
  // The repository's launcher (CommonJS, so it can size libuv's pool before the
  // ES modules load), pointed at lib/.
  const launcher = readFileSync(join(repo, 'packages', 'cli', 'bin', 'certloop.js'), 'utf8');
  writeFileSync(
    join(stage, 'bin', 'certloop.js'),
    launcher.replace('../dist/bundle/entry.js', '../lib/entry.js'),
    {
      mode: 0o755,
    },
  );
  cpSync(join(repo, 'packages', 'cli', 'bin', 'package.json'), join(stage, 'bin', 'package.json'));
  cpSync(join(repo, 'README.md'), join(stage, 'README.md'));
  const workspace = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
  const manifest = {
    name: 'certloop',
    version,
    description: 'Declarative certificate reconciliation: make the files on disk match the manifest.',
    type: 'module',
    bin: { certloop: 'bin/certloop.js' },
    files: ['bin', 'lib', 'README.md'],
    engines: workspace.engines,
    keywords: ['certificates', 'tls', 'step-ca', 'reconciliation', 'x509'],
  };
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  // --pack-destination: the tarball beside the executable and the .deb.
  const output = execFileSync('pnpm', ['pack', '--pack-destination', outDir], {
    cwd: stage,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const tarball = output.trim().split('\n').pop();
  return tarball.startsWith('/') ? tarball : join(outDir, tarball);
}
