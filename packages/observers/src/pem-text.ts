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
