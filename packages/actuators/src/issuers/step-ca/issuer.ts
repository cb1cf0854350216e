/**
 * The Step-CA issuer: step-ca's HTTP API, spoken directly (no `step` binary).
 * Per certificate: key (kept or fresh), CSR, a just-in-time one-time token
 * signed with the provisioner key, `POST /1.0/sign`; renewal and revocation
 * with the certificate itself are in renewal.ts. One piece because the
 * connection, the lazily decrypted provisioner key and the request queue are
 * state shared by every operation.
 */
import { X509Certificate } from 'node:crypto';
import { Agent } from 'node:https';
import {
  CertloopError,
  type CurrentCertificate,
  type IssuedCertificate,
  type IssueRequest,
  type Issuer,
  IssuerError,
  joinPem,
  type Logger,
  type RevocationOutcome,
  type RevocationReason,
  silentLogger,
  type TrustMaterial,
} from '@certloop/core';
import { createCsr, parseCertificatePem, sanStrings } from '@certloop/x509';
import PQueue from 'p-queue';
import { formatGoDuration } from '../go-duration.js';
import { issuedCertificate } from '../issued.js';
import { Lazy } from '../lazy.js';
import { keyForRequest } from '../request-key.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, withRetries } from '../retry.js';
import { type ApiResponse, httpFailure, isOk, StepCaClient } from './client.js';
import { describeLimits, lifetimeProblem } from './lifetime.js';
import { decimalSerialOf } from './mtls.js';
import { decryptProvisionerKey, type ProvisionerSigningKey, readPasswordFile } from './provisioner-key.js';
import { type JwkProvisioner, listProvisioners, selectJwkProvisioner } from './provisioners.js';
import {
  type RenewalDeps,
  renewWithCertificate,
  revocationBody,
  revocationOutcome,
  revokeWithCertificate,
} from './renewal.js';
import { missingCredentials, type StepCaSettings } from './settings.js';
import { intermediatesOf, parseSignResponse } from './sign-response.js';
import { revokeTokenClaims, signToken, signTokenClaims } from './token.js';
import { bootstrapRoot, type CaTrust, loadRootFile } from './trust.js';

export interface StepCaIssuerOptions {
  readonly logger?: Logger;
  /** Sign requests in flight at once; a small CA is happy with a few. Default 4. */
  readonly concurrency?: number;
  /** Deadline of each HTTP request. Default 30 s. */
  readonly timeoutMs?: number;
  /** Retries of transient failures (never of rejections). Default 3 attempts. */
  readonly retry?: RetryPolicy;
  /** Milliseconds since the epoch, for token times. */
  readonly now?: () => number;
}

export const DEFAULT_STEP_CA_CONCURRENCY = 4;
export const DEFAULT_STEP_CA_TIMEOUT_MS = 30_000;

interface Connection {
  readonly trust: CaTrust;
  readonly agent: Agent;
  readonly client: StepCaClient;
}

interface Signer {
  readonly provisioner: JwkProvisioner;
  readonly key: ProvisionerSigningKey;
}

/** Creates the issuer; a configured root file is read now, everything on the network waits for first use. */
export async function createStepCaIssuer(
  settings: StepCaSettings,
  options: StepCaIssuerOptions = {},
): Promise<Issuer> {
  const rootFromFile =
    settings.root === undefined ? undefined : await loadRootFile(settings.root, settings.fingerprint);
  return new StepCaIssuer(settings, rootFromFile, options);
}

class StepCaIssuer implements Issuer {
  readonly id: string;
  private readonly logger: Logger;
  private readonly timeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly now: () => number;
  private readonly queue: PQueue;
  private readonly connection: Lazy<Connection>;
  private readonly signer: Lazy<Signer>;
  private latestIntermediates: readonly string[] | undefined;
  private closed = false;

  constructor(
    private readonly settings: StepCaSettings,
    rootFromFile: CaTrust | undefined,
    options: StepCaIssuerOptions,
  ) {
    this.id = `step-ca:${settings.caUrl}`;
    this.logger = options.logger ?? silentLogger;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_STEP_CA_TIMEOUT_MS;
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.now = options.now ?? Date.now;
    this.queue = new PQueue({ concurrency: options.concurrency ?? DEFAULT_STEP_CA_CONCURRENCY });
    this.connection = new Lazy(() => this.connect(rootFromFile));
    this.signer = new Lazy(() => this.loadSigner());
  }

  async trust(): Promise<TrustMaterial> {
    this.assertOpen();
    const { trust } = await this.connection.get();
    const intermediates = this.latestIntermediates ?? (await this.intermediatesFromTls(trust));
    this.latestIntermediates ??= intermediates;
    return { rootsPem: trust.rootsPem, intermediatesPem: joinPem(...intermediates) };
  }

  async issue(request: IssueRequest): Promise<IssuedCertificate> {
    this.assertOpen();
    this.credentials();
    return this.queue.add(() => this.issueNow(request));
  }

