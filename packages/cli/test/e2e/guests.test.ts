/**
 * The newest Phoenix manifest, verbatim but for its /mnt prefix, reconciled by
 * the built CLI with the local CA into Proxmox guests played by the pct/qm
 * stand-ins (busybox guests, chroot as root): every hook of the manifest
 * really runs inside its guest and moves the delivered files into place.
 */

import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProxmoxBed, type ProxmoxBed, proxmoxBedUnavailable } from '@certloop/testbed';
import { assertBuilt, type CliResult, runCli } from '../support/run.js';

jest.setTimeout(120_000);

const LATEST = join(
  __dirname,
  '..',
  '..',
  '..',
  '..',
  'examples',
  'phoenix',
  'certificate-manifest.latest.json',
);
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

const unavailable = proxmoxBedUnavailable();
const describeGuests = unavailable === undefined ? describe : describe.skip;
if (unavailable !== undefined) {
  test.skip(`Proxmox guest delivery end to end (skipped: ${unavailable})`, () => {});
}

/** Where each entry's hook puts its files inside the guest (from the manifest's own commands). */
const LANDING = [
  {
    name: 'nginx.internal.thinkheads.ai',
    guest: ['lxc', 101],
    cert: '/etc/nginx/ssl/nginx.internal.thinkheads.ai.crt',
    key: '/etc/nginx/ssl/nginx.internal.thinkheads.ai.key',
  },
  {
    name: 'nginx-gateway-client',
    guest: ['lxc', 101],
    cert: '/etc/nginx/ssl/nginx-client.crt',
    key: '/etc/nginx/ssl/nginx-client.key',
  },
  {
    name: 'traefik.internal.thinkheads.ai',
    guest: ['lxc', 102],
    cert: '/etc/traefik/certs/traefik.internal.thinkheads.ai.crt',
    key: '/etc/traefik/certs/traefik.internal.thinkheads.ai.key',
  },
  {
    name: 'traefik-client.internal.thinkheads.ai',
    guest: ['lxc', 102],
    cert: '/etc/traefik/certs/client-cert.pem',
    key: '/etc/traefik/certs/client-key.pem',
  },
  {
    name: 'portainer.internal.thinkheads.ai',
    guest: ['vm', 1001],
    cert: '/var/lib/docker-secrets/portainer_tls_cert.pem',
    key: '/var/lib/docker-secrets/portainer_tls_key.pem',
    ca: '/var/lib/docker-secrets/portainer_tls_ca.pem',
  },
  {
    name: 'docker-daemon.internal.thinkheads.ai',
    guest: ['vm', 1001],
    cert: '/etc/docker/tls/cert.pem',
    key: '/etc/docker/tls/key.pem',
    ca: '/etc/docker/tls/ca.pem',
  },
  {
    name: 'portainer-client.internal.thinkheads.ai',
    guest: ['vm', 1001],
    cert: '/var/lib/docker-secrets/portainer_client_cert',
    key: '/var/lib/docker-secrets/portainer_client_key',
  },
  {
    name: 'drphoenix-agent.internal.thinkheads.ai',
    guest: ['vm', 1002],
    cert: '/etc/docker/tls/cert.pem',
    key: '/etc/docker/tls/key.pem',
  },
] as const;

interface Entry {
  common_name: string;
  cert_path: string;
  key_path: string;
  include_ca?: boolean;
}

