/**
 * Subject alternative names in the canonical form of the desired model
 * (core's manifest/sans.ts): lower-case DNS names, compressed lower-case IPv6,
 * e-mail domains and URI schemes lower-cased, lists sorted and de-duplicated.
 */
import { isIP } from 'node:net';
import type { SubjectAltNames } from '@certloop/core';
import { fastGeneralNames, type RawSans } from './fast-der.js';
import { x509 } from './x509-module.js';

export const NO_SANS: SubjectAltNames = Object.freeze({ dns: [], ip: [], email: [], uri: [] });

export function canonicalIp(value: string): string {
  const text = value.replace(/^\[(.*)\]$/, '$1');
  const version = isIP(text);
  if (version === 4) return text.split('.').map(Number).join('.');
  // WHATWG URL serializes IPv6 hosts in their canonical compressed form (RFC 5952).
  if (version === 6) return new URL(`http://[${text}]/`).hostname.slice(1, -1);
  return text.toLowerCase();
}

function canonicalEmail(value: string): string {
  const at = value.lastIndexOf('@');
  return at < 0 ? value : `${value.slice(0, at)}@${value.slice(at + 1).toLowerCase()}`;
}

function canonicalUri(value: string): string {
  const colon = value.indexOf(':');
  return colon < 0 ? value : value.slice(0, colon).toLowerCase() + value.slice(colon);
}

/**
 * Decodes the content of a subjectAltName extension value (GeneralNames):
 * straight from the DER when it holds only the usual name types, else with
 * @peculiar/x509's typed GeneralNames. Name types certloop does not manage
 * (directory names, UPN, ...) are ignored.
 */
export function decodeSans(generalNames: Uint8Array): SubjectAltNames {
  const raw = fastGeneralNames(generalNames) ?? peculiarGeneralNames(generalNames);
  const sorted = (values: Iterable<string>) => [...new Set(values)].sort();
  return {
    dns: sorted(raw.dns.map((value) => value.toLowerCase())),
    ip: sorted(raw.ip.map(canonicalIp)),
    email: sorted(raw.email.map(canonicalEmail)),
    uri: sorted(raw.uri.map(canonicalUri)),
  };
}

function peculiarGeneralNames(generalNames: Uint8Array): RawSans {
  const { GeneralNames } = x509;
  const raw: RawSans = { dns: [], ip: [], email: [], uri: [] };
  for (const name of new GeneralNames(generalNames).items) {
    if (name.type === 'dns') raw.dns.push(name.value);
    else if (name.type === 'ip') raw.ip.push(name.value);
    else if (name.type === 'email') raw.email.push(name.value);
    else if (name.type === 'url') raw.uri.push(name.value);
  }
  return raw;
}
