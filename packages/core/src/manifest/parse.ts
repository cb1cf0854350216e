/**
 * Loading a manifest: read the text, detect the format, check structure and
 * every named rule, and build the frozen desired state. Any error stops here
 * with a ManifestError listing every problem; nothing else is ever thrown for
 * bad content (an unreadable file is CertloopError MANIFEST_UNREADABLE).
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { CertloopError, ManifestError, type ManifestProblem } from '../errors.js';
import type { DesiredState, EngineSettings, IssuerConfig, ManifestFormat } from '../model.js';
import { buildState } from './build.js';
import type { Draft } from './draft.js';
import { readLegacy } from './legacy.js';
import { DEFAULT_MAX_MANIFEST_BYTES, type LoadOptions } from './options.js';
import { ProblemSink } from './problems.js';
import { asRecord } from './read-values.js';
import { runRules } from './rules.js';
import { readSource } from './source.js';
import { readV1 } from './v1.js';
import { V1_API_VERSION, V1_KIND } from './v1-schema.js';

export interface LoadedManifest {
  state: DesiredState;
  /** Problems of severity "warning": the manifest is usable. */
  warnings: ManifestProblem[];
}

export function parseManifest(text: string, file: string, options: LoadOptions = {}): LoadedManifest {
  const manifestPath = path.resolve(file);
  const manifestDir = path.dirname(manifestPath);
  const source = readSource(text);
  if (!source.ok) {
    throw new ManifestError(
      file,
      source.problems.map((p) => ({ severity: 'error' as const, rule: 'syntax', path: [], ...p })),
    );
  }
  const data = source.data;
  const format = detectFormat(data);
  const sink = new ProblemSink(format === 'v1' ? ['certificates'] : [], source.locate);

  let drafts: Draft[] = [];
  let issuer: IssuerConfig | undefined;
  let settings: EngineSettings = {};
  if (format === 'legacy') {
    drafts = readLegacy(data as unknown[], manifestDir, options, sink);
  } else if (format === 'v1') {
    const result = readV1(asRecord(data)!, manifestDir, options, sink);
    ({ drafts, issuer, settings } = result);
  } else {
    reportUnknownFormat(data, sink);
  }
  runRules({ drafts, sink, checkNames: format === 'v1' });

  const problems = sink.list();
  if (sink.hasErrors || format === undefined) throw new ManifestError(file, problems);
  return {
    state: buildState({ manifestPath, format, issuer, settings, drafts }),
    warnings: problems,
  };
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
function detectFormat(data: unknown): ManifestFormat | undefined {
  if (Array.isArray(data)) return 'legacy';
  const record = asRecord(data);
  if (
    record &&
    (record.apiVersion === V1_API_VERSION || record.kind === V1_KIND || 'certificates' in record)
  ) {
    return 'v1';
  }
  return undefined;
}

function reportUnknownFormat(data: unknown, sink: ProblemSink): void {
  const record = asRecord(data);
  const what =
    data === null || data === undefined
      ? 'The manifest is empty.'
      : record && typeof record.apiVersion === 'string'
        ? `apiVersion ${JSON.stringify(record.apiVersion).slice(0, 80)} is not supported.`
        : 'This is not a certloop manifest.';
  const at = record && typeof record.apiVersion === 'string' ? ['apiVersion'] : [];
  sink.error(
    at,
    'unknown-format',
    `${what} Expected a JSON list of certificates (legacy Phoenix format) or an object with apiVersion: ${V1_API_VERSION} and kind: ${V1_KIND}.`,
  );
}
