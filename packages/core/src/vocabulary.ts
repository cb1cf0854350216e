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

export const CERT_STATES = ['Ready', 'RenewalDue', 'Expired', 'Missing', 'Invalid', 'Failed'] as const;
export type CertState = (typeof CERT_STATES)[number];
