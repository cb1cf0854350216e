/**
 * `certloop install` against files a real reconcile wrote with the built-in
 * local CA: what a consumer inside a guest relies on.
 */
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/main.js';
import { waitFor } from '../e2e/support/poll.js';
import { captureIo } from '../support/capture.js';
import { runCli } from '../support/run.js';
import { type LocalCaSite, makeLocalCaSite, pairMatches, testOwner, writeExpiredPair } from './support.js';

let site: LocalCaSite;
let guest: string;
let n = 0;

beforeAll(async () => {
  site = makeLocalCaSite();
  await site.reconcile();
});
afterAll(() => site.dispose());
beforeEach(() => {
  n += 1;
  guest = join(site.root, `guest-${n}`);
});

function install(name: string, ...extra: string[]) {
  return runCli([
    'install',
    name,
    '-f',
    site.consumerManifest,
    '--cert',
    join(guest, 'cert.pem'),
    '--key',
    join(guest, 'key.pem'),
    ...extra,
  ]);
}

const mode = (path: string) => statSync(path).mode & 0o777;

/** Publishes web's files as `late`, the way certloop does: key first, certificate last. */
function publishLate(): string {
  const late = site.shared('late');
  mkdirSync(late, { recursive: true });
  for (const file of ['ca.pem', 'key.pem', 'fullchain.pem']) {
    copyFileSync(join(site.shared('web'), file), join(late, file));
  }
  return late;
}

describe('certloop install', () => {
  it('copies the full chain, key and CA bundle with the given owner and modes; the key is 0600 by default', async () => {
    const owner = testOwner();
    const result = await install(
      'web',
      '--ca',
      join(guest, 'ca.pem'),
      '--owner',
      owner.spec,
      '--mode',
      '0640',
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^web: installed serial [0-9a-f]+ \(valid until .*\) to /);
    const shared = site.shared('web');
    expect(readFileSync(join(guest, 'cert.pem'))).toEqual(readFileSync(join(shared, 'fullchain.pem')));
    expect(readFileSync(join(guest, 'key.pem'))).toEqual(readFileSync(join(shared, 'key.pem')));
    expect(readFileSync(join(guest, 'ca.pem'))).toEqual(readFileSync(join(shared, 'ca.pem')));
    expect([
      mode(join(guest, 'cert.pem')),
      mode(join(guest, 'key.pem')),
      mode(join(guest, 'ca.pem')),
    ]).toEqual([0o640, 0o600, 0o640]);
    for (const file of ['cert.pem', 'key.pem', 'ca.pem']) {
      const stat = statSync(join(guest, file));
      expect([stat.uid, stat.gid]).toEqual([owner.uid, owner.gid]);
    }
  });

  it('honours --key-mode', async () => {
    expect((await install('web', '--key-mode', '0640')).code).toBe(0);
    expect(mode(join(guest, 'key.pem'))).toBe(0o640);
  });

  it('does nothing when the local copy is already identical (same inode and mtime)', async () => {
    expect((await install('web', '--ca', join(guest, 'ca.pem'))).code).toBe(0);
    const before = ['cert.pem', 'key.pem', 'ca.pem'].map((f) => statSync(join(guest, f)));
    const again = await install('web', '--ca', join(guest, 'ca.pem'));
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^web: already up to date/);
    const after = ['cert.pem', 'key.pem', 'ca.pem'].map((f) => statSync(join(guest, f)));
    expect(after.map((s) => [s.ino, s.mtimeMs])).toEqual(before.map((s) => [s.ino, s.mtimeMs]));
  });

  it('verifies a bare leaf through the declared chain file and installs the leaf', async () => {
    const result = await install('leaf-only', '--ca', join(guest, 'ca.pem'));
    expect(result.code).toBe(0);
    expect(readFileSync(join(guest, 'cert.pem'))).toEqual(
      readFileSync(join(site.shared('leaf-only'), 'cert.pem')),
    );
  });

  it('waits for a certificate that appears later, then installs it', async () => {
    const io = captureIo({ PATH: process.env.PATH });
    const args = ['install', 'late', '-f', site.consumerManifest, '--cert', join(guest, 'c.pem')];
    const running = main([...args, '--key', join(guest, 'k.pem'), '--wait', '30'], io);
    await waitFor('install to report that it waits', () =>
      io.err().includes('waiting for late') ? true : undefined,
    );
    publishLate();
    expect(await running).toBe(0);
    expect(io.err()).toContain('does not exist');
    expect(pairMatches(readFileSync(join(guest, 'c.pem')), readFileSync(join(guest, 'k.pem')))).toBe(true);
  });

  it('exits 1 after the wait when the certificate never appears, and writes nothing', async () => {
    const result = await install('expired', '--wait', '1');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/expired is not installable: .*does not exist/);
    expect(() => statSync(guest)).toThrow();
  });

  it('refuses an expired certificate', async () => {
    writeExpiredPair(site.shared('expired'), 'cert.pem', 'key.pem');
    const result = await install('expired');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/expired at 2020-01-02/);
    expect(() => statSync(join(guest, 'cert.pem'))).toThrow();
  });

  it('refuses a key that does not belong to the certificate (a half-renewed pair)', async () => {
    const late = publishLate();
    writeFileSync(join(late, 'key.pem'), readFileSync(join(site.shared('leaf-only'), 'key.pem')));
    const result = await install('late');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/key does not belong to the certificate/);
    expect(() => statSync(join(guest, 'cert.pem'))).toThrow();
  });

  it('refuses a certificate that does not verify against the CA bundle', async () => {
    const late = publishLate();
    const other = makeLocalCaSite('certloop-install-other-');
    try {
      await other.reconcile();
      copyFileSync(join(other.shared('web'), 'ca.pem'), join(late, 'ca.pem'));
      const result = await install('late');
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/does not verify against the CA bundle/);
    } finally {
      other.dispose();
    }
  });

  it('refuses a certificate when the CA bundle holds no certificate at all', async () => {
    const late = publishLate();
    writeFileSync(join(late, 'ca.pem'), 'not a certificate\n');
    const result = await install('late');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/does not verify against the CA bundle/);
    expect(() => statSync(join(guest, 'cert.pem'))).toThrow();
  });

  it.each([
    ["the manifest's issuer", []],
    ['--root', ['--root', 'ROOT']],
  ])("--ca for an entry without a CA bundle writes the issuer's roots, from %s", async (_from, extra) => {
    const bare = site.shared('bare');
    mkdirSync(bare, { recursive: true });
    copyFileSync(join(site.shared('web'), 'fullchain.pem'), join(bare, 'fullchain.pem'));
    copyFileSync(join(site.shared('web'), 'key.pem'), join(bare, 'key.pem'));
    const roots = join(site.shared('web'), 'ca.pem');
    const args = extra.map((a) => (a === 'ROOT' ? roots : a));
    const result = await install('bare', '--ca', join(guest, 'ca.pem'), ...args);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(readFileSync(join(guest, 'ca.pem'), 'utf8')).toBe(readFileSync(roots, 'utf8'));
  });

  it.each([
    ['an unknown certificate name', ['nope'], /no certificate named "nope"/],
    ['a bad mode', ['web', '--mode', '999'], /--mode must be an octal mode/],
    ['a bad owner', ['web', '--owner', 'a:b:c'], /--owner must be/],
    ['a negative wait', ['web', '--wait', '-1'], /--wait must be/],
  ])('exits 3 on %s', async (_what, args, message) => {
    const [name, ...extra] = args as [string, ...string[]];
    const result = await install(name, ...extra);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(message);
  });
});
