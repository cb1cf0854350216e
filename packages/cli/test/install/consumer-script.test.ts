/**
 * examples/phoenix/certloop-install.sh, the dependency-free consumer (sh,
 * openssl, coreutils), run with sh and dash against certificates certloop
 * wrote with its built-in local CA. Same contract as `certloop install`.
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../e2e/support/poll.js';
import {
  CONSUMER_SCRIPT,
  type LocalCaSite,
  makeLocalCaSite,
  pairMatches,
  runScript,
  shells,
  testOwner,
  writeExpiredPair,
} from './support.js';

let site: LocalCaSite;
let n = 0;

beforeAll(async () => {
  site = makeLocalCaSite('certloop-consumer-');
  await site.reconcile();
});
afterAll(() => site.dispose());

function freshGuest(): string {
  n += 1;
  return join(site.root, `guest-${n}`);
}

/** Shared files of `name` and destination flags into `guest`. */
function args(shared: string, guest: string, certFile = 'fullchain.pem', extra: string[] = []): string[] {
  return [
    '--cert',
    join(shared, certFile),
    '--key',
    join(shared, 'key.pem'),
    '--dest-cert',
    join(guest, 'cert.pem'),
    '--dest-key',
    join(guest, 'key.pem'),
    ...extra,
  ];
}

const mode = (path: string) => statSync(path).mode & 0o777;
const leftovers = (dir: string) => readdirSync(dir).filter((f) => f.startsWith('.certloop-install'));

describe.each(shells())('certloop-install.sh with %s', (shell) => {
  it('installs the Docker-style triad with owner and modes, the key 0600 by default', async () => {
    const guest = freshGuest();
    const shared = site.shared('web');
    const owner = testOwner();
    const result = await runScript(
      shell,
      args(shared, guest, 'fullchain.pem', [
        '--ca',
        join(shared, 'ca.pem'),
        '--dest-ca',
        join(guest, 'ca.pem'),
        '--owner',
        owner.spec,
        '--mode',
        '0644',
        '--name',
        'docker-daemon',
      ]),
    );
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^docker-daemon: installed serial [0-9A-F]+ to /);
    expect(readFileSync(join(guest, 'cert.pem'))).toEqual(readFileSync(join(shared, 'fullchain.pem')));
    expect(readFileSync(join(guest, 'key.pem'))).toEqual(readFileSync(join(shared, 'key.pem')));
    expect(readFileSync(join(guest, 'ca.pem'))).toEqual(readFileSync(join(shared, 'ca.pem')));
    expect([
      mode(join(guest, 'cert.pem')),
      mode(join(guest, 'key.pem')),
      mode(join(guest, 'ca.pem')),
    ]).toEqual([0o644, 0o600, 0o644]);
    const stat = statSync(join(guest, 'key.pem'));
    expect([stat.uid, stat.gid]).toEqual([owner.uid, owner.gid]);
    expect(mode(guest)).toBe(0o755);
    expect(leftovers(guest)).toEqual([]);
  });

  it('is a no-op when the local copy is identical (same inode and mtime)', async () => {
    const guest = freshGuest();
    const shared = site.shared('web');
    expect((await runScript(shell, args(shared, guest))).code).toBe(0);
    const before = ['cert.pem', 'key.pem'].map((f) => statSync(join(guest, f)));
    const again = await runScript(shell, args(shared, guest));
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already up to date/);
    const after = ['cert.pem', 'key.pem'].map((f) => statSync(join(guest, f)));
    expect(after.map((s) => [s.ino, s.mtimeMs])).toEqual(before.map((s) => [s.ino, s.mtimeMs]));
    expect(leftovers(guest)).toEqual([]);
  });

  it('verifies a bare leaf through --chain', async () => {
    const guest = freshGuest();
    const shared = site.shared('leaf-only');
    const extra = ['--ca', join(shared, 'ca.pem'), '--chain', join(shared, 'chain.pem')];
    expect((await runScript(shell, args(shared, guest, 'cert.pem', extra))).code).toBe(0);
    // Without the intermediates the leaf cannot reach the root: refused.
    const without = await runScript(
      shell,
      args(shared, freshGuest(), 'cert.pem', ['--ca', join(shared, 'ca.pem')]),
    );
    expect(without.code).toBe(1);
  });

  it('refuses a key that does not belong to the certificate, and leaves no temp files', async () => {
    const guest = freshGuest();
    const mixed = join(site.root, `mixed-${n}`);
    mkdirSync(mixed);
    copyFileSync(join(site.shared('web'), 'fullchain.pem'), join(mixed, 'fullchain.pem'));
    copyFileSync(join(site.shared('leaf-only'), 'key.pem'), join(mixed, 'key.pem'));
    const result = await runScript(shell, args(mixed, guest));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/key does not belong to the certificate/);
    expect(readdirSync(guest)).toEqual([]);
  });

  it('refuses a certificate that does not verify against the CA bundle', async () => {
    const other = makeLocalCaSite('certloop-consumer-other-');
    try {
      await other.reconcile();
      const shared = site.shared('web');
      const result = await runScript(
        shell,
        args(shared, freshGuest(), 'fullchain.pem', ['--ca', join(other.shared('web'), 'ca.pem')]),
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/does not verify against the CA bundle/);
    } finally {
      other.dispose();
    }
  });

  it('refuses an expired certificate', async () => {
    const expired = join(site.root, `expired-${n}`);
    writeExpiredPair(expired, 'fullchain.pem', 'key.pem');
    const result = await runScript(shell, args(expired, freshGuest()));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/expired/);
  });

  it('waits for a pair that appears later; exits 1 when it never does', async () => {
    const late = join(site.root, `late-${n}`);
    const guest = freshGuest();
    const missing = await runScript(shell, args(late, guest, 'fullchain.pem', ['--wait', '1']));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/not installable: .*does not exist/);

    let stderr = '';
    const waiting = freshGuest();
    const running = runScript(shell, args(late, waiting, 'fullchain.pem', ['--wait', '30']), (text) => {
      stderr = text;
    });
    // Publish only once the script has seen the files missing and said so.
    await waitFor('the script to wait', () => (stderr.includes('waiting for') ? true : undefined));
    mkdirSync(late, { recursive: true });
    copyFileSync(join(site.shared('web'), 'key.pem'), join(late, 'key.pem'));
    copyFileSync(join(site.shared('web'), 'fullchain.pem'), join(late, 'fullchain.pem'));
    const result = await running;
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/does not exist or is not readable \(yet\)/);
    expect(pairMatches(readFileSync(join(waiting, 'cert.pem')), readFileSync(join(waiting, 'key.pem')))).toBe(
      true,
    );
  });

  it.each([
    ['no destination', ['--cert', '/a', '--key', '/b']],
    ['a bad mode', ['--cert', '/a', '--key', '/b', '--dest-cert', '/c', '--dest-key', '/d', '--mode', '99']],
    ['a bad wait', ['--cert', '/a', '--key', '/b', '--dest-cert', '/c', '--dest-key', '/d', '--wait', 'x']],
    ['the same destination twice', ['--cert', '/a', '--key', '/b', '--dest-cert', '/c', '--dest-key', '/c']],
  ])('exits 3 on %s', async (_what, usage) => {
    expect((await runScript(shell, usage)).code).toBe(3);
  });
});

it('is a POSIX sh script that only needs sh, openssl and coreutils', () => {
  const text = readFileSync(CONSUMER_SCRIPT, 'utf8');
  expect(text.startsWith('#!/bin/sh\n')).toBe(true);
  expect(mode(CONSUMER_SCRIPT) & 0o111).not.toBe(0);
});
