/**
 * What is parsed (and cached) per kind of file. Parsers never throw: every
 * problem becomes an `error` string.
 */
import type { X509Certificate as NodeX509Certificate } from 'node:crypto';
import { describeError, joinPem, splitPemBlocks } from '@certloop/core';
import { type ParsedCertificate, parseCertificateBlock } from './certificate.js';
import { parseCertificates, parseCertificatesLenient } from './chain.js';
import { type KeyParse, parseKeyContent } from './key.js';
import { certificateBlocks, missingPemReason } from './pem-text.js';

export interface CertFileParse {
  readonly leaf?: ParsedCertificate;
  readonly error?: string;
  /** Certificates after the leaf in the same file (a bundled chain), parsed leniently on demand. */
  readonly extras: () => readonly NodeX509Certificate[];
}

export interface PemFileParse {
  /** Every PEM block, canonical. */
  readonly blocks: readonly string[];
  /** The content is byte for byte what `joinPem` makes of it. */
  readonly canonical: boolean;
  /** All blocks as certificates; undefined when any block is not a certificate. Parsed on demand. */
  readonly certificates: () => readonly NodeX509Certificate[] | undefined;
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
  const extras = memo(() => parseCertificatesLenient(blocks.slice(1).join('\n')));
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

export function parsePemFile(content: Buffer): PemFileParse {
  const text = content.toString('utf8');
  const blocks = splitPemBlocks(text);
  return {
    blocks,
    canonical: text === joinPem(text),
    certificates: memo(() => parseCertificates(blocks)),
  };
}

export function parseKeyFile(content: Buffer): KeyParse {
  try {
    return parseKeyContent(content);
  } catch {
    return { error: 'the key file could not be parsed' };
  }
}
