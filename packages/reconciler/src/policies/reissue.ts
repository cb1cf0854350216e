/**
 * The *needs reissue* chain: a certificate is there and parses, but its
 * content or validity drifted (action `reissue`). Every policy here returns
 * null when the certificate did not parse: the issuance chain covers that.
 */
import type { ObservedCertificateData, SubjectAltNames } from '@certloop/core';
import { formatDuration, listInWords } from '../format.js';
import { renewalPointOf } from '../renewal.js';
import { type Policy, type PolicyInput, provenanceDescribesCertificate } from './input.js';

function parsed(input: PolicyInput): ObservedCertificateData | undefined {
  return input.observed.certificate;
}

export const forced: Policy = (input) =>
  input.force === true ? { code: 'forced', message: 'Reissue was forced with --force.' } : null;

export const keyMismatch: Policy = (input) => {
  if (parsed(input) === undefined || input.observed.keyMatchesCertificate !== false) return null;
  const path = input.desired.files.key;
  const key = path === undefined ? 'The private key' : `The private key ${path}`;
  return { code: 'key-mismatch', message: `${key} does not belong to the certificate.` };
};

export const foreignIssuer: Policy = (input) => {
  const cert = parsed(input);
  if (cert === undefined || cert.chainVerifies !== false) return null;
  const message = cert.selfSigned
    ? `The certificate is self-signed (${cert.issuer}); it does not chain to the configured CA.`
    : `The certificate was issued by ${cert.issuer}, which does not chain to the configured CA.`;
  return { code: 'foreign-issuer', message };
};

export const expired: Policy = (input) => {
  const cert = parsed(input);
  if (cert === undefined) return null;
  const notAfter = Date.parse(cert.notAfter);
  if (input.now.getTime() < notAfter) return null;
  const ago = formatDuration(input.now.getTime() - notAfter);
  return { code: 'expired', message: `The certificate expired at ${cert.notAfter} (${ago} ago).` };
};

export const notYetValid: Policy = (input) => {
  const cert = parsed(input);
  if (cert === undefined) return null;
  const notBefore = Date.parse(cert.notBefore);
  if (input.now.getTime() >= notBefore) return null;
  const until = formatDuration(notBefore - input.now.getTime());
  return {
    code: 'not-yet-valid',
    message: `The certificate is not valid until ${cert.notBefore} (in ${until}).`,
  };
};

export const renewalDue: Policy = (input) => {
  const cert = parsed(input);
  if (cert === undefined) return null;
  const renewAt = renewalPointOf(input.desired.renewal, cert, {
    asDeclared: !provenanceDescribesCertificate(input),
  });
  const now = input.now.getTime();
  const notAfter = Date.parse(cert.notAfter);
  // Expired certificates are reported by `expired`; not-yet-valid ones by `not-yet-valid`.
  if (renewAt === undefined || now < renewAt.getTime() || now >= notAfter) return null;
  if (now < Date.parse(cert.notBefore)) return null;
  return {
    code: 'renewal-due',
    message: `The certificate is inside its renewal window since ${renewAt.toISOString()}; it expires in ${formatDuration(notAfter - now)}.`,
  };
};

/**
 * When certloop asked for exactly the desired value and the CA returned
 * something else, reissuing would return the same again: not drift.
 */
function caAdjusted(input: PolicyInput, requestedAsDesired: boolean): boolean {
  return requestedAsDesired && provenanceDescribesCertificate(input);
}

export const commonNameDiffers: Policy = (input) => {
  const cert = parsed(input);
  const want = input.desired.spec.commonName;
  if (cert === undefined || cert.commonName === want) return null;
  if (caAdjusted(input, input.provenance?.commonName === want)) return null;
  const have = cert.commonName === undefined ? 'missing' : `"${cert.commonName}"`;
  return { code: 'cn-differs', message: `The common name is ${have}, want "${want}".` };
};

const SAN_KINDS: readonly [keyof SubjectAltNames, string][] = [
  ['dns', ''],
  ['ip', 'IP '],
  ['email', 'email '],
  ['uri', 'URI '],
];

