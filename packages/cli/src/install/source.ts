/**
 * Which shared files a consumer reads for one certificate of the manifest.
 * The local certificate gets exactly the bytes of the shared certificate
 * file: the full chain when one is declared (servers must send the
 * intermediates), else the leaf file.
 */
import type { DesiredCertificate } from '@certloop/core';
import { omitUndefined, UsageError } from '@certloop/core';

export interface SharedSource {
  readonly name: string;
  /** The file copied to `--cert`: `files.fullchain`, else `files.cert`. */
  readonly certPath: string;
  readonly keyPath: string;
  /** Intermediates for verification, when the certificate file is a bare leaf and a chain is declared. */
  readonly chainPath?: string;
  /** The roots the chain must verify to; copied to `--ca`. */
  readonly caPath?: string;
  /**
   * The issuer's roots, when the entry declares no CA bundle file but the
   * consumer asked for one (`--ca`): verified against and copied instead.
   */
  readonly roots?: Buffer;
  /**
   * The manifest entry as install reads it: only the files above (the
   * certificate file as leaf or full chain, the key, the chain), so the
   * policies judge exactly the bytes that are copied.
   */
  readonly entry: DesiredCertificate;
}

export function sharedSourceOf(cert: DesiredCertificate): SharedSource {
  const { files } = cert;
  const certPath = files.fullchain ?? files.cert;
  if (certPath === undefined) {
    throw new UsageError(`The certificate "${cert.name}" declares no cert or fullchain file to install.`);
  }
  if (files.key === undefined) {
    throw new UsageError(`The certificate "${cert.name}" declares no key file to install.`);
  }
  // A full chain already holds the intermediates.
  const chainPath = files.fullchain === undefined ? files.chain : undefined;
  const certRole = files.fullchain === undefined ? 'cert' : 'fullchain';
  return omitUndefined({
    name: cert.name,
    certPath,
    keyPath: files.key,
    chainPath,
    caPath: files.caBundle,
    entry: {
      ...cert,
      files: omitUndefined({ [certRole]: certPath, key: files.key, chain: chainPath }),
    },
  });
}

/** Finds a certificate by its name in the manifest (legacy names are common names). */
export function findCertificate(
  certificates: readonly DesiredCertificate[],
  name: string,
): DesiredCertificate {
  const found = certificates.find((c) => c.name === name);
  if (found) return found;
  const names = certificates.map((c) => c.name).join(', ');
  throw new UsageError(`The manifest has no certificate named "${name}".`, {
    hint: names === '' ? 'The manifest lists no certificates.' : `Known names: ${names}.`,
  });
}
