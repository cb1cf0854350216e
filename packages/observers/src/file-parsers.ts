/**
 * What is parsed (and cached) per kind of file. Parsers never throw: every
 * problem becomes an `error` string.
 */
import { describeError, joinPem, splitPemBlocks } from '@certloop/core';
import {
  type CertificateDer,
  certificateBlocks,
  type KeyParse,
  missingPemReason,
  type ParsedCertificate,
  parseCertificateBlock,
  parseCertificateBlocksLenient,
  parseCertificates,
  parseKeyContent,
} from '@certloop/x509';

export interface CertFileParse {
  readonly leaf?: ParsedCertificate;
  readonly error?: string;
  /** Certificates after the leaf in the same file (a bundled chain), parsed leniently on demand. */
  readonly extras: () => readonly CertificateDer[];
}

export interface PemFileParse {
  /** Every PEM block, canonical. */
  readonly blocks: readonly string[];
  /** The content is byte for byte what `joinPem` makes of it. */
  readonly canonical: boolean;
  /** All blocks as certificates; undefined when any block is not a certificate. Parsed on demand. */
  readonly certificates: () => readonly CertificateDer[] | undefined;
}

function memo<T>(compute: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = compute();
      done = true;
    }
    return value;
  };
}

export function parseCertFile(content: Buffer): CertFileParse {
  const text = content.toString('utf8');
  const blocks = certificateBlocks(text);
  const extras = memo(() => parseCertificateBlocksLenient(blocks.slice(1)));
  const [first] = blocks;
  if (first === undefined) {
    return { error: missingPemReason(content, ['CERTIFICATE'], 'certificate'), extras };
  }
  try {
    return { leaf: parseCertificateBlock(first), extras };
  } catch (error) {
    const cause =
      error instanceof Error && error.cause !== undefined ? ` (${describeError(error.cause)})` : '';
    return { error: `${describeError(error)}${cause}`, extras };
  }
}

/** Blocks and canonical form are computed on first use: often only the file's hash is compared. */
export function parsePemFile(content: Buffer): PemFileParse {
  const text = content.toString('utf8');
  const blocks = memo(() => splitPemBlocks(text));
  const canonical = memo(() => text === joinPem(text));
  const certificates = memo(() => parseCertificates(blocks()));
  return {
    get blocks() {
      return blocks();
    },
    get canonical() {
      return canonical();
    },
    certificates,
  };
}

export function parseKeyFile(content: Buffer): KeyParse {
  try {
    return parseKeyContent(content);
  } catch {
    return { error: 'the key file could not be parsed' };
  }
}
