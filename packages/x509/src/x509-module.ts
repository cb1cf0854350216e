/**
 * @peculiar/x509, the one way certloop loads it: on first use, not at import
 * time. It pulls in tsyringe, reflect-metadata and the ASN.1 schemas (~3×
 * `node -e 0`), and neither `--version` nor a plan of ordinary certificates
 * may pay for that. A synchronous require keeps the parsers synchronous; the
 * CLI's bundler puts the library in the bundle and keeps it lazy
 * (scripts/bundle-cli.mjs). Import `x509` from here, never the package.
 */
import { webcrypto } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as X509 from '@peculiar/x509';

type X509Module = typeof X509;

let loaded: X509Module | undefined;

function load(): X509Module {
  if (loaded === undefined) {
    // tsyringe (inside @peculiar/x509) needs the Reflect metadata polyfill first.
    createRequire(import.meta.url)('reflect-metadata');
    const module = createRequire(import.meta.url)('@peculiar/x509') as X509Module;
    // Certificates are built and signed through Node's own WebCrypto.
    module.cryptoProvider.set(webcrypto as unknown as Parameters<X509Module['cryptoProvider']['set']>[0]);
    loaded = module;
  }
  return loaded;
}

/** The library's exports, loaded when the first one is used. */
export const x509: X509Module = new Proxy({} as X509Module, {
  get: (_, name) => load()[name as keyof X509Module],
});

/** The library's types, under the same name as the value. */
export declare namespace x509 {
  export type X509Certificate = X509.X509Certificate;
  export type JsonGeneralName = X509.JsonGeneralName;
}