  /** Over mTLS with `current`: never touches the provisioner password. */
  async renew(
    current: CurrentCertificate,
    request: IssueRequest,
    rekey: boolean,
  ): Promise<IssuedCertificate> {
    this.assertOpen();
    return this.queue.add(async () => {
      const issued = await renewWithCertificate(await this.renewalDeps(), current, request, rekey);
      this.logger.debug('The Step-CA renewed a certificate', {
        name: request.name,
        serial: issued.serial,
        notAfter: issued.notAfter,
      });
      return issued;
    });
  }

  /** With the certificate itself while it is valid; an expired one needs a provisioner token. */
  async revoke(current: CurrentCertificate, reason: RevocationReason): Promise<RevocationOutcome> {
    this.assertOpen();
    const name = `serial ${decimalSerialOf(current.certificatePem)}`;
    const expired = Date.parse(parseCertificatePem(current.certificatePem).notAfter) <= this.now();
    return this.queue.add(async () => {
      if (!expired) return revokeWithCertificate(await this.renewalDeps(), current, reason, name);
      this.credentials();
      return this.revokeWithToken(current, reason, name);
    });
  }

  private async renewalDeps(): Promise<RenewalDeps> {
    const { trust } = await this.connection.get();
    const { intermediatesPem } = await this.trust();
    return {
      context: {
        caUrl: this.settings.caUrl,
        rootsPem: trust.rootsPem,
        intermediatesPem,
        timeoutMs: this.timeoutMs,
        trustDescription: trust.description,
      },
      trust,
      retry: this.retry,
      logger: this.logger,
    };
  }

  private async revokeWithToken(
    current: CurrentCertificate,
    reason: RevocationReason,
    name: string,
  ): Promise<RevocationOutcome> {
    const { client, trust } = await this.connection.get();
    const { provisioner, key } = await this.signer.get();
    return withRetries(
      `Revoking ${name}`,
      async () => {
        const claims = revokeTokenClaims({
          provisioner: provisioner.name,
          caUrl: this.settings.caUrl,
          serial: decimalSerialOf(current.certificatePem),
          rootFingerprint: trust.fingerprint,
          nowMs: this.now(),
        });
        const ott = await signToken(claims, key);
        const answer = await client.call(
          'POST',
          '/1.0/revoke',
          revocationBody(current.certificatePem, reason, ott),
        );
        return revocationOutcome(answer, name, this.settings.caUrl);
      },
      this.retry,
      { logger: this.logger },
    );
  }

  /** Settings resolved only to observe (plan, status) cannot issue: say which flags are missing. */
  private credentials(): { provisioner: string; passwordFile: string } {
    const { provisioner, passwordFile } = this.settings;
    if (provisioner === undefined || passwordFile === undefined) {
      throw new IssuerError(
        'ISSUER_CONFIG',
        `Issuing from the Step-CA needs ${missingCredentials(this.settings).join(' and ')}.`,
        { retryable: false },
      );
    }
    return { provisioner, passwordFile };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.queue.clear();
    await this.queue.onIdle();
    this.signer.reset();
    const connection = await this.connection.peek()?.catch(() => undefined);
    connection?.agent.destroy();
    this.connection.reset();
  }

  private assertOpen(): void {
    if (this.closed) throw new CertloopError('INTERNAL', `The issuer ${this.id} was closed.`);
  }

  private async connect(rootFromFile: CaTrust | undefined): Promise<Connection> {
    const { caUrl, fingerprint } = this.settings;
    let trust = rootFromFile;
    if (trust === undefined) {
      if (fingerprint === undefined)
        throw new IssuerError('ISSUER_CONFIG', 'No Step-CA root or fingerprint.');
      trust = await withRetries(
        'Bootstrapping the Step-CA root',
        () => bootstrapRoot(caUrl, fingerprint, this.timeoutMs),
        this.retry,
        { logger: this.logger },
      );
      this.logger.debug('Trusting the Step-CA root fetched by fingerprint', { caUrl, fingerprint });
    }
    // Keep-alive saves a TLS handshake per certificate; only this root is trusted.
    const agent = new Agent({ keepAlive: true, ca: trust.rootsPem });
    const client = new StepCaClient({
      caUrl,
      agent,
      timeoutMs: this.timeoutMs,
      trustDescription: trust.description,
    });
    return { trust, agent, client };
  }

  private async loadSigner(): Promise<Signer> {
    const { provisioner: name, passwordFile } = this.credentials();
    const { client } = await this.connection.get();
    const listings = await withRetries(
      'Listing the Step-CA provisioners',
      () => listProvisioners(client),
      this.retry,
      {
        logger: this.logger,
      },
    );
    const provisioner = selectJwkProvisioner(listings, name, this.settings.caUrl);
    const password = await readPasswordFile(passwordFile);
    try {
      const key = await decryptProvisionerKey(provisioner.encryptedKey, password, provisioner.kid);
      this.logger.debug('Decrypted the Step-CA provisioner key', {
        provisioner: provisioner.name,
        kid: provisioner.kid,
        alg: key.alg,
      });
      return { provisioner, key };
    } finally {
      password.fill(0);
    }
  }

