/**
 * @peculiar/x509 loaded on first use, not at import time: it pulls in tsyringe,
 * reflect-metadata and the ASN.1 schemas (tens of milliseconds), and the CLI's
 * `--version` must not pay for that. A synchronous require keeps
 * `parseCertificatePem` synchronous.
 */
import { createRequire } from 'node:module';
import type * as X509 from '@peculiar/x509';

export type X509Module = typeof X509;

let loaded: X509Module | undefined;

export function x509(): X509Module {
  if (loaded === undefined) {
    // tsyringe (inside @peculiar/x509) needs the Reflect metadata polyfill first.
    createRequire(import.meta.url)('reflect-metadata');
    loaded = createRequire(import.meta.url)('@peculiar/x509') as X509Module;
  }
  return loaded;
}
