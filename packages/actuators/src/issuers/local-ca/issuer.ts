/**
 * The built-in local CA: an EC P-256 root and intermediate of its own, kept in
 * a directory, signing in-process. The default for the quickstart and for users
 * without a Step-CA; same interface and outputs as the Step-CA issuer.
 */
import { resolve } from 'node:path';
import {
  CertloopError,
  type IssuedCertificate,
  type IssueRequest,
  type Issuer,
  IssuerError,
  type Logger,
  omitUndefined,
  silentLogger,
  type TrustMaterial,
} from '@certloop/core';
import { importKeyPair } from '@certloop/x509';
import { issuedCertificate } from '../issued.js';
import { Lazy } from '../lazy.js';
import { keyForRequest } from '../request-key.js';
import { createLeafCertificate, LOCAL_CA_BACKDATE_MS } from './certificates.js';
import { type LocalCa, loadOrCreateLocalCa, readLocalCaCertificates } from './store.js';

export interface LocalCaIssuerOptions {
  readonly directory: string;
  readonly logger?: Logger;
  readonly now?: () => Date;
}

/** The local CA issuer; the CA itself is created or loaded on first use. */
export async function createLocalCaIssuer(options: LocalCaIssuerOptions): Promise<Issuer> {
  return new LocalCaIssuer(
    resolve(options.directory),
    options.logger ?? silentLogger,
    options.now ?? (() => new Date()),
  );
}

class LocalCaIssuer implements Issuer {
  readonly id: string;
  private readonly ca: Lazy<LocalCa>;
  private closed = false;

  constructor(
    private readonly directory: string,
    private readonly logger: Logger,
    private readonly now: () => Date,
  ) {
    this.id = `local:${directory}`;
    this.ca = new Lazy(() => loadOrCreateLocalCa(directory, logger, now()));
  }

  /**
   * Reads the CA without creating it: plan and status must write nothing. A CA
   * that does not exist yet trusts nothing, so any certificate found is foreign.
   */
  async trust(): Promise<TrustMaterial> {
    this.assertOpen();
    const ca = await readLocalCaCertificates(this.directory);
    return ca === undefined
      ? { rootsPem: '', intermediatesPem: '' }
      : { rootsPem: ca.rootPem, intermediatesPem: ca.intermediatePem };
  }

  async prepare(): Promise<void> {
    this.assertOpen();
    await this.ca.get();
  }

  async issue(request: IssueRequest): Promise<IssuedCertificate> {
    this.assertOpen();
    const ca = await this.ca.get();
    const now = this.now();
    const notAfter = new Date(now.getTime() + request.lifetimeMs);
    if (request.lifetimeMs <= 0) {
      throw new IssuerError(
        'ISSUER_REJECTED',
        `Cannot issue ${request.name}: the requested lifetime is not positive.`,
        {
          retryable: false,
        },
      );
    }
    if (notAfter > ca.intermediate.certificate.notAfter) {
      throw new IssuerError(
        'ISSUER_REJECTED',
        `Cannot issue ${request.name}: it would outlive the local CA's intermediate (valid until ${ca.intermediate.certificate.notAfter.toISOString()}).`,
        { retryable: false },
      );
    }
    const { keyPem, privateKey } = await keyForRequest(request);
    const certificatePem = await createLeafCertificate(
      omitUndefined({
        commonName: request.commonName,
        sans: request.sans,
        usage: request.usage,
        publicKey: await importKeyPair(privateKey),
        notBefore: new Date(now.getTime() - LOCAL_CA_BACKDATE_MS),
        notAfter,
      }),
      ca.intermediate,
    );
    const issued = issuedCertificate({
      certificatePem,
      intermediatesPem: [ca.intermediatePem],
      rootsPem: ca.rootPem,
      keyPem,
    });
    this.logger.debug('The local CA issued a certificate', {
      name: request.name,
      directory: this.directory,
      serial: issued.serial,
      notAfter: issued.notAfter,
    });
    return issued;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.ca.reset();
  }

  private assertOpen(): void {
    if (this.closed) throw new CertloopError('INTERNAL', `The issuer ${this.id} was closed.`);
  }
}
