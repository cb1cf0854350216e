/**
 * The single executable needs no Node.js on the host (Proxmox VE 8 is Debian
 * 12, whose nodejs is 18): it runs in a private mount namespace where every
 * node binary of this machine is covered by /dev/null, with a PATH that has no
 * node either.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REPO = join(__dirname, '..', '..', '..', '..');
const EXECUTABLE = join(REPO, 'dist', 'certloop-linux-x64');
const isRoot = process.getuid?.() === 0;

/** Why the test cannot run here, shown in its title; undefined when it can. */
function skipReason(): string | undefined {
  if (!isRoot) return 'needs root for a private mount namespace';
  if (!existsSync(EXECUTABLE)) {
    // The test command builds it: there, a missing executable is a failure, not a skip.
    if (process.env.CI) throw new Error(`${EXECUTABLE} is missing: \`pnpm package\` builds it.`);
    return 'no single executable: run `pnpm package`';
  }
  return undefined;
}

const reason = skipReason();
const describeHere = reason === undefined ? describe : describe.skip;

/** Runs a shell script in a mount namespace where node cannot be executed, with a node-less PATH. */
function withoutNode(script: string): { code: number | null; stdout: string; stderr: string } {
  const nodes = new Set(
    [process.execPath, '/usr/bin/node', '/usr/bin/nodejs', '/usr/local/bin/node'].filter((p) =>
      existsSync(p),
    ),
  );
  const hide = [...nodes].map((p) => `mount --bind /dev/null '${p}'`).join(' && ');
  const result = spawnSync(
    'unshare',
    [
      '--mount',
      '--propagation',
      'private',
      'sh',
      '-c',
      `${hide} && exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin sh -c "$1"`,
      'sh',
      script,
    ],
    { encoding: 'utf8' },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describeHere(`the single executable without Node.js${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'certloop-no-node-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('has no node to run in the namespace (the premise of the test)', () => {
    const probe = withoutNode('node -e 0 && echo node-ran');
    expect(probe.stdout).not.toContain('node-ran');
    expect(probe.code).not.toBe(0);
  });

  it('prints its version and issues a certificate from the local CA', async () => {
    const manifest = join(dir, 'manifest.json');
    const certs = join(dir, 'certs');
    await writeFile(
      manifest,
      JSON.stringify([
        {
          common_name: 'no-node.test',
          cert_path: join(certs, 'cert.pem'),
          key_path: join(certs, 'key.pem'),
          post_renewal_command: `echo renewed > ${join(dir, 'hook.log')}`,
        },
      ]),
    );
    const version = withoutNode(`'${EXECUTABLE}' --version`);
    expect(version).toMatchObject({ code: 0, stderr: '' });
    expect(version.stdout).toMatch(/^certloop \d+\.\d+\.\d+ \(commit /);

    const args = [
      'reconcile',
      '--once',
      '-f',
      manifest,
      '--local-ca',
      join(dir, 'ca'),
      '--state-dir',
      join(dir, 'state'),
    ];
    const reconcile = withoutNode(`'${EXECUTABLE}' ${args.map((a) => `'${a}'`).join(' ')} --log-level error`);
    expect(reconcile).toMatchObject({ code: 0, stderr: '' });
    expect(await readFile(join(certs, 'cert.pem'), 'utf8')).toContain('BEGIN CERTIFICATE');
    expect(await readFile(join(dir, 'hook.log'), 'utf8')).toBe('renewed\n');
  });
});
