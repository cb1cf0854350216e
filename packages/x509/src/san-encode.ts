/** Subject alternative names in the two shapes the issuers need: X.509 general names and step-ca's token strings. */
import type { SubjectAltNames } from '@certloop/core';
import type { x509 } from './x509-module.js';

/** Every SAN as one flat list, grouped by type (dns, ip, email, uri), as the `sans` token claim wants them. */
export function sanStrings(sans: SubjectAltNames): string[] {
  return [...sans.dns, ...sans.ip, ...sans.email, ...sans.uri];
}

export function hasAnySan(sans: SubjectAltNames): boolean {
  return sanStrings(sans).length > 0;
}

/** The SANs as @peculiar/x509 general names. */
export function generalNames(sans: SubjectAltNames): x509.JsonGeneralName[] {
  return [
    ...sans.dns.map((value) => ({ type: 'dns' as const, value })),
    ...sans.ip.map((value) => ({ type: 'ip' as const, value })),
    ...sans.email.map((value) => ({ type: 'email' as const, value })),
    ...sans.uri.map((value) => ({ type: 'url' as const, value })),
  ];
}
