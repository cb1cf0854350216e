import { join } from 'node:path';
import type { Logger, StatusDocument } from '@certloop/core';
import { CertloopError, silentLogger } from '@certloop/core';
import { isRecord, type JsonRead, readJsonFile, writeJsonFile } from './json-file.js';

export const STATUS_FILE = 'status.json';

/**
 * The last result of every certificate of one manifest, in `<dir>/status.json`.
 * Written only when its content changed, so an unchanged pass leaves the file
 * (and NFS) alone. A corrupt file is reported and treated as absent: status
 * is a record of the past, never a reason to stop reconciling.
 */
export class StatusStore {
  readonly path: string;
  private readonly logger: Logger;

  constructor(
    readonly dir: string,
    options: { logger?: Logger } = {},
  ) {
    this.path = join(dir, STATUS_FILE);
    this.logger = options.logger ?? silentLogger;
  }

  async read(): Promise<StatusDocument | undefined> {
    const read = await readOrThrow(this.path);
    if (read.kind === 'missing') return undefined;
    const problem = read.kind === 'corrupt' ? read.problem : statusProblem(read.value);
    if (problem !== undefined || read.kind !== 'ok') {
      this.logger.warn('Ignoring a corrupt status file; it will be rewritten', { path: this.path, problem });
      return undefined;
    }
    return read.value as StatusDocument;
  }

  /** Resolves to false when the file already had this content (nothing written). */
  write(document: StatusDocument): Promise<boolean> {
    return writeJsonFile(this.path, document);
  }
}

function statusProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return 'not a JSON object';
  if (value.version !== 1) return `unknown version ${JSON.stringify(value.version)}`;
  if (typeof value.manifestPath !== 'string') return 'manifestPath is not a string';
  if (!isRecord(value.certificates)) return 'certificates is not an object';
  for (const [name, status] of Object.entries(value.certificates)) {
    if (!isRecord(status) || status.name !== name) return `the entry of "${name}" is malformed`;
    if (!Array.isArray(status.pendingHooks)) return `the entry of "${name}" has no pendingHooks list`;
  }
  return undefined;
}

export async function readOrThrow(path: string): Promise<JsonRead> {
  try {
    return await readJsonFile(path);
  } catch (error) {
    throw new CertloopError('OBSERVE_FAILED', `Could not read the state file ${path}.`, { cause: error });
  }
}
