/**
 * Builders with modifiers for hand-built desired and observed certificates:
 * `aDesired(withSans('a.example'))`, `anObserved(desired, expiringIn(9 * DAY))`.
 * By default an observed certificate is exactly what its desired one asks for,
 * issued a day before NOW with a 30-day lifetime (renewal due at day 20).
 */
import { createHash } from 'node:crypto';
import type {
  CertificateSpec,
  DesiredCertificate,
  DesiredState,
  FileRole,
  KeyAlgorithm,
  ObservedCertificate,
  ObservedCertificateData,
  ObservedFile,
  Provenance,
  RenewalPolicy,
  SubjectAltNames,
} from '@certloop/core';

export const NOW = new Date('2025-01-15T12:00:00.000Z');
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
export type DesiredModifier = (d: Mutable<DesiredCertificate>) => void;

function sans(partial: Partial<SubjectAltNames> = {}): SubjectAltNames {
  return { dns: [], ip: [], email: [], uri: [], ...partial };
}

export function specHashOf(spec: CertificateSpec): string {
  return createHash('sha256').update(JSON.stringify(spec)).digest('hex');
}

export function aDesired(...modifiers: DesiredModifier[]): DesiredCertificate {
  const draft: Mutable<DesiredCertificate> = {
    name: 'web',
    entryIndex: 0,
    spec: {
      commonName: 'web.internal',
      sans: sans({ dns: ['web.internal'] }),
      keyAlgorithm: 'ecdsa-p256',
      lifetimeMs: 30 * DAY,
    },
    rotation: 'always',
    renewal: { fraction: 2 / 3 },
    files: {
      cert: '/certs/web/cert.pem',
      key: '/certs/web/key.pem',
      chain: '/certs/web/chain.pem',
      caBundle: '/certs/web/ca.pem',
    },
    placement: { fileMode: 0o644, keyMode: 0o600 },
    hooks: [],
    specHash: '',
  };
  for (const modify of modifiers) modify(draft);
  draft.specHash = specHashOf(draft.spec);
  return draft;
}

export const named =
  (name: string): DesiredModifier =>
  (d) => {
    d.name = name;
    d.spec = { ...d.spec, commonName: `${name}.internal`, sans: sans({ dns: [`${name}.internal`] }) };
    d.files = {
      cert: `/certs/${name}/cert.pem`,
      key: `/certs/${name}/key.pem`,
      chain: `/certs/${name}/chain.pem`,
      caBundle: `/certs/${name}/ca.pem`,
    };
  };
export const withSans =
  (...dns: string[]): DesiredModifier =>
  (d) => {
    d.spec = { ...d.spec, sans: { ...d.spec.sans, dns: [...dns].sort() } };
  };
export const withIpSans =
  (...ip: string[]): DesiredModifier =>
  (d) => {
    d.spec = { ...d.spec, sans: { ...d.spec.sans, ip } };
  };
export const withCommonName =
  (commonName: string): DesiredModifier =>
  (d) => {
    d.spec = { ...d.spec, commonName };
  };
export const withKeyAlgorithm =
  (keyAlgorithm: KeyAlgorithm): DesiredModifier =>
  (d) => {
    d.spec = { ...d.spec, keyAlgorithm };
  };
export const withLifetime =
  (lifetimeMs: number): DesiredModifier =>
  (d) => {
    d.spec = { ...d.spec, lifetimeMs };
  };
export const withRenewal =
  (renewal: RenewalPolicy): DesiredModifier =>
  (d) => {
    d.renewal = renewal;
  };
export const withHooks =
  (...commands: string[]): DesiredModifier =>
  (d) => {
    d.hooks = commands.map((command) => ({ command, timeoutMs: 30_000 }));
  };
export const withOwner =
  (owner: string, group?: string): DesiredModifier =>
  (d) => {
    d.placement = { ...d.placement, owner, ...(group === undefined ? {} : { group }) };
  };
export const withKeyMode =
  (keyMode: number): DesiredModifier =>
  (d) => {
    d.placement = { ...d.placement, keyMode };
  };
export const withRotation =
  (rotation: 'always' | 'never'): DesiredModifier =>
  (d) => {
    d.rotation = rotation;
  };
