/**
 * Shared pieces of the install tests: a temp dir with a v1 manifest issued by
 * certloop's built-in local CA (real files, written by a real reconcile), an
 * expired certificate made by openssl, and the consumer shell script.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/run.js';

export const REPO = join(__dirname, '..', '..', '..', '..');
export const CONSUMER_SCRIPT = join(REPO, 'examples', 'phoenix', 'certloop-install.sh');

export interface LocalCaSite {
  readonly root: string;
  /** What certloop reconciles: `web` (full chain) and `leaf-only` (cert + chain files). */
  readonly manifest: string;
  /** What consumers read: the same plus `late`, `bare` (no CA bundle) and `expired`, whose files the tests write. */
  readonly consumerManifest: string;
  /** Shared (NFS-like) directory of certificate `name`. */
  shared(name: string): string;
  reconcile(...extra: string[]): Promise<void>;
  dispose(): void;
}

const ISSUED = `  - name: web
    commonName: web.install.test
    files:
      fullchain: ./shared/web/fullchain.pem
      key: ./shared/web/key.pem
      caBundle: ./shared/web/ca.pem
  - name: leaf-only
    commonName: leaf.install.test
    files:
      cert: ./shared/leaf-only/cert.pem
      chain: ./shared/leaf-only/chain.pem
      key: ./shared/leaf-only/key.pem
      caBundle: ./shared/leaf-only/ca.pem
`;

const WRITTEN_BY_TESTS = `  - name: late
    commonName: late.install.test
    files:
      fullchain: ./shared/late/fullchain.pem
      key: ./shared/late/key.pem
      caBundle: ./shared/late/ca.pem
  - name: bare
    commonName: web.install.test
    files:
      fullchain: ./shared/bare/fullchain.pem
      key: ./shared/bare/key.pem
  - name: expired
    commonName: expired.install.test
    files:
      fullchain: ./shared/expired/cert.pem
      key: ./shared/expired/key.pem
`;

const HEADER = `apiVersion: certloop.dev/v1
kind: CertificateManifest
issuer:
  local:
    directory: ./ca
stateDir: ./state
defaults:
  duration: 24h
  renewBefore: 8h
certificates:
`;

export function makeLocalCaSite(prefix = 'certloop-install-'): LocalCaSite {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const manifest = join(root, 'certloop.yaml');
  const consumerManifest = join(root, 'consumer.yaml');
  writeFileSync(manifest, HEADER + ISSUED);
  writeFileSync(consumerManifest, HEADER + ISSUED + WRITTEN_BY_TESTS);
  return {
    root,
    manifest,
    consumerManifest,
    shared: (name) => join(root, 'shared', name),
    async reconcile(...extra) {
      const result = await runCli(['reconcile', '--once', '-f', manifest, '--log-level', 'error', ...extra]);
      if (result.code !== 0)
        throw new Error(`reconcile failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
    },
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** A self-signed certificate that expired in 2020, and its key, written to `dir`. */
export function writeExpiredPair(dir: string, certFile: string, keyFile: string): void {
  const work = mkdtempSync(join(tmpdir(), 'certloop-expired-'));
  try {
    writeFileSync(join(work, 'index.txt'), '');
    writeFileSync(join(work, 'serial'), '01\n');
    writeFileSync(
      join(work, 'ca.cnf'),
      '[ca]\ndefault_ca=d\n[d]\ndatabase=index.txt\nnew_certs_dir=.\nserial=serial\ndefault_md=sha256\npolicy=p\n[p]\ncommonName=supplied\n',
    );
    const run = (args: string[]) => execFileSync('openssl', args, { cwd: work, stdio: 'pipe' });
    run(
      ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'].concat([
        '-keyout',
        'key.pem',
        '-out',
        'req.csr',
        '-subj',
        '/CN=expired.install.test',
      ]),
    );
    run(
      [
        'ca',
        '-batch',
        '-notext',
        '-config',
        'ca.cnf',
        '-selfsign',
        '-keyfile',
        'key.pem',
        '-in',
        'req.csr',
      ].concat(['-startdate', '20200101000000Z', '-enddate', '20200102000000Z', '-out', 'cert.pem']),
    );
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, certFile), readFileSync(join(work, 'cert.pem')));
    writeFileSync(join(dir, keyFile), readFileSync(join(work, 'key.pem')), { mode: 0o600 });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** True when the key belongs to the (first) certificate. */
export function pairMatches(certPem: string | Buffer, keyPem: string | Buffer): boolean {
  try {
    return new X509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

export interface ScriptResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the consumer script with `shell` (sh, dash) to completion; `onStderr` sees stderr so far. */
export function runScript(
  shell: string,
  args: readonly string[],
  onStderr: (text: string) => void = () => {},
): Promise<ScriptResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(shell, [CONSUMER_SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      onStderr(stderr);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** sh always; dash too when the machine has it. */
export function shells(): string[] {
  try {
    execFileSync('/bin/dash', ['-c', 'true']);
    return ['sh', '/bin/dash'];
  } catch {
    return ['sh'];
  }
}

/** The uid:gid install tests hand to --owner: nobody when root (a real change), else our own. */
export function testOwner(): { spec: string; uid: number; gid: number } {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  if (uid === 0) return { spec: '65534:65534', uid: 65534, gid: 65534 };
  return { spec: `${uid}:${gid}`, uid, gid };
}
