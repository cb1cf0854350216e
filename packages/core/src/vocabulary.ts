/**
 * The closed vocabulary of the engine: actions and drift reasons. Every reason
 * is documented once here; messages are built by the policies.
 */
export const ACTIONS = ['none', 'issue', 'reissue', 'update-files', 'fix-permissions', 'remove'] as const;
export type Action = (typeof ACTIONS)[number];

export const REASONS = {
  // needs issuance (nothing usable there)
  'cert-missing': 'The certificate file does not exist.',
  'key-missing': 'The private key file does not exist.',
  'cert-unparsable': 'The certificate file is not a readable PEM certificate.',
  'key-unparsable': 'The key file is not a readable PEM private key.',
  'file-unreadable': 'A file exists but cannot be read.',
  // needs reissue (content or expiry drift)
  'key-mismatch': 'The private key does not belong to the certificate.',
  'foreign-issuer': 'The certificate does not chain to the configured CA (another CA, or self-signed).',
  expired: 'The certificate has expired.',
  'not-yet-valid': 'The certificate is not valid yet.',
  'renewal-due': 'The certificate is inside its renewal window.',
  'cn-differs': 'The subject common name differs from the manifest.',
  'sans-differ': 'The subject alternative names differ from the manifest.',
  'key-algorithm-differs': 'The key algorithm or size differs from the manifest.',
  'usage-missing':
    'The certificate lacks the extended key usage its use needs: serverAuth for a server certificate, clientAuth for a client one (cert_type / usage).',
  'spec-changed': 'The content-shaping part of the spec changed since the last issuance.',
  forced: 'Reissue was forced (--force).',
  // placement only
  'chain-stale': 'The chain, full-chain or CA bundle file differs from what the issuer gives now.',
  'chain-missing': 'A declared chain, full-chain or CA bundle file is missing.',
  'mode-differs': 'A file mode differs from the manifest.',
  'owner-differs': 'A file owner or group differs from the manifest.',
  'hook-pending': 'A post-renewal hook failed earlier and must run again.',
  'delivery-pending':
    'The files have not reached their Proxmox guest yet (it was stopped or unreachable, or --generate-only); they are delivered, then the hooks run, when it runs.',
  // removal
  orphaned: 'The certificate left the manifest; certloop wrote its files.',
} as const;
export type ReasonCode = keyof typeof REASONS;

export interface Reason {
  code: ReasonCode;
  /** A full sentence for humans, e.g. "SANs differ: added portainer2.internal.thinkheads.ai." */
  message: string;
}

/**
 * A certificate's state. Ready means everything is as declared: certificate,
 * key, chain and bundle files, owner and mode, and no pending work. Drifted:
 * the certificate is good but a file's placement (mode, owner, chain, bundle)
 * differs; Pending: work left over from a pass (a hook) must still run.
 */
export const CERT_STATES = [
  'Ready',
  'RenewalDue',
  'Expired',
  'Missing',
  'Invalid',
  'Drifted',
  'Pending',
  'Failed',
] as const;
export type CertState = (typeof CERT_STATES)[number];

/**
 * The reason of a status condition, PascalCase as in cert-manager's
 * conditions: one per drift reason, plus Ready and Failed (a recorded failure).
 */
export const CONDITION_REASON_OF = {
  'cert-missing': 'CertificateMissing',
  'key-missing': 'KeyMissing',
  'cert-unparsable': 'CertificateUnparsable',
  'key-unparsable': 'KeyUnparsable',
  'file-unreadable': 'FileUnreadable',
  'key-mismatch': 'KeyMismatch',
  'foreign-issuer': 'ForeignIssuer',
  expired: 'Expired',
  'not-yet-valid': 'NotYetValid',
  'renewal-due': 'RenewalDue',
  'cn-differs': 'CommonNameDiffers',
  'sans-differ': 'SansDiffer',
  'key-algorithm-differs': 'KeyAlgorithmDiffers',
  'usage-missing': 'UsageMissing',
  'spec-changed': 'SpecChanged',
  forced: 'Forced',
  'chain-stale': 'ChainStale',
  'chain-missing': 'ChainMissing',
  'mode-differs': 'ModeDiffers',
  'owner-differs': 'OwnerDiffers',
  'hook-pending': 'HookPending',
  'delivery-pending': 'DeliveryPending',
  orphaned: 'Orphaned',
} as const satisfies Record<ReasonCode, string>;
export type ConditionReason = (typeof CONDITION_REASON_OF)[ReasonCode] | 'Ready' | 'Failed';

/**
 * Kinds of work a pass leaves pending for a certificate. A kind is added here
 * (guest delivery, for instance) and every consumer (status, metrics, page)
 * counts it without further change.
 */
export const PENDING_WORK_KINDS = ['delivery', 'hook'] as const;
export type PendingWorkKind = (typeof PENDING_WORK_KINDS)[number];

export interface PendingWork {
  readonly kind: PendingWorkKind;
  /** What is pending, for humans: the hook command, the guest ("lxc/101") of a delivery. */
  readonly target: string;
}