describeGuests('delivery into Proxmox guests with the latest Phoenix manifest', () => {
  let root: string;
  let bed: ProxmoxBed;
  let manifest: string;
  let entries: Entry[];

  const shared = (name: string) => entries.find((e) => e.common_name === name)!;
  const read = (path: string) => readFileSync(path, 'utf8');
  const inGuest = (guest: readonly [string, number], path: string) =>
    bed.pathIn(guest[0] as 'lxc' | 'vm', guest[1], path);
  const reconcile = (...extra: string[]): Promise<CliResult> =>
    runCli(
      [
        'reconcile',
        '--once',
        '-f',
        manifest,
        '--local-ca',
        join(root, 'ca'),
        '--state-dir',
        join(root, 'state'),
        '--log-level',
        'error',
        ...extra,
      ],
      { ...bed.env, HOME: process.env.HOME },
    );
  const certloop = (...args: string[]): Promise<CliResult> =>
    runCli([...args, '-f', manifest, '--local-ca', join(root, 'ca'), '--state-dir', join(root, 'state')], {
      ...bed.env,
      HOME: process.env.HOME,
    });

  beforeAll(() => {
    assertBuilt();
    root = mkdtempSync(join(tmpdir(), 'certloop-guests-e2e-'));
    bed = createProxmoxBed(join(root, 'pve'), [
      { type: 'lxc', id: 101 },
      { type: 'lxc', id: 102 },
      { type: 'vm', id: 1001 },
      { type: 'vm', id: 1002 },
    ]);
    // Only the shared-storage prefix moves; every hook stays verbatim.
    const text = readFileSync(LATEST, 'utf8').replaceAll('/mnt/pve/quickOS/', `${root}/mnt/pve/quickOS/`);
    manifest = join(root, 'certificate-manifest.latest.json');
    writeFileSync(manifest, text);
    entries = JSON.parse(text) as Entry[];
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test('the first pass delivers all eight entries and their hooks put every file in place', async () => {
    const result = await reconcile();
    // Only the manifest's own warnings (SANs without the CN), no error.
    expect(result.stderr).not.toMatch(/error/i);
    expect([result.code, result.stdout]).toEqual([0, expect.stringContaining('8 issued')]);
    for (const landing of LANDING) {
      const entry = shared(landing.name);
      expect([landing.name, read(inGuest(landing.guest, landing.cert))]).toEqual([
        landing.name,
        read(entry.cert_path),
      ]);
      expect(read(inGuest(landing.guest, landing.key))).toBe(read(entry.key_path));
      if ('ca' in landing) {
        const ca = join(entry.cert_path, '..', 'ca.pem');
        expect(read(inGuest(landing.guest, landing.ca))).toBe(read(ca));
      }
    }
    // nginx's hook: group www-data, key 0640, inside the container.
    const nginxKey = statSync(inGuest(['lxc', 101], '/etc/nginx/ssl/nginx.internal.thinkheads.ai.key'));
    expect([nginxKey.mode & 0o777, nginxKey.gid]).toEqual([0o640, 33]);
    // The hooks reloaded their services inside the guests.
    expect(read(inGuest(['lxc', 102], '/var/log/systemctl.log'))).toContain('systemctl restart traefik');
  });

  test("entries sharing VM 1001's /tmp never interleave: /etc/docker/tls holds docker-daemon's certificate", () => {
    const docker = shared('docker-daemon.internal.thinkheads.ai');
    const inVm = read(inGuest(['vm', 1001], '/etc/docker/tls/cert.pem'));
    expect(inVm).toBe(read(docker.cert_path));
    expect(inVm).not.toBe(read(shared('portainer.internal.thinkheads.ai').cert_path));
    expect(new X509Certificate(inVm).subject).toContain('docker-daemon.internal.thinkheads.ai');
  });

  test('client entries get clientAuth, server entries serverAuth', () => {
    const usages = (name: string) => new X509Certificate(read(shared(name).cert_path)).keyUsage;
    expect(usages('nginx-gateway-client')).toEqual([CLIENT_AUTH]);
    expect(usages('portainer-client.internal.thinkheads.ai')).toEqual([CLIENT_AUTH]);
    expect(usages('nginx.internal.thinkheads.ai')).toContain(SERVER_AUTH);
  });

  test('no key ever appears on a command line of pct or qm', () => {
    const argv = bed.argvLog();
    expect(argv).toContain('--pass-stdin 1');
    expect(argv).not.toContain('PRIVATE KEY');
    for (const entry of entries) {
      const body = read(entry.key_path)
        .split('\n')
        .filter((line) => line.length > 0 && !line.startsWith('-----'));
      for (const line of body) expect(argv).not.toContain(line);
    }
  });

  test('a second pass issues nothing and touches no guest', async () => {
    const before = bed.argvLog();
    const certs = entries.map((e) => statSync(e.cert_path).ino);
    const result = await reconcile();
    expect(result.code).toBe(0);
    expect(bed.argvLog()).toBe(before);
    expect(entries.map((e) => statSync(e.cert_path).ino)).toEqual(certs);
  });

  test('a VM hook failing inside the guest (qm exits 0) fails the pass; the next pass delivers again and reruns it, without a reissue', async () => {
    const agent = shared('drphoenix-agent.internal.thinkheads.ai');
    writeFileSync(inGuest(['vm', 1002], '/etc/systemctl-fails'), '');
    unlinkSync(agent.cert_path);
    const failed = await reconcile();
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/failed \(exit 1\)/);
    const issued = read(agent.cert_path);

    unlinkSync(inGuest(['vm', 1002], '/etc/systemctl-fails'));
    const since = bed.argvLog().length;
    const retried = await reconcile();
    expect(retried.code).toBe(0);
    const calls = bed.argvLog().slice(since);
    // Delivered again (the failed hook had moved /tmp/cert.pem away), then the hook.
    expect(calls.indexOf('qm guest exec 1002 --pass-stdin 1')).toBeGreaterThanOrEqual(0);
    expect(calls.indexOf('qm guest exec 1002 --pass-stdin 1')).toBeLessThan(
      calls.indexOf('qm guest exec 1002 -- /bin/bash'),
    );
    expect(read(agent.cert_path)).toBe(issued);
    expect(read(inGuest(['vm', 1002], '/etc/docker/tls/cert.pem'))).toBe(issued);
  });

  test('a stopped container keeps its delivery pending (exit 0, plan and status show it) and gets its files when it runs again, without a new certificate', async () => {
    const traefik = shared('traefik.internal.thinkheads.ai');
    const inContainer = inGuest(['lxc', 102], '/etc/traefik/certs/traefik.internal.thinkheads.ai.crt');
    const old = read(inContainer);
    bed.setState('lxc', 102, 'stopped');
    unlinkSync(traefik.cert_path);
    const stopped = await reconcile();
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toContain('delivery to lxc/102 pending');
    const issued = read(traefik.cert_path);
    expect(read(inContainer)).toBe(old);

    const plan = await certloop('plan', '--json');
    const entry = (
      JSON.parse(plan.stdout) as { entries: { name: string; reasons: { code: string }[] }[] }
    ).entries.find((e) => e.name === traefik.common_name);
    expect(entry?.reasons.map((r) => r.code)).toEqual(['delivery-pending', 'hook-pending']);
    const status = await certloop('status');
    expect(status.stdout).toContain('delivery to lxc/102 pending');

    bed.setState('lxc', 102, 'running');
    const resumed = await reconcile();
    expect(resumed.code).toBe(0);
    expect(read(traefik.cert_path)).toBe(issued);
    expect(read(inContainer)).toBe(issued);
    expect(existsSync(inGuest(['lxc', 102], '/tmp/cert.pem'))).toBe(false);
  });
});

describeGuests("switch-over day: the shell manager's certificates are kept", () => {
  let root: string;
  let bed: ProxmoxBed;
  let manifest: string;
  let entries: Entry[];

  const run = (stateDir: string): Promise<CliResult> =>
    runCli(
      [
        'reconcile',
        '--once',
        '-f',
        manifest,
        '--local-ca',
        join(root, 'ca'),
        '--state-dir',
        join(root, stateDir),
        '--log-level',
        'error',
      ],
      { ...bed.env, HOME: process.env.HOME },
    );

  beforeAll(async () => {
    assertBuilt();
    root = mkdtempSync(join(tmpdir(), 'certloop-switch-over-'));
    bed = createProxmoxBed(join(root, 'pve'), [
      { type: 'lxc', id: 101 },
      { type: 'lxc', id: 102 },
      { type: 'vm', id: 1001 },
      { type: 'vm', id: 1002 },
    ]);
    const text = readFileSync(LATEST, 'utf8').replaceAll('/mnt/pve/quickOS/', `${root}/mnt/pve/quickOS/`);
    manifest = join(root, 'certificate-manifest.latest.json');
    writeFileSync(manifest, text);
    entries = JSON.parse(text) as Entry[];
    // What the shell manager left: same CA, leaf + intermediate in cert_path,
    // SEC1 "EC PRIVATE KEY" keys, root:root 0640, no ca.pem, and no certloop state.
    const seeded = await run('shell-manager-era');
    if (seeded.code !== 0) throw new Error(`seeding failed: ${seeded.stdout}${seeded.stderr}`);
    for (const entry of entries) {
      execFileSync('openssl', ['ec', '-in', entry.key_path, '-out', entry.key_path], { stdio: 'pipe' });
      for (const path of [entry.cert_path, entry.key_path]) {
        chmodSync(path, 0o640);
        chownSync(path, 0, 0);
      }
      if (entry.include_ca === true) unlinkSync(join(entry.cert_path, '..', 'ca.pem'));
    }
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test('the first pass issues nothing: it fixes owner and modes as declared, and writes the missing ca.pem', async () => {
    const serials = entries.map((e) => new X509Certificate(readFileSync(e.cert_path)).serialNumber);
    const keys = entries.map((e) => readFileSync(e.key_path, 'utf8'));
    expect(keys.every((k) => k.startsWith('-----BEGIN EC PRIVATE KEY-----'))).toBe(true);

    const since = bed.argvLog().length;
    const result = await run('state');
    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(/\bissued\b.*\(serial/);
    expect(result.stdout).toMatch(/Reconcile: .*0 failed/);
    expect(entries.map((e) => new X509Certificate(readFileSync(e.cert_path)).serialNumber)).toEqual(serials);
    expect(entries.map((e) => readFileSync(e.key_path, 'utf8'))).toEqual(keys);
    for (const entry of entries) {
      expect(statSync(entry.cert_path).mode & 0o777).toBe(0o644);
      expect(statSync(entry.key_path).mode & 0o777).toBe(0o600);
    }
    const nginx = entries.find((e) => e.common_name === 'nginx.internal.thinkheads.ai')!;
    expect(statSync(nginx.key_path).gid).toBe(33);
    for (const entry of entries.filter((e) => e.include_ca === true)) {
      expect(existsSync(join(entry.cert_path, '..', 'ca.pem'))).toBe(true);
    }
    // Only the two entries whose shared ca.pem was written (VM 1001) went to their guest again.
    const guestsTouched = new Set(
      bed
        .argvLog()
        .slice(since)
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split(' ').find((word) => /^\d+$/.test(word))),
    );
    expect([...guestsTouched]).toEqual(['1001']);
    expect(result.stdout).toMatch(/docker-daemon.*files updated.*ca\.pem is missing/);
    const second = await run('state');
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/Reconcile: 8 unchanged, 0 failed\./);
  });
});
