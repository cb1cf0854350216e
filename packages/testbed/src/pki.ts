/**
 * A throwaway step-ca PKI on disk: created as `step ca init` and `step ca
 * bootstrap` would lay it out, loaded again, its provisioner password changed.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { createCaCertificates, fingerprintOf } from './ca-certificates.js';
import { TestbedError } from './errors.js';
import { writeFileAtomic } from './files.js';
import { decryptProvisionerKey, encryptProvisionerKey } from './provisioner-key.js';

export const DEFAULT_PROVISIONER = 'admin@thinkheads.ai';
export const DEFAULT_CA_NAME = 'certloop testbed';
/** step-ca's own database backend, as `step ca init` configures it; it records used token IDs (jti). */
export const DATABASE_TYPE = 'badgerv2';

export interface PkiOptions {
  /** Port step-ca listens on (127.0.0.1). */
  port: number;
  /** JWK provisioner name; default admin@thinkheads.ai. */
  provisioner?: string;
  /** Provisioner password; default a random one. */
  password?: string;
  /** Prefix of the root and intermediate common names. */
  name?: string;
  /** Go duration, e.g. "24h" (the default). */
  maxTLSCertDuration?: string;
  /** Go duration, e.g. "24h" (the default). */
  defaultTLSCertDuration?: string;
  /** Go duration, e.g. "5s" for certificates that expire within a test; default "1m". */
  minTLSCertDuration?: string;
}

/** A throwaway PKI laid out like `step ca init` (CA side) plus a `step ca bootstrap` dir (client side). */
export interface Pki {
  dir: string;
  port: number;
  url: string;
  configPath: string;
  rootPath: string;
  rootPem: string;
  intermediatePath: string;
  intermediatePem: string;
  /** sha256 hex of the root DER, lower case. */
  fingerprint: string;
  provisioner: string;
  /** The provisioner key's kid (its JWK thumbprint). */
  provisionerKid: string;
  password: string;
  /** Holds `password`, mode 0600. */
  passwordFile: string;
  /** Client-side $STEPPATH: config/defaults.json and certs/root_ca.crt. */
  stepPath: string;
  dbPath: string;
  logPath: string;
}

interface TestbedMeta {
  port: number;
  provisioner: string;
  provisionerKid: string;
}

const GO_DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;

function layout(dir: string) {
  return {
    configPath: path.join(dir, 'config', 'ca.json'),
    rootPath: path.join(dir, 'certs', 'root_ca.crt'),
    intermediatePath: path.join(dir, 'certs', 'intermediate_ca.crt'),
    intermediateKeyPath: path.join(dir, 'secrets', 'intermediate_ca_key'),
    passwordFile: path.join(dir, 'secrets', 'password'),
    dbPath: path.join(dir, 'db'),
    stepPath: path.join(dir, 'client'),
    logPath: path.join(dir, 'step-ca.log'),
    metaPath: path.join(dir, 'testbed.json'),
  };
}

function checkDuration(field: string, value: string): string {
  if (!GO_DURATION.test(value)) {
    throw new TestbedError(`${field} must be a Go duration such as "24h" or "5m", got "${value}".`);
  }
  return value;
}

/** The JWK provisioner: public key with its thumbprint as kid, private key only as a JWE. */
async function createJwkProvisioner(name: string, password: string, claims: Record<string, string>) {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
  const key = {
    use: 'sig',
    kty: publicJwk.kty,
    kid,
    crv: publicJwk.crv,
    alg: 'ES256',
    x: publicJwk.x,
    y: publicJwk.y,
  };
  const encryptedKey = await encryptProvisionerKey({ ...key, d: (await exportJWK(privateKey)).d }, password);
  return { kid, entry: { type: 'JWK', name, key, encryptedKey, claims } };
}

/**
 * Creates a throwaway PKI in `dir` the way `step ca init` would (EC P-256 root
 * and intermediate, ca.json with a JWK provisioner and a database), plus a
 * client $STEPPATH as `step ca bootstrap` writes it and a 0600 password file.
 * The intermediate key is stored unencrypted: it is a test PKI.
 */
