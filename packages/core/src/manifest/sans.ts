/**
 * Subject alternative names: type detection for untyped strings, syntax
 * checks, and the canonical form the model and the observers agree on.
 */
import { isIP } from 'node:net';
import type { SubjectAltNames } from '../model.js';

export const SAN_TYPES = ['dns', 'ip', 'email', 'uri'] as const;
export type SanType = (typeof SAN_TYPES)[number];

/** Detects the SAN type of an untyped entry: URI, then IP, then email, else DNS. */
export function detectSanType(value: string): SanType {
  const text = value.trim();
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text) || /^(urn|mailto|spiffe):/i.test(text)) return 'uri';
  if (isIP(text) !== 0 || (text.startsWith('[') && text.endsWith(']'))) return 'ip';
  if (text.includes('@')) return 'email';
  return 'dns';
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Letters, digits and inner hyphens, 1-63 characters per label, no wildcard, no trailing dot. */
const PLAIN_DNS_NAME =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const DIGITS_ONLY = /^\d+$/;

/**
 * The common valid name in one regular expression, without splitting it into
 * labels. It accepts only names `dnsNameProblemDetail` accepts (property-tested);
 * anything else, wildcards included, gets the detailed check and its message.
 */
function isPlainDnsName(name: string): boolean {
  return (
    name.length <= 253 &&
    PLAIN_DNS_NAME.test(name) &&
    !DIGITS_ONLY.test(name.slice(name.lastIndexOf('.') + 1))
  );
}

/** Why a DNS name is invalid, or undefined when it is valid. Wildcards only as the whole leftmost label. */
export function dnsNameProblem(name: string, allowWildcard = true): string | undefined {
  return isPlainDnsName(name) ? undefined : dnsNameProblemDetail(name, allowWildcard);
}

/** The label-by-label check behind dnsNameProblem: the first problem found, in words. */
export function dnsNameProblemDetail(name: string, allowWildcard = true): string | undefined {
  if (name.length === 0) return 'it is empty';
  if (/[^\x21-\x7e]/.test(name)) return 'it contains spaces or non-ASCII characters (use the punycode form)';
  if (name.length > 253) return 'it is longer than 253 characters';
  if (name.endsWith('.')) return 'it ends with a dot';
  const labels = name.toLowerCase().split('.');
  for (const [index, label] of labels.entries()) {
    if (label === '*' && index === 0) {
      if (!allowWildcard) return 'a wildcard is not allowed here';
      if (labels.length < 3) return 'a wildcard needs at least two labels after it (e.g. *.example.com)';
      continue;
    }
    if (label.includes('*'))
      return 'a wildcard is only allowed as the whole leftmost label (e.g. *.example.com)';
    if (label.length === 0) return 'it has an empty label (two dots in a row or a leading dot)';
    if (label.length > 63) return `the label "${label.slice(0, 20)}…" is longer than 63 characters`;
    if (!LABEL.test(label)) {
      return `the label "${label}" may only hold letters, digits and inner hyphens`;
    }
  }
  if (/^\d+$/.test(labels[labels.length - 1]!)) return 'it looks like a malformed IP address';
  return undefined;
}

/** Canonical text of an IP address (IPv6 compressed per RFC 5952), or undefined when invalid. */
export function canonicalIp(value: string): string | undefined {
  const text = value.trim().replace(/^\[(.*)\]$/, '$1');
  const version = isIP(text);
  if (version === 4) return text.split('.').map(Number).join('.');
  if (version === 6) {
    try {
      // WHATWG URL serializes IPv6 hosts in their canonical compressed form.
      return new URL(`http://[${text}]/`).hostname.slice(1, -1);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

const EMAIL_LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

function emailProblem(value: string): string | undefined {
  const at = value.lastIndexOf('@');
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (at <= 0 || local.length > 64 || !EMAIL_LOCAL.test(local))
    return 'the part before @ is not a valid mailbox';
  const domainProblem = dnsNameProblem(domain, false);
  return domainProblem === undefined ? undefined : `the domain ${domainProblem}`;
}

function uriProblem(value: string): string | undefined {
  if (/\s/.test(value)) return 'it contains whitespace';
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(value)) return 'it has no scheme (e.g. spiffe://, https://)';
  try {
    new URL(value);
    return undefined;
  } catch {
    return 'it is not a valid URI';
  }
}

export type SanCheck = { ok: true; value: string } | { ok: false; problem: string };

/** Validates one SAN of a known type and returns its canonical form. */
export function checkSan(type: SanType, raw: string): SanCheck {
  const value = raw.trim();
  switch (type) {
    case 'dns': {
      const problem = dnsNameProblem(value);
      return problem === undefined ? { ok: true, value: value.toLowerCase() } : { ok: false, problem };
    }
    case 'ip': {
      const ip = canonicalIp(value);
      return ip === undefined
        ? { ok: false, problem: 'it is not an IPv4 or IPv6 address' }
        : { ok: true, value: ip };
    }
    case 'email': {
      const problem = emailProblem(value);
      if (problem !== undefined) return { ok: false, problem };
      const at = value.lastIndexOf('@');
      return { ok: true, value: `${value.slice(0, at)}@${value.slice(at + 1).toLowerCase()}` };
    }
    case 'uri': {
      const problem = uriProblem(value);
      if (problem !== undefined) return { ok: false, problem };
      const colon = value.indexOf(':');
      return { ok: true, value: value.slice(0, colon).toLowerCase() + value.slice(colon) };
    }
  }
}

/** Sorted, de-duplicated lists (inputs must already be canonical). */
export function canonicalSans(sans: Readonly<Record<SanType, readonly string[]>>): SubjectAltNames {
  const tidy = (list: readonly string[]) => [...new Set(list)].sort();
  return { dns: tidy(sans.dns), ip: tidy(sans.ip), email: tidy(sans.email), uri: tidy(sans.uri) };
}

/**
 * The common name as a canonical SAN, when it can stand as one (a valid IP
 * address or DNS name): what checkSan gives for its type, checked once.
 */
export function commonNameAsSan(commonName: string): { type: 'dns' | 'ip'; value: string } | undefined {
  const ip = canonicalIp(commonName);
  if (ip !== undefined) return { type: 'ip', value: ip };
  const name = commonName.trim();
  return dnsNameProblem(name) === undefined ? { type: 'dns', value: name.toLowerCase() } : undefined;
}

/** SANs when none are listed: the common name, when it can stand as a SAN (what `step ca certificate CN` does). */
export function sansFromCommonName(commonName: string): SubjectAltNames {
  const san = commonNameAsSan(commonName);
  const lists: Record<SanType, string[]> = { dns: [], ip: [], email: [], uri: [] };
  if (san !== undefined) lists[san.type].push(san.value);
  return canonicalSans(lists);
}

export function sanCount(sans: SubjectAltNames): number {
  return sans.dns.length + sans.ip.length + sans.email.length + sans.uri.length;
}
