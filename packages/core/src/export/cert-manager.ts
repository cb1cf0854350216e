/**
 * The desired state as cert-manager `Certificate` objects (cert-manager.io/v1),
 * for operators who move a manifest's certificates into Kubernetes. Pure data:
 * the CLI renders it as YAML. What cert-manager cannot express (file paths,
 * owners and modes, hooks, delivery into guests) is returned as `unexpressed`,
 * never dropped silently.
 */

import type { DesiredCertificate, DesiredState, KeyAlgorithm, RenewalPolicy } from '../model.js';
import { omitUndefined } from '../objects.js';

export interface IssuerReference {
  readonly name: string;
  readonly kind: string;
  readonly group?: string;
}

export interface CertManagerOptions {
  readonly namespace?: string;
  readonly issuerRef: IssuerReference;
}

/** A certloop field of one certificate that has no place in a Certificate. */
export interface Unexpressed {
  readonly certificate: string;
  readonly field: string;
  readonly value: string;
  /** Where it goes instead in Kubernetes, if anywhere. */
  readonly instead: string;
}

export interface ExportedCertificate {
  readonly name: string;
  readonly object: CertificateObject;
  readonly unexpressed: readonly Unexpressed[];
}

export interface CertificateObject {
  apiVersion: 'cert-manager.io/v1';
  kind: 'Certificate';
  metadata: { name: string; namespace?: string; labels: Record<string, string> };
  spec: {
    secretName: string;
    commonName: string;
    dnsNames?: string[];
    ipAddresses?: string[];
    emailAddresses?: string[];
    uris?: string[];
    duration: string;
    renewBefore?: string;
    renewBeforePercentage?: number;
    privateKey: { algorithm: 'RSA' | 'ECDSA' | 'Ed25519'; size?: number; rotationPolicy: 'Always' | 'Never' };
    usages: string[];
    issuerRef: IssuerReference;
  };
}

/** A DNS-1123 subdomain from a certificate's name (lower case, [a-z0-9.-], alphanumeric at both ends). */
export function kubernetesName(name: string): string {
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return (cleaned || 'certificate').slice(0, 253).replace(/[^a-z0-9]+$/, '');
}

/** Go's duration text (cert-manager parses durations with Go): hours, minutes, seconds. */
export function goDuration(ms: number): string {
  const totalSeconds = Math.round(ms / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  return `${hours}h${minutes}m${seconds}s`;
}

const KEYS: Readonly<Record<KeyAlgorithm, CertificateObject['spec']['privateKey']['algorithm']>> = {
  'ecdsa-p256': 'ECDSA',
  'ecdsa-p384': 'ECDSA',
  'rsa-2048': 'RSA',
  'rsa-3072': 'RSA',
  'rsa-4096': 'RSA',
  ed25519: 'Ed25519',
};

const KEY_SIZES: Readonly<Partial<Record<KeyAlgorithm, number>>> = {
  'ecdsa-p256': 256,
  'ecdsa-p384': 384,
  'rsa-2048': 2048,
  'rsa-3072': 3072,
  'rsa-4096': 4096,
};

/**
 * cert-manager takes one of renewBefore and renewBeforePercentage. certloop
 * renews at the earlier of its two points: that one is kept, as the time
 * before expiry at the requested lifetime when both are set.
 */
function renewal(
  policy: RenewalPolicy,
  lifetimeMs: number,
): Pick<CertificateObject['spec'], 'renewBefore' | 'renewBeforePercentage'> {
  const fromFraction = policy.fraction === undefined ? undefined : (1 - policy.fraction) * lifetimeMs;
  if (policy.beforeExpiryMs === undefined && fromFraction !== undefined) {
    return { renewBeforePercentage: Math.min(99, Math.max(1, Math.round((1 - policy.fraction!) * 100))) };
  }
  const before = Math.max(policy.beforeExpiryMs ?? 0, fromFraction ?? 0);
  return before > 0 ? { renewBefore: goDuration(Math.min(before, lifetimeMs - 1000)) } : {};
}

/** serverAuth or clientAuth, with digital signature; key encipherment only where RSA can use it. */
function usages(certificate: DesiredCertificate): string[] {
  const rsa = certificate.spec.keyAlgorithm.startsWith('rsa');
  const purpose = certificate.spec.usage === 'client' ? 'client auth' : 'server auth';
  return ['digital signature', ...(rsa ? ['key encipherment'] : []), purpose];
}

function unexpressedOf(certificate: DesiredCertificate, secretName: string): Unexpressed[] {
  const out: Unexpressed[] = [];
  const add = (field: string, value: string, instead: string) =>
    out.push({ certificate: certificate.name, field, value, instead });
  const secretKey = {
    cert: 'tls.crt',
    key: 'tls.key',
    chain: 'tls.crt',
    fullchain: 'tls.crt',
    caBundle: 'ca.crt',
  };
  for (const [role, path] of Object.entries(certificate.files)) {
    if (path === undefined) continue;
    add(`files.${role}`, path, `key ${secretKey[role as keyof typeof secretKey]} of Secret ${secretName}`);
  }
  const { owner, group, fileMode, keyMode } = certificate.placement;
  if (owner !== undefined || group !== undefined) {
    add(
      'owner',
      [owner, group].filter((x) => x !== undefined).join(':'),
      "the consuming pod's securityContext",
    );
  }
  add('mode', `0${fileMode.toString(8)} (key 0${keyMode.toString(8)})`, "the Secret volume's defaultMode");
  for (const hook of certificate.hooks) {
    add('hooks', hook.command, 'a reloader that restarts the workload when the Secret changes');
  }
  if (certificate.delivery !== undefined) {
    const { guestType, guestId } = certificate.delivery;
    add('delivery', `${guestType} ${guestId}`, 'mounting the Secret in the workload');
  }
  return out;
}

export function toCertManagerCertificates(
  state: DesiredState,
  options: CertManagerOptions,
): ExportedCertificate[] {
  return state.certificates.map((certificate) => {
    const name = kubernetesName(certificate.name);
    const secretName = `${name}-tls`;
    const { spec } = certificate;
    const optional = <K extends string>(key: K, values: readonly string[]) =>
      values.length > 0 ? ({ [key]: [...values] } as Record<K, string[]>) : {};
    const size = KEY_SIZES[spec.keyAlgorithm];
    const object: CertificateObject = {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: omitUndefined({
        name,
        namespace: options.namespace,
        labels: { 'app.kubernetes.io/managed-by': 'certloop-export' },
      }),
      spec: {
        secretName,
        commonName: spec.commonName,
        ...optional('dnsNames', spec.sans.dns),
        ...optional('ipAddresses', spec.sans.ip),
        ...optional('emailAddresses', spec.sans.email),
        ...optional('uris', spec.sans.uri),
        duration: goDuration(spec.lifetimeMs),
        ...renewal(certificate.renewal, spec.lifetimeMs),
        privateKey: omitUndefined({
          algorithm: KEYS[spec.keyAlgorithm],
          size,
          rotationPolicy: certificate.rotation === 'always' ? ('Always' as const) : ('Never' as const),
        }),
        usages: usages(certificate),
        issuerRef: { ...options.issuerRef },
      },
    };
    return { name: certificate.name, object, unexpressed: unexpressedOf(certificate, secretName) };
  });
}
