/**
 * Type=notify through the shipped artifact, with a real unix datagram socket
 * as NOTIFY_SOCKET: READY=1 once the first pass is done (its certificates are
 * on disk by then), WATCHDOG=1 while WATCHDOG_USEC is set, STOPPING=1 on
 * SIGTERM. And LoadCredential=: the provisioner password is read from
 * $CREDENTIALS_DIRECTORY.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type LocalWorkspace, localWorkspace } from '../status/support.js';
import { runCli, spawnCli } from '../support/run.js';

jest.setTimeout(60_000);

let ws: LocalWorkspace;
let receiver: ChildProcess;
let received: string[] = [];
const socketPath = () => join(ws.dir, 'notify.sock');

/** Resolves once `probe` holds; checked whenever output arrives (no fixed sleeps), failing after a deadline. */
async function until(what: string, probe: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline)
      throw new Error(`Timed out waiting for ${what}; received: ${received.join(' | ')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  ws = await localWorkspace('certloop-notify-');
  await ws.writeManifest([{ name: 'api' }, { name: 'web' }]);
  receiver = spawn('python3', [join(__dirname, 'notify-receiver.py'), socketPath()], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  receiver.stdout?.on('data', (chunk: Buffer) => {
    received.push(
      ...chunk
        .toString()
        .split('\n')
        .filter((l) => l !== ''),
    );
  });
  await until('the receiver to listen', () => received.includes('LISTENING'), 10_000);
  received = [];
});

afterAll(() => {
  receiver.kill();
  rmSync(ws.dir, { recursive: true, force: true });
});

test('READY=1 after the first pass, WATCHDOG=1 pings, STOPPING=1 on SIGTERM', async () => {
  const service = spawnCli(['reconcile', '-f', ws.manifest, '--resync', '1h'], {
    NOTIFY_SOCKET: socketPath(),
    // 0.4 s: pings every 0.2 s.
    WATCHDOG_USEC: '400000',
  });
  const exited = new Promise<number | null>((resolve) => service.on('exit', (code) => resolve(code)));
  try {
    await until('READY=1', () => received.includes('READY=1'));
    // The first pass was done before READY: both certificates are on disk.
    expect([existsSync(ws.certPath('api')), existsSync(ws.certPath('web'))]).toEqual([true, true]);
    const readyAt = received.indexOf('READY=1');
    expect(received).toContain('STATUS=Last pass succeeded: 2 changed, 0 unchanged, 0 failed.');
    await until('a watchdog ping after READY', () => received.slice(readyAt).includes('WATCHDOG=1'));
    expect(received).not.toContain('STOPPING=1');
  } finally {
    service.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
  expect(received).toContain('STOPPING=1');
  expect(received.indexOf('STOPPING=1')).toBeGreaterThan(received.indexOf('READY=1'));
});

test('without NOTIFY_SOCKET the service sends nothing (it was not started as Type=notify)', async () => {
  received = [];
  const service = spawnCli(['reconcile', '-f', ws.manifest, '--resync', '1h', '--log-format', 'text'], {
    WATCHDOG_USEC: '400000',
  });
  let stderr = '';
  service.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => service.on('exit', (code) => resolve(code)));
  try {
    await until('the first pass', () => stderr.includes('Reconcile pass finished.'));
  } finally {
    service.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
  expect(received).toEqual([]);
});

test('LoadCredential=: the provisioner password comes from $CREDENTIALS_DIRECTORY/provisioner-password', async () => {
  const credentials = join(ws.dir, 'credentials');
  mkdirSync(credentials, { recursive: true });
  // Empty on purpose: the error names the file it read, proof that it was the credential.
  writeFileSync(join(credentials, 'provisioner-password'), '', { mode: 0o400 });
  writeFileSync(join(ws.dir, 'root.crt'), '');
  const manifest = join(ws.dir, 'step.yaml');
  writeFileSync(
    manifest,
    [
      'apiVersion: certloop.dev/v1',
      'kind: CertificateManifest',
      'issuer:',
      '  stepCA:',
      '    url: https://127.0.0.1:1',
      `    fingerprint: ${'ab'.repeat(32)}`,
      '    provisioner: admin',
      `stateDir: ${join(ws.dir, 'step-state')}`,
      'certificates:',
      '  - name: api',
      '    commonName: api.status.test',
      '    files:',
      `      cert: ${join(ws.dir, 'step-out', 'cert.pem')}`,
      `      key: ${join(ws.dir, 'step-out', 'key.pem')}`,
      '',
    ].join('\n'),
  );
  const withCredential = await runCli(['reconcile', '--once', '-f', manifest], {
    CREDENTIALS_DIRECTORY: credentials,
  });
  expect(withCredential.code).toBe(3);
  expect(withCredential.stderr).toContain(
    `The provisioner password file ${join(credentials, 'provisioner-password')} is empty.`,
  );
  // Without the credential, the password file is simply missing from the settings.
  const without = await runCli(['reconcile', '--once', '-f', manifest]);
  expect(without.code).toBe(3);
  expect(without.stderr).toContain('the provisioner password file');
});
