/**
 * Writes a desired state as a v1 manifest document that loads back to the
 * same model (used by `certloop migrate`). Values shared by most certificates
 * become explicit `defaults`; each certificate states only what differs, so
 * the result reads like a hand-written manifest and behaves identically.
 */
import type {
  DesiredCertificate,
  DesiredState,
  GuestDelivery,
  GuestType,
  KeyAlgorithm,
  RenewalMode,
  RenewalPolicy,
  RotationPolicy,
} from '../model.js';
import { DEFAULT_GUEST_PATHS, FILE_ROLES } from '../model.js';
import { formatDuration } from './duration.js';
import { sansFromCommonName } from './sans.js';
import { canonicalJson } from './spec-hash.js';
import { V1_API_VERSION, V1_KIND } from './v1-schema.js';
import { formatMode } from './values.js';

export interface V1KeyDocument {
  algorithm?: KeyAlgorithm;
  rotation?: RotationPolicy;
}

export interface V1RenewalDocument {
  renewBefore?: string;
  renewAt?: string | number;
}

export interface V1DefaultsDocument extends V1RenewalDocument {
  duration?: string;
  key?: V1KeyDocument;
  mode?: string;
  keyMode?: string;
  hookTimeout?: string;
}

export interface V1CertificateDocument extends V1RenewalDocument {
  name: string;
  commonName: string;
  sans?: string[];
  dns?: string[];
  ip?: string[];
  email?: string[];
  uri?: string[];
  duration?: string;
  key?: V1KeyDocument;
  usage?: 'client';
  files: Partial<Record<(typeof FILE_ROLES)[number], string>>;
  delivery?: V1DeliveryDocument;
  owner?: string;
  group?: string;
  mode?: string;
  keyMode?: string;
  hooks?: { command: string; timeout?: string }[];
}

export interface V1DeliveryDocument {
  guestType: GuestType;
  guestId: number;
  certPath?: string;
  keyPath?: string;
  caPath?: string;
}

export interface V1ManifestDocument {
  apiVersion: typeof V1_API_VERSION;
  kind: typeof V1_KIND;
  issuer?:
    | {
        stepCA: {
          url: string;
          root?: string;
          fingerprint?: string;
          provisioner?: string;
          passwordFile?: string;
          renewal?: RenewalMode;
        };
      }
    | { local: { directory: string } };
  stateDir?: string;
  defaults?: V1DefaultsDocument;
  certificates: V1CertificateDocument[];
}

export function toV1Manifest(state: DesiredState): V1ManifestDocument {
  // Key order is the order a person reads: issuer, settings, defaults, certificates.
  const doc: Omit<V1ManifestDocument, 'certificates'> = { apiVersion: V1_API_VERSION, kind: V1_KIND };
  if (state.issuer?.type === 'local') doc.issuer = { local: { directory: state.issuer.directory } };
  if (state.issuer?.type === 'step-ca') {
    const { url, root, fingerprint, provisioner, passwordFile, renewal } = state.issuer;
    doc.issuer = {
      stepCA: prune({ url: url ?? '', root, fingerprint, provisioner, passwordFile, renewal }),
    };
  }
  if (state.settings.stateDir !== undefined) doc.stateDir = state.settings.stateDir;
  const certs = state.certificates;
  if (certs.length === 0) return { ...doc, certificates: [] };

  const common = {
    lifetimeMs: mostCommon(certs.map((c) => c.spec.lifetimeMs)),
    renewal: mostCommon(certs.map((c) => c.renewal)),
    algorithm: mostCommon(certs.map((c) => c.spec.keyAlgorithm)),
    rotation: mostCommon(certs.map((c) => c.rotation)),
    fileMode: mostCommon(certs.map((c) => c.placement.fileMode)),
    keyMode: mostCommon(certs.map((c) => c.placement.keyMode)),
    hookTimeoutMs: mostCommonOrUndefined(certs.flatMap((c) => c.hooks.map((h) => h.timeoutMs))),
  };
  doc.defaults = prune({
    duration: formatDuration(common.lifetimeMs),
    ...renewalFields(common.renewal),
    key: { algorithm: common.algorithm, rotation: common.rotation },
    mode: formatMode(common.fileMode),
    keyMode: formatMode(common.keyMode),
    hookTimeout: common.hookTimeoutMs === undefined ? undefined : formatDuration(common.hookTimeoutMs),
  });

  const usedNames = new Set<string>();
  const certificates = certs.map((cert): V1CertificateDocument => {
    const entry: V1CertificateDocument = {
      name: v1Name(cert.name, usedNames),
      commonName: cert.spec.commonName,
      ...sanFields(cert),
      files: {},
    };
    if (cert.spec.lifetimeMs !== common.lifetimeMs) entry.duration = formatDuration(cert.spec.lifetimeMs);
    if (canonicalJson(cert.renewal) !== canonicalJson(common.renewal))
      Object.assign(entry, renewalFields(cert.renewal));
    const key: V1KeyDocument = {};
    if (cert.spec.keyAlgorithm !== common.algorithm) key.algorithm = cert.spec.keyAlgorithm;
    if (cert.rotation !== common.rotation) key.rotation = cert.rotation;
    if (Object.keys(key).length > 0) entry.key = key;
    for (const role of FILE_ROLES) {
      const file = cert.files[role];
      if (file !== undefined) entry.files[role] = file;
    }
    if (cert.spec.usage === 'client') entry.usage = 'client';
    if (cert.delivery !== undefined) entry.delivery = deliveryFields(cert.delivery);
    if (cert.placement.owner !== undefined) entry.owner = cert.placement.owner;
    if (cert.placement.group !== undefined) entry.group = cert.placement.group;
    if (cert.placement.fileMode !== common.fileMode) entry.mode = formatMode(cert.placement.fileMode);
    if (cert.placement.keyMode !== common.keyMode) entry.keyMode = formatMode(cert.placement.keyMode);
    if (cert.hooks.length > 0) {
      entry.hooks = cert.hooks.map((hook) =>
        hook.timeoutMs === common.hookTimeoutMs
          ? { command: hook.command }
          : { command: hook.command, timeout: formatDuration(hook.timeoutMs) },
      );
    }
    return entry;
  });
  return { ...doc, certificates };
}

