import { createHash } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { readdir, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger, Provenance } from '@certloop/core';
import { CertloopError, silentLogger } from '@certloop/core';
import PQueue from 'p-queue';
import { fsyncDirectory } from '../files/directories.js';
import { isErrno } from '../files/errors.js';
import { isRecord, writeJsonFile } from './json-file.js';
import { readOrThrow } from './status-store.js';

const SUFFIX = '.json';
const SHARD = /^[0-9a-f]{2}$/;
/** Records read at once: as many as the CLI has pool threads (64), to hide a file server's latency. */
const READS_IN_FLIGHT = 64;

/**
 * What was requested at each certificate's last issuance, one file per
 * certificate, so writing one never rewrites the others. Written last in an
 * issuance, after the files landed. A corrupt record is reported and treated
 * as absent (the reconciler then falls back to comparing with what is on
 * disk).
 *
 * Records live in `<dir>/provenance/<xx>/`, xx the first byte of the name's
 * SHA-256: creating and renaming a file takes its directory's lock (on NFS
 * too), so certificates issued at once write into different directories
 * instead of queueing on one (measured on storage with 1 ms per call: one
 * directory for 1,000 records halved the issuance rate). Records of earlier
 * versions, in `<dir>/provenance/` itself, are still read, and moved when
 * next written or removed.
 */
export class ProvenanceStore {
  readonly directory: string;
  private readonly logger: Logger;
  /** Names whose record was found in the old flat layout. */
  private readonly flat = new Set<string>();

  constructor(
    readonly dir: string,
    options: { logger?: Logger } = {},
  ) {
    this.directory = join(dir, 'provenance');
    this.logger = options.logger ?? silentLogger;
  }

  pathOf(name: string): string {
    const shard = createHash('sha256').update(name).digest('hex').slice(0, 2);
    return join(this.directory, shard, `${encodeName(name)}${SUFFIX}`);
  }

  private flatPathOf(name: string): string {
    return join(this.directory, `${encodeName(name)}${SUFFIX}`);
  }

  async read(name: string): Promise<Provenance | undefined> {
    const record = await this.readFile(this.pathOf(name), name);
    if (record !== undefined) return record;
    const flat = await this.readFile(this.flatPathOf(name), name);
    if (flat !== undefined) this.flat.add(name);
    return flat;
  }

  async readAll(): Promise<Map<string, Provenance>> {
    const top = await this.list(this.directory);
    const shards = top.filter((entry) => entry.isDirectory() && SHARD.test(entry.name));
    const queue = new PQueue({ concurrency: READS_IN_FLIGHT });
    const listed = await queue.addAll(
      shards.map((shard) => () => this.list(join(this.directory, shard.name))),
    );
    // Records in shards first: a flat record of the same name is an older copy.
    const files = [
      ...listed.flatMap((entries, i) => recordFiles(entries, join(this.directory, shards[i]!.name))),
      ...recordFiles(top, this.directory).map((file) => ({ ...file, flat: true })),
    ];
    const records = await queue.addAll(files.map((file) => () => this.readFile(file.path, file.name)));
    const all = new Map<string, Provenance>();
    for (const [i, record] of records.entries()) {
      if (record === undefined || all.has(record.name)) continue;
      all.set(record.name, record);
      if ('flat' in files[i]!) this.flat.add(record.name);
    }
    return new Map([...all].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /** Resolves to false when the record already had this content. */
  async write(provenance: Provenance): Promise<boolean> {
    const wrote = await writeJsonFile(this.pathOf(provenance.name), provenance);
    if (this.flat.delete(provenance.name)) await this.unlinkSynced(this.flatPathOf(provenance.name));
    return wrote;
  }

  async remove(name: string): Promise<void> {
    this.flat.delete(name);
    // Either layout may hold it (a record written by an earlier version).
    await this.unlinkSynced(this.pathOf(name));
    await this.unlinkSynced(this.flatPathOf(name));
  }

  private async unlinkSynced(path: string): Promise<void> {
    try {
      await unlink(path);
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return;
      throw new CertloopError('WRITE_FAILED', `Could not remove ${path}.`, { cause: error });
    }
    await fsyncDirectory(dirname(path));
  }

  private async list(directory: string): Promise<Dirent[]> {
    try {
      return await readdir(directory, { withFileTypes: true });
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return [];
      throw new CertloopError('OBSERVE_FAILED', `Could not list ${directory}.`, { cause: error });
    }
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

/** The record files among `entries` of `directory`; hidden names are temp files of an interrupted write. */
function recordFiles(entries: readonly Dirent[], directory: string): { path: string; name: string }[] {
  const files: { path: string; name: string }[] = [];
  for (const entry of entries) {
    if (!entry.isFile() || !entry.name.endsWith(SUFFIX) || entry.name.startsWith('.')) continue;
    const name = decodeName(entry.name.slice(0, -SUFFIX.length));
    if (name !== undefined) files.push({ path: join(directory, entry.name), name });
  }
  return files;
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
