/**
 * Canonical PEM text, so the writer and the observer agree byte for byte on
 * what a chain, full-chain or CA bundle file should contain.
 */
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n[\s\S]*?-----END \1-----/g;

/** The PEM blocks in a text, each normalized to `\n` line endings without surrounding space. */
export function splitPemBlocks(text: string): string[] {
  return Array.from(text.matchAll(PEM_BLOCK), (m) => m[0].replace(/\r\n/g, '\n').trim());
}

/** Joins PEM blocks (or texts holding several) into one canonical file content ending in a newline. */
export function joinPem(...parts: readonly string[]): string {
  const blocks = parts.flatMap(splitPemBlocks);
  return blocks.length === 0 ? '' : `${blocks.join('\n')}\n`;
}
