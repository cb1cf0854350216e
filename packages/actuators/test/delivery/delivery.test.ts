/**
 * Delivery into Proxmox guests through the pct/qm stand-ins (real
 * executables acting on busybox guests with chroot): files land with their
 * modes, keys never appear in argv, and a VM's in-guest exit code counts.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeliveryError } from '@certloop/core';
import { createProxmoxBed, type ProxmoxBed, proxmoxBedUnavailable } from '@certloop/testbed';
import {
  type CommandRunner,
  deliverToGuest,
  guestStateOf,
  parseGuestExecResult,
  runCommand,
} from '../../src/delivery/index.js';
import { runHook } from '../../src/hooks/index.js';

const KEY =
  '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIFAKEKEYMATERIALnotarealkey0123456789abcdef\n-----END EC PRIVATE KEY-----\n';
const CERT = '-----BEGIN CERTIFICATE-----\nMIIBfakecert\n-----END CERTIFICATE-----\n';

describe('parseGuestExecResult', () => {
  test.each([
    ['a failed command', '{"exitcode":3,"exited":1,"out-data":"","err-data":"boom\\n"}', 3, 'boom\n'],
    ['a successful command', '{"exitcode":0,"exited":1,"out-data":"ok"}', 0, ''],
    ['a command still running', '{"exited":0}', null, ''],
  ])('reads %s', (_name, text, exitCode, errData) => {
    expect(parseGuestExecResult(text)).toEqual(expect.objectContaining({ exitCode, errData }));
  });

  test('ignores output that is not qm JSON', () => {
    expect(parseGuestExecResult('hello')).toBeUndefined();
    expect(parseGuestExecResult('{"other":1}')).toBeUndefined();
  });
});

const unavailable = proxmoxBedUnavailable();
const describeGuests = unavailable === undefined ? describe : describe.skip;
if (unavailable !== undefined) {
  // Visible in the test output: why the chroot tests did not run.
  test.skip(`guest delivery (skipped: ${unavailable})`, () => {});
}

describeGuests('delivery through the pct/qm stand-ins', () => {
  let root: string;
  let bed: ProxmoxBed;
  let run: CommandRunner;
  let saved: { PATH: string | undefined; PVE_FAKE_ROOT: string | undefined };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'certloop-guests-'));
    bed = createProxmoxBed(root, [
      { type: 'lxc', id: 101 },
      { type: 'vm', id: 1001 },
      { type: 'lxc', id: 102, state: 'stopped' },
    ]);
    // The stand-ins are found on PATH, as pct and qm are on a Proxmox host.
    saved = { PATH: process.env.PATH, PVE_FAKE_ROOT: process.env.PVE_FAKE_ROOT };
    Object.assign(process.env, bed.env);
    run = runCommand;
  });
  afterEach(() => {
    process.env.PATH = saved.PATH;
    if (saved.PVE_FAKE_ROOT === undefined) delete process.env.PVE_FAKE_ROOT;
    else process.env.PVE_FAKE_ROOT = saved.PVE_FAKE_ROOT;
    rmSync(root, { recursive: true, force: true });
  });

  const files = [
    { path: '/tmp/key.pem', content: KEY, mode: 0o600 },
    { path: '/tmp/cert.pem', content: CERT, mode: 0o644 },
  ];

  test.each([
    ['a container (pct push)', 'lxc', 101],
    ['a VM (qm guest exec --pass-stdin)', 'vm', 1001],
  ] as const)(
    'delivers into %s: the key root-only, the content exact, never in argv',
    async (_name, type, id) => {
      await deliverToGuest({ guestType: type, guestId: id }, files, { run });
      expect(await readFile(bed.pathIn(type, id, '/tmp/key.pem'), 'utf8')).toBe(KEY);
      expect(await readFile(bed.pathIn(type, id, '/tmp/cert.pem'), 'utf8')).toBe(CERT);
      const key = statSync(bed.pathIn(type, id, '/tmp/key.pem'));
      expect(key.mode & 0o777).toBe(0o600);
      expect(key.uid).toBe(0);
      expect(statSync(bed.pathIn(type, id, '/tmp/cert.pem')).mode & 0o777).toBe(0o644);
      const argv = bed.argvLog();
      expect(argv).toContain(type === 'lxc' ? 'pct push 101' : 'qm guest exec 1001 --pass-stdin 1');
      expect(argv).not.toContain('PRIVATE KEY');
      expect(argv).not.toContain('FAKEKEYMATERIAL');
    },
  );

  test('reports a running and a stopped guest, and an unknown id as a delivery error', async () => {
    expect(await guestStateOf({ guestType: 'lxc', guestId: 101 }, { run })).toBe('running');
    expect(await guestStateOf({ guestType: 'lxc', guestId: 102 }, { run })).toBe('stopped');
    await expect(guestStateOf({ guestType: 'vm', guestId: 4242 }, { run })).rejects.toThrow(DeliveryError);
  });

  test('a write that fails inside the VM is an error although qm exits 0', async () => {
    await expect(
      deliverToGuest(
        { guestType: 'vm', guestId: 1001 },
        [{ path: '/no/such/dir/cert.pem', content: CERT, mode: 0o644 }],
        { run },
      ),
    ).rejects.toThrow(/inside VM 1001 failed \(exit code 1\)/);
  });

  test('a hook running qm guest exec fails when the command inside the VM fails, with its err-data', async () => {
    const result = await runHook({
      command: "qm guest exec 1001 -- /bin/bash -c 'echo nope >&2; exit 7'",
      timeoutMs: 30_000,
      env: {},
    });
    expect(result.exitCode).toBe(7);
    expect(result.output).toContain('nope');
  });
});
