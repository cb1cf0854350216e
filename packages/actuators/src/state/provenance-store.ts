import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger, Provenance } from '@certloop/core';
import { CertloopError, silentLogger } from '@certloop/core';
import { fsyncDirectory } from '../files/directories.js';
import { isErrno } from '../files/errors.js';
import { isRecord, writeJsonFile } from './json-file.js';
import { readOrThrow } from './status-store.js';

const SUFFIX = '.json';

/**
 * What was requested at each certificate's last issuance, one file per
 * certificate in `<dir>/provenance/`, so writing one never rewrites the
 * others. Written last in an issuance, after the files landed. A corrupt
 * record is reported and treated as absent (the reconciler then falls back to
 * comparing with what is on disk).
 */
export class ProvenanceStore {
  readonly directory: string;
  private readonly logger: Logger;

  constructor(
    readonly dir: string,
    options: { logger?: Logger } = {},
  ) {
    this.directory = join(dir, 'provenance');
    this.logger = options.logger ?? silentLogger;
  }

  pathOf(name: string): string {
    return join(this.directory, `${encodeName(name)}${SUFFIX}`);
  }

  async read(name: string): Promise<Provenance | undefined> {
    return this.readFile(this.pathOf(name), name);
  }

  async readAll(): Promise<Map<string, Provenance>> {
    let entries: string[];
    try {
      entries = await readdir(this.directory);
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return new Map();
      throw new CertloopError('OBSERVE_FAILED', `Could not list ${this.directory}.`, { cause: error });
    }
    const all = new Map<string, Provenance>();
    // Hidden names are temp files of an interrupted write, not records.
    for (const entry of entries.filter((e) => e.endsWith(SUFFIX) && !e.startsWith('.')).sort()) {
      const name = decodeName(entry.slice(0, -SUFFIX.length));
      const provenance =
        name === undefined ? undefined : await this.readFile(join(this.directory, entry), name);
      if (provenance) all.set(provenance.name, provenance);
    }
    return all;
  }

  /** Resolves to false when the record already had this content. */
  write(provenance: Provenance): Promise<boolean> {
    return writeJsonFile(this.pathOf(provenance.name), provenance);
  }

  async remove(name: string): Promise<void> {
    try {
      await unlink(this.pathOf(name));
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return;
      throw new CertloopError('WRITE_FAILED', `Could not remove ${this.pathOf(name)}.`, { cause: error });
    }
    await fsyncDirectory(this.directory);
  }

  private async readFile(path: string, expectedName: string): Promise<Provenance | undefined> {
    const read = await readOrThrow(path);
    if (read.kind === 'missing') return undefined;
    const problem = read.kind === 'corrupt' ? read.problem : provenanceProblem(read.value, expectedName);
    if (problem !== undefined || read.kind !== 'ok') {
      this.logger.warn('Ignoring a corrupt provenance record', { path, problem });
      return undefined;
    }
    return read.value as Provenance;
  }
}

const REQUIRED_STRINGS = [
  'name',
  'specHash',
  'commonName',
  'keyAlgorithm',
  'issuerId',
  'serial',
  'certificateSha256',
];

function provenanceProblem(value: unknown, expectedName: string): string | undefined {
  if (!isRecord(value)) return 'not a JSON object';
  for (const field of REQUIRED_STRINGS) {
    if (typeof value[field] !== 'string') return `${field} is not a string`;
  }
  if (value.name !== expectedName) return `it names "${String(value.name)}", not "${expectedName}"`;
  if (!isRecord(value.sans) || !isRecord(value.files)) return 'sans or files is not an object';
  if (typeof value.requestedLifetimeMs !== 'number') return 'requestedLifetimeMs is not a number';
  return undefined;
}

/** A file name for any certificate name: no '/', no leading dot, no '*', reversible. */
function encodeName(name: string): string {
  return encodeURIComponent(name).replace(/\*/g, '%2A').replace(/^\./, '%2E');
}

function decodeName(encoded: string): string | undefined {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return undefined;
  }
}
