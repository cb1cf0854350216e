/** The hash of the content-shaping spec that provenance records and compares. */
import { createHash } from 'node:crypto';
import type { CertificateSpec } from '../model.js';

/** JSON with object keys sorted at every level, so equal specs hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** sha256 (hex) of the canonical JSON of the spec's content fields only. */
export function specHash(spec: CertificateSpec): string {
  const content: CertificateSpec = {
    commonName: spec.commonName,
    sans: { dns: spec.sans.dns, ip: spec.sans.ip, email: spec.sans.email, uri: spec.sans.uri },
    keyAlgorithm: spec.keyAlgorithm,
    lifetimeMs: spec.lifetimeMs,
  };
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}
