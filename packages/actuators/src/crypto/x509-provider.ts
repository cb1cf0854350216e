/**
 * @peculiar/x509 resolves its services through tsyringe, which needs the
 * reflect-metadata polyfill loaded first, and signs through a WebCrypto
 * provider: Node's own. Import `x509` from here, never from the package.
 *
 * Loaded on first use, not at import: the library and its polyfill cost ~3×
 * `node -e 0` to load, and `certloop plan` never builds a certificate.
 */
import { webcrypto } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as X509 from '@peculiar/x509';

type X509Module = typeof X509;

let loaded: X509Module | undefined;

function load(): X509Module {
  if (loaded === undefined) {
    createRequire(import.meta.url)('reflect-metadata');
    const module = createRequire(import.meta.url)('@peculiar/x509') as X509Module;
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
