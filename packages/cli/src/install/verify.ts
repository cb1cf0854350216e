/**
 * Whether a snapshot is safe to install: a parseable certificate, a key that
 * belongs to it, a chain that verifies to the CA bundle (when one is
 * declared), and a validity period that includes now. Pure apart from
 * parsing; `now` is injected.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { splitPemBlocks } from '@certloop/core';
import { parseCertificatePem, verifiesTo } from '@certloop/x509';
import type { Snapshot } from './snapshot.js';

export interface Installable {
  readonly ok: true;
  readonly serial: string;
  readonly notAfter: string;
}

export type Verdict = Installable | { readonly ok: false; readonly reason: string };

export function checkSnapshot(snapshot: Snapshot, now: Date): Verdict {
  const certText = snapshot.cert.toString('utf8');
  let facts: ReturnType<typeof parseCertificatePem>;
  let leaf: X509Certificate;
  try {
    facts = parseCertificatePem(certText);
    leaf = new X509Certificate(firstCertificateBlock(certText));
  } catch (error) {
    return { ok: false, reason: `The certificate does not parse: ${(error as Error).message}` };
  }
  if (!keyMatches(leaf, snapshot.key)) {
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

function firstCertificateBlock(text: string): string {
  const block = splitPemBlocks(text).find((b) => b.startsWith('-----BEGIN CERTIFICATE-----'));
  if (block === undefined) throw new Error('no PEM certificate found');
  return block;
}

/** The private key's public half equals the certificate's; an unreadable or encrypted key never matches. */
function keyMatches(leaf: X509Certificate, keyPem: Buffer): boolean {
  try {
    return leaf.checkPrivateKey(createPrivateKey({ key: keyPem, format: 'pem' }));
  } catch {
    return false;
  }
}
