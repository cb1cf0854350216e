/**
 * `certloop migrate`: the Phoenix legacy manifest as v1 YAML that validates,
 * loads to the same desired state, and plans exactly like the legacy file.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DesiredState, loadManifest } from '@certloop/core';
import type { Plan } from '@certloop/reconciler';
import { parse } from 'yaml';
import { runCli } from '../support/run.js';

const REPO = join(__dirname, '..', '..', '..', '..');
const PHOENIX_LEGACY = join(REPO, 'manifests', 'certificate-manifest.json');

interface LegacyEntry {
  common_name: string;
  cert_path: string;
  key_path: string;
  owner?: string;
  post_renewal_command?: string;
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'certloop-migrate-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Phoenix's manifest with every path under `dir` and owners this user can apply. */
function phoenixInTempDir(): { entries: LegacyEntry[]; file: string } {
  const entries = (JSON.parse(readFileSync(PHOENIX_LEGACY, 'utf8')) as LegacyEntry[]).map((entry) => ({
    ...entry,
    cert_path: join(dir, entry.cert_path),
    key_path: join(dir, entry.key_path),
    owner: `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`,
  }));
  const file = join(dir, 'certificate-manifest.json');
  writeFileSync(file, JSON.stringify(entries, null, 2));
  return { entries, file };
}

/** What a manifest means, apart from where it came from. */
function meaning(state: DesiredState) {
  return state.certificates.map(({ entryIndex: _index, ...cert }) => cert);
}

/** A plan without its timestamps and manifest path: what it would do, and why. */
function decisions(plan: Plan) {
  return plan.entries.map((e) => ({
    name: e.name,
    action: e.action,
    reasons: e.reasons.map((r) => r.code),
    patch: e.patch,
    notAfter: e.notAfter,
  }));
}

describe('certloop migrate', () => {
  it('writes a v1 manifest with explicit defaults that validates and loads to the same desired state', async () => {
    const { file } = phoenixInTempDir();
    const output = join(dir, 'certloop.yaml');
    const result = await runCli(['migrate', '-f', file, '-o', output]);
    expect(result.code).toBe(0);
    const text = readFileSync(output, 'utf8');
    expect(text.split('\n')[0]).toMatch(/^# yaml-language-server: \$schema=\S+certloop-v1\.schema\.json$/);
    expect(text).toContain(`# Converted by \`certloop migrate\` from ${file} (legacy format).`);
    const doc = parse(text) as { defaults: Record<string, unknown> };
    expect(doc.defaults).toEqual({
      duration: '24h',
      renewBefore: '12h',
      key: { algorithm: 'ecdsa-p256', rotation: 'always' },
      mode: '0600',
      keyMode: '0600',
      hookTimeout: '5m',
    });
    const validate = await runCli(['validate', '-f', output]);
    expect(validate).toMatchObject({ code: 0, stdout: 'valid: 4 certificates (v1 format)\n' });
    const [legacy, v1] = await Promise.all([loadManifest(file), loadManifest(output)]);
    expect(v1.state.format).toBe('v1');
    expect(meaning(v1.state)).toEqual(meaning(legacy.state));
  });

  it('keeps a --duration override and puts issuer flags into the issuer section', async () => {
    const { file } = phoenixInTempDir();
    const ca = join(dir, 'local-ca');
    const result = await runCli(['migrate', '-f', file, '--duration', '48h', '--local-ca', ca]);
    expect(result.code).toBe(0);
    const doc = parse(result.stdout) as { issuer: unknown; defaults: { duration: string } };
    expect(doc.issuer).toEqual({ local: { directory: ca } });
    expect(doc.defaults.duration).toBe('48h');
    expect(result.stdout).not.toContain('No issuer section');
  });

  it('gives the same plan as the legacy manifest, with some certificates present and some missing', async () => {
    const { entries, file } = phoenixInTempDir();
    const localCa = join(dir, 'ca');
    // Two of the four certificates exist, issued through a separate manifest (no shared
    // provenance) without hooks (there is no `pct` here).
    const seed = join(dir, 'seed.json');
    const present = entries
      .filter((e) => /^(nginx|docker)/.test(e.common_name))
      .map(({ post_renewal_command: _hook, ...entry }) => entry);
    writeFileSync(seed, JSON.stringify(present));
    const seeded = await runCli([
      'reconcile',
      '--once',
      '-f',
      seed,
      '--local-ca',
      localCa,
      '--state-dir',
      join(dir, 's0'),
    ]);
    expect(seeded).toMatchObject({ code: 0 });

    const output = join(dir, 'certloop.yaml');
    expect((await runCli(['migrate', '-f', file, '-o', output])).code).toBe(0);
    const plan = async (manifest: string) => {
      const run = await runCli([
        'plan',
        '--json',
        '-f',
        manifest,
        '--local-ca',
        localCa,
        '--state-dir',
        join(dir, 's1'),
      ]);
      expect(run.code).toBe(0);
      return decisions(JSON.parse(run.stdout) as Plan);
    };
    const [fromLegacy, fromV1] = [await plan(file), await plan(output)];
    expect(fromV1).toEqual(fromLegacy);
    expect(fromLegacy.map((e) => e.action)).toEqual(expect.arrayContaining(['issue']));
    expect(fromLegacy.filter((e) => e.notAfter !== undefined)).toHaveLength(2);
  });

  it('exits 3 on an invalid legacy manifest, writing nothing', async () => {
    const output = join(dir, 'out.yaml');
    const result = await runCli([
      'migrate',
      '-f',
      join(REPO, 'examples', 'invalid', 'legacy-bad-san.json'),
      '-o',
      output,
    ]);
    expect(result.code).toBe(3);
    expect(() => readFileSync(output)).toThrow();
  });
});
