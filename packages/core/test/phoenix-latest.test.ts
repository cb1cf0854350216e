/** The newest Phoenix manifest: guest delivery, include_ca and client certificates, read verbatim. */
import path from 'node:path';
import { loadManifest, parseManifest, toV1Manifest } from '@certloop/core';
import { brief, comparable, problemsOf } from './helpers.js';

const LATEST = path.resolve(__dirname, '../../../examples/phoenix/certificate-manifest.latest.json');

test('loads its eight entries without an unknown-field warning: guest_id, guest_type, include_ca and cert_type are known fields', async () => {
  const { state, warnings } = await loadManifest(LATEST);
  expect(warnings.filter((w) => w.rule === 'unknown-field')).toEqual([]);
  expect(state.certificates).toHaveLength(8);
});

test('an lxc entry is delivered to its container at the default guest paths, without the CA', async () => {
  const { state } = await loadManifest(LATEST);
  const nginx = state.certificates.find((c) => c.name === 'nginx.internal.thinkheads.ai')!;
  expect(nginx.delivery).toEqual({
    guestId: 101,
    guestType: 'lxc',
    certPath: '/tmp/cert.pem',
    keyPath: '/tmp/key.pem',
  });
  expect(nginx.files.caBundle).toBeUndefined();
  expect(nginx.spec.usage).toBe('server');
});

test('include_ca delivers the roots as /tmp/ca.pem and writes ca.pem beside cert_path on shared storage', async () => {
  const { state } = await loadManifest(LATEST);
  const docker = state.certificates.find((c) => c.name === 'docker-daemon.internal.thinkheads.ai')!;
  expect(docker.delivery).toEqual({
    guestId: 1001,
    guestType: 'vm',
    certPath: '/tmp/cert.pem',
    keyPath: '/tmp/key.pem',
    caPath: '/tmp/ca.pem',
  });
  expect(docker.files.caBundle).toBe('/mnt/pve/quickOS/vm-persistent-data/1001/docker/certs/ca.pem');
});

test('cert_type client makes a client certificate, and changes its spec hash from the server one', async () => {
  const { state } = await loadManifest(LATEST);
  const client = state.certificates.find((c) => c.name === 'nginx-gateway-client')!;
  expect(client.spec.usage).toBe('client');
  const asServer = parseManifest(
    JSON.stringify([
      {
        common_name: 'nginx-gateway-client',
        sans: ['nginx.internal.thinkheads.ai'],
        cert_path: '/c',
        key_path: '/k',
      },
    ]),
    '/m.json',
  );
  expect(asServer.state.certificates[0]!.specHash).not.toBe(client.specHash);
});

test('a guest_id without guest_type is an error that names the missing field', () => {
  const problems = problemsOf(
    JSON.stringify([{ common_name: 'a.example', cert_path: '/c', key_path: '/k', guest_id: 5 }]),
  );
  expect(problems.map(brief)).toEqual([{ rule: 'incomplete-guest', entry: 0, field: 'guest_type' }]);
  expect(problems[0]!.message).toMatch(/guest_type is required with guest_id/);
});

test('migrate maps the four fields to v1 (usage, delivery with caPath), and the result loads to the same model', async () => {
  const { state } = await loadManifest(LATEST);
  const doc = toV1Manifest(state);
  const docker = doc.certificates.find((c) => c.name === 'docker-daemon.internal.thinkheads.ai')!;
  expect(docker.delivery).toEqual({ guestType: 'vm', guestId: 1001, caPath: '/tmp/ca.pem' });
  expect(docker.files.caBundle).toBe('/mnt/pve/quickOS/vm-persistent-data/1001/docker/certs/ca.pem');
  const client = doc.certificates.find((c) => c.name === 'portainer-client.internal.thinkheads.ai')!;
  expect(client.usage).toBe('client');
  const again = parseManifest(JSON.stringify(doc), '/m.json');
  expect(comparable(again.state)).toEqual(comparable(state));
});

test('examples/phoenix/certloop.latest.yaml (the migrated manifest) loads to the same model as the JSON', async () => {
  const json = await loadManifest(LATEST);
  const yaml = await loadManifest(path.join(path.dirname(LATEST), 'certloop.latest.yaml'));
  expect(yaml.warnings.filter((w) => w.rule !== 'cn-not-in-sans')).toEqual([]);
  expect(comparable(yaml.state)).toEqual(comparable(json.state));
});
