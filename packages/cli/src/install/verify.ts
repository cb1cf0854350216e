/**
 * Whether a snapshot is safe to install, answered the way `plan` answers it:
 * the bytes are inspected by the observers (the same parsing, key matching
 * and chain building as observing the files) and judged by the reconciler's
 * *usable as is* policies (parsed, the key is the certificate's, the chain
 * reaches the CA bundle when one is declared, now is inside the validity
 * period). Only the sentences are install's own. `now` is injected.
 */
import type { ObservedCertificate, Reason, TrustMaterial } from '@certloop/core';
import { inspectContents } from '@certloop/observers';
import { useBlocker } from '@certloop/reconciler';
import type { Snapshot } from './snapshot.js';
import type { SharedSource } from './source.js';

export interface Installable {
  readonly ok: true;
  readonly serial: string;
  readonly notAfter: string;
}

export type Verdict = Installable | { readonly ok: false; readonly reason: string };

export async function checkSnapshot(source: SharedSource, snapshot: Snapshot, now: Date): Promise<Verdict> {
  const observed = await inspectSnapshot(source, snapshot);
  const blocker = useBlocker({ desired: source.entry, observed, now });
  if (blocker !== null) return { ok: false, reason: installReason(blocker, observed) };
  // No blocker means the certificate parsed (cert-unparsable comes first); kept explicit for the types.
  const certificate = observed.certificate;
  if (certificate === undefined) return { ok: false, reason: 'The certificate does not parse.' };
  return { ok: true, serial: certificate.serial, notAfter: certificate.notAfter };
}

async function inspectSnapshot(source: SharedSource, snapshot: Snapshot): Promise<ObservedCertificate> {
  const contents = new Map([
    [source.certPath, snapshot.cert],
    [source.keyPath, snapshot.key],
  ]);
  if (source.chainPath !== undefined && snapshot.chain !== undefined) {
    contents.set(source.chainPath, snapshot.chain);
  }
  // The CA bundle is what the chain must reach; the intermediates come from the certificate or chain file.
  const trust: TrustMaterial | undefined =
    snapshot.ca === undefined ? undefined : { rootsPem: snapshot.ca.toString('utf8'), intermediatesPem: '' };
  const observed = await inspectContents(source.entry, contents, trust === undefined ? {} : { trust });
  const certificate = observed.certificate;
  // Observing leaves the chain undecided when the roots hold no certificate; a
  // consumer that declared a CA bundle must not install what nothing vouches for.
  if (trust !== undefined && certificate !== undefined && certificate.chainVerifies === undefined) {
    return { ...observed, certificate: { ...certificate, chainVerifies: false } };
  }
  return observed;
}

/** The consumer's sentence for a policy's reason: what to fix on the shared side. */
function installReason(reason: Reason, observed: ObservedCertificate): string {
  const certificate = observed.certificate;
  switch (reason.code) {
    case 'cert-unparsable':
      return `The certificate does not parse: ${asSentence(observed.certificateError ?? 'no certificate')}`;
    case 'key-unparsable':
    case 'key-mismatch':
      return 'The key does not belong to the certificate (a half-renewed pair?).';
    case 'foreign-issuer':
      return 'The certificate does not verify against the CA bundle (another CA, or no intermediates: declare files.fullchain or files.chain).';
    case 'not-yet-valid':
      return `The certificate is not valid before ${certificate?.notBefore}.`;
    case 'expired':
      return `The certificate expired at ${certificate?.notAfter}.`;
    default:
      return reason.message;
  }
}

function asSentence(text: string): string {
  return text.endsWith('.') ? text : `${text}.`;
}
