/**
 * The Phoenix example end to end against the REAL step-ca, with every path
 * moved into a temp dir and fake `pct`/`qm` that record their arguments:
 * certloop reconciles, guests copy with the consumer script and with
 * `certloop install`, sync_all runs reconcile first, and forced renewals (as
 * separate processes) never let a polling consumer install a mismatched pair.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { type StepCaHandle, startCa } from '../e2e/support/ca.js';
import { ARTIFACT_COMMAND, assertBuilt, type CliResult, runCli } from '../support/run.js';
import { CONSUMER_SCRIPT, pairMatches, REPO } from './support.js';

jest.setTimeout(120_000);

const EXAMPLE = join(REPO, 'examples', 'phoenix');
const uid = process.getuid?.() ?? 0;
const gid = process.getgid?.() ?? 0;

let ca: StepCaHandle;
let root: string;
let manifest: string;
let env: Record<string, string>;
const docker = () => join(root, 'mnt', 'persistent', 'docker', 'certs');

interface CertificateDoc {
  name: string;
  files: Record<string, string>;
  owner?: string;
  group?: string;
}

beforeAll(async () => {
  assertBuilt();
  ca = await startCa();
  root = mkdtempSync(join(tmpdir(), 'certloop-phoenix-'));
  // Fake Proxmox tools: one line per call in hooks.log.
  const bin = join(root, 'bin');
  mkdirSync(bin);
  for (const tool of ['pct', 'qm']) {
    writeFileSync(join(bin, tool), `#!/bin/sh\necho "${tool} $*" >> "${join(root, 'hooks.log')}"\n`);
    chmodSync(join(bin, tool), 0o755);
  }
  env = { PATH: `${bin}:${process.env.PATH}` };

  const doc = parse(readFileSync(join(EXAMPLE, 'certloop.yaml'), 'utf8')) as {
    issuer: unknown;
    stateDir: string;
    certificates: CertificateDoc[];
  };
  doc.issuer = {
    stepCA: { url: ca.url, root: ca.rootPath, provisioner: ca.provisioner, passwordFile: ca.passwordFile },
  };
  doc.stateDir = join(root, 'state');
  for (const cert of doc.certificates) {
    for (const [role, path] of Object.entries(cert.files)) cert.files[role] = join(root, path);
    cert.owner = String(uid);
    cert.group = String(gid);
  }
  manifest = join(root, 'certloop.yaml');
  writeFileSync(manifest, stringify(doc));
});

afterAll(async () => {
  await ca?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

const hookLog = () =>
  existsSync(join(root, 'hooks.log')) ? readFileSync(join(root, 'hooks.log'), 'utf8') : '';

function run(
  command: string,
  args: readonly string[],
  extraEnv: Record<string, string> = {},
): Promise<CliResult> {
  const child = spawn(command, args, {
    env: { ...process.env, ...env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return collect(child);
}

function collect(child: ChildProcess): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

const reconcile = (...extra: string[]) =>
  runCli(['reconcile', '--once', '-f', manifest, '--log-level', 'warn', ...extra], env);

describe('the Phoenix example against the real step-ca', () => {
  it('ships a manifest that validates without warnings', async () => {
    const result = await runCli(['validate', '-f', join(EXAMPLE, 'certloop.yaml')]);
    expect(result).toEqual({ code: 0, stdout: 'valid: 4 certificates (v1 format)\n', stderr: '' });
  });

  it('reconciles every certificate and runs each reload hook once', async () => {
    const result = await reconcile();
    expect(result).toMatchObject({ code: 0 });
    expect(hookLog().trim().split('\n').sort()).toEqual([
      'pct exec 101 -- systemctl reload nginx',
      'pct exec 102 -- systemctl reload traefik',
      'qm guest exec 1001 -- /bin/sh /usr/local/sbin/feature_install_docker.certificates.sh --restart',
      'qm guest exec 1001 -- docker restart portainer_server',
    ]);
    expect(readdirSync(docker()).sort()).toEqual(['ca.pem', 'server-cert.pem', 'server-key.pem']);
    const certPem = readFileSync(join(docker(), 'server-cert.pem'), 'utf8');
    expect(certPem.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect(pairMatches(certPem, readFileSync(join(docker(), 'server-key.pem')))).toBe(true);
  });

  it('sync_all runs certloop reconcile --once first, and stops when it fails', async () => {
    const snippet = join(EXAMPLE, 'portainer-manager-sync-all.snippet.sh');
    const script = `. "${snippet}"
sync_all() {
    certloop_sync_certificates || return 1
    echo "synced stacks"
}
sync_all`;
    const certloopBin = ARTIFACT_COMMAND;
    const ok = await run('sh', ['-c', script], { CERTLOOP_BIN: certloopBin, CERTLOOP_MANIFEST: manifest });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/Reconcile: 4 unchanged, 0 failed\.[\s\S]*synced stacks/);

    const broken = join(root, 'broken.yaml');
    writeFileSync(broken, 'apiVersion: certloop.dev/v1\nkind: CertificateManifest\ncertificates: [{}]\n');
    const failed = await run('sh', ['-c', script], { CERTLOOP_BIN: certloopBin, CERTLOOP_MANIFEST: broken });
    expect(failed.code).toBe(1);
    expect(failed.stdout).not.toContain('synced stacks');
    expect(failed.stderr).toContain('certloop reconcile --once failed; stopping the sync');
  });

  it('the Docker feature block copies the triad to /etc/docker/tls and restarts Docker only on change', async () => {
    const guest = join(root, 'docker-vm');
    const featureEnv = {
      CERTLOOP_SHARED_DOCKER_CERTS: docker(),
      DOCKER_TLS_DIR: join(guest, 'etc', 'docker', 'tls'),
      CERTLOOP_BIN_DIR: join(guest, 'usr', 'local', 'sbin'),
      DOCKER_TLS_OWNER: `${uid}:${gid}`,
      CERTLOOP_WAIT: '10',
      DOCKER_RESTART: `touch ${join(guest, 'restarted')}`,
    };
    const feature = join(EXAMPLE, 'feature_install_docker.certificates.sh');
    const first = await run('sh', [feature], featureEnv);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    const tls = join(guest, 'etc', 'docker', 'tls');
    expect(readdirSync(tls).sort()).toEqual(['ca.pem', 'cert.pem', 'key.pem']);
    expect(readFileSync(join(tls, 'ca.pem'))).toEqual(readFileSync(join(docker(), 'ca.pem')));
    expect(pairMatches(readFileSync(join(tls, 'cert.pem')), readFileSync(join(tls, 'key.pem')))).toBe(true);
    expect(readdirSync(featureEnv.CERTLOOP_BIN_DIR).sort()).toEqual([
      'certloop-install.sh',
      'feature_install_docker.certificates.sh',
    ]);

    // The hook's command in the guest: nothing changed, so no restart.
    const hook = join(featureEnv.CERTLOOP_BIN_DIR, 'feature_install_docker.certificates.sh');
    const unchanged = await run('sh', [hook, '--restart'], featureEnv);
    expect(unchanged.code).toBe(0);
    expect(existsSync(join(guest, 'restarted'))).toBe(false);
    expect(await reconcile('--force')).toMatchObject({ code: 0 });
    const renewed = await run('sh', [hook, '--restart'], featureEnv);
    expect(renewed.stdout).toMatch(/docker-daemon: installed serial/);
    expect(existsSync(join(guest, 'restarted'))).toBe(true);
  });

  it('polling consumers never install a mismatched pair while forced renewals run', async () => {
    const out = join(root, 'polled');
    const stop = join(root, 'stop');
    mkdirSync(out);
    const shellGuest = join(root, 'guest-sh');
    // The consumer script in a loop; every pair it installs is kept for checking.
    const loop = `i=0
while [ ! -e "${stop}" ]; do
  if sh "${CONSUMER_SCRIPT}" --cert "${docker()}/server-cert.pem" --key "${docker()}/server-key.pem" --ca "${docker()}/ca.pem" \\
     --dest-cert "${shellGuest}/cert.pem" --dest-key "${shellGuest}/key.pem" --dest-ca "${shellGuest}/ca.pem" --wait 10 >/dev/null; then
    i=$((i + 1)); cp "${shellGuest}/cert.pem" "${out}/$i.crt"; cp "${shellGuest}/key.pem" "${out}/$i.key"
  else
    echo "install failed" >&2
  fi
done`;
    const shellConsumer = run('sh', ['-c', loop]);

    // `certloop install` in this process, interleaved with the renewals.
    const cliGuest = join(root, 'guest-cli');
    const cliPairs: Array<{ cert: Buffer; key: Buffer }> = [];
    const cliFailures: string[] = [];
    let renewing = true;
    const cliConsumer = (async () => {
      while (renewing) {
        const result = await runCli([
          'install',
          'docker-daemon',
          '-f',
          manifest,
          '--wait',
          '10',
          '--cert',
          join(cliGuest, 'cert.pem'),
          '--key',
          join(cliGuest, 'key.pem'),
          '--ca',
          join(cliGuest, 'ca.pem'),
        ]);
        if (result.code !== 0) cliFailures.push(result.stderr);
        else
          cliPairs.push({
            cert: readFileSync(join(cliGuest, 'cert.pem')),
            key: readFileSync(join(cliGuest, 'key.pem')),
          });
      }
    })();

    for (let round = 0; round < 3; round += 1) {
      expect(await reconcile('--force')).toMatchObject({ code: 0 });
    }
    renewing = false;
    writeFileSync(stop, '');
    const [shellResult] = await Promise.all([shellConsumer, cliConsumer]);

    // The script notes when it waits out a renewal in progress; it must never give up.
    const complaints = shellResult.stderr
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('certloop-install: waiting for '));
    expect(complaints).toEqual([]);
    expect(cliFailures).toEqual([]);
    const shellPairs = readdirSync(out)
      .filter((f) => f.endsWith('.crt'))
      .map((f) => ({
        cert: readFileSync(join(out, f)),
        key: readFileSync(join(out, f.replace(/\.crt$/, '.key'))),
      }));
    expect(shellPairs.length).toBeGreaterThan(0);
    expect(cliPairs.length).toBeGreaterThan(0);
    const mismatched = [...shellPairs, ...cliPairs].filter((p) => !pairMatches(p.cert, p.key));
    expect(mismatched).toHaveLength(0);

    // Once renewals stop, both consumers converge on what certloop placed last.
    const shared = readFileSync(join(docker(), 'server-cert.pem'));
    const last = await runCli([
      'install',
      'docker-daemon',
      '-f',
      manifest,
      '--cert',
      join(cliGuest, 'cert.pem'),
      '--key',
      join(cliGuest, 'key.pem'),
    ]);
    expect(last.code).toBe(0);
    expect(readFileSync(join(cliGuest, 'cert.pem'))).toEqual(shared);
  });
});