export const withFullchain: DesiredModifier = (d) => {
  d.files = { ...d.files, fullchain: d.files.cert!.replace('cert.pem', 'fullchain.pem') };
};
/** The legacy shape: `cert_path` is a full chain, so there is no `cert` role. */
export const fullchainInsteadOfCert: DesiredModifier = (d) => {
  const { cert, ...rest } = d.files;
  d.files = { ...rest, fullchain: cert!.replace('cert.pem', 'fullchain.pem') };
};

// ---- observed ----

type ObservedDraft = Mutable<ObservedCertificate> & {
  files: Partial<Record<FileRole, ObservedFile>>;
  chainFilesCurrent: Partial<Record<'chain' | 'fullchain' | 'caBundle', boolean>>;
};
export type ObservedModifier = (o: ObservedDraft, desired: DesiredCertificate) => void;

export function anObserved(
  desired: DesiredCertificate,
  ...modifiers: ObservedModifier[]
): ObservedCertificate {
  const files: Partial<Record<FileRole, ObservedFile>> = {};
  for (const [role, path] of Object.entries(desired.files) as [FileRole, string][]) {
    files[role] = {
      path,
      exists: true,
      readable: true,
      mode: role === 'key' ? desired.placement.keyMode : desired.placement.fileMode,
      uid: 0,
      gid: 0,
      size: 1000,
    };
  }
  const certificate: ObservedCertificateData = {
    commonName: desired.spec.commonName,
    sans: desired.spec.sans,
    serial: 'abc123',
    notBefore: new Date(NOW.getTime() - DAY).toISOString(),
    notAfter: new Date(NOW.getTime() + 29 * DAY).toISOString(),
    keyAlgorithm: desired.spec.keyAlgorithm,
    issuer: 'CN=Test Intermediate CA',
    subject: `CN=${desired.spec.commonName}`,
    selfSigned: false,
    chainVerifies: true,
    keyUsage: ['digitalSignature'],
    extendedKeyUsage: ['serverAuth'],
    publicKeySha256: `pk-${desired.name}`,
    sha256: `leaf-${desired.name}`,
  };
  const draft: ObservedDraft = {
    name: desired.name,
    files,
    certificate,
    key: { keyAlgorithm: desired.spec.keyAlgorithm, publicKeySha256: `pk-${desired.name}` },
    keyMatchesCertificate: true,
    chainFilesCurrent: Object.fromEntries(
      (['chain', 'fullchain', 'caBundle'] as const)
        .filter((r) => desired.files[r] !== undefined)
        .map((r) => [r, true]),
    ),
  };
  for (const modify of modifiers) modify(draft, desired);
  return draft;
}

function patchCertificate(o: ObservedDraft, patch: Partial<ObservedCertificateData>): void {
  if (o.certificate === undefined) throw new Error('builder: no certificate to modify');
  o.certificate = { ...o.certificate, ...patch };
}

/** Keeps the 30-day lifetime, moving the validity so that it expires `ms` after NOW (negative: expired). */
export const expiringIn =
  (ms: number, lifetimeMs = 30 * DAY): ObservedModifier =>
  (o) => {
    const notAfter = NOW.getTime() + ms;
    patchCertificate(o, {
      notAfter: new Date(notAfter).toISOString(),
      notBefore: new Date(notAfter - lifetimeMs).toISOString(),
    });
  };
export const validFrom =
  (notBefore: Date, notAfter: Date): ObservedModifier =>
  (o) => {
    patchCertificate(o, { notBefore: notBefore.toISOString(), notAfter: notAfter.toISOString() });
  };
export const withoutFile =
  (role: FileRole): ObservedModifier =>
  (o) => {
    const file = o.files[role];
    if (file) o.files[role] = { path: file.path, exists: false, readable: false };
    if (role === 'cert') {
      delete o.certificate;
      delete o.keyMatchesCertificate;
    }
    if (role === 'key') {
      delete o.key;
      delete o.keyMatchesCertificate;
    }
    if (role === 'chain' || role === 'fullchain' || role === 'caBundle') delete o.chainFilesCurrent[role];
  };
