/**
 * Signature chains, checked with node:crypto: `checkIssued` (names, key
 * identifiers, the issuer's keyCertSign) plus a signature check per link.
 * Validity periods of CA certificates are not checked here.
 */
import { X509Certificate as NodeX509Certificate } from 'node:crypto';
import { certificateBlocks } from './pem-text.js';

const MAX_DEPTH = 8;

// Results per (child, parent) object pair: the shared intermediates and roots come
// from the parse cache below, so their links are verified once, not once per leaf.
const links = new WeakMap<NodeX509Certificate, WeakMap<NodeX509Certificate, boolean>>();

export function issuedBy(child: NodeX509Certificate, parent: NodeX509Certificate): boolean {
  let known = links.get(child);
  const cached = known?.get(parent);
  if (cached !== undefined) return cached;
  let result: boolean;
  try {
    result = child.checkIssued(parent) && child.verify(parent.publicKey);
  } catch {
    result = false;
  }
  if (known === undefined) {
    known = new WeakMap();
    links.set(child, known);
  }
  known.set(parent, result);
  return result;
}

// The same intermediates and roots appear in thousands of chain files: parsed once.
// Only blocks after a file's first are cached (leaves are not worth keeping).
const parsedBlocks = new Map<string, NodeX509Certificate>();
const MAX_PARSED_BLOCKS = 256;

function parseShared(block: string): NodeX509Certificate {
  let certificate = parsedBlocks.get(block);
  if (certificate === undefined) {
    certificate = new NodeX509Certificate(block);
    if (parsedBlocks.size >= MAX_PARSED_BLOCKS) parsedBlocks.clear();
    parsedBlocks.set(block, certificate);
  }
  return certificate;
}

/** True when `leaf` reaches one of `roots` through signatures, using any of `intermediates`. */
export function chainsTo(
  leaf: NodeX509Certificate,
  intermediates: readonly NodeX509Certificate[],
  roots: readonly NodeX509Certificate[],
): boolean {
  const walk = (certificate: NodeX509Certificate, path: readonly NodeX509Certificate[]): boolean => {
    if (roots.some((root) => issuedBy(certificate, root))) return true;
    if (path.length >= MAX_DEPTH) return false;
    return intermediates.some(
      (next) => !path.includes(next) && issuedBy(certificate, next) && walk(next, [...path, next]),
    );
  };
  return walk(leaf, []);
}

/** True when `chain[0]` issued `leaf` and each next certificate issued the one before it. */
export function isIssuerChain(leaf: NodeX509Certificate, chain: readonly NodeX509Certificate[]): boolean {
  if (chain.length === 0) return false;
  let child = leaf;
  for (const parent of chain) {
    if (!issuedBy(child, parent)) return false;
    child = parent;
  }
  return true;
}

/** Parses every CERTIFICATE block; undefined when any of them is not a certificate. */
export function parseCertificates(blocks: readonly string[]): NodeX509Certificate[] | undefined {
  try {
    return blocks.map((block, index) => (index === 0 ? new NodeX509Certificate(block) : parseShared(block)));
  } catch {
    return undefined;
  }
}

/** Parses the certificates of a PEM text, skipping blocks that do not parse. */
export function parseCertificatesLenient(text: string): NodeX509Certificate[] {
  return parseCertificateBlocksLenient(certificateBlocks(text));
}

/** Parses canonical CERTIFICATE blocks, skipping those that do not parse. */
export function parseCertificateBlocksLenient(blocks: readonly string[]): NodeX509Certificate[] {
  return blocks.flatMap((block) => {
    try {
      return [parseShared(block)];
    } catch {
      return [];
    }
  });
}

/**
 * Whether the leaf (first certificate of `leafPem`) builds a valid signature
 * chain to one of the roots, through the given intermediates.
 */
export function verifiesTo(leafPem: string, intermediatesPem: string, rootsPem: string): boolean {
  const [leafBlock] = certificateBlocks(leafPem);
  const leaf = leafBlock === undefined ? undefined : parseCertificates([leafBlock])?.[0];
  if (leaf === undefined) return false;
  return chainsTo(leaf, parseCertificatesLenient(intermediatesPem), parseCertificatesLenient(rootsPem));
}
