/**
 * Every command through the shipped artifact (support/run.ts: the bundle, or
 * CERTLOOP_BIN): help, version, and a whole local-CA workflow. What users run
 * must never answer with an internal error, a stack trace or a missing module;
 * `migrate` crashed that way only in the bundle while its in-process tests passed.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARTIFACT, type CliResult, runCli } from '../support/run.js';

jest.setTimeout(60_000);

const REPO = join(__dirname, '..', '..', '..', '..');
const COMMANDS = ['validate', 'plan', 'reconcile', 'status', 'install', 'migrate'] as const;

/** The exit code, and nothing that says the artifact itself broke. */
function expectClean(result: CliResult, code: number): void {
  const output = `${result.stdout}\n${result.stderr}`;
  expect({ code: result.code, output }).toEqual({ code, output });
  expect(output).not.toMatch(
    /internal error|TypeError|ReferenceError|Cannot find module|ERR_MODULE_NOT_FOUND/,
  );
  expect(output).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'certloop-smoke-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe(`the shipped artifact: ${ARTIFACT.label}`, () => {
  it('prints its version, the commit it was built from and the Node.js inside', async () => {
    const result = await runCli(['--version']);
    expectClean(result, 0);
    expect(result.stdout).toMatch(
      /^certloop \d+\.\d+\.\d+ \(commit [0-9a-f]{12}(-dirty)?, node v\d+\.\d+\.\d+\)\n$/,
    );
  });

  it.each(COMMANDS)('shows the help of %s and exits 0', async (command) => {
    const result = await runCli([command, '--help']);
    expectClean(result, 0);
    expect(result.stdout).toContain(`Usage: certloop ${command}`);
  });

  it('runs validate, plan, reconcile --once, status and install on a local-CA manifest', async () => {
    const shared = join(dir, 'shared', 'web');
    const hookLog = join(dir, 'hook.log');
    const manifest = join(dir, 'certloop.yaml');
    await writeFile(
      manifest,
      [
        'apiVersion: certloop.dev/v1',
        'kind: CertificateManifest',
        `issuer: { local: { directory: ${join(dir, 'ca')} } }`,
        `stateDir: ${join(dir, 'state')}`,
        'certificates:',
        '  - name: web',
        '    commonName: web.smoke.test',
        '    sans: [web.smoke.test, 127.0.0.1]',
        '    files:',
        `      cert: ${join(shared, 'cert.pem')}`,
        `      key: ${join(shared, 'key.pem')}`,
        `      fullchain: ${join(shared, 'fullchain.pem')}`,
        `      caBundle: ${join(shared, 'ca.pem')}`,
        '    hooks:',
        `      - command: echo "$CERTLOOP_NAME" >> ${hookLog}`,
        '',
      ].join('\n'),
    );
    const f = ['-f', manifest];
    expectClean(await runCli(['validate', ...f]), 0);
    expectClean(await runCli(['plan', ...f, '--detailed-exitcode']), 2);
    expectClean(await runCli(['reconcile', '--once', ...f, '--log-level', 'error']), 0);
    expect(await readFile(hookLog, 'utf8')).toBe('web\n');
    expectClean(await runCli(['plan', ...f, '--detailed-exitcode']), 0);
    const status = await runCli(['status', ...f, '--json']);
    expectClean(status, 0);
    expect(status.stdout).toContain('"web"');

    const local = join(dir, 'local');
    const install = await runCli([
      'install',
      'web',
      ...f,
      '--cert',
      join(local, 'cert.pem'),
      '--key',
      join(local, 'key.pem'),
      '--ca',
      join(local, 'ca.pem'),
    ]);
    expectClean(install, 0);
    expect(await readFile(join(local, 'key.pem'), 'utf8')).toBe(
      await readFile(join(shared, 'key.pem'), 'utf8'),
    );
  });

  it.each([['manifests/certificate-manifest.json'], ['examples/phoenix/certificate-manifest.latest.json']])(
    'migrates the legacy manifest %s to a v1 file that validates',
    async (legacy) => {
      const output = join(dir, `${legacy.replace(/\W/g, '-')}.yaml`);
      const result = await runCli(['migrate', '-f', join(REPO, legacy), '-o', output]);
      expectClean(result, 0);
      expect(await readFile(output, 'utf8')).toMatch(
        /^# yaml-language-server: \$schema=.*certloop-v1\.schema\.json\n/,
      );
      expectClean(await runCli(['validate', '-f', output]), 0);
    },
  );

  it('reports an invalid manifest (exit 3) and a missing one (exit 1) in a sentence, without crashing', async () => {
    const invalid = await runCli([
      'validate',
      '-f',
      join(REPO, 'examples', 'invalid', 'v1-two-issuers.yaml'),
    ]);
    expectClean(invalid, 3);
    const missing = await runCli(['plan', '-f', join(dir, 'missing.yaml'), '--local-ca', join(dir, 'ca')]);
    expectClean(missing, 1);
    expect(missing.stderr).toContain('Cannot read the manifest');
  });
});
