import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Provenance, StatusDocument } from '@certloop/core';
import { defaultStateDir, ProvenanceStore, StatusStore, stateDirFor } from '../../src/state/index.js';
import { recordingLogger, useTempDir } from '../support/temp-dir.js';

const aStatus = (overrides: Partial<StatusDocument> = {}): StatusDocument => ({
  version: 1,
  manifestPath: '/etc/certloop/manifest.yaml',
  updatedAt: '2030-01-01T00:00:00.000Z',
  certificates: {
    web: {
      name: 'web',
      lastResult: 'success',
      lastAction: 'issue',
      lastReasons: ['cert-missing'],
      lastAttemptAt: '2030-01-01T00:00:00.000Z',
      pendingHooks: [],
      consecutiveFailures: 0,
    },
  },
  ...overrides,
});

const aProvenance = (name: string, overrides: Partial<Provenance> = {}): Provenance => ({
  name,
  specHash: 'spec-hash',
  commonName: `${name}.example.com`,
  sans: { dns: [`${name}.example.com`], ip: [], email: [], uri: [] },
  keyAlgorithm: 'ecdsa-p256',
  requestedLifetimeMs: 86_400_000,
  issuerId: 'local:/ca',
  serial: '01',
  certificateSha256: 'abc',
  issuedAt: '2030-01-01T00:00:00.000Z',
  notAfter: '2030-01-02T00:00:00.000Z',
  files: { cert: `/etc/ssl/${name}.crt` },
  ...overrides,
});

describe('defaultStateDir', () => {
  it('is /var/lib/certloop for root (FHS persistent program state)', () => {
    expect(defaultStateDir({ uid: 0, env: { XDG_STATE_HOME: '/x' }, home: '/root' })).toBe(
      '/var/lib/certloop',
    );
  });

  it('follows XDG_STATE_HOME for other users, ignoring a relative value', () => {
    expect(defaultStateDir({ uid: 1000, env: { XDG_STATE_HOME: '/home/a/.state' }, home: '/home/a' })).toBe(
      '/home/a/.state/certloop',
    );
    expect(defaultStateDir({ uid: 1000, env: { XDG_STATE_HOME: 'rel' }, home: '/home/a' })).toBe(
      '/home/a/.local/state/certloop',
    );
    expect(defaultStateDir({ uid: 1000, env: {}, home: '/home/a' })).toBe('/home/a/.local/state/certloop');
  });
});

describe('stateDirFor', () => {
  it('gives each manifest its own directory, stable for the same absolute path', () => {
    const a = stateDirFor('/var/lib/certloop', '/etc/a/manifest.yaml');
    expect(a).toMatch(/^\/var\/lib\/certloop\/manifests\/manifest\.yaml-[0-9a-f]{16}$/);
    expect(stateDirFor('/var/lib/certloop', '/etc/a/../a/manifest.yaml')).toBe(a);
    expect(stateDirFor('/var/lib/certloop', '/etc/b/manifest.yaml')).not.toBe(a);
  });
});

describe('StatusStore', () => {
  const dir = useTempDir('certloop-state-');

  it('reads nothing before the first write, then what was written, with mode 0600', async () => {
    const store = new StatusStore(join(dir(), 'm'));
    expect(await store.read()).toBeUndefined();
    expect(await store.write(aStatus())).toBe(true);
    expect(await store.read()).toEqual(aStatus());
    expect((await stat(store.path)).mode & 0o777).toBe(0o600);
  });

  it('does not rewrite identical content, whatever the key order', async () => {
    const store = new StatusStore(dir());
    await store.write(aStatus());
    const before = await stat(store.path);
    const reordered = Object.fromEntries(Object.entries(aStatus()).reverse()) as unknown as StatusDocument;
    expect(await store.write(reordered)).toBe(false);
    const after = await stat(store.path);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    expect(await store.write(aStatus({ updatedAt: '2030-01-02T00:00:00.000Z' }))).toBe(true);
  });

  it.each([
    ['truncated JSON', '{"version": 1, "certif'],
    ['an unknown version', JSON.stringify({ ...aStatus(), version: 2 })],
    ['a malformed entry', JSON.stringify({ ...aStatus(), certificates: { web: { name: 'other' } } })],
  ])('treats a status file with %s as empty and warns', async (_case, content) => {
    const logger = recordingLogger();
    const store = new StatusStore(dir(), { logger });
    await writeFile(store.path, content);
    expect(await store.read()).toBeUndefined();
    expect(logger.entries).toEqual([
      expect.objectContaining({ level: 'warn', fields: expect.objectContaining({ path: store.path }) }),
    ]);
    expect(await store.write(aStatus())).toBe(true);
    expect(await store.read()).toEqual(aStatus());
  });
});

