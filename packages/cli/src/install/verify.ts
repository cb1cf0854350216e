/**
 * Whether a snapshot is safe to install: a parseable certificate, a key that
 * belongs to it, a chain that verifies to the CA bundle (when one is
 * declared), and a validity period that includes now. The certificate, the
 * key and the chain are read by the same x509 code, and the key matched the
 * same way (public key hashes), as when `plan` observes them. Pure apart from
 * parsing; `now` is injected.
 */
import type { ObservedCertificateData } from '@certloop/core';
import { keyMatchesCertificate, parseCertificatePem, parseKeyContent, verifiesTo } from '@certloop/x509';
import type { Snapshot } from './snapshot.js';

export interface Installable {
  readonly ok: true;
  readonly serial: string;
  readonly notAfter: string;
}

export type Verdict = Installable | { readonly ok: false; readonly reason: string };

export function checkSnapshot(snapshot: Snapshot, now: Date): Verdict {
  const certText = snapshot.cert.toString('utf8');
  let facts: ObservedCertificateData;
  try {
    facts = parseCertificatePem(certText);
  } catch (error) {
    return { ok: false, reason: `The certificate does not parse: ${(error as Error).message}` };
  }
  if (!keyMatches(facts, snapshot.key)) {
    return { ok: false, reason: 'The key does not belong to the certificate (a half-renewed pair?).' };
  }
  if (snapshot.ca !== undefined) {
    const intermediates = (snapshot.chain ?? snapshot.cert).toString('utf8');
    if (!verifiesTo(certText, intermediates, snapshot.ca.toString('utf8'))) {
      return {
        ok: false,
        reason:
          'The certificate does not verify against the CA bundle (another CA, or no intermediates: declare files.fullchain or files.chain).',
      };
    }
  }
  if (Date.parse(facts.notBefore) > now.getTime()) {
    return { ok: false, reason: `The certificate is not valid before ${facts.notBefore}.` };
  }
  if (Date.parse(facts.notAfter) <= now.getTime()) {
    return { ok: false, reason: `The certificate expired at ${facts.notAfter}.` };
  }
  return { ok: true, serial: facts.serial, notAfter: facts.notAfter };
}

/** The private key's public half equals the certificate's; an unreadable or encrypted key never matches. */
function keyMatches(certificate: ObservedCertificateData, keyPem: Buffer): boolean {
  try {
    const key = parseKeyContent(keyPem);
    return 'key' in key && keyMatchesCertificate(certificate, key.key);
  } catch {
    return false;
  }
}