export interface SanDifference {
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

/** SANs the manifest has that the certificate lacks (`added`), and the reverse (`removed`), labelled by kind. */
export function sanDifference(want: SubjectAltNames, have: SubjectAltNames): SanDifference {
  const added: string[] = [];
  const removed: string[] = [];
  for (const [kind, label] of SAN_KINDS) {
    // Equal lists (the usual case: both canonical) have no difference; skip building sets.
    if (sameList(want[kind], have[kind])) continue;
    const haveSet = new Set(have[kind]);
    const wantSet = new Set(want[kind]);
    for (const value of want[kind]) if (!haveSet.has(value)) added.push(`${label}${value}`);
    for (const value of have[kind]) if (!wantSet.has(value)) removed.push(`${label}${value}`);
  }
  return { added, removed };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function sameSans(a: SubjectAltNames, b: SubjectAltNames): boolean {
  const { added, removed } = sanDifference(a, b);
  return added.length === 0 && removed.length === 0;
}

export const sansDiffer: Policy = (input) => {
  const cert = parsed(input);
  if (cert === undefined) return null;
  const want = input.desired.spec.sans;
  const { added, removed } = sanDifference(want, cert.sans);
  if (added.length === 0 && removed.length === 0) return null;
  const provenance = input.provenance;
  if (caAdjusted(input, provenance !== undefined && sameSans(provenance.sans, want))) return null;
  const parts: string[] = [];
  if (added.length > 0) parts.push(`added ${listInWords(added)}`);
  if (removed.length > 0) parts.push(`removed ${listInWords(removed)}`);
  return { code: 'sans-differ', message: `SANs differ: ${parts.join('; ')}.` };
};

export const keyAlgorithmDiffers: Policy = (input) => {
  const cert = parsed(input);
  const want = input.desired.spec.keyAlgorithm;
  if (cert === undefined || cert.keyAlgorithm === want) return null;
  return {
    code: 'key-algorithm-differs',
    message: `The key algorithm is ${cert.keyAlgorithm}, want ${want}.`,
  };
};

const EKU_OF_USAGE = { server: 'serverAuth', client: 'clientAuth' } as const;

/**
 * A client certificate needs clientAuth, a server one serverAuth. No extended
 * key usage at all allows any use (RFC 5280). When certloop asked for this
 * very spec and the CA left the usage out (its template), asking again would
 * give the same: not drift.
 */
export const usageMissing: Policy = (input) => {
  const cert = parsed(input);
  if (cert === undefined || cert.extendedKeyUsage.length === 0) return null;
  const usage = input.desired.spec.usage ?? 'server';
  const needed = EKU_OF_USAGE[usage];
  if (cert.extendedKeyUsage.includes(needed)) return null;
  if (caAdjusted(input, input.provenance?.specHash === input.desired.specHash)) return null;
  return {
    code: 'usage-missing',
    message: `A ${usage} certificate needs the extended key usage ${needed}; this one allows only ${listInWords([...cert.extendedKeyUsage])}.`,
  };
};

/**
 * The content-shaping spec changed since the certificate on disk was requested.
 * Compared with what was *requested* (provenance), never with the certificate's
 * actual lifetime: a CA that caps the lifetime cannot cause a reissue loop.
 */
export const specChanged: Policy = (input) => {
  const { provenance, desired } = input;
  if (provenance === undefined || !provenanceDescribesCertificate(input)) return null;
  if (provenance.specHash === desired.specHash) return null;
  const changes: string[] = [];
  if (provenance.commonName !== desired.spec.commonName) {
    changes.push(`common name "${provenance.commonName}" → "${desired.spec.commonName}"`);
  }
  if (!sameSans(provenance.sans, desired.spec.sans)) changes.push('SANs');
  if (provenance.keyAlgorithm !== desired.spec.keyAlgorithm) {
    changes.push(`key algorithm ${provenance.keyAlgorithm} → ${desired.spec.keyAlgorithm}`);
  }
  if (provenance.requestedLifetimeMs !== desired.spec.lifetimeMs) {
    changes.push(
      `requested lifetime ${formatDuration(provenance.requestedLifetimeMs)} → ${formatDuration(desired.spec.lifetimeMs)}`,
    );
  }
  const detail = changes.length === 0 ? '' : `: ${changes.join(', ')}`;
  return { code: 'spec-changed', message: `The spec changed since the last issuance${detail}.` };
};

/** In order: the user's override, integrity, validity, then content. */
export const NEEDS_REISSUE: readonly Policy[] = [
  forced,
  keyMismatch,
  foreignIssuer,
  expired,
  notYetValid,
  renewalDue,
  commonNameDiffers,
  sansDiffer,
  keyAlgorithmDiffers,
  usageMissing,
  specChanged,
];
