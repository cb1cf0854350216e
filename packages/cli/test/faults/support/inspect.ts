/**
 * What a user relies on after any fault, checked on the files themselves:
 * every file that exists parses, no key is more permissive than declared, a
 * certificate matches its key, and no temp file of ours is left behind.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CertFiles } from './workspace.js';

export interface PairState {
  readonly name: string;
  readonly certExists: boolean;
  readonly keyExists: boolean;
  /** Sentences; empty when every existing file parses and the modes are within bounds. */
  readonly problems: string[];
  /** True when both files exist, parse, and the certificate's public key is the key's. */
  readonly matches: boolean;
  readonly serial?: string;
}

async function readIfExists(path: string): Promise<{ text: string; mode: number } | undefined> {
  try {
    const stat = await lstat(path);
    return { text: await readFile(path, 'utf8'), mode: stat.mode & 0o7777 };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export async function inspectPair(files: CertFiles, keyMode = 0o600): Promise<PairState> {
  const problems: string[] = [];
  const certFile = await readIfExists(files.cert);
  const keyFile = await readIfExists(files.key);
  let cert: X509Certificate | undefined;
  let key: ReturnType<typeof createPrivateKey> | undefined;
  if (certFile) {
    try {
      cert = new X509Certificate(certFile.text);
    } catch (error) {
      problems.push(`${files.cert} does not parse (${certFile.text.length} bytes): ${String(error)}`);
    }
  }
  if (keyFile) {
    try {
      key = createPrivateKey(keyFile.text);
    } catch (error) {
      problems.push(`${files.key} does not parse (${keyFile.text.length} bytes): ${String(error)}`);
    }
    if ((keyFile.mode & ~keyMode) !== 0) {
      problems.push(
        `${files.key} has mode ${keyFile.mode.toString(8)}, more permissive than ${keyMode.toString(8)}`,
      );
    }
  }
  const matches = cert !== undefined && key !== undefined && cert.checkPrivateKey(key);
  return {
    name: files.name,
    certExists: certFile !== undefined,
    keyExists: keyFile !== undefined,
    problems,
    matches,
    ...(cert ? { serial: cert.serialNumber } : {}),
  };
}

export function inspectAll(certs: readonly CertFiles[], keyMode?: number): Promise<PairState[]> {
  return Promise.all(certs.map((c) => inspectPair(c, keyMode)));
}

/** Every problem across pairs; with `converged`, a missing or mismatched pair is one too. */
export function problemsOf(states: readonly PairState[], converged = false): string[] {
  return states.flatMap((s) => [
    ...s.problems,
    ...(converged && !s.matches
      ? [`${s.name}: not a matching pair (cert ${s.certExists}, key ${s.keyExists})`]
      : []),
  ]);
}

/** Temp files of certloop's naming (`.<name>.certloop-<host>-<pid>-<hex>.tmp`) anywhere below `dir`. */
export async function tempFilesUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (at: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(at, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (/\.certloop-.*\.tmp$/.test(entry.name)) found.push(path);
    }
  };
  await walk(dir);
  return found.sort();
}
