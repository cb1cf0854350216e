/**
 * The local CA's files: created once (directory 0700, keys 0600 from the first
 * byte, certificates last so their presence means the CA is complete), then reused.
 */
import { constants } from 'node:fs';
import { mkdir, open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { IssuerError, type Logger } from '@certloop/core';
import { generateKey, importKeyPair, type WebCryptoKeyPair, x509 } from '@certloop/x509';
import { createIntermediateCertificate, createRootCertificate } from './certificates.js';

export const LOCAL_CA_FILES = {
  rootKey: 'root_ca.key',
  intermediateKey: 'intermediate_ca.key',
  rootCert: 'root_ca.crt',
  intermediateCert: 'intermediate_ca.crt',
} as const;

export interface LocalCa {
  readonly rootPem: string;
  readonly intermediatePem: string;
  readonly intermediate: { readonly certificate: x509.X509Certificate; readonly keys: WebCryptoKeyPair };
}

/** The CA's certificates when it exists, without creating anything (plan and status must not write). */
export async function readLocalCaCertificates(
  directory: string,
): Promise<{ rootPem: string; intermediatePem: string } | undefined> {
  const present = await presentFiles(directory);
  if (present.length < Object.keys(LOCAL_CA_FILES).length) return undefined;
  const [rootPem, intermediatePem] = await Promise.all([
    readFile(join(directory, LOCAL_CA_FILES.rootCert), 'utf8'),
    readFile(join(directory, LOCAL_CA_FILES.intermediateCert), 'utf8'),
  ]);
  return { rootPem, intermediatePem };
}

/** Loads the CA in `directory`, creating it first when the directory holds none of its files. */
export async function loadOrCreateLocalCa(directory: string, logger: Logger, now: Date): Promise<LocalCa> {
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const present = await presentFiles(directory);
  if (present.length === 0) {
    await createLocalCa(directory, now);
    logger.info('Created the local CA', { directory });
  } else if (present.length < Object.keys(LOCAL_CA_FILES).length) {
    const missing = Object.values(LOCAL_CA_FILES).filter((name) => !present.includes(name));
    throw new IssuerError(
      'ISSUER_CONFIG',
      `The local CA in ${directory} is incomplete: ${missing.join(', ')} missing. certloop does not overwrite CA keys.`,
      {
        hint: `Restore the missing files, or remove the CA files from ${directory} to create a new CA.`,
        retryable: false,
      },
    );
  }
  return loadLocalCa(directory, logger);
}

async function presentFiles(directory: string): Promise<string[]> {
  const names = Object.values(LOCAL_CA_FILES);
  const exists = await Promise.all(
    names.map((name) =>
      stat(join(directory, name)).then(
        () => true,
        () => false,
      ),
    ),
  );
  return names.filter((_, index) => exists[index]);
}

async function createLocalCa(directory: string, now: Date): Promise<void> {
  const rootKeyPem = await generateKey('ecdsa-p256');
  const intermediateKeyPem = await generateKey('ecdsa-p256');
  const rootKeys = await importKeyPair(rootKeyPem);
  const intermediateKeys = await importKeyPair(intermediateKeyPem);
  const rootPem = await createRootCertificate(rootKeys, now);
  const intermediatePem = await createIntermediateCertificate(
    intermediateKeys,
    { certificate: new x509.X509Certificate(rootPem), keys: rootKeys },
    now,
  );
  await writeExclusive(join(directory, LOCAL_CA_FILES.rootKey), rootKeyPem, 0o600);
  await writeExclusive(join(directory, LOCAL_CA_FILES.intermediateKey), intermediateKeyPem, 0o600);
  await writeExclusive(join(directory, LOCAL_CA_FILES.rootCert), rootPem, 0o644);
  await writeExclusive(join(directory, LOCAL_CA_FILES.intermediateCert), intermediatePem, 0o644);
}

/** Creates a file that must not exist yet, with its final mode from the first byte, and syncs it. */
async function writeExclusive(path: string, content: string, mode: number): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
  } catch (error) {
    throw new IssuerError(
      'ISSUER_CONFIG',
      `Cannot create the local CA file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`,
      { cause: error, retryable: false },
    );
  }
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function loadLocalCa(directory: string, logger: Logger): Promise<LocalCa> {
  const read = async (name: string) => {
    try {
      return await readFile(join(directory, name), 'utf8');
    } catch (error) {
      throw new IssuerError(
        'ISSUER_CONFIG',
        `Cannot read the local CA file ${join(directory, name)}: ${(error as NodeJS.ErrnoException).code ?? 'error'}.`,
        { retryable: false },
      );
    }
  };
  const keyPath = join(directory, LOCAL_CA_FILES.intermediateKey);
  const keyMode = (await stat(keyPath)).mode & 0o777;
  if ((keyMode & 0o077) !== 0) {
    logger.warn('The local CA key is readable by others', { path: keyPath, mode: keyMode.toString(8) });
  }
  const rootPem = await read(LOCAL_CA_FILES.rootCert);
  const intermediatePem = await read(LOCAL_CA_FILES.intermediateCert);
  const intermediateKeyPem = await read(LOCAL_CA_FILES.intermediateKey);
  try {
    const certificate = new x509.X509Certificate(intermediatePem);
    const keys = await importKeyPair(intermediateKeyPem);
    return { rootPem, intermediatePem, intermediate: { certificate, keys } };
  } catch (cause) {
    // The cause may come from parsing the key; it carries no key material, but keep it out anyway.
    void cause;
    throw new IssuerError(
      'ISSUER_CONFIG',
      `The local CA in ${directory} has an unreadable intermediate certificate or key.`,
      { retryable: false },
    );
  }
}