describe('ProvenanceStore', () => {
  const dir = useTempDir('certloop-state-');

  it('writes, reads, lists and removes records per certificate', async () => {
    const store = new ProvenanceStore(dir());
    expect(await store.readAll()).toEqual(new Map());
    expect(await store.read('web')).toBeUndefined();
    expect(await store.write(aProvenance('web'))).toBe(true);
    expect(await store.write(aProvenance('*.example.com'))).toBe(true);
    expect(await store.write(aProvenance('web'))).toBe(false);
    expect(await store.read('web')).toEqual(aProvenance('web'));
    expect([...(await store.readAll()).keys()].sort()).toEqual(['*.example.com', 'web']);
    expect((await stat(store.pathOf('web'))).mode & 0o777).toBe(0o600);
    await store.remove('web');
    await store.remove('web');
    expect([...(await store.readAll()).keys()]).toEqual(['*.example.com']);
  });

  it('keeps names with slashes or leading dots inside its directory', async () => {
    const store = new ProvenanceStore(dir());
    await store.write(aProvenance('../escape/me'));
    await store.write(aProvenance('.hidden'));
    const files = (await readdir(store.directory, { recursive: true, withFileTypes: true })).filter((f) =>
      f.isFile(),
    );
    expect(files).toHaveLength(2);
    for (const file of files) {
      expect(file.name.startsWith('.')).toBe(false);
      expect(dirname(file.parentPath)).toBe(store.directory);
    }
    expect([...(await store.readAll()).keys()].sort()).toEqual(['../escape/me', '.hidden']);
  });

  it('skips a corrupt record with a warning and ignores temp files', async () => {
    const logger = recordingLogger();
    const store = new ProvenanceStore(dir(), { logger });
    await store.write(aProvenance('web'));
    await mkdir(dirname(store.pathOf('db')), { recursive: true });
    await writeFile(store.pathOf('db'), '{"name": "db"');
    await writeFile(join(store.directory, '.web.json.certloop-h-1-ab.tmp'), 'partial');
    expect([...(await store.readAll()).keys()]).toEqual(['web']);
    expect(await store.read('db')).toBeUndefined();
    expect(logger.entries.filter((e) => e.level === 'warn')).toHaveLength(2);
  });

  it('reads records of the earlier flat layout and moves each one when it is next written', async () => {
    const store = new ProvenanceStore(dir());
    await mkdir(store.directory, { recursive: true });
    const flat = (name: string) => join(store.directory, `${name}.json`);
    await writeFile(flat('web'), JSON.stringify(aProvenance('web')));
    await writeFile(flat('db'), JSON.stringify(aProvenance('db')));
    expect([...(await store.readAll()).keys()]).toEqual(['db', 'web']);

    const renewed = aProvenance('web', { serial: '99' });
    expect(await store.write(renewed)).toBe(true);
    await expect(stat(flat('web'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await store.read('web')).toEqual(renewed);
    await store.remove('db');
    await expect(stat(flat('db'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect([...(await new ProvenanceStore(store.dir).readAll()).values()]).toEqual([renewed]);
  });

  it('spreads records over subdirectories, so records written at once do not queue on one directory', async () => {
    const store = new ProvenanceStore(dir());
    const names = Array.from({ length: 64 }, (_, i) => `svc-${i}`);
    await Promise.all(names.map((name) => store.write(aProvenance(name))));
    const shards = new Set(names.map((name) => dirname(store.pathOf(name))));
    expect(shards.size).toBeGreaterThan(32);
    for (const shard of shards) expect(dirname(shard)).toBe(store.directory);
    expect([...(await store.readAll()).keys()]).toEqual([...names].sort());
  });

  it('creates its directories readable by root only', async () => {
    const base = join(dir(), 'state');
    await mkdir(base);
    const store = new ProvenanceStore(join(base, 'm'));
    await store.write(aProvenance('web'));
    expect((await stat(store.directory)).mode & 0o777).toBe(0o700);
    expect((await stat(dirname(store.pathOf('web')))).mode & 0o777).toBe(0o700);
    expect(JSON.parse(await readFile(store.pathOf('web'), 'utf8'))).toEqual(aProvenance('web'));
  });
});
