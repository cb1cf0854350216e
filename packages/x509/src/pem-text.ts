/** Finding PEM blocks in file content, and saying in one phrase why there are none. */
import { splitPemBlocks } from '@certloop/core';

const LABEL = /^-----BEGIN ([A-Z0-9 ]+)-----/;

export function pemLabel(block: string): string | undefined {
  return LABEL.exec(block)?.[1];
}

/** The CERTIFICATE blocks of a text, in file order, canonical (`\n`, trimmed). */
export function certificateBlocks(text: string): string[] {
  return splitPemBlocks(text).filter((block) => pemLabel(block) === 'CERTIFICATE');
}

/** Why `content` holds no PEM block with one of `labels`: for parse-error fields. */
export function missingPemReason(content: Buffer, labels: readonly string[], what: string): string {
  if (content.length === 0) return 'the file is empty';
  if (content[0] === 0x30 || content.includes(0)) {
    return `the file holds binary data (DER?), expected a PEM ${what}`;
  }
  const text = content.toString('utf8');
  if (text.trim().length === 0) return 'the file holds only whitespace';
  for (const label of labels) {
    if (text.includes(`-----BEGIN ${label}-----`) && !text.includes(`-----END ${label}-----`)) {
      return `the PEM ${what} is truncated (BEGIN ${label} without END)`;
    }
  }
  const found = splitPemBlocks(text).map(pemLabel);
  if (found.length > 0) return `no PEM ${what} found (the file holds: ${[...new Set(found)].join(', ')})`;
  return `no PEM ${what} found`;
}

const BASE64_LINE = /^[A-Za-z0-9+/]{64}$/;
const LAST_BASE64_LINE = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * The DER of a canonical PEM block with `label`, when its body is plain
 * base64 in 64-character lines without headers (what every CA writes);
 * undefined for anything else, which OpenSSL's PEM reader then judges
 * (Buffer's base64 decoder would silently skip what OpenSSL rejects).
 */
export function canonicalPemBody(block: string, label: string): Buffer | undefined {
  const lines = block.split('\n');
  if (lines[0] !== `-----BEGIN ${label}-----` || lines.at(-1) !== `-----END ${label}-----`) return undefined;
  const body = lines.slice(1, -1);
  if (body.length === 0) return undefined;
  for (let i = 0; i < body.length - 1; i++) if (!BASE64_LINE.test(body[i]!)) return undefined;
  const last = body.at(-1)!;
  if (last.length > 64 || !LAST_BASE64_LINE.test(last)) return undefined;
  const text = body.join('');
  if (text.length % 4 !== 0) return undefined;
  const der = Buffer.from(text, 'base64');
  // Re-encoding catches misplaced padding and non-zero trailing bits.
  return der.toString('base64') === text ? der : undefined;
}
