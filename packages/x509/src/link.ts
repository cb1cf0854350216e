/**
 * One chain link (did `parent` issue `child`?) without OpenSSL's certificate
 * object for the child. OpenSSL's answer is checkIssued (names, key
 * identifiers, the parent's keyCertSign, both certificates' extensions
 * valid) and X509_verify (equal signature algorithms, the signature over the
 * TBS bytes). The fast path answers only when every input is one it fully
 * understands and returns undefined otherwise, and the caller asks OpenSSL.
 */
import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { hex } from './der-read.js';
import type { CertificateDer } from './native.js';
import { type LinkFacts, strictCertificate } from './strict-der.js';

// The strict facts of each certificate value; null when OpenSSL decides its links.
const linkFacts = new WeakMap<CertificateDer, LinkFacts | null>();

/** Records how a parsed certificate was read: its strict facts, or undefined when OpenSSL read it. */
export function holdLink(certificate: CertificateDer, link: LinkFacts | undefined): void {
  linkFacts.set(certificate, link ?? null);
}

/** The certificate's strict facts (read from its DER once), or undefined when it is outside the strict subset. */
export function linkOf(certificate: CertificateDer): LinkFacts | undefined {
  let link = linkFacts.get(certificate);
  if (link === undefined) {
    link = strictCertificate(certificate.der)?.link ?? null;
    linkFacts.set(certificate, link);
  }
  return link ?? undefined;
}

// keyCertSign, as OpenSSL's KU_KEY_CERT_SIGN (bit 5 of the first octet).
const KEY_CERT_SIGN = 0x04;

interface SignatureAlgorithm {
  /** The digest for crypto.verify (null: the algorithm hashes itself). */
  readonly digest: string | null;
  /** The key type OpenSSL's check_sig_alg_match requires of the signer. */
  readonly keyType: 'ec' | 'rsa' | 'ed25519';
}

// AlgorithmIdentifier encodings (whole element, hex) as CAs write them: ECDSA
// and Ed25519 without parameters, PKCS#1 v1.5 RSA with NULL. Anything else
// (other encodings, RSA-PSS, SHA-1, DSA) is left to OpenSSL.
const ALGORITHMS: Readonly<Record<string, SignatureAlgorithm>> = {
  '300a06082a8648ce3d040302': { digest: 'sha256', keyType: 'ec' },
  '300a06082a8648ce3d040303': { digest: 'sha384', keyType: 'ec' },
  '300a06082a8648ce3d040304': { digest: 'sha512', keyType: 'ec' },
  '300d06092a864886f70d01010b0500': { digest: 'sha256', keyType: 'rsa' },
  '300d06092a864886f70d01010c0500': { digest: 'sha384', keyType: 'rsa' },
  '300d06092a864886f70d01010d0500': { digest: 'sha512', keyType: 'rsa' },
  '300506032b6570': { digest: null, keyType: 'ed25519' },
};

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

/**
 * One signature for crypto.verify to check. The fast path gets this far
 * synchronously; the check itself can then run inline or on libuv's thread
 * pool, with the same answer.
 */
export interface SignatureCheck {
  readonly digest: string | null;
  readonly data: Uint8Array;
  readonly key: KeyObject;
  readonly signature: Uint8Array;
}

/** A link's answer, the signature check that gives it, or undefined when OpenSSL must decide. */
export type LinkDecision = boolean | SignatureCheck | undefined;

/** The check for whether `signer` signed `certificate`'s TBS; undefined when OpenSSL must decide. */
function signatureCheck(certificate: LinkFacts, signer: KeyObject): SignatureCheck | undefined {
  // X509_verify first requires the TBS and outer algorithms to be equal.
  if (!bytesEqual(certificate.tbsSignatureAlgorithm, certificate.signatureAlgorithm)) return undefined;
  const algorithm = ALGORITHMS[hex(certificate.signatureAlgorithm)];
  if (algorithm === undefined || certificate.signature === undefined) return undefined;
  if (signer.asymmetricKeyType !== algorithm.keyType) return undefined;
  return { digest: algorithm.digest, data: certificate.tbs, key: signer, signature: certificate.signature };
}

