/**
 * A fake Proxmox host for tests: `pct` and `qm` stand-ins (POSIX sh, in
 * packages/testbed/proxmox/bin) put first on PATH, one directory per guest
 * holding a busybox root file system, so hooks really run inside the guest
 * (chroot, as root). Every call's argv is logged, for tests that prove no
 * secret reaches a command line.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { repoRoot } from './paths.js';

export type FakeGuestType = 'lxc' | 'vm';
export type FakeGuestState = 'running' | 'stopped';

export interface FakeGuest {
  readonly type: FakeGuestType;
  readonly id: number;
  readonly state?: FakeGuestState;
}

export interface ProxmoxBed {
  readonly root: string;
  /** Environment for certloop: PATH with the stand-ins first, PVE_FAKE_ROOT. */
  readonly env: Readonly<Record<string, string>>;
  /** A path inside a guest, on the host. */
  pathIn(type: FakeGuestType, id: number, guestPath: string): string;
  setState(type: FakeGuestType, id: number, state: FakeGuestState): void;
  /** Every pct/qm call so far, one line each. */
  argvLog(): string;
}

const BUSYBOX = '/bin/busybox';

/** Why the guest stand-ins cannot run here (chroot needs root and a static busybox), or undefined. */
export function proxmoxBedUnavailable(): string | undefined {
  if (process.getuid?.() !== 0)
    return 'the Proxmox guest stand-ins chroot into busybox guests, which needs root';
  if (!existsSync(BUSYBOX))
    return `${BUSYBOX} is missing: run scripts/deps/guests.sh (Debian's busybox-static)`;
  return undefined;
}

export function proxmoxStandInsDir(): string {
  return path.join(repoRoot(), 'packages', 'testbed', 'proxmox');
}

function createGuestRoot(rootfs: string): void {
  for (const dir of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'root', 'var/log', 'var/lib', 'run'])
    mkdirSync(path.join(rootfs, dir), { recursive: true });
  mkdirSync(path.join(rootfs, 'tmp'), { recursive: true });
  chmodSync(path.join(rootfs, 'tmp'), 0o1777);
  copyFileSync(BUSYBOX, path.join(rootfs, 'bin', 'busybox'));
  chmodSync(path.join(rootfs, 'bin', 'busybox'), 0o755);
  const guestBin = path.join(proxmoxStandInsDir(), 'guest-bin');
  for (const tool of ['bash', 'systemctl', 'docker']) {
    copyFileSync(path.join(guestBin, tool), path.join(rootfs, 'bin', tool));
    chmodSync(path.join(rootfs, 'bin', tool), 0o755);
  }
  const applets = execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const applet of applets) {
    const link = path.join(rootfs, 'bin', applet);
    if (!existsSync(link)) symlinkSync('busybox', link);
  }
  writeFileSync(
    path.join(rootfs, 'etc', 'passwd'),
    'root:x:0:0:root:/root:/bin/sh\nwww-data:x:33:33:www-data:/var/www:/bin/false\n',
  );
  writeFileSync(path.join(rootfs, 'etc', 'group'), 'root:x:0:\nwww-data:x:33:\n');
}

export function createProxmoxBed(root: string, guests: readonly FakeGuest[]): ProxmoxBed {
  const guestDir = (type: FakeGuestType, id: number) => path.join(root, 'guests', type, String(id));
  for (const guest of guests) {
    const dir = guestDir(guest.type, guest.id);
    createGuestRoot(path.join(dir, 'rootfs'));
    writeFileSync(path.join(dir, 'state'), `${guest.state ?? 'running'}\n`);
  }
  writeFileSync(path.join(root, 'argv.log'), '');
  const bin = path.join(proxmoxStandInsDir(), 'bin');
  return {
    root,
    env: { PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`, PVE_FAKE_ROOT: root },
    pathIn: (type, id, guestPath) => path.join(guestDir(type, id), 'rootfs', guestPath),
    setState: (type, id, state) => writeFileSync(path.join(guestDir(type, id), 'state'), `${state}\n`),
    argvLog: () => readFileSync(path.join(root, 'argv.log'), 'utf8'),
  };
}
