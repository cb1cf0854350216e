/**
 * @peculiar/x509 resolves its services through tsyringe, which needs the
 * reflect-metadata polyfill loaded first, and signs through a WebCrypto
 * provider: Node's own. Import `x509` from here, never from the package.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };
