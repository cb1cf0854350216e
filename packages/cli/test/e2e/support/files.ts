/**
 * What is on disk, as tests compare it: a snapshot of every file under some
 * directories (inode, mtime, mode, owner, content hash), and the facts of a
 * certificate/key pair read with node's own X509 parser.
 */
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface FileFacts {
  readonly ino: number;
  readonly mtimeNs: bigint;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly sha256: string;
}

/** Every file and directory under `roots`, by path (a directory's hash is its sorted entry names). */
export function snapshot(roots: readonly string[]): Map<string, FileFacts> {
  const result = new Map<string, FileFacts>();
  const visit = (path: string) => {
    const stat = lstatSync(path, { bigint: true });
    const names = stat.isDirectory() ? readdirSync(path).sort() : [];
    result.set(path, {
      ino: Number(stat.ino),
      mtimeNs: stat.mtimeNs,
      mode: Number(stat.mode) & 0o7777,
      uid: Number(stat.uid),
      gid: Number(stat.gid),
      size: Number(stat.size),
      sha256: stat.isFile()
        ? createHash('sha256').update(readFileSync(path)).digest('hex')
        : stat.isDirectory()
          ? names.join('/')
          : 'special',
    });
    for (const name of names) visit(join(path, name));
  };
  for (const root of roots) if (existsSync(root)) visit(root);
  return result;
}

/** Paths whose facts differ between two snapshots (added, removed or changed). */
export function changedPaths(before: Map<string, FileFacts>, after: Map<string, FileFacts>): string[] {
  const paths = new Set([...before.keys(), ...after.keys()]);
  return [...paths]
    .filter((path) => {
      const a = before.get(path);
      const b = after.get(path);
      if (a === undefined || b === undefined) return true;
      return (
        a.ino !== b.ino ||
        a.mtimeNs !== b.mtimeNs ||
        a.mode !== b.mode ||
        a.uid !== b.uid ||
        a.gid !== b.gid ||
        a.sha256 !== b.sha256
      );
    })
    .sort();
}

export interface PairFacts {
  /** Serial of the leaf (the first certificate in the file), hex upper case. */
  readonly serial: string;
  readonly notAfter: Date;
  /** How many certificates the file holds (leaf + intermediates for legacy cert_path). */
  readonly certificates: number;
  readonly subjectAltName: string;
  readonly keyMatches: boolean;
  readonly issuer: string;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

export function certificatesIn(pem: string): X509Certificate[] {
  return (pem.match(PEM_CERT) ?? []).map((block) => new X509Certificate(block));
}

/** Reads a certificate file and its key; throws when either does not parse. */
export function pairFacts(certPath: string, keyPath: string): PairFacts {
  const certs = certificatesIn(readFileSync(certPath, 'utf8'));
  const leaf = certs[0];
  if (leaf === undefined) throw new Error(`${certPath} holds no certificate`);
  const key = createPrivateKey(readFileSync(keyPath));
  return {
    serial: leaf.serialNumber,
    notAfter: new Date(leaf.validTo),
    certificates: certs.length,
    subjectAltName: leaf.subjectAltName ?? '',
    keyMatches: leaf.checkPrivateKey(key),
    issuer: leaf.issuer,
  };
}

/** Serial of the leaf in a certificate file, or undefined when there is no readable certificate. */
export function serialIn(certPath: string): string | undefined {
  try {
    return certificatesIn(readFileSync(certPath, 'utf8'))[0]?.serialNumber;
  } catch {
    return undefined;
  }
}

export function modeOf(path: string): number {
  return lstatSync(path).mode & 0o7777;
}

/** True when `actual` grants nothing that `declared` does not. */
export function noMorePermissive(actual: number, declared: number): boolean {
  return (actual & ~declared & 0o7777) === 0;
}

/** Files named like certloop's temp files (`.NAME.certloop-HOST-PID-RANDOM.tmp`) under `root`. */
export function tempFilesUnder(root: string): string[] {
  const found: string[] = [];
  const visit = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (lstatSync(path).isDirectory()) visit(path);
      else if (/^\..*\.certloop-.*\.tmp$/.test(name)) found.push(path);
    }
  };
  if (existsSync(root)) visit(root);
  return found;
}
