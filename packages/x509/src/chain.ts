/**
 * Signature chains, with OpenSSL's answers: `checkIssued` (names, key
 * identifiers, the issuer's keyCertSign) plus a signature check per link.
 * Certificates read strictly are checked without OpenSSL's object when
 * link.ts can answer exactly (see fastIssuedBy), their signature checks on
 * libuv's thread pool when observing; CA certificates (few, shared) are
 * parsed once and cached. Certificates come and go as plain values
 * (CertificateDer); their OpenSSL objects stay in native.ts. Validity
 * periods of CA certificates are not checked here.
 */
import { type KeyObject, X509Certificate as NodeX509Certificate } from 'node:crypto';
import { decideNow, issuedByDecision, type LinkDecision, linkOf, verifyInPool } from './link.js';
import { type CertificateDer, certificateValue, nativeOf } from './native.js';
import { certificateBlocks } from './pem-text.js';
import type { LinkFacts } from './strict-der.js';

const MAX_DEPTH = 8;

/** A link's answer, or the pending check that will give it. */
type LinkAnswer = boolean | Promise<boolean>;

// Answers per (child, parent) value pair: the shared intermediates and roots come
// from the parse cache below, so their links are verified once, not once per leaf.
// A check in flight is remembered as its promise: concurrent observations share it.
const links = new WeakMap<CertificateDer, WeakMap<CertificateDer, LinkAnswer>>();

function remembered(child: CertificateDer, parent: CertificateDer): LinkAnswer | undefined {
  return links.get(child)?.get(parent);
}

function remember(child: CertificateDer, parent: CertificateDer, answer: LinkAnswer): void {
  let known = links.get(child);
  if (known === undefined) {
    known = new WeakMap();
    links.set(child, known);
  }
  known.set(parent, answer);
}

/** Did `parent` issue `child`, answered on this thread. */
export function issuedBy(child: CertificateDer, parent: CertificateDer): boolean {
  const known = remembered(child, parent);
  if (typeof known === 'boolean') return known;
  // A check still in the pool gives the same answer as checking here.
  const result = decideNow(fastDecision(child, parent)) ?? opensslIssuedBy(child, parent);
  remember(child, parent, result);
  return result;
}

/**
 * Did `parent` issue `child`, with the signature check on libuv's thread pool
 * when the fast path can make it; the OpenSSL fallback stays on this thread.
 */
export function issuedByAsync(child: CertificateDer, parent: CertificateDer): LinkAnswer {
  const known = remembered(child, parent);
  if (known !== undefined) return known;
  const decision = fastDecision(child, parent);
  if (typeof decision !== 'object') {
    const result = decision ?? opensslIssuedBy(child, parent);
    remember(child, parent, result);
    return result;
  }
  const pending = verifyInPool(decision).then((valid) => {
    const result = valid ?? opensslIssuedBy(child, parent);
    remember(child, parent, result);
    return result;
  });
  remember(child, parent, pending);
  return pending;
}

function opensslIssuedBy(child: CertificateDer, parent: CertificateDer): boolean {
  try {
    const childObject = nativeOf(child);
    const parentObject = nativeOf(parent);
    return childObject.checkIssued(parentObject) && childObject.verify(parentObject.publicKey);
  } catch {
    return false;
  }
}

function fastDecision(child: CertificateDer, parent: CertificateDer): LinkDecision {
  const childFacts = linkOf(child);
  const parentFacts = caFacts(parent);
  if (childFacts === undefined || parentFacts === undefined) return undefined;
  return issuedByDecision(childFacts, parentFacts.link, parentFacts.key);
}

interface CaFacts {
  readonly link: LinkFacts;
  readonly key: KeyObject;
}

// Strict facts and public key per CA value; null when it is outside the strict subset.
const caFactsCache = new WeakMap<CertificateDer, CaFacts | null>();

