/** The Phoenix manifest, read verbatim in the legacy format, with Phoenix's behaviour. */
import path from 'node:path';
import { loadManifest, parseManifest, toV1Manifest } from '@certloop/core';
import { comparable } from './helpers.js';

const PHOENIX = path.resolve(__dirname, '../../../manifests/certificate-manifest.json');
const HOUR = 3_600_000;

test('the Phoenix manifest loads with its four certificates, sorted by name, without warnings', async () => {
  const { state, warnings } = await loadManifest(PHOENIX);
  expect(warnings).toEqual([]);
  expect(state.format).toBe('legacy');
  expect(state.issuer).toBeUndefined();
  expect(state.manifestPath).toBe(PHOENIX);
  expect(state.certificates.map((c) => c.name)).toEqual([
    'docker-daemon.internal.thinkheads.ai',
    'nginx.internal.thinkheads.ai',
    'portainer.internal.thinkheads.ai',
    'traefik.internal.thinkheads.ai',
  ]);
});

test('nginx keeps both DNS SANs, its owner, mode 640 on both files and its reload hook', async () => {
  const { state } = await loadManifest(PHOENIX);
  const nginx = state.certificates.find((c) => c.name === 'nginx.internal.thinkheads.ai')!;
  expect(nginx).toMatchObject({
    entryIndex: 0,
    spec: {
      commonName: 'nginx.internal.thinkheads.ai',
      sans: {
        dns: ['nginx.internal.thinkheads.ai', 'portainer.internal.thinkheads.ai'],
        ip: [],
        email: [],
        uri: [],
      },
      keyAlgorithm: 'ecdsa-p256',
      lifetimeMs: 24 * HOUR,
    },
    rotation: 'always',
    renewal: { beforeExpiryMs: 12 * HOUR },
    files: {
      fullchain: '/mnt/pve/quickOS/lxc-persistent-data/101/ssl/nginx.internal.thinkheads.ai.crt',
      key: '/mnt/pve/quickOS/lxc-persistent-data/101/ssl/nginx.internal.thinkheads.ai.key',
    },
    placement: { owner: 'root', group: 'www-data', fileMode: 0o640, keyMode: 0o640 },
    hooks: [{ command: 'pct exec 101 -- systemctl reload nginx', timeoutMs: 5 * 60_000 }],
  });
  expect(nginx.specHash).toMatch(/^[0-9a-f]{64}$/);
});

test('an entry without sans gets its common name as the only SAN', async () => {
  const { state } = await loadManifest(PHOENIX);
  const portainer = state.certificates.find((c) => c.name === 'portainer.internal.thinkheads.ai')!;
  expect(portainer.spec.sans).toEqual({
    dns: ['portainer.internal.thinkheads.ai'],
    ip: [],
    email: [],
    uri: [],
  });
  expect(portainer.placement).toEqual({ owner: 'nobody', group: 'nogroup', fileMode: 0o600, keyMode: 0o600 });
});

test('the Docker daemon certificate has its IP SAN detected as an IP address', async () => {
  const { state } = await loadManifest(PHOENIX);
  const docker = state.certificates.find((c) => c.name === 'docker-daemon.internal.thinkheads.ai')!;
  expect(docker.spec.sans).toEqual({
    dns: ['docker-daemon.internal.thinkheads.ai'],
    ip: ['10.0.0.111'],
    email: [],
    uri: [],
  });
  expect(docker.files).toEqual({
    fullchain: '/mnt/persistent/docker/certs/server-cert.pem',
    key: '/mnt/persistent/docker/certs/server-key.pem',
  });
  expect(docker.placement).toEqual({ owner: 'root', group: 'root', fileMode: 0o600, keyMode: 0o600 });
});

test('--duration and --renew-before replace the legacy defaults', async () => {
  const { state } = await loadManifest(PHOENIX, { durationMs: 48 * HOUR, renewBeforeMs: 16 * HOUR });
  for (const cert of state.certificates) {
    expect(cert.spec.lifetimeMs).toBe(48 * HOUR);
    expect(cert.renewal).toEqual({ beforeExpiryMs: 16 * HOUR });
  }
});

test('the Phoenix manifest migrates to a v1 manifest that loads to the same certificates', async () => {
  const { state } = await loadManifest(PHOENIX);
  const v1 = toV1Manifest(state);
  expect(v1.defaults).toMatchObject({
    duration: '24h',
    renewBefore: '12h',
    key: { algorithm: 'ecdsa-p256', rotation: 'always' },
  });
  const again = parseManifest(JSON.stringify(v1), PHOENIX).state;
  expect(comparable(again)).toEqual(comparable(state));
});
