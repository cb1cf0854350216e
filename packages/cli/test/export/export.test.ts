/**
 * `certloop export --format cert-manager` through the artifact: every exported
 * Certificate validates against cert-manager's published CRD schema
 * (copied verbatim into reference/), and whatever has no equivalent is
 * written as comments and listed on stderr, never dropped silently.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse, parseAllDocuments } from 'yaml';
import { type CliResult, runCli } from '../support/run.js';

const REPO = join(__dirname, '..', '..', '..', '..');
/** cert-manager's published CRD, copied verbatim (reference/README.md). */
const CRD = join(__dirname, 'reference', 'cert-manager.io_certificates.yaml');

interface Exported {
  result: CliResult;
  text: string;
  objects: Array<{
    apiVersion: string;
    kind: string;
    metadata: { name: string };
    spec: Record<string, unknown>;
  }>;
}

/** The Certificate schema of cert-manager.io/v1, as published in the CRD. */
function certificateValidator() {
  const crd = parse(readFileSync(CRD, 'utf8')) as {
    spec: { versions: Array<{ name: string; schema: { openAPIV3Schema: object } }> };
  };
  const v1 = crd.spec.versions.find((v) => v.name === 'v1');
  if (!v1) throw new Error('no v1 in the CRD');
  // OpenAPI v3's Kubernetes extensions (x-kubernetes-*) are not JSON Schema keywords: not strict.
  return new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(
    v1.schema.openAPIV3Schema,
  );
}

let dir: string;
const validate = certificateValidator();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'certloop-export-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function exportTo(args: readonly string[]): Promise<Exported> {
  const output = join(dir, `out-${Math.random().toString(36).slice(2)}.yaml`);
  const result = await runCli(['export', '--format', 'cert-manager', ...args, '-o', output]);
  const text = result.code === 0 ? await readFile(output, 'utf8') : '';
  const objects = parseAllDocuments(text).map((doc) => doc.toJS()) as Exported['objects'];
  return { result, text, objects };
}

