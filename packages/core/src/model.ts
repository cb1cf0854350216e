/**
 * The desired-state model: what every certificate should look like, with every
 * default resolved. Both manifest formats normalize into it, so nothing
 * downstream knows which format a certificate came from. Instances are
 * deep-frozen (immer), never mutated.
 */

export const KEY_ALGORITHMS = [
  'ecdsa-p256',
  'ecdsa-p384',
  'rsa-2048',
  'rsa-3072',
  'rsa-4096',
  'ed25519',
] as const;
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];

/** `always`: a fresh key on every issuance; `never`: keep the existing key while it is usable. */
export const ROTATION_POLICIES = ['always', 'never'] as const;
export type RotationPolicy = (typeof ROTATION_POLICIES)[number];

/** Canonical SANs: lower-cased DNS names, normalized IPs, each list sorted and de-duplicated. */
export interface SubjectAltNames {
  readonly dns: readonly string[];
  readonly ip: readonly string[];
  readonly email: readonly string[];
  readonly uri: readonly string[];
}

/** The output files a certificate may have; any may be omitted. Absolute paths. */
export const FILE_ROLES = ['cert', 'key', 'chain', 'fullchain', 'caBundle'] as const;
export type FileRole = (typeof FILE_ROLES)[number];
export type OutputFiles = Readonly<Partial<Record<FileRole, string>>>;

/**
 * Fields that shape the certificate's content: a change here needs a new certificate.
 * The issuer is deliberately not part of it: a certificate from another CA is
 * detected by chain verification against the configured roots.
 */
export interface CertificateSpec {
  readonly commonName: string;
  /**
   * What the certificate authenticates (its extended key usage): `server`
   * (serverAuth, the default; absent means server) or `client` (clientAuth).
   * Left out of the spec hash unless `client`, so hashes recorded before this
   * field existed stay valid.
   */
  readonly usage?: CertificateUsage;
  readonly sans: SubjectAltNames;
  readonly keyAlgorithm: KeyAlgorithm;
  /** Requested lifetime in milliseconds. */
  readonly lifetimeMs: number;
}

export const CERTIFICATE_USAGES = ['server', 'client'] as const;
export type CertificateUsage = (typeof CERTIFICATE_USAGES)[number];

export const GUEST_TYPES = ['lxc', 'vm'] as const;
/** A Proxmox guest: `lxc` is a container (`pct`), `vm` a QEMU VM reached through its guest agent (`qm`). */
export type GuestType = (typeof GUEST_TYPES)[number];

/** Where a certificate's files go inside a Proxmox guest, before its hooks run. */
export interface GuestDelivery {
  readonly guestId: number;
  readonly guestType: GuestType;
  /** Paths inside the guest. */
  readonly certPath: string;
  readonly keyPath: string;
  /** Set when the issuer's roots go into the guest too (legacy `include_ca`). */
  readonly caPath?: string;
}

/** The guest a delivery targets, as one key ("lxc/101"): entries sharing it are serialized. */
export function guestKey(delivery: Pick<GuestDelivery, 'guestId' | 'guestType'>): string {
  return `${delivery.guestType}/${delivery.guestId}`;
}

export const DEFAULT_GUEST_PATHS = {
  certPath: '/tmp/cert.pem',
  keyPath: '/tmp/key.pem',
  caPath: '/tmp/ca.pem',
} as const;

/**
 * When to renew. Renewal is due at the earliest of the configured points:
 * `beforeExpiryMs` before notAfter, and/or after `fraction` of the actual lifetime.
 */
export interface RenewalPolicy {
  readonly beforeExpiryMs?: number;
  /** 0 < fraction < 1; e.g. 2/3 renews when two thirds of the lifetime have passed. */
  readonly fraction?: number;
}

/** Fields that only change placement: fixable without a new certificate. */
export interface Placement {
  /** User name or numeric uid; undefined leaves the owner alone. */
  readonly owner?: string;
  /** Group name or numeric gid; undefined leaves the group alone. */
  readonly group?: string;
  /** Mode of the public files (cert, chain, fullchain, CA bundle), e.g. 0o644. */
  readonly fileMode: number;
  /** Mode of the private key file, e.g. 0o600. */
  readonly keyMode: number;
}

export interface Hook {
  /** Run with `/bin/sh -c`; details come in environment variables, never interpolated. */
  readonly command: string;
  readonly timeoutMs: number;
}

