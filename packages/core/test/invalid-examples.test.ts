/**
 * Every file in examples/invalid/ holds one kind of mistake. Each must fail
 * with only that rule, at the named entry and field (v1 with a line number).
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { loadManifest, ManifestError, type ManifestProblem } from '@certloop/core';

const DIR = path.resolve(__dirname, '../../../examples/invalid');

const expected: Record<string, { rule: string; entry?: number; field?: string }> = {
  'legacy-bad-ip.json': { rule: 'invalid-san', entry: 0, field: 'sans.1' },
  'legacy-bad-san.json': { rule: 'invalid-san', entry: 0, field: 'sans.1' },
  'legacy-duplicate-cert-path.json': { rule: 'duplicate-path', entry: 1, field: 'cert_path' },
  'legacy-key-path-is-cert-path.json': { rule: 'duplicate-path', entry: 1, field: 'key_path' },
  'legacy-missing-common-name.json': { rule: 'missing-field', entry: 0, field: 'common_name' },
  'legacy-mode-0999.json': { rule: 'invalid-mode', entry: 0, field: 'permissions' },
  'legacy-not-json.txt': { rule: 'syntax' },
  'legacy-owner-without-group.json': { rule: 'invalid-owner', entry: 0, field: 'owner' },
  'legacy-relative-path.json': { rule: 'relative-path', entry: 0, field: 'cert_path' },
  'legacy-wildcard-in-middle.json': { rule: 'invalid-san', entry: 0, field: 'sans.0' },
  'legacy-wrong-type.json': { rule: 'wrong-type', entry: 0, field: 'sans' },
  'v1-alias-bomb.yaml': { rule: 'syntax' },
  'v1-bad-duration.yaml': { rule: 'invalid-duration', entry: 0, field: 'duration' },
  'v1-duplicate-names.yaml': { rule: 'duplicate-name', entry: 1, field: 'name' },
  'v1-missing-common-name.yaml': { rule: 'missing-field', entry: 0, field: 'commonName' },
  'v1-mode-unquoted.yaml': { rule: 'invalid-mode', entry: 0, field: 'keyMode' },
  'v1-negative-hook-timeout.yaml': { rule: 'invalid-hook-timeout', entry: 0, field: 'hooks.0.timeout' },
  'v1-no-files.yaml': { rule: 'no-files', entry: 0, field: 'files' },
  'v1-not-yaml.txt': { rule: 'syntax' },
  'v1-owner-with-group.yaml': { rule: 'invalid-owner', entry: 0, field: 'owner' },
  'v1-relative-path.yaml': { rule: 'relative-path', entry: 0, field: 'files.cert' },
  'v1-renew-before-not-shorter.yaml': { rule: 'renewal-after-lifetime', entry: 0, field: 'renewBefore' },
  'v1-two-issuers.yaml': { rule: 'issuer-kind', field: 'issuer' },
  'v1-unknown-field-typo.yaml': { rule: 'unknown-field', entry: 0, field: 'keymode' },
  'v1-wildcard-in-middle.yaml': { rule: 'invalid-san', entry: 0, field: 'dns.1' },
  'v1-wrong-api-version.yaml': { rule: 'invalid-value', field: 'apiVersion' },
  'v1-wrong-type.yaml': { rule: 'wrong-type', entry: 0, field: 'hooks' },
};

async function problemsOfFile(file: string): Promise<ManifestProblem[]> {
  try {
    await loadManifest(path.join(DIR, file));
  } catch (error) {
    if (error instanceof ManifestError) return error.problems.filter((p) => p.severity === 'error');
    throw error;
  }
  throw new Error(`${file} loaded without errors`);
}

test('every invalid example has an expectation, and there are at least 12 kinds in both formats', () => {
  const files = readdirSync(DIR).sort();
  expect(files).toEqual(Object.keys(expected).sort());
  expect(new Set(Object.values(expected).map((e) => e.rule)).size).toBeGreaterThanOrEqual(12);
  expect(files.some((f) => f.endsWith('.json'))).toBe(true);
  expect(files.some((f) => f.endsWith('.yaml'))).toBe(true);
  // Files that are not JSON or YAML at all end in .txt, so linters leave them alone; the loader detects by content.
});

describe.each(Object.entries(expected))('examples/invalid/%s', (file, want) => {
  test(`fails with ${want.rule}${want.field ? ` at ${want.field}` : ''} and nothing else`, async () => {
    const problems = await problemsOfFile(file);
    expect(problems.length).toBeGreaterThan(0);
    expect(new Set(problems.map((p) => p.rule))).toEqual(new Set([want.rule]));
    const match = problems.find((p) => p.entry === want.entry && p.field === want.field);
    expect(match).toBeDefined();
    expect(match!.message).toMatch(/\.$/);
    if (want.rule !== 'syntax' || !file.includes('alias')) expect(match!.line).toEqual(expect.any(Number));
  });
});
