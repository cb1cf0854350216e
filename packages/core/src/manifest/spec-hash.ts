/** The hash of the content-shaping spec that provenance records and compares. */
import { hash } from 'node:crypto';
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

/**
 * The canonical JSON of the spec's content fields, built for their known
 * shape: JSON.stringify keeps insertion order, so inserting the keys already
 * sorted gives exactly what canonicalJson gives (undefined fields are dropped
 * by both), without sorting and joining per object. Provenance records store
 * the resulting hash, so the bytes must never change (pinned in tests).
 */
export function canonicalSpecJson(spec: CertificateSpec): string {
  return JSON.stringify({
    commonName: spec.commonName,
    keyAlgorithm: spec.keyAlgorithm,
    lifetimeMs: spec.lifetimeMs,
    sans: { dns: spec.sans.dns, email: spec.sans.email, ip: spec.sans.ip, uri: spec.sans.uri },
    // Only a client certificate adds the key: server hashes recorded earlier stay equal.
    ...(spec.usage === 'client' ? { usage: spec.usage } : {}),
  });
}

/** sha256 (hex) of the canonical JSON of the spec's content fields only. */
export function specHash(spec: CertificateSpec): string {
  // One-shot crypto.hash (Node >= 20.12; engines asks for 20.19) skips building a Hash object.
  return hash('sha256', canonicalSpecJson(spec), 'hex');
}
