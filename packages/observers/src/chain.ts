/**
 * Signature chains, with OpenSSL's answers: `checkIssued` (names, key
 * identifiers, the issuer's keyCertSign) plus a signature check per link.
 * Leaves read strictly are checked without their OpenSSL object when
 * link.ts can answer exactly (see fastIssuedBy); CA certificates (few,
 * shared, cached) stay node:crypto objects. Validity periods of CA
 * certificates are not checked here.
 */
import { type KeyObject, X509Certificate as NodeX509Certificate } from 'node:crypto';
import { fastIssuedBy } from './link.js';
import { certificateBlocks } from './pem-text.js';
import { type LinkFacts, strictCertificate } from './strict-der.js';

const MAX_DEPTH = 8;

/** A parsed leaf: its strict facts when it has them, its OpenSSL object on demand. */
export interface LeafCertificate {
  readonly link: LinkFacts | undefined;
  readonly native: () => NodeX509Certificate;
}

/** A certificate on the child side of a link. */
export type ChainMember = NodeX509Certificate | LeafCertificate;

// Results per (child, parent) object pair: the shared intermediates and roots come
// from the parse cache below, so their links are verified once, not once per leaf.
const links = new WeakMap<ChainMember, WeakMap<NodeX509Certificate, boolean>>();

export function issuedBy(child: ChainMember, parent: NodeX509Certificate): boolean {
  let known = links.get(child);
  const cached = known?.get(parent);
  if (cached !== undefined) return cached;
  const result = fastLink(child, parent) ?? opensslIssuedBy(nativeOf(child), parent);
  if (known === undefined) {
    known = new WeakMap();
    links.set(child, known);
  }
  known.set(parent, result);
  return result;
}

function nativeOf(member: ChainMember): NodeX509Certificate {
  return member instanceof NodeX509Certificate ? member : member.native();
}

function opensslIssuedBy(child: NodeX509Certificate, parent: NodeX509Certificate): boolean {
  try {
    return child.checkIssued(parent) && child.verify(parent.publicKey);
  } catch {
    return false;
  }
}

function fastLink(child: ChainMember, parent: NodeX509Certificate): boolean | undefined {
  const childFacts = child instanceof NodeX509Certificate ? caFacts(child)?.link : child.link;
  const parentFacts = caFacts(parent);
  if (childFacts === undefined || parentFacts === undefined) return undefined;
  return fastIssuedBy(childFacts, parentFacts.link, parentFacts.key);
}

interface CaFacts {
  readonly link: LinkFacts;
  readonly key: KeyObject;
}

// Strict facts and public key per CA object; null when it is outside the strict subset.
const caFactsCache = new WeakMap<NodeX509Certificate, CaFacts | null>();

function caFacts(certificate: NodeX509Certificate): CaFacts | undefined {
  let facts = caFactsCache.get(certificate);
  if (facts === undefined) {
    const link = strictCertificate(certificate.raw)?.link;
    let key: KeyObject | undefined;
    try {
      key = link === undefined ? undefined : certificate.publicKey;
    } catch {
      key = undefined;
    }
    facts = link === undefined || key === undefined ? null : { link, key };
    caFactsCache.set(certificate, facts);
  }
  return facts ?? undefined;
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
  leaf: ChainMember,
  intermediates: readonly NodeX509Certificate[],
  roots: readonly NodeX509Certificate[],
): boolean {
  const walk = (certificate: ChainMember, path: readonly NodeX509Certificate[]): boolean => {
    if (roots.some((root) => issuedBy(certificate, root))) return true;
    if (path.length >= MAX_DEPTH) return false;
    return intermediates.some(
      (next) => !path.includes(next) && issuedBy(certificate, next) && walk(next, [...path, next]),
    );
  };
  return walk(leaf, []);
}

/** True when `chain[0]` issued `leaf` and each next certificate issued the one before it. */
export function isIssuerChain(leaf: ChainMember, chain: readonly NodeX509Certificate[]): boolean {
  if (chain.length === 0) return false;
  let child: ChainMember = leaf;
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
