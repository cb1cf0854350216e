/**
 * Test builders: real certificates and keys made with @peculiar/x509 and
 * node:crypto, configured by modifiers:
 *
 *   const root = await aCa();
 *   const leaf = await aCert(withSans('a.example', '10.0.0.1'), expiringIn('1h'), signedBy(root));
 *
 * Self-contained (only @peculiar/x509, node:crypto and core types) so other
 * packages' tests can reuse it.
 */
import 'reflect-metadata';
import { KeyObject, webcrypto } from 'node:crypto';

type CryptoKeyPair = webcrypto.CryptoKeyPair;
type Algorithm = webcrypto.Algorithm;

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { DesiredCertificate, FileRole, KeyAlgorithm, OutputFiles } from '@certloop/core';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export interface BuiltCertificate {
  /** Canonical PEM of the certificate, ending in a newline. */
  readonly certPem: string;
  /** PKCS#8 PEM of the private key. */
  readonly keyPem: string;
  readonly der: Buffer;
  readonly keyAlgorithm: KeyAlgorithm;
  readonly keys: CryptoKeyPair;
  /** The subject DN as given to the generator, e.g. "CN=a.example". */
  readonly subject: string;
  readonly serial: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** The private key in another PEM encoding: SEC1 ("EC PRIVATE KEY") or PKCS#1 ("RSA PRIVATE KEY"). */
  keyPemAs(format: 'pkcs8' | 'sec1' | 'pkcs1'): string;
}

export interface CertDraft {
  commonName: string;
  sans: { dns: string[]; ip: string[]; email: string[]; uri: string[] };
  notBefore: Date;
  notAfter: Date;
  keyAlgorithm: KeyAlgorithm;
  /** Reuse this key pair instead of making a new one. */
  keys?: CryptoKeyPair;
  issuer?: BuiltCertificate;
  ca: boolean;
  keyUsage?: number;
  extendedKeyUsage: string[];
  serial?: string;
  /** Leave out subject and authority key identifiers (issuer found by name only). */
  noKeyIdentifiers?: boolean;
}

export type CertModifier = (draft: CertDraft) => void;

