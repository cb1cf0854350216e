/** Builders for manifests in tests: a valid certificate with modifiers, and problem extraction. */
import {
  type DesiredState,
  type LoadOptions,
  ManifestError,
  type ManifestProblem,
  parseManifest,
} from '@certloop/core';

export const MANIFEST_FILE = '/srv/certloop/manifest.yaml';

export type Entry = Record<string, unknown>;

/** A valid v1 certificate entry; later arguments override or add fields. */
export function aCert(...overrides: Entry[]): Entry {
  return Object.assign(
    {
      name: 'web',
      commonName: 'web.example.test',
      files: { cert: '/etc/ssl/web/cert.pem', key: '/etc/ssl/web/key.pem' },
    },
    ...overrides,
  );
}

export function aV1Manifest(certificates: Entry[], extra: Entry = {}): string {
  return JSON.stringify(
    { apiVersion: 'certloop.dev/v1', kind: 'CertificateManifest', ...extra, certificates },
    null,
    2,
  );
}

/** A valid legacy entry; later arguments override or add fields. */
export function aLegacyEntry(...overrides: Entry[]): Entry {
  return Object.assign(
    {
      common_name: 'web.example.test',
      cert_path: '/etc/ssl/web.crt',
      key_path: '/etc/ssl/web.key',
    },
    ...overrides,
  );
}

export function aLegacyManifest(entries: Entry[]): string {
  return JSON.stringify(entries, null, 2);
}

/** Every problem of a manifest (errors and warnings); [] when it loads without any. */
export function problemsOf(text: string, options: LoadOptions = {}, file = MANIFEST_FILE): ManifestProblem[] {
  try {
    return parseManifest(text, file, options).warnings;
  } catch (error) {
    if (error instanceof ManifestError) return [...error.problems];
    throw error;
  }
}

export function errorsOf(text: string, options: LoadOptions = {}): ManifestProblem[] {
  return problemsOf(text, options).filter((p) => p.severity === 'error');
}

/** The parts of a problem tests assert on. */
export function brief(problem: ManifestProblem): { rule: string; entry?: number; field?: string } {
  const out: { rule: string; entry?: number; field?: string } = { rule: problem.rule };
  if (problem.entry !== undefined) out.entry = problem.entry;
  if (problem.field !== undefined) out.field = problem.field;
  return out;
}

/** What must survive a migration: everything but where entries stood and which format they came from. */
export function comparable(state: DesiredState): unknown {
  return {
    issuer: state.issuer,
    settings: state.settings,
    certificates: state.certificates.map(({ entryIndex: _entryIndex, ...rest }) => rest),
  };
}