export interface DesiredCertificate {
  /** Stable name: legacy entries use their common name (disambiguated if needed). */
  readonly name: string;
  /** Where it came from, for messages: entry index in the manifest. */
  readonly entryIndex: number;
  readonly spec: CertificateSpec;
  readonly rotation: RotationPolicy;
  readonly renewal: RenewalPolicy;
  readonly files: OutputFiles;
  readonly placement: Placement;
  readonly hooks: readonly Hook[];
  /** Files delivered into a Proxmox guest after they are written and before the hooks run. */
  readonly delivery?: GuestDelivery;
  /** sha256 (hex) of the canonical JSON of `spec`: what provenance is compared to. */
  readonly specHash: string;
}

export interface StepCaIssuerConfig {
  readonly type: 'step-ca';
  readonly id: string;
  readonly url?: string;
  /** Path to the root certificate PEM file. */
  readonly root?: string;
  /** SHA-256 fingerprint (hex) of the root certificate, for bootstrap. */
  readonly fingerprint?: string;
  readonly provisioner?: string;
  readonly passwordFile?: string;
  /** How a still-valid certificate is renewed (absent: `auto`). */
  readonly renewal?: RenewalMode;
}

/**
 * `auto`: renew over mTLS with the current certificate when it can, else the
 * provisioner; `mtls`: only over mTLS (new certificates aside), failing with
 * the reason otherwise; `provisioner`: always a provisioner token.
 */
export const RENEWAL_MODES = ['auto', 'mtls', 'provisioner'] as const;
export type RenewalMode = (typeof RENEWAL_MODES)[number];

export interface LocalCaIssuerConfig {
  readonly type: 'local';
  readonly id: string;
  /** Directory holding the local CA's root and intermediate (keys mode 0600). */
  readonly directory: string;
}

export type IssuerConfig = StepCaIssuerConfig | LocalCaIssuerConfig;

export type ManifestFormat = 'legacy' | 'v1';

export interface DesiredState {
  readonly manifestPath: string;
  readonly format: ManifestFormat;
  /** Undefined for the legacy format: the issuer comes from flags, environment or $STEPPATH. */
  readonly issuer: IssuerConfig | undefined;
  /** Concurrency bound and other engine settings from the manifest, if any. */
  readonly settings: EngineSettings;
  /** Sorted by name; names are unique. */
  readonly certificates: readonly DesiredCertificate[];
}

export interface EngineSettings {
  /** Directory for locks, status and provenance; undefined means the CLI default. */
  readonly stateDir?: string;
  /** How reconcilers on several hosts take turns; undefined means the lease file in the state directory. */
  readonly coordination?: CoordinationConfig;
}

export const COORDINATION_BACKENDS = ['file', 'etcd'] as const;
export type CoordinationBackend = (typeof COORDINATION_BACKENDS)[number];

/** Where the one-reconciler-at-a-time lease lives. */
export type CoordinationConfig = { readonly backend: 'file' } | EtcdCoordination;

export interface EtcdCoordination {
  readonly backend: 'etcd';
  /** Client URLs (http:// or https://) of the etcd cluster; tried in order. */
  readonly endpoints: readonly string[];
  /** Key prefix under which each manifest's election key lives. */
  readonly prefix: string;
  /** The lease's time to live: a dead leader is replaced after about this long. */
  readonly ttlMs: number;
  /** TLS: the CA that signed etcd's certificate, and the client pair when etcd checks clients. */
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
}

export const DEFAULT_ETCD_PREFIX = '/certloop/';
export const DEFAULT_ETCD_TTL_MS = 15_000;
/** Below this, a lease could run out between two renewals of a busy host. */
export const MIN_ETCD_TTL_MS = 3_000;

/**
 * The file that holds the leaf certificate: `cert` when declared, else the
 * first block of `fullchain` (legacy `cert_path` is a full chain, as
 * `step ca certificate` writes it).
 */
export function leafRole(files: OutputFiles): 'cert' | 'fullchain' | undefined {
  if (files.cert !== undefined) return 'cert';
  if (files.fullchain !== undefined) return 'fullchain';
  return undefined;
}

/**
 * The order in which a certificate's files are renamed into place: key first,
 * certificate last. The certificate is the commit marker: whoever sees the new
 * certificate (an observer, a reloading server) finds its key already there.
 */
export const COMMIT_ORDER: readonly FileRole[] = ['key', 'caBundle', 'chain', 'fullchain', 'cert'];
