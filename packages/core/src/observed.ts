/**
 * The actual state of one certificate's files, as plain data. Observers never
 * throw for what they find: a missing file, EACCES or a truncated PEM is a field.
 */
import type { FileRole, KeyAlgorithm, SubjectAltNames } from './model.js';

export interface ObservedFile {
  readonly path: string;
  readonly exists: boolean;
  /** False when it exists but could not be read (EACCES, EISDIR, ...). */
  readonly readable: boolean;
  /** errno code or message when stat/read failed for a reason other than ENOENT. */
  readonly error?: string;
  readonly uid?: number;
  readonly gid?: number;
  /** Permission bits only (mode & 0o777). */
  readonly mode?: number;
  readonly size?: number;
  /** Identity for change detection: `${dev}:${ino}:${size}:${mtimeMs}:${ctimeMs}`. */
  readonly fingerprint?: string;
  /** sha256 (hex) of the content, when read. */
  readonly sha256?: string;
}

export interface ObservedCertificateData {
  readonly commonName: string | undefined;
  readonly sans: SubjectAltNames;
  /** Hex, lower case, no separators. */
  readonly serial: string;
  readonly notBefore: string; // ISO 8601
  readonly notAfter: string; // ISO 8601
  readonly keyAlgorithm: KeyAlgorithm | 'unknown';
  readonly issuer: string;
  readonly subject: string;
  readonly selfSigned: boolean;
  /** True when the certificate (with the chain file, if any) verifies to the configured roots. */
  readonly chainVerifies: boolean | undefined;
  readonly keyUsage: readonly string[];
  readonly extendedKeyUsage: readonly string[];
  /** sha256 (hex) of the DER of the SubjectPublicKeyInfo. */
  readonly publicKeySha256: string;
  /** sha256 (hex) of the leaf certificate DER. */
  readonly sha256: string;
}

export interface ObservedKeyData {
  readonly keyAlgorithm: KeyAlgorithm | 'unknown';
  /** sha256 (hex) of the DER SubjectPublicKeyInfo derived from the private key. */
  readonly publicKeySha256: string;
}

export interface ObservedCertificate {
  readonly name: string;
  /** Per declared output file. */
  readonly files: Readonly<Partial<Record<FileRole, ObservedFile>>>;
  /** Parsed leaf certificate, when the cert file parsed. */
  readonly certificate?: ObservedCertificateData;
  readonly certificateError?: string;
  readonly key?: ObservedKeyData;
  readonly keyError?: string;
  /** Undefined when either side is missing. */
  readonly keyMatchesCertificate?: boolean;
  /** Whether chain / fullchain / caBundle content equals what the issuer gives now (per role). */
  readonly chainFilesCurrent: Readonly<Partial<Record<'chain' | 'fullchain' | 'caBundle', boolean>>>;
}