export async function createPki(dir: string, options: PkiOptions): Promise<Pki> {
  const files = layout(path.resolve(dir));
  const provisioner = options.provisioner ?? DEFAULT_PROVISIONER;
  const password = options.password ?? randomBytes(18).toString('base64url');
  const name = options.name ?? DEFAULT_CA_NAME;
  const claims = {
    minTLSCertDuration: checkDuration('minTLSCertDuration', options.minTLSCertDuration ?? '1m'),
    maxTLSCertDuration: checkDuration('maxTLSCertDuration', options.maxTLSCertDuration ?? '24h'),
    defaultTLSCertDuration: checkDuration('defaultTLSCertDuration', options.defaultTLSCertDuration ?? '24h'),
  };
  const url = `https://127.0.0.1:${options.port}`;

  for (const sub of ['config', 'certs', path.join('client', 'config'), path.join('client', 'certs')]) {
    await mkdir(path.join(path.resolve(dir), sub), { recursive: true });
  }
  await mkdir(path.dirname(files.passwordFile), { recursive: true, mode: 0o700 });
  await mkdir(files.dbPath, { recursive: true, mode: 0o700 });

  const { rootPem, intermediatePem, intermediateKeyPem } = await createCaCertificates(name);
  const fingerprint = fingerprintOf(rootPem);
  const jwk = await createJwkProvisioner(provisioner, password, claims);

  await writeFileAtomic(files.rootPath, rootPem, 0o644);
  await writeFileAtomic(files.intermediatePath, intermediatePem, 0o644);
  await writeFileAtomic(files.intermediateKeyPath, intermediateKeyPem, 0o600);
  await writeFileAtomic(files.passwordFile, `${password}\n`, 0o600);

  const caConfig = {
    root: files.rootPath,
    federatedRoots: null,
    crt: files.intermediatePath,
    key: files.intermediateKeyPath,
    address: `127.0.0.1:${options.port}`,
    insecureAddress: '',
    dnsNames: ['127.0.0.1', 'localhost'],
    logger: { format: 'text' },
    db: { type: DATABASE_TYPE, dataSource: files.dbPath, badgerFileLoadingMode: '' },
    authority: { provisioners: [jwk.entry] },
  };
  await writeFileAtomic(files.configPath, `${JSON.stringify(caConfig, null, '\t')}\n`, 0o600);

  const clientRoot = path.join(files.stepPath, 'certs', 'root_ca.crt');
  await writeFileAtomic(clientRoot, rootPem, 0o644);
  const defaults = { 'ca-url': url, fingerprint, root: clientRoot };
  await writeFileAtomic(
    path.join(files.stepPath, 'config', 'defaults.json'),
    `${JSON.stringify(defaults, null, 2)}\n`,
    0o644,
  );

  const meta: TestbedMeta = { port: options.port, provisioner, provisionerKid: jwk.kid };
  await writeFileAtomic(files.metaPath, `${JSON.stringify(meta, null, 2)}\n`, 0o644);

  return {
    dir: path.resolve(dir),
    port: options.port,
    url,
    configPath: files.configPath,
    rootPath: files.rootPath,
    rootPem,
    intermediatePath: files.intermediatePath,
    intermediatePem,
    fingerprint,
    provisioner,
    provisionerKid: jwk.kid,
    password,
    passwordFile: files.passwordFile,
    stepPath: files.stepPath,
    dbPath: files.dbPath,
    logPath: files.logPath,
  };
}

/** Loads a PKI made earlier by createPki in `dir`, or undefined when there is none. */
export async function loadPki(dir: string): Promise<Pki | undefined> {
  const files = layout(path.resolve(dir));
  let metaText: string;
  try {
    metaText = await readFile(files.metaPath, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const meta = JSON.parse(metaText) as TestbedMeta;
    const rootPem = await readFile(files.rootPath, 'utf8');
    return {
      dir: path.resolve(dir),
      port: meta.port,
      url: `https://127.0.0.1:${meta.port}`,
      configPath: files.configPath,
      rootPath: files.rootPath,
      rootPem,
      intermediatePath: files.intermediatePath,
      intermediatePem: await readFile(files.intermediatePath, 'utf8'),
      fingerprint: fingerprintOf(rootPem),
      provisioner: meta.provisioner,
      provisionerKid: meta.provisionerKid,
      password: (await readFile(files.passwordFile, 'utf8')).trimEnd(),
      passwordFile: files.passwordFile,
      stepPath: files.stepPath,
      dbPath: files.dbPath,
      logPath: files.logPath,
    };
  } catch (cause) {
    throw new TestbedError(`${dir} holds a broken test bed PKI; delete the folder to start afresh.`, {
      cause,
    });
  }
}

interface CaConfigFile {
  authority?: { provisioners?: { type?: string; name?: string; encryptedKey?: string }[] };
}

/**
 * Re-encrypts the provisioner's private key under a new password in ca.json
 * and rewrites the password file. step-ca must be restarted to serve it.
 */
export async function changeProvisionerPassword(pki: Pki, newPassword: string): Promise<Pki> {
  const config = JSON.parse(await readFile(pki.configPath, 'utf8')) as CaConfigFile;
  const entry = config.authority?.provisioners?.find((p) => p.type === 'JWK' && p.name === pki.provisioner);
  if (!entry?.encryptedKey) {
    throw new TestbedError(`ca.json has no JWK provisioner named ${pki.provisioner}.`);
  }
  const privateJwk = await decryptProvisionerKey(entry.encryptedKey, pki.password);
  entry.encryptedKey = await encryptProvisionerKey(privateJwk, newPassword);
  await writeFileAtomic(pki.configPath, `${JSON.stringify(config, null, '\t')}\n`, 0o600);
  await writeFileAtomic(pki.passwordFile, `${newPassword}\n`, 0o600);
  return { ...pki, password: newPassword };
}
