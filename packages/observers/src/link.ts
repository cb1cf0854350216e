/**
 * One chain link (did `parent` issue `child`?) without OpenSSL's certificate
 * object for the child. OpenSSL's answer is checkIssued (names, key
 * identifiers, the parent's keyCertSign, both certificates' extensions
 * valid) and X509_verify (equal signature algorithms, the signature over the
 * TBS bytes). The fast path answers only when every input is one it fully
 * understands and returns undefined otherwise, and the caller asks OpenSSL.
 */
import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { hex } from './der.js';
import type { LinkFacts } from './strict-der.js';

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

/** Whether `signer` signed `certificate`'s TBS; undefined when OpenSSL must decide. */
function signatureVerifies(certificate: LinkFacts, signer: KeyObject): boolean | undefined {
  // X509_verify first requires the TBS and outer algorithms to be equal.
  if (!bytesEqual(certificate.tbsSignatureAlgorithm, certificate.signatureAlgorithm)) return undefined;
  const algorithm = ALGORITHMS[hex(certificate.signatureAlgorithm)];
  if (algorithm === undefined || certificate.signature === undefined) return undefined;
  if (signer.asymmetricKeyType !== algorithm.keyType) return undefined;
  try {
    return verify(algorithm.digest, certificate.tbs, signer, certificate.signature);
  } catch {
    return undefined;
  }
}

/**
 * Did `parent` issue `child`, as `child.checkIssued(parent) && child.verify(parent.publicKey)`
 * would answer; undefined when only OpenSSL can tell.
 */
export function fastIssuedBy(child: LinkFacts, parent: LinkFacts, parentKey: KeyObject): boolean | undefined {
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
  return signatureVerifies(child, parentKey);
}

/** `certificate.verify(certificate.publicKey)` for a self-issued certificate; undefined: ask OpenSSL. */
export function fastSelfSigned(certificate: LinkFacts): boolean | undefined {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(certificate.spki), format: 'der', type: 'spki' });
  } catch {
    return undefined;
  }
  return signatureVerifies(certificate, key);
}