function caFacts(certificate: CertificateDer): CaFacts | undefined {
  let facts = caFactsCache.get(certificate);
  if (facts === undefined) {
    const link = linkOf(certificate);
    let key: KeyObject | undefined;
    try {
      key = link === undefined ? undefined : nativeOf(certificate).publicKey;
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
const parsedBlocks = new Map<string, CertificateDer>();
const MAX_PARSED_BLOCKS = 256;

function parseShared(block: string): CertificateDer {
  let certificate = parsedBlocks.get(block);
  if (certificate === undefined) {
    certificate = certificateValue(new NodeX509Certificate(block));
    if (parsedBlocks.size >= MAX_PARSED_BLOCKS) parsedBlocks.clear();
    parsedBlocks.set(block, certificate);
  }
  return certificate;
}

/**
 * A walk over chain links written once for both ways of answering: it yields
 * each (child, parent) link it needs, in order, and is sent that link's answer.
 */
type LinkWalk = Generator<readonly [CertificateDer, CertificateDer], boolean, boolean>;

function* walkToRoots(
  certificate: CertificateDer,
  intermediates: readonly CertificateDer[],
  roots: readonly CertificateDer[],
  path: readonly CertificateDer[],
): LinkWalk {
  for (const root of roots) if (yield [certificate, root]) return true;
  if (path.length >= MAX_DEPTH) return false;
  for (const next of intermediates) {
    if (path.includes(next)) continue;
    if ((yield [certificate, next]) && (yield* walkToRoots(next, intermediates, roots, [...path, next])))
      return true;
  }
  return false;
}

function* walkIssuerChain(leaf: CertificateDer, chain: readonly CertificateDer[]): LinkWalk {
  if (chain.length === 0) return false;
  let child: CertificateDer = leaf;
  for (const parent of chain) {
    if (!(yield [child, parent])) return false;
    child = parent;
  }
  return true;
}

function answerNow(walk: LinkWalk): boolean {
  let step = walk.next();
  while (!step.done) step = walk.next(issuedBy(...step.value));
  return step.value;
}

async function answerAsync(walk: LinkWalk): Promise<boolean> {
  let step = walk.next();
  while (!step.done) step = walk.next(await issuedByAsync(...step.value));
  return step.value;
}

/** True when `leaf` reaches one of `roots` through signatures, using any of `intermediates`. */
export function chainsTo(
  leaf: CertificateDer,
  intermediates: readonly CertificateDer[],
  roots: readonly CertificateDer[],
): boolean {
  return answerNow(walkToRoots(leaf, intermediates, roots, []));
}

/** chainsTo, with the signature checks on libuv's thread pool. */
export function chainsToAsync(
  leaf: CertificateDer,
  intermediates: readonly CertificateDer[],
  roots: readonly CertificateDer[],
): Promise<boolean> {
  return answerAsync(walkToRoots(leaf, intermediates, roots, []));
}

/** True when `chain[0]` issued `leaf` and each next certificate issued the one before it. */
export function isIssuerChain(leaf: CertificateDer, chain: readonly CertificateDer[]): boolean {
  return answerNow(walkIssuerChain(leaf, chain));
}

/** isIssuerChain, with the signature checks on libuv's thread pool. */
export function isIssuerChainAsync(leaf: CertificateDer, chain: readonly CertificateDer[]): Promise<boolean> {
  return answerAsync(walkIssuerChain(leaf, chain));
}

/** Parses every CERTIFICATE block; undefined when any of them is not a certificate. */
export function parseCertificates(blocks: readonly string[]): CertificateDer[] | undefined {
  try {
    return blocks.map((block, index) =>
      index === 0 ? certificateValue(new NodeX509Certificate(block)) : parseShared(block),
    );
  } catch {
    return undefined;
  }
}

/** Parses the certificates of a PEM text, skipping blocks that do not parse. */
export function parseCertificatesLenient(text: string): CertificateDer[] {
  return parseCertificateBlocksLenient(certificateBlocks(text));
}

/** Parses canonical CERTIFICATE blocks, skipping those that do not parse. */
export function parseCertificateBlocksLenient(blocks: readonly string[]): CertificateDer[] {
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
