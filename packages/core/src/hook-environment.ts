/**
 * The environment a post-renewal hook receives. Details reach the hook only
 * through these variables, never by interpolation into the command:
 *
 *   CERTLOOP_NAME            stable name of the certificate
 *   CERTLOOP_NAMES           space-separated names of every certificate that
 *                            shares this command (it runs once for all of them),
 *                            like certbot's RENEWED_DOMAINS
 *   CERTLOOP_COMMON_NAME     subject common name
 *   CERTLOOP_DNS_NAMES       DNS SANs, comma-separated
 *   CERTLOOP_IP_ADDRESSES    IP SANs, comma-separated
 *   CERTLOOP_CERT_PATH       certificate file       (the full chain when no cert
 *                            file is declared, as with legacy cert_path)
 *   CERTLOOP_KEY_PATH        private key file       (only when declared)
 *   CERTLOOP_CHAIN_PATH      chain file             (only when declared)
 *   CERTLOOP_FULLCHAIN_PATH  full-chain file        (only when declared)
 *   CERTLOOP_CA_BUNDLE_PATH  CA bundle file         (only when declared)
 *   CERTLOOP_SERIAL          serial of the new certificate, hex (when issued)
 *   CERTLOOP_NOT_AFTER       its expiry, ISO 8601 (when issued)
 *   CERTLOOP_ACTION          what was done: issue, reissue, update-files, ...
 *   CERTLOOP_REASON          the reason code(s), comma-separated
 *
 * When one command is shared by several certificates, only the variables with
 * the same value for all of them are kept (plus CERTLOOP_NAMES).
 *
 * In core because the reconciler plans the runs and the actuators run them:
 * both must speak the same variables.
 */
import { type DesiredCertificate, type FileRole, leafRole } from './model.js';
import type { Action, ReasonCode } from './vocabulary.js';

export interface HookIssuance {
  readonly action?: Action;
  readonly reasons?: readonly ReasonCode[];
  readonly serial?: string;
  readonly notAfter?: string;
}

const PATH_VARIABLES: Readonly<Record<FileRole, string>> = {
  cert: 'CERTLOOP_CERT_PATH',
  key: 'CERTLOOP_KEY_PATH',
  chain: 'CERTLOOP_CHAIN_PATH',
  fullchain: 'CERTLOOP_FULLCHAIN_PATH',
  caBundle: 'CERTLOOP_CA_BUNDLE_PATH',
};

export function hookEnvironment(
  certificate: DesiredCertificate,
  issuance: HookIssuance = {},
): Record<string, string> {
  const env: Record<string, string> = {
    CERTLOOP_NAME: certificate.name,
    CERTLOOP_NAMES: certificate.name,
    CERTLOOP_COMMON_NAME: certificate.spec.commonName,
    CERTLOOP_DNS_NAMES: certificate.spec.sans.dns.join(','),
    CERTLOOP_IP_ADDRESSES: certificate.spec.sans.ip.join(','),
  };
  for (const [role, variable] of Object.entries(PATH_VARIABLES) as [FileRole, string][]) {
    const path = certificate.files[role];
    if (path !== undefined) env[variable] = path;
  }
  // Hooks written for legacy manifests expect the certificate's path, which is the full chain there.
  const leaf = leafRole(certificate.files);
  if (leaf !== undefined) env.CERTLOOP_CERT_PATH = certificate.files[leaf]!;
  if (issuance.serial !== undefined) env.CERTLOOP_SERIAL = issuance.serial;
  if (issuance.notAfter !== undefined) env.CERTLOOP_NOT_AFTER = issuance.notAfter;
  if (issuance.action !== undefined) env.CERTLOOP_ACTION = issuance.action;
  if (issuance.reasons !== undefined) env.CERTLOOP_REASON = issuance.reasons.join(',');
  return env;
}

/** The names a run's environment speaks for (CERTLOOP_NAMES, else CERTLOOP_NAME). */
export function namesOf(env: Readonly<Record<string, string>>): string[] {
  const single = env.CERTLOOP_NAME;
  // A single name is taken whole, even if it contains a space.
  if (single !== undefined && (env.CERTLOOP_NAMES === undefined || env.CERTLOOP_NAMES === single))
    return [single];
  return (env.CERTLOOP_NAMES ?? '').split(' ').filter((name) => name !== '');
}

/** One environment for a command shared by several certificates. */
export function mergeEnvironments(envs: readonly Readonly<Record<string, string>>[]): Record<string, string> {
  const [first, ...rest] = envs;
  if (first === undefined) return {};
  const merged: Record<string, string> = {};
  for (const [name, value] of Object.entries(first)) {
    if (rest.every((env) => env[name] === value)) merged[name] = value;
  }
  const names = [...new Set(envs.flatMap(namesOf))];
  if (names.length > 0) merged.CERTLOOP_NAMES = names.join(' ');
  return merged;
}