const DURATION = /^(-?\d+)(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** '90s', '10m', '1h', '30d', '-1h' in milliseconds. */
export function duration(text: string): number {
  const match = DURATION.exec(text);
  if (!match) throw new Error(`bad duration "${text}"`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** A modifier that sets one field of the draft. */
const setting =
  <K extends keyof CertDraft>(field: K) =>
  (value: CertDraft[K]): CertModifier =>
  (d) => {
    d[field] = value;
  };

export const withCommonName = setting('commonName');

/** SANs typed by their look: URI (has "://" or "spiffe:"), IP, e-mail (has "@"), else DNS. */
export const withSans =
  (...values: string[]): CertModifier =>
  (d) => {
    for (const value of values) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(value) && isIP(value) === 0) d.sans.uri.push(value);
      else if (isIP(value) !== 0) d.sans.ip.push(value);
      else if (value.includes('@')) d.sans.email.push(value);
      else d.sans.dns.push(value);
    }
  };

export const expiringIn =
  (text: string): CertModifier =>
  (d) => {
    d.notAfter = new Date(Date.now() + duration(text));
  };

export const validFrom = setting('notBefore');

export const withKey = setting('keyAlgorithm');

/** Same key pair as another certificate (a renewal that kept its key). */
export const withKeyOf =
  (other: BuiltCertificate): CertModifier =>
  (d) => {
    d.keyAlgorithm = other.keyAlgorithm;
    d.keys = other.keys;
  };

export const signedBy = setting('issuer');

export const asCa = (): CertModifier => (d) => {
  d.ca = true;
};

export const withKeyUsage =
  (...flags: x509.KeyUsageFlags[]): CertModifier =>
  (d) => {
    d.keyUsage = flags.reduce<number>((all, flag) => all | flag, 0);
  };

export const withExtendedKeyUsage = (...oids: string[]): CertModifier => setting('extendedKeyUsage')(oids);

export const withSerial = setting('serial');

/** No subject/authority key identifier extensions: issuers are matched by name alone. */
export const withoutKeyIdentifiers = (): CertModifier => (d) => {
  d.noKeyIdentifiers = true;
};

export const KeyUsage = x509.KeyUsageFlags;
export const ExtendedKeyUsage = x509.ExtendedKeyUsage;

function algorithms(keyAlgorithm: KeyAlgorithm): {
  generate: webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams | Algorithm;
  sign: Algorithm | webcrypto.EcdsaParams;
} {
  switch (keyAlgorithm) {
    case 'ecdsa-p256':
      return { generate: { name: 'ECDSA', namedCurve: 'P-256' }, sign: { name: 'ECDSA', hash: 'SHA-256' } };
    case 'ecdsa-p384':
      return { generate: { name: 'ECDSA', namedCurve: 'P-384' }, sign: { name: 'ECDSA', hash: 'SHA-384' } };
    case 'ed25519':
      return { generate: { name: 'Ed25519' }, sign: { name: 'Ed25519' } };
    default: {
      const modulusLength = Number(keyAlgorithm.slice(4));
      const generate: webcrypto.RsaHashedKeyGenParams = {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: 'SHA-256',
      };
      return { generate, sign: { name: 'RSASSA-PKCS1-v1_5' } };
    }
  }
}

export async function aKeyPair(keyAlgorithm: KeyAlgorithm): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(algorithms(keyAlgorithm).generate, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
}

let serialCounter = 0x1000;

/** A certificate: a leaf for `a.example` valid for 30 days, self-signed unless `signedBy(...)`. */
export async function aCert(...modifiers: CertModifier[]): Promise<BuiltCertificate> {
  const now = Date.now();
  const draft: CertDraft = {
    commonName: 'a.example',
    sans: { dns: [], ip: [], email: [], uri: [] },
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + duration('30d')),
    keyAlgorithm: 'ecdsa-p256',
    ca: false,
    extendedKeyUsage: [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
  };
  for (const modify of modifiers) modify(draft);
  const keys = draft.keys ?? (await aKeyPair(draft.keyAlgorithm));
  const subject = `CN=${draft.commonName}`;
  const issuer = draft.issuer;
  const signingAlgorithm = algorithms(issuer?.keyAlgorithm ?? draft.keyAlgorithm).sign;

  const extensions: x509.Extension[] = [new x509.BasicConstraintsExtension(draft.ca, undefined, true)];
  if (!draft.noKeyIdentifiers)
    extensions.push(await x509.SubjectKeyIdentifierExtension.create(keys.publicKey));
  if (issuer && !draft.noKeyIdentifiers)
    extensions.push(await x509.AuthorityKeyIdentifierExtension.create(issuer.keys.publicKey));
  const keyUsage =
    draft.keyUsage ??
    (draft.ca
      ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign
      : x509.KeyUsageFlags.digitalSignature |
        (draft.keyAlgorithm.startsWith('rsa') ? x509.KeyUsageFlags.keyEncipherment : 0));
  extensions.push(new x509.KeyUsagesExtension(keyUsage, true));
  if (!draft.ca && draft.extendedKeyUsage.length > 0) {
    extensions.push(new x509.ExtendedKeyUsageExtension(draft.extendedKeyUsage));
  }
  const names: x509.JsonGeneralNames = [
    ...draft.sans.dns.map((value) => ({ type: 'dns' as const, value })),
    ...draft.sans.ip.map((value) => ({ type: 'ip' as const, value })),
    ...draft.sans.email.map((value) => ({ type: 'email' as const, value })),
    ...draft.sans.uri.map((value) => ({ type: 'url' as const, value })),
  ];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names));

  const serial = draft.serial ?? (serialCounter++).toString(16).padStart(4, '0');
  const common = {
    serialNumber: serial,
    notBefore: draft.notBefore,
    notAfter: draft.notAfter,
    extensions,
    signingAlgorithm,
  };
  const certificate = issuer
    ? await x509.X509CertificateGenerator.create({
        ...common,
        subject,
        issuer: issuer.subject,
        publicKey: keys.publicKey,
        signingKey: issuer.keys.privateKey,
      })
    : await x509.X509CertificateGenerator.createSelfSigned({ ...common, name: subject, keys });

  const privateKey = KeyObject.from(keys.privateKey);
  return {
    certPem: `${certificate.toString('pem').replace(/\r\n/g, '\n').trim()}\n`,
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    der: Buffer.from(certificate.rawData),
    keyAlgorithm: draft.keyAlgorithm,
    keys,
    subject,
    serial,
    notBefore: draft.notBefore,
    notAfter: draft.notAfter,
    keyPemAs: (format) => privateKey.export({ type: format, format: 'pem' } as never).toString(),
  };
}

/** A self-signed root CA. */
export function aCa(...modifiers: CertModifier[]): Promise<BuiltCertificate> {
  return aCert(withCommonName('Test Root CA'), asCa(), expiringIn('3650d'), ...modifiers);
}

/** An intermediate CA signed by `parent`. */
export function anIntermediate(
  parent: BuiltCertificate,
  ...modifiers: CertModifier[]
): Promise<BuiltCertificate> {
  return aCert(
    withCommonName('Test Intermediate CA'),
    asCa(),
    expiringIn('365d'),
    signedBy(parent),
    ...modifiers,
  );
}

/** A fresh temporary directory; `cleanup()` removes it. */
export async function aTempDir(
  prefix = 'certloop-test-',
): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/** Writes `content` to `path`, creating parent directories. */
export async function writeFileAt(path: string, content: string | Buffer, mode = 0o644): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content, { mode });
}

/** A desired certificate with all defaults resolved; `files` maps roles to file names inside `dir`. */
export function aDesiredCertificate(
  dir: string,
  overrides: Partial<Omit<DesiredCertificate, 'files'>> & { files?: Partial<Record<FileRole, string>> } = {},
): DesiredCertificate {
  const fileNames = overrides.files ?? { cert: 'cert.pem', key: 'key.pem' };
  const files: OutputFiles = Object.fromEntries(
    Object.entries(fileNames).map(([role, name]) => [role, join(dir, name)]),
  );
  return {
    name: 'a.example',
    entryIndex: 0,
    spec: {
      commonName: 'a.example',
      sans: { dns: ['a.example'], ip: [], email: [], uri: [] },
      keyAlgorithm: 'ecdsa-p256',
      lifetimeMs: duration('30d'),
    },
    rotation: 'always',
    renewal: { fraction: 2 / 3 },
    placement: { fileMode: 0o644, keyMode: 0o600 },
    hooks: [],
    specHash: '0'.repeat(64),
    ...overrides,
    files,
  };
}
