/**
 * A certificate as read from either format, before cross-entry rules run and
 * the frozen model is built. Every field has a value (fallbacks where the
 * entry was wrong) and remembers where it came from, so rules can point at it.
 */
import type {
  CertificateUsage,
  EngineSettings,
  FileRole,
  GuestDelivery,
  Hook,
  IssuerConfig,
  KeyAlgorithm,
  Placement,
  RenewalPolicy,
  RotationPolicy,
  SubjectAltNames,
} from '../model.js';
import type { DocPath } from './problems.js';

export interface Sourced<T> {
  value: T;
  /** Document path of the value (a defaults path, or [] for built-in defaults and options). */
  at: DocPath;
  /** For messages: "certificates[1].duration", "defaults.duration", "the --duration option". */
  source: string;
  /** Set on the certificate itself (not inherited from defaults or options). */
  explicit: boolean;
}

export interface DraftFile {
  role: FileRole;
  path: string;
  at: DocPath;
}

export interface Draft {
  entryIndex: number;
  /** Document path of the entry. */
  at: DocPath;
  name: string;
  namePath: DocPath;
  commonName: string;
  sans: SubjectAltNames;
  /** True when the manifest listed SANs itself (then the CN is not added). */
  sansExplicit: boolean;
  sansAt: DocPath;
  keyAlgorithm: KeyAlgorithm;
  usage: CertificateUsage;
  rotation: Sourced<RotationPolicy>;
  lifetimeMs: Sourced<number>;
  renewal: Sourced<RenewalPolicy>;
  files: DraftFile[];
  placement: Placement;
  hooks: Hook[];
  delivery: GuestDelivery | undefined;
}

/** What normalising a manifest of either format gives, before the rules across certificates. */
export interface NormalisedManifest {
  drafts: Draft[];
  issuer: IssuerConfig | undefined;
  settings: EngineSettings;
}

/** Built-in defaults shared by both formats (legacy overrides some). */
export const DEFAULT_FILE_MODE = 0o644;
export const DEFAULT_KEY_MODE = 0o600;
export const DEFAULT_KEY_ALGORITHM: KeyAlgorithm = 'ecdsa-p256';
export const DEFAULT_HOOK_TIMEOUT_MS = 5 * 60_000;
export const DEFAULT_V1_LIFETIME_MS = 24 * 3_600_000;
export const DEFAULT_V1_RENEWAL: RenewalPolicy = { fraction: 2 / 3 };
export const LEGACY_LIFETIME_MS = 24 * 3_600_000;
export const LEGACY_RENEW_BEFORE_MS = 12 * 3_600_000;
