/**
 * Configuration errors are found before any work, reported once and exit 3
 * (so the unit's RestartPreventExitStatus=3 stops a restart loop): missing or
 * contradictory issuer settings, an unreadable or empty password file, an
 * unreadable or invalid root. The CA is down in every case: nothing may hide
 * behind "Cannot reach the Step-CA". The service does the same at start, and
 * on a bad reload keeps the configuration in force and says so.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, spawnCli } from '../support/run.js';

jest.setTimeout(60_000);

/** Created at load time: the table of cases names files in it. */
const dir = mkdtempSync(join(tmpdir(), 'certloop-preflight-'));
let root: string;
let password: string;
/** Nothing listens on port 1: a CA that is down. */
const DEAD_CA = 'https://127.0.0.1:1';

function manifest(issuer: Record<string, string>, name = 'certloop.yaml'): string {
  const path = join(dir, name);
  const certs = ['a', 'b', 'c', 'd', 'e'].map((n) =>
    [
      `  - name: ${n}`,
      `    commonName: ${n}.preflight.test`,
      '    files:',
      `      cert: ${join(dir, 'out', n, 'cert.pem')}`,
      `      key: ${join(dir, 'out', n, 'key.pem')}`,
    ].join('\n'),
  );
  writeFileSync(
    path,
    [
      'apiVersion: certloop.dev/v1',
      'kind: CertificateManifest',
      'issuer:',
      '  stepCA:',
      ...Object.entries(issuer).map(([k, v]) => `    ${k}: ${v}`),
      `stateDir: ${join(dir, 'state')}`,
      'certificates:',
      ...certs,
      '',
    ].join('\n'),
  );
  return path;
}

function issuer(patch: Record<string, string | undefined> = {}): Record<string, string> {
  const base: Record<string, string | undefined> = {
    url: DEAD_CA,
    root,
    provisioner: 'admin',
    passwordFile: password,
    ...patch,
  };
  return Object.fromEntries(Object.entries(base).filter((e): e is [string, string] => e[1] !== undefined));
}

const occurrences = (text: string, needle: string) => text.split(needle).length - 1;

beforeAll(() => {
  root = join(dir, 'root_ca.crt');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      join(dir, 'root.key'),
      '-out',
      root,
      '-subj',
      '/CN=Preflight Root',
      '-days',
      '2',
    ],
    { stdio: 'ignore' },
  );
  password = join(dir, 'password');
  writeFileSync(password, 'not-the-real-one\n', { mode: 0o600 });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('reconcile --once: configuration errors before any work, reported once, exit 3', () => {
  it.each<[string, () => string[], string]>([
    [
      'a missing provisioner',
      () => ['-f', manifest(issuer({ provisioner: undefined }))],
      'the provisioner name (--provisioner or STEP_PROVISIONER)',
    ],
    [
      'a password file that does not exist',
      () => ['-f', manifest(issuer({ passwordFile: join(dir, 'no-such-password') }))],
      `Cannot read the provisioner password file ${join(dir, 'no-such-password')}: ENOENT.`,
    ],
    [
      'an empty password file',
      () => {
        writeFileSync(join(dir, 'empty-password'), '\n');
        return ['-f', manifest(issuer({ passwordFile: join(dir, 'empty-password') }))];
      },
      `The provisioner password file ${join(dir, 'empty-password')} is empty.`,
    ],
    [
      'a root file that does not exist',
      () => ['-f', manifest(issuer({ root: join(dir, 'no-root.crt') }))],
      `Cannot read the Step-CA root certificate ${join(dir, 'no-root.crt')}`,
    ],
    [
      'a root file that holds no certificate',
      () => {
        writeFileSync(join(dir, 'garbage.crt'), 'not a certificate\n');
        return ['-f', manifest(issuer({ root: join(dir, 'garbage.crt') }))];
      },
      `The Step-CA root file ${join(dir, 'garbage.crt')} holds no PEM certificate.`,
    ],
    [
      "certloop's local CA and Step-CA flags together",
      () => ['-f', manifest(issuer()), '--local-ca', join(dir, 'ca'), '--ca-url', DEAD_CA],
      'Step-CA settings were given too: --ca-url',
    ],
  ])('%s', async (_case, args, message) => {
    const result = await runCli(['reconcile', '--once', ...args()]);
    expect(result.code).toBe(3);
    expect(occurrences(result.stderr, message)).toBe(1);
    expect(result.stderr).not.toMatch(/Cannot reach|ECONNREFUSED/);
    // Before any work: no certificate directory was created, no lock taken.
    expect(existsSync(join(dir, 'out'))).toBe(false);
    expect(existsSync(join(dir, 'state'))).toBe(false);
  });

  it('plan and status need no password: an unreadable password file does not stop them', async () => {
    const args = ['-f', manifest(issuer({ passwordFile: join(dir, 'no-such-password') }))];
    expect((await runCli(['plan', ...args])).code).toBe(0);
    expect((await runCli(['status', ...args])).code).toBe(2);
  });
});

describe('the service', () => {
  it('exits 3 at start on an unreadable password file, before serving or acting', async () => {
    const result = await runCli([
      'reconcile',
      '-f',
      manifest(issuer({ passwordFile: join(dir, 'no-such-password') })),
      '--log-format',
      'text',
    ]);
    expect(result.code).toBe(3);
    expect(occurrences(result.stderr, 'Cannot read the provisioner password file')).toBe(1);
  });

  it('on a reload with an unreadable password file, keeps the configuration in force and says so', async () => {
    const path = manifest(issuer(), 'service.yaml');
    const child = spawnCli(['reconcile', '-f', path, '--log-format', 'text', '--resync', '1h']);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const waitForText = async (text: string) => {
      for (let i = 0; i < 300 && !stderr.includes(text); i++) await new Promise((r) => setTimeout(r, 100));
      expect(stderr).toContain(text);
    };
    try {
      await waitForText('certloop service started.');
      manifest(issuer({ passwordFile: join(dir, 'gone-password') }), 'service.yaml');
      child.kill('SIGHUP');
      await waitForText('The new configuration is unusable; the last valid one stays in force.');
      expect(stderr).toContain(`Cannot read the provisioner password file ${join(dir, 'gone-password')}`);
      manifest(issuer(), 'service.yaml');
      child.kill('SIGHUP');
      await waitForText('The configuration is valid again; it is now in force.');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