/** Runs the check on this thread; undefined (ask OpenSSL) when crypto.verify throws. */
export function verifyNow(check: SignatureCheck): boolean | undefined {
  try {
    return verify(check.digest, check.data, check.key, check.signature);
  } catch {
    return undefined;
  }
}

// Pool threads compete with the main thread for the cores (the CLI sizes the
// pool at 16 for its fsyncs), so checks past the limit wait here. One per core,
// but at least two: a finished check is replaced only when the main thread
// runs its callback, and a second one in flight keeps the pool busy meanwhile
// (measured on 2 cores: 2 in flight beat 1; 4 and 16 gained nothing).
const MAX_CHECKS_IN_FLIGHT = Math.max(2, availableParallelism());
let checksInFlight = 0;
const waitingChecks: (() => void)[] = [];

/**
 * Runs the check on libuv's thread pool (crypto.verify with a callback), so
 * the main thread parses the next certificates meanwhile. Same answers as
 * verifyNow: an error, thrown or passed back, means "ask OpenSSL".
 */
export function verifyInPool(check: SignatureCheck): Promise<boolean | undefined> {
  return new Promise((resolve) => {
    const start = () => {
      checksInFlight++;
      const settle = (valid: boolean | undefined) => {
        checksInFlight--;
        waitingChecks.shift()?.();
        resolve(valid);
      };
      try {
        verify(check.digest, check.data, check.key, check.signature, (error, valid) =>
          settle(error ? undefined : valid),
        );
      } catch {
        settle(undefined);
      }
    };
    if (checksInFlight < MAX_CHECKS_IN_FLIGHT) start();
    else waitingChecks.push(start);
  });
}

/** A decision answered on this thread. */
export function decideNow(decision: LinkDecision): boolean | undefined {
  return typeof decision === 'object' ? verifyNow(decision) : decision;
}

/**
 * Did `parent` issue `child`, as `child.checkIssued(parent) && child.verify(parent.publicKey)`
 * would answer; undefined when only OpenSSL can tell.
 */
export function fastIssuedBy(child: LinkFacts, parent: LinkFacts, parentKey: KeyObject): boolean | undefined {
  return decideNow(issuedByDecision(child, parent, parentKey));
}

/** fastIssuedBy up to the signature check, which is left to the caller to run. */
export function issuedByDecision(child: LinkFacts, parent: LinkFacts, parentKey: KeyObject): LinkDecision {
  // With an extension OpenSSL finds malformed, checkIssued fails: only OpenSSL knows which.
  if (!child.plainExtensions || !parent.plainExtensions) return undefined;
  if (!bytesEqual(child.issuer, parent.subject)) {
    // Plain names that differ even as X509_NAME_cmp compares them cannot match;
    // names equal only after case folding are left to OpenSSL.
    return child.issuerCanonical !== parent.subjectCanonical ? false : undefined;
  }
  // X509_check_akid: the key identifiers, when both are present, must be equal.
  if (
    child.authorityKeyId !== undefined &&
    parent.subjectKeyId !== undefined &&
    !bytesEqual(child.authorityKeyId, parent.subjectKeyId)
  ) {
    return false;
  }
  // A parent with keyUsage must be allowed to sign certificates.
  if (parent.keyUsage !== undefined && (parent.keyUsage & KEY_CERT_SIGN) === 0) return false;
  return signatureCheck(child, parentKey);
}

/** `certificate.verify(certificate.publicKey)` for a self-issued certificate; undefined: ask OpenSSL. */
export function fastSelfSigned(certificate: LinkFacts): boolean | undefined {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(certificate.spki), format: 'der', type: 'spki' });
  } catch {
    return undefined;
  }
  const check = signatureCheck(certificate, key);
  return check === undefined ? undefined : verifyNow(check);
}
