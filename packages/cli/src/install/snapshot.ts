/**
 * Reading the shared files of one certificate as one consistent snapshot.
 * certloop renames the key first and the certificate last, so a reader can
 * catch the new key with the old certificate. The certificate is therefore
 * read before and after the other files; a difference means a renewal landed
 * in between, and the caller reads again.
 */
import { readFile } from 'node:fs/promises';
import type { SharedSource } from './source.js';

export interface Snapshot {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly chain?: Buffer;
  readonly ca?: Buffer;
}

export type SnapshotResult =
  | { readonly ok: true; readonly snapshot: Snapshot }
  | { readonly ok: false; readonly reason: string };

export type ReadBytes = (path: string) => Promise<Buffer>;

export async function readSnapshot(
  source: SharedSource,
  read: ReadBytes = (path) => readFile(path),
): Promise<SnapshotResult> {
  try {
    const before = await read(source.certPath);
    const key = await read(source.keyPath);
    const chain = source.chainPath === undefined ? undefined : await read(source.chainPath);
    const ca = source.roots ?? (source.caPath === undefined ? undefined : await read(source.caPath));
    const after = await read(source.certPath);
    if (!before.equals(after)) {
      return { ok: false, reason: `${source.certPath} changed while it was read (a renewal in progress).` };
    }
    return {
      ok: true,
      snapshot: { cert: after, key, ...(chain ? { chain } : {}), ...(ca ? { ca } : {}) },
    };
  } catch (error) {
    return { ok: false, reason: readFailure(error) };
  }
}

function readFailure(error: unknown): string {
  const { code, path } = error as NodeJS.ErrnoException;
  if (code === 'ENOENT') return `${path} does not exist (yet).`;
  if (code === 'EACCES') return `${path} is not readable by this user (EACCES).`;
  return `${path ?? 'a shared file'} could not be read (${code ?? String(error)}).`;
}
