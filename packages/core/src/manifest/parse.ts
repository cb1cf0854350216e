/**
 * Loading a manifest: read the text, detect the format, check structure and
 * every named rule, and build the frozen desired state. Any error stops here
 * with a ManifestError listing every problem; nothing else is ever thrown for
 * bad content (an unreadable file is CertloopError MANIFEST_UNREADABLE).
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { CertloopError, ManifestError, type ManifestProblem } from '../errors.js';
import type { DesiredState } from '../model.js';
import { buildState } from './build.js';
import type { NormalisedManifest } from './draft.js';
import { normaliseLegacy } from './legacy.js';
import { readLegacyEntries } from './legacy-schema.js';
import { DEFAULT_MAX_MANIFEST_BYTES, type LoadOptions } from './options.js';
import { ProblemSink } from './problems.js';
import { runRules } from './rules/entries.js';
import { readSource, type SourceProblem } from './source.js';
import { normaliseV1 } from './v1.js';
import { readV1Document, V1_API_VERSION, V1_KIND } from './v1-schema.js';

export interface LoadedManifest {
  state: DesiredState;
  /** Problems of severity "warning": the manifest is usable. */
  warnings: ManifestProblem[];
}

/** source -> format -> schema -> normalise (value rules) -> rules across certificates -> model. */
export function parseManifest(text: string, file: string, options: LoadOptions = {}): LoadedManifest {
  const manifestPath = path.resolve(file);
  const source = readSource(text);
  if (!source.ok) throw new ManifestError(file, source.problems.map(syntaxProblem));
  const detected = detectFormat(source.data);
  const sink = new ProblemSink(detected.format === 'v1' ? ['certificates'] : [], source.locate);
  const manifest = readFormat(detected, path.dirname(manifestPath), options, sink);
  runRules({ drafts: manifest.drafts, sink, checkNames: detected.format === 'v1' });
  const problems = sink.list();
  if (sink.hasErrors || detected.format === undefined) throw new ManifestError(file, problems);
  return {
    state: buildState({ manifestPath, format: detected.format, ...manifest }),
    warnings: problems,
  };
}

type Detected =
  | { format: 'legacy'; entries: readonly unknown[] }
  | { format: 'v1'; document: Readonly<Record<string, unknown>> }
  | { format: undefined; data: unknown };

/** Each format's schema step, then its normalisation. */
function readFormat(
  detected: Detected,
  manifestDir: string,
  options: LoadOptions,
  sink: ProblemSink,
): NormalisedManifest {
  switch (detected.format) {
    case 'legacy':
      return normaliseLegacy(readLegacyEntries(detected.entries, sink), manifestDir, options, sink);
    case 'v1':
      return normaliseV1(readV1Document(detected.document, sink), manifestDir, options, sink);
    case undefined:
      reportUnknownFormat(detected.data, sink);
      return { drafts: [], issuer: undefined, settings: {} };
  }
}

function syntaxProblem(problem: SourceProblem): ManifestProblem {
  return { severity: 'error', rule: 'syntax', path: [], ...problem };
}

export async function loadManifest(file: string, options: LoadOptions = {}): Promise<LoadedManifest> {
  const limit = options.maxBytes ?? DEFAULT_MAX_MANIFEST_BYTES;
  let text: string;
  try {
    const { size } = await stat(file);
    if (size > limit) {
      throw new CertloopError(
        'USAGE',
        `The manifest ${file} is ${mebibytes(size)}, more than the ${mebibytes(limit)} certloop reads as a manifest.`,
        {
          hint: 'Check that --file names a certloop manifest; if it does, raise the limit with --max-manifest-size (for example 256MiB).',
        },
      );
    }
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof CertloopError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new CertloopError('MANIFEST_UNREADABLE', `Cannot read the manifest ${file} (${code}).`, {
      hint: code === 'ENOENT' ? 'Check the path given with --file.' : 'Check that the file is readable.',
      cause: error,
    });
  }
  return parseManifest(text, file, options);
}

function mebibytes(bytes: number): string {
  const mib = bytes / 2 ** 20;
  return `${mib < 10 ? mib.toFixed(1) : Math.round(mib)} MiB`;
}

/** A JSON (or YAML) list is the legacy Phoenix format; an object is a v1 manifest when it says so. */
function detectFormat(data: unknown): Detected {
  if (Array.isArray(data)) return { format: 'legacy', entries: data };
  if (
    isRecord(data) &&
    (data.apiVersion === V1_API_VERSION || data.kind === V1_KIND || 'certificates' in data)
  ) {
    return { format: 'v1', document: data };
  }
  return { format: undefined, data };
}

function reportUnknownFormat(data: unknown, sink: ProblemSink): void {
  const apiVersion = isRecord(data) && typeof data.apiVersion === 'string' ? data.apiVersion : undefined;
  const what =
    data === null || data === undefined
      ? 'The manifest is empty.'
      : apiVersion !== undefined
        ? `apiVersion ${JSON.stringify(apiVersion).slice(0, 80)} is not supported.`
        : 'This is not a certloop manifest.';
  sink.error(
    apiVersion === undefined ? [] : ['apiVersion'],
    'unknown-format',
    `${what} Expected a JSON list of certificates (legacy Phoenix format) or an object with apiVersion: ${V1_API_VERSION} and kind: ${V1_KIND}.`,
  );
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