/** SANs are omitted when they are what the common name gives by default; an empty list stays explicit. */
function sanFields(
  cert: DesiredCertificate,
): Pick<V1CertificateDocument, 'sans' | 'dns' | 'ip' | 'email' | 'uri'> {
  const { sans, commonName } = cert.spec;
  const fromCn = sansFromCommonName(commonName);
  const total = sans.dns.length + sans.ip.length + sans.email.length + sans.uri.length;
  if (total > 0 && canonicalJson(sans) === canonicalJson(fromCn)) return {};
  if (total === 0) return { sans: [] };
  return prune({
    dns: nonEmpty(sans.dns),
    ip: nonEmpty(sans.ip),
    email: nonEmpty(sans.email),
    uri: nonEmpty(sans.uri),
  });
}

/** Guest paths are written only where they differ from the defaults; the CA path always (it opts in). */
function deliveryFields(delivery: GuestDelivery): V1DeliveryDocument {
  return prune({
    guestType: delivery.guestType,
    guestId: delivery.guestId,
    certPath: delivery.certPath === DEFAULT_GUEST_PATHS.certPath ? undefined : delivery.certPath,
    keyPath: delivery.keyPath === DEFAULT_GUEST_PATHS.keyPath ? undefined : delivery.keyPath,
    caPath: delivery.caPath,
  });
}

function renewalFields(renewal: RenewalPolicy): V1RenewalDocument {
  const fields: V1RenewalDocument = {};
  if (renewal.beforeExpiryMs !== undefined) fields.renewBefore = formatDuration(renewal.beforeExpiryMs);
  if (renewal.fraction !== undefined) fields.renewAt = renewal.fraction === 2 / 3 ? '2/3' : renewal.fraction;
  return fields;
}

/** v1 names allow letters, digits and . _ - #; anything else becomes "-" (kept unique). */
function v1Name(name: string, used: Set<string>): string {
  let base = name.replace(/[^A-Za-z0-9._#-]/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  if (base === '') base = 'certificate';
  let candidate = base;
  for (let n = 2; used.has(candidate); n += 1) candidate = `${base}-${n}`;
  used.add(candidate);
  return candidate;
}

/** The most frequent value (by canonical JSON); ties go to the first seen, certificates being sorted by name. */
function mostCommon<T>(values: readonly [T, ...T[]] | readonly T[]): T {
  return mostCommonOrUndefined(values) as T;
}

function mostCommonOrUndefined<T>(values: readonly T[]): T | undefined {
  const counts = new Map<string, { value: T; count: number }>();
  for (const value of values) {
    const key = canonicalJson(value);
    const slot = counts.get(key);
    if (slot) slot.count += 1;
    else counts.set(key, { value, count: 1 });
  }
  let best: { value: T; count: number } | undefined;
  for (const slot of counts.values()) if (best === undefined || slot.count > best.count) best = slot;
  return best?.value;
}

function nonEmpty(list: readonly string[]): string[] | undefined {
  return list.length > 0 ? [...list] : undefined;
}

function prune<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