  private async issueNow(request: IssueRequest): Promise<IssuedCertificate> {
    const { client, trust } = await this.connection.get();
    const { provisioner, key } = await this.signer.get();
    const problem =
      request.lifetimeMs <= 0
        ? `The requested lifetime ${formatGoDuration(request.lifetimeMs)} is not positive.`
        : lifetimeProblem(request.lifetimeMs, provisioner.limits);
    if (problem !== undefined) {
      throw new IssuerError(
        'ISSUER_REJECTED',
        `Cannot issue ${request.name} from the Step-CA at ${this.settings.caUrl}: ${problem} ${describeLimits(provisioner.name, provisioner.limits)}`,
        { retryable: false },
      );
    }

    const { keyPem, privateKey } = await keyForRequest(request);
    const csr = createCsr(privateKey, request.commonName, request.sans);
    const notAfter = formatGoDuration(request.lifetimeMs);
    this.logger.debug('Requesting a certificate from the Step-CA', {
      name: request.name,
      caUrl: this.settings.caUrl,
      commonName: request.commonName,
      keyAlgorithm: request.keyAlgorithm,
      notAfter,
    });

    const response = await withRetries(
      `Signing ${request.name}`,
      async () => {
        // A fresh token per attempt: step-ca accepts each token once.
        const claims = signTokenClaims({
          provisioner: provisioner.name,
          caUrl: this.settings.caUrl,
          commonName: request.commonName,
          sans: sanStrings(request.sans),
          rootFingerprint: trust.fingerprint,
          nowMs: this.now(),
        });
        // step-ca answers every 401 with the same text: the claims are what tells the causes apart.
        this.logger.debug('Sign token claims', { name: request.name, kid: key.kid, alg: key.alg, claims });
        const ott = await signToken(claims, key);
        const answer = await client.call('POST', '/1.0/sign', { csr, ott, notAfter });
        if (!isOk(answer)) throw this.signFailure(answer, request, provisioner);
        return answer;
      },
      this.retry,
      { logger: this.logger },
    );

    const signed = parseSignResponse(response, this.settings.caUrl);
    const intermediates = intermediatesOf(signed, trust);
    this.latestIntermediates = intermediates;
    const issued = issuedCertificate({
      certificatePem: signed.leaf,
      intermediatesPem: intermediates,
      rootsPem: trust.rootsPem,
      keyPem,
    });
    this.logger.debug('The Step-CA issued a certificate', {
      name: request.name,
      serial: issued.serial,
      notBefore: issued.notBefore,
      notAfter: issued.notAfter,
    });
    return issued;
  }

  private signFailure(
    response: ApiResponse,
    request: IssueRequest,
    provisioner: JwkProvisioner,
  ): IssuerError {
    const { caUrl } = this.settings;
    const said = response.caMessage ? `: ${response.caMessage}` : '.';
    if (response.status === 401) {
      return new IssuerError(
        'ISSUER_REJECTED',
        `The Step-CA at ${caUrl} rejected the one-time token for ${request.name} (HTTP 401)${said}`,
        {
          retryable: false,
          hint:
            `step-ca gives this same answer for every token problem. Check that "${provisioner.name}" is the right provisioner, ` +
            "that this host's clock agrees with the CA's, and that the host of the CA URL is among the CA's dnsNames (token audience); " +
            'the token claims are logged at debug level.',
        },
      );
    }
    if (
      response.status === 400 ||
      (response.status === 403 && /duration|notAfter/i.test(response.caMessage ?? ''))
    ) {
      return new IssuerError(
        'ISSUER_REJECTED',
        `The Step-CA at ${caUrl} rejected the certificate request for ${request.name} (HTTP ${response.status})${said} ` +
          `Requested lifetime: ${formatGoDuration(request.lifetimeMs)}. ${describeLimits(provisioner.name, provisioner.limits)}`,
        { retryable: false },
      );
    }
    return httpFailure(response, `the certificate request for ${request.name}`, caUrl);
  }

  /** The CA intermediates from the chain its TLS server presents (step-ca serves with its signing intermediate). */
  private async intermediatesFromTls(trust: CaTrust): Promise<string[]> {
    // A fresh agent without session reuse: a resumed TLS session does not carry the peer chain.
    const agent = new Agent({ keepAlive: false, ca: trust.rootsPem, maxCachedSessions: 0 });
    try {
      const client = new StepCaClient({
        caUrl: this.settings.caUrl,
        agent,
        timeoutMs: this.timeoutMs,
        trustDescription: trust.description,
      });
      const response = await withRetries(
        'Reading the Step-CA chain',
        () => client.call('GET', '/health', undefined, true),
        this.retry,
        {
          logger: this.logger,
        },
      );
      return response.peerChainDer
        .slice(1)
        .map((der) => new X509Certificate(der))
        .filter((cert) => cert.ca && cert.issuer !== cert.subject)
        .map((cert) => cert.toString().trim().concat('\n'));
    } finally {
      agent.destroy();
    }
  }
}
