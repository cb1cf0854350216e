/** Reading a shared pair consistently, and waiting with an injected clock. */
import { parseManifest } from '@certloop/core';
import { readSnapshot } from '../../src/install/snapshot.js';
import { sharedSourceOf } from '../../src/install/source.js';
import { waitForInstallable } from '../../src/install/wait.js';

const MANIFEST = `apiVersion: certloop.dev/v1
kind: CertificateManifest
certificates:
  - name: web
    commonName: web.install.test
    files:
      cert: ./cert.pem
      key: ./key.pem
`;
const [entry] = parseManifest(MANIFEST, '/shared/certloop.yaml').state.certificates;
const source = sharedSourceOf(entry!);

function reader(files: Record<string, string[]>) {
  const reads: string[] = [];
  const read = async (path: string) => {
    reads.push(path);
    const versions = files[path];
    const next = versions?.length === 1 ? versions[0] : versions?.shift();
    if (next === undefined) throw Object.assign(new Error('missing'), { code: 'ENOENT', path });
    return Buffer.from(next);
  };
  return { read, reads };
}

describe('reading the shared files', () => {
  it('reads the certificate before and after the key', async () => {
    const { read, reads } = reader({ '/shared/cert.pem': ['C1'], '/shared/key.pem': ['K1'] });
    const result = await readSnapshot(source, read);
    expect(result).toEqual({ ok: true, snapshot: { cert: Buffer.from('C1'), key: Buffer.from('K1') } });
    expect(reads).toEqual(['/shared/cert.pem', '/shared/key.pem', '/shared/cert.pem']);
  });

  it('reports a certificate that changed while it was read (a renewal landed in between)', async () => {
    const { read } = reader({ '/shared/cert.pem': ['C1', 'C2'], '/shared/key.pem': ['K2'] });
    const result = await readSnapshot(source, read);
    expect(result).toEqual({ ok: false, reason: expect.stringMatching(/changed while it was read/) });
  });

  it('reports a missing file as a reason, not an exception', async () => {
    const { read } = reader({ '/shared/cert.pem': ['C1'] });
    expect(await readSnapshot(source, read)).toEqual({
      ok: false,
      reason: '/shared/key.pem does not exist (yet).',
    });
  });
});

describe('waiting for an installable certificate', () => {
  it('re-checks until the wait is over and returns the last reason', async () => {
    let now = 0;
    const sleeps: number[] = [];
    const waiting: string[] = [];
    const result = await waitForInstallable(source, {
      waitMs: 1200,
      pollMs: 500,
      clock: () => new Date(now),
      sleep: async (ms) => {
        sleeps.push(ms);
        now += ms;
      },
      read: reader({}).read,
      onWaiting: (reason) => waiting.push(reason),
    });
    expect(result).toEqual({ ok: false, reason: '/shared/cert.pem does not exist (yet).' });
    expect(sleeps).toEqual([500, 500, 200]);
    expect(waiting).toEqual(['/shared/cert.pem does not exist (yet).']);
  });

  it('does not wait at all with --wait 0', async () => {
    const sleep = jest.fn(async () => {});
    const result = await waitForInstallable(source, { waitMs: 0, sleep, read: reader({}).read });
    expect(result.ok).toBe(false);
    expect(sleep).not.toHaveBeenCalled();
  });
});