describe('certloop export --format cert-manager', () => {
  it('checks against a schema that rejects what cert-manager rejects (the premise of the tests below)', () => {
    const valid = {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: 'a' },
      spec: { secretName: 'a-tls', issuerRef: { name: 'ca' } },
    };
    expect(validate(valid)).toBe(true);
    expect(validate({ ...valid, spec: { issuerRef: { name: 'ca' } } })).toBe(false);
    expect(validate({ ...valid, spec: { ...valid.spec, privateKey: { algorithm: 'DSA' } } })).toBe(false);
    expect(validate({ ...valid, spec: { ...valid.spec, usages: ['server authentication'] } })).toBe(false);
  });

  it.each([
    ['manifests/certificate-manifest.json', 4],
    ['examples/phoenix/certificate-manifest.latest.json', 8],
    ['examples/phoenix/certloop.yaml', 4],
    ['examples/phoenix/certloop.latest.yaml', 8],
    ['examples/v1/local-ca.yaml', undefined],
    ['examples/quickstart/certloop.yaml', 2],
  ])('exports %s as Certificates that validate against the CRD schema', async (manifest, count) => {
    const { result, text, objects } = await exportTo(['-f', join(REPO, manifest)]);
    expect({ code: result.code, stderr: result.stderr.split('\n')[0] }).toEqual({
      code: 0,
      stderr: expect.stringMatching(/^certloop: exported \d+ Certificates to /),
    });
    if (count !== undefined) expect(objects).toHaveLength(count);
    for (const object of objects) {
      expect(object).toMatchObject({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate' });
      const ok = validate(object);
      expect({ name: object.metadata.name, errors: ok ? null : validate.errors }).toEqual({
        name: object.metadata.name,
        errors: null,
      });
    }
    expect(text).toContain('certloop fields with no cert-manager equivalent');
  });

  it('keeps every hook, file path and guest of the latest Phoenix manifest, as comments and on stderr', async () => {
    const manifest = join(REPO, 'examples/phoenix/certificate-manifest.latest.json');
    const entries = JSON.parse(await readFile(manifest, 'utf8')) as Array<Record<string, unknown>>;
    const { result, text } = await exportTo(['-f', manifest]);
    for (const entry of entries) {
      for (const value of [entry.post_renewal_command, entry.cert_path, entry.key_path]) {
        if (typeof value !== 'string') continue;
        expect(text).toContain(value);
        expect(result.stderr).toContain(value);
      }
      if (entry.guest_id !== undefined)
        expect(text).toContain(`delivery: ${entry.guest_type} ${entry.guest_id}`);
    }
  });

  it('maps client certificates, lifetimes, renewal points and keys as cert-manager spells them', async () => {
    const { objects } = await exportTo([
      '-f',
      join(REPO, 'examples/phoenix/certificate-manifest.latest.json'),
    ]);
    const byUsage = (usage: string) => objects.filter((o) => (o.spec.usages as string[]).includes(usage));
    expect(byUsage('client auth').length).toBeGreaterThan(0);
    expect(byUsage('server auth').length).toBeGreaterThan(0);
    for (const object of objects) {
      expect(object.spec).toMatchObject({ duration: '24h0m0s', renewBefore: '12h0m0s' });
      expect(object.spec.privateKey).toEqual({ algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' });
    }
    const v1 = await exportTo(['-f', join(REPO, 'examples/v1/local-ca.yaml')]);
    const api = v1.objects.find((o) => o.metadata.name === 'api');
    expect(api?.spec).toMatchObject({
      duration: '720h0m0s',
      renewBefore: '240h0m0s',
      privateKey: { algorithm: 'ECDSA', size: 384, rotationPolicy: 'Never' },
    });
    // Renewal at 2/3 of the lifetime: the last third, as a percentage.
    expect(v1.objects.some((o) => o.spec.renewBeforePercentage === 33)).toBe(true);
  });

  it('writes a cert-manager ACME issuer for the Step-CA and points every Certificate at it', async () => {
    const root = join(dir, 'root.pem');
    await writeFile(root, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const { result, objects } = await exportTo([
      '-f',
      join(REPO, 'manifests/certificate-manifest.json'),
      '--ca-url',
      'https://ca.internal:9000',
      '--root',
      root,
      '--issuer-object',
      'acme',
      '--issuer-name',
      'phoenix-ca',
    ]);
    expect(result.code).toBe(0);
    const [issuer, ...certificates] = objects;
    expect(issuer).toMatchObject({
      apiVersion: 'cert-manager.io/v1',
      kind: 'ClusterIssuer',
      metadata: { name: 'phoenix-ca' },
      spec: {
        acme: {
          server: 'https://ca.internal:9000/acme/acme/directory',
          caBundle: Buffer.from(await readFile(root, 'utf8')).toString('base64'),
        },
      },
    });
    for (const certificate of certificates) {
      expect(certificate.spec.issuerRef).toEqual({
        name: 'phoenix-ca',
        kind: 'ClusterIssuer',
        group: 'cert-manager.io',
      });
      expect(validate(certificate)).toBe(true);
    }
    expect(result.stderr).toContain('ACME provisioner named "acme"');
  });

  it('writes a StepClusterIssuer given the provisioner key id, and refuses one without it (exit 3)', async () => {
    const common = [
      '-f',
      join(REPO, 'manifests/certificate-manifest.json'),
      '--ca-url',
      'https://ca.internal:9000',
    ];
    const withoutKid = await exportTo([
      ...common,
      '--fingerprint',
      'ab'.repeat(32),
      '--issuer-object',
      'step-issuer',
    ]);
    expect(withoutKid.result.code).toBe(3);
    expect(withoutKid.result.stderr).toContain('--provisioner-kid');

    const { result, objects } = await exportTo([
      ...common,
      '--fingerprint',
      'ab'.repeat(32),
      '--provisioner',
      'admin@thinkheads.ai',
      '--provisioner-kid',
      'kid-123',
      '--issuer-object',
      'step-issuer',
      '--namespace',
      'certs',
    ]);
    expect(result.code).toBe(0);
    expect(objects[0]).toMatchObject({
      apiVersion: 'certmanager.step.sm/v1beta1',
      kind: 'StepClusterIssuer',
      spec: {
        url: 'https://ca.internal:9000',
        provisioner: {
          name: 'admin@thinkheads.ai',
          kid: 'kid-123',
          passwordRef: { key: 'password', namespace: 'certs' },
        },
      },
    });
    expect(objects[1]?.spec.issuerRef).toEqual({
      name: 'step-ca',
      kind: 'StepClusterIssuer',
      group: 'certmanager.step.sm',
    });
    expect(objects[1]?.metadata).toMatchObject({ namespace: 'certs' });
  });

  it('exports a manifest without certificates (the packaged example) as the header alone', async () => {
    const { result, text, objects } = await exportTo(['-f', join(REPO, 'packaging/debian/certloop.yaml')]);
    expect(result.code).toBe(0);
    expect(objects).toEqual([]);
    expect(text).toMatch(/^# Generated by certloop export from .*: 0 Certificates/);
  });

  it('refuses an issuer object for the local CA, and an unknown format, with exit 3', async () => {
    const local = await exportTo([
      '-f',
      join(REPO, 'examples/quickstart/certloop.yaml'),
      '--issuer-object',
      'acme',
    ]);
    expect(local.result.code).toBe(3);
    expect(local.result.stderr).toContain('local CA cannot sign for cert-manager');
    const format = await exportTo([
      '-f',
      join(REPO, 'manifests/certificate-manifest.json'),
      '--format',
      'helm',
    ]);
    expect(format.result.code).toBe(3);
  });
});