export const unreadable =
  (role: 'cert' | 'key'): ObservedModifier =>
  (o) => {
    o.files[role] = { ...o.files[role]!, readable: false, error: 'EACCES' };
    if (role === 'cert') delete o.certificate;
    else delete o.key;
    delete o.keyMatchesCertificate;
  };
export const truncatedCert: ObservedModifier = (o) => {
  delete o.certificate;
  delete o.keyMatchesCertificate;
  o.certificateError = 'PEM block is truncated';
};
export const truncatedKey: ObservedModifier = (o) => {
  delete o.key;
  delete o.keyMatchesCertificate;
  o.keyError = 'not a private key';
};
export const keySwapped: ObservedModifier = (o) => {
  o.key = { ...o.key!, publicKeySha256: 'pk-someone-else' };
  o.keyMatchesCertificate = false;
};
export const selfSigned: ObservedModifier = (o) =>
  patchCertificate(o, { selfSigned: true, chainVerifies: false, issuer: 'CN=web.internal' });
export const fromForeignCa: ObservedModifier = (o) =>
  patchCertificate(o, { chainVerifies: false, issuer: 'CN=Some Other CA' });
export const observedSans =
  (partial: Partial<SubjectAltNames>): ObservedModifier =>
  (o) =>
    patchCertificate(o, { sans: { ...o.certificate!.sans, ...partial } });
export const observedCommonName =
  (commonName: string | undefined): ObservedModifier =>
  (o) =>
    patchCertificate(o, { commonName });
export const observedKeyAlgorithm =
  (keyAlgorithm: KeyAlgorithm): ObservedModifier =>
  (o) => {
    patchCertificate(o, { keyAlgorithm });
    o.key = { ...o.key!, keyAlgorithm };
  };
export const observedUsages =
  (...extendedKeyUsage: string[]): ObservedModifier =>
  (o) =>
    patchCertificate(o, { extendedKeyUsage });
export const asClient: DesiredModifier = (d) => {
  d.spec = { ...d.spec, usage: 'client' };
};
export const withMode =
  (role: FileRole, mode: number): ObservedModifier =>
  (o) => {
    o.files[role] = { ...o.files[role]!, mode };
  };
export const ownedBy =
  (role: FileRole, uid: number, gid: number): ObservedModifier =>
  (o) => {
    o.files[role] = { ...o.files[role]!, uid, gid };
  };
export const staleChainFile =
  (role: 'chain' | 'fullchain' | 'caBundle'): ObservedModifier =>
  (o) => {
    o.chainFilesCurrent[role] = false;
  };

/** Provenance of the observed certificate, as if certloop had requested exactly `desired`. */
export function aProvenance(
  desired: DesiredCertificate,
  observed: ObservedCertificate,
  patch: Partial<Provenance> = {},
): Provenance {
  return {
    name: desired.name,
    specHash: desired.specHash,
    commonName: desired.spec.commonName,
    sans: desired.spec.sans,
    keyAlgorithm: desired.spec.keyAlgorithm,
    requestedLifetimeMs: desired.spec.lifetimeMs,
    issuerId: 'test-ca',
    serial: observed.certificate?.serial ?? 'unknown',
    certificateSha256: observed.certificate?.sha256 ?? 'unknown',
    issuedAt: observed.certificate?.notBefore ?? NOW.toISOString(),
    notAfter: observed.certificate?.notAfter ?? NOW.toISOString(),
    files: { ...desired.files },
    ...patch,
  };
}

/** A v1 desired state holding these certificates, sorted by name as the manifest loader sorts them. */
export function stateOf(...certificates: DesiredCertificate[]): DesiredState {
  return {
    manifestPath: '/etc/certloop/manifest.yaml',
    format: 'v1',
    issuer: undefined,
    settings: {},
    certificates: [...certificates].sort((a, b) => a.name.localeCompare(b.name)),
  };
}

export const deliveredTo =
  (guestType: 'lxc' | 'vm', guestId: number, options: { withCa?: boolean } = {}): DesiredModifier =>
  (d) => {
    d.delivery = {
      guestType,
      guestId,
      certPath: '/tmp/cert.pem',
      keyPath: '/tmp/key.pem',
      ...(options.withCa === true ? { caPath: '/tmp/ca.pem' } : {}),
    };
  };
