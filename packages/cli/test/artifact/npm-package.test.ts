/**
 * The npm tarball from `pnpm package`, installed as an operator would on a host
 * that has Node >= 20 (`npm install --global`), into a throwaway prefix: it
 * needs nothing from the registry, and its bin runs every kind of command.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO = join(__dirname, '..', '..', '..', '..');
const DIST = join(REPO, 'dist');
const tarball = existsSync(DIST) ? readdirSync(DIST).find((f) => /^certloop-\d.*\.tgz$/.test(f)) : undefined;

function skipReason(): string | undefined {
  if (tarball !== undefined) return undefined;
  if (process.env.CI) throw new Error('dist/certloop-<version>.tgz is missing: `pnpm package` builds it.');
  return 'no npm tarball: run `pnpm package`';
}
const reason = skipReason();
const describeHere = reason === undefined ? describe : describe.skip;

jest.setTimeout(120_000);

describeHere(`the npm package${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let prefix: string;
  let bin: string;
  beforeAll(async () => {
    prefix = await mkdtemp(join(tmpdir(), 'certloop-npm-'));
    // --offline: the package has no dependencies, so nothing may be fetched.
    await run('npm', [
      'install',
      '--global',
      '--prefix',
      prefix,
      '--offline',
      '--no-audit',
      '--no-fund',
      join(DIST, tarball ?? ''),
    ]);
    bin = join(prefix, 'bin', 'certloop');
  });
  afterAll(async () => {
    await rm(prefix, { recursive: true, force: true });
  });

  it('installs with no dependencies and prints the version it was built as', async () => {
    const pkg = JSON.parse(
      await readFile(join(prefix, 'lib', 'node_modules', 'certloop', 'package.json'), 'utf8'),
    );
    expect(pkg.dependencies).toBeUndefined();
    const { stdout } = await run(bin, ['--version']);
    expect(stdout).toMatch(
      new RegExp(`^certloop ${pkg.version.replaceAll('.', '\\.')} \\(commit [0-9a-f]{12}`),
    );
  });

  it('migrates a legacy manifest and issues from the local CA', async () => {
    const out = join(prefix, 'migrated.yaml');
    await run(bin, ['migrate', '-f', join(REPO, 'manifests', 'certificate-manifest.json'), '-o', out]);
    expect(await readFile(out, 'utf8')).toContain('apiVersion: certloop.dev/v1');
    const manifest = join(prefix, 'manifest.json');
    const cert = join(prefix, 'certs', 'cert.pem');
    await writeFile(
      manifest,
      JSON.stringify([
        { common_name: 'npm.test', cert_path: cert, key_path: join(prefix, 'certs', 'key.pem') },
      ]),
    );
    const args = [
      'reconcile',
      '--once',
      '-f',
      manifest,
      '--local-ca',
      join(prefix, 'ca'),
      '--state-dir',
      join(prefix, 'state'),
    ];
    await run(bin, [...args, '--log-level', 'error']);
    expect(await readFile(cert, 'utf8')).toContain('BEGIN CERTIFICATE');
  });
});
