/**
 * Observing certificates: per certificate, stat and parse each declared file,
 * then derive the cross-file facts (key matches, chain verifies, chain files
 * current). Gather only: no decisions, no writes, no throwing for what is found.
 * One file over 300 lines: observing from disk and inspecting contents in
 * memory (an issued certificate) share the list of wanted files and the
 * derivation, and must not drift apart.
 */

import { setImmediate as nextTurn } from 'node:timers/promises';
import type {
  DesiredCertificate,
  ObservedCertificate,
  ObservedCertificateData,
  ObservedFile,
  TrustMaterial,
} from '@certloop/core';
import { describeError, FILE_ROLES, type FileRole, joinPem, leafRole } from '@certloop/core';
import {
  chainsTo,
  chainsToAsync,
  isIssuerChain,
  isIssuerChainAsync,
  type KeyParse,
  keyMatchesCertificate,
  observedCertificateData,
  type ParsedCertificate,
  sha256Hex,
  type TrustContext,
  trustContext,
} from '@certloop/x509';
import type { ObservationCache } from './cache.js';
import {
  type CertFileParse,
  type PemFileParse,
  parseCertFile,
  parseKeyFile,
  parsePemFile,
} from './file-parsers.js';
import { FileSystemClassifier } from './file-systems.js';
import { type FileObservation, type FileParsers, type FileReadContext, observeFileAs } from './files.js';

export interface ObserveOptions {
  /** Roots and current intermediates; without them chainVerifies and chainFilesCurrent stay undecided. */
  readonly trust?: TrustMaterial;
  /** How many certificates are read at once (observeAll). Default 64. */
  readonly concurrency?: number;
  /** Reuses parsed data of files whose stat fingerprint did not change. */
  readonly cache?: ObservationCache;
  /** Called with the path each time a file's content is read and parsed (not served from the cache). */
  readonly onParse?: (path: string) => void;
}

/**
 * On a local disk reads are synchronous and this only interleaves; on NFS each
 * certificate waits for round trips, and 64 in flight keep the CLI's 64 pool
 * threads busy (a first plan of 1,000 certificates on storage with 1 ms per
 * call: 1.53 s at 16, 0.87 s at 64; local disk unchanged).
 */
export const DEFAULT_CONCURRENCY = 64;

interface Context {
  readonly read: FileReadContext;
  readonly trust: TrustContext | undefined;
  readonly cache: ObservationCache | undefined;
  readonly checks: SignatureChecks;
}

/** Where signature checks run: the pool while many files are parsed, this thread for one certificate. */
interface SignatureChecks {
  readonly chainsTo: (...link: Parameters<typeof chainsTo>) => boolean | Promise<boolean>;
  readonly isIssuerChain: (...link: Parameters<typeof isIssuerChain>) => boolean | Promise<boolean>;
}

const POOL_CHECKS: SignatureChecks = { chainsTo: chainsToAsync, isIssuerChain: isIssuerChainAsync };
// One issued certificate, checked while the pool is busy with its fsyncs: a
// check (~0.1 ms) costs less than the hand-off to a pool thread and back.
const INLINE_CHECKS: SignatureChecks = { chainsTo, isIssuerChain };

function contextOf(options: ObserveOptions, checks: SignatureChecks = POOL_CHECKS): Context {
  return {
    checks,
    // statfs per directory once per pass: local file systems are read synchronously.
    read: { cache: options.cache, onParse: options.onParse, fileSystems: new FileSystemClassifier() },
    trust: options.trust === undefined ? undefined : trustContext(options.trust),
    cache: options.cache,
  };
}

type ChainRole = 'chain' | 'fullchain' | 'caBundle';

export async function observeCertificate(
  desired: DesiredCertificate,
  options: ObserveOptions = {},
): Promise<ObservedCertificate> {
  return observeIn(desired, contextOf(options));
}

/**
 * What observing `desired` would find if its files held `contents` (by path):
 * the same parsers and cross-file checks, without touching the disk. Used to
 * check an issued certificate before it replaces anything.
 */
export async function inspectContents(
  desired: DesiredCertificate,
  contents: ReadonlyMap<string, Buffer>,
  options: Pick<ObserveOptions, 'trust'> = {},
): Promise<ObservedCertificate> {
  const context = contextOf(options, INLINE_CHECKS);
  return derive(desired, observeContents(wantedFiles(desired), contents), context);
}

/** Observes every certificate, `concurrency` at a time; results in input order, one failure never stops the rest. */
export async function observeAll(
  desired: readonly DesiredCertificate[],
  options: ObserveOptions = {},
): Promise<ObservedCertificate[]> {
  const context = contextOf(options);
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_CONCURRENCY));
  const results = new Array<ObservedCertificate>(desired.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < desired.length) {
      const index = next++;
      const certificate = desired[index]!;
      try {
        results[index] = await observeIn(certificate, context);
      } catch (error) {
        // Not expected (observations do not throw); kept as data so the others proceed.
        results[index] = {
          name: certificate.name,
          files: {},
          certificateError: `Observation failed: ${describeError(error)}`,
          chainFilesCurrent: {},
        };
      }
      // Reads on local file systems are synchronous: let timers and requests
      // (the service's /healthz) in between certificates.
      await nextTurn();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, desired.length) }, worker));
  return results;
}

const PARSERS = { cert: parseCertFile, key: parseKeyFile, pem: parsePemFile } as const;
type Kind = keyof typeof PARSERS;

type FileObservations = readonly (FileObservation<unknown> | undefined)[];

/**
 * Reads each distinct path once, with every parser it needs: a legacy
 * `cert_path` is both the leaf ('cert') and the full chain ('pem').
 */
async function observePaths(wanted: readonly Wanted[], context: Context): Promise<FileObservations> {
  const byPath = parsersByPath(wanted);
  const read = new Map<string, FileObservation<Record<string, unknown>>>();
  await Promise.all(
    Array.from(byPath, async ([path, parsers]: [string, FileParsers]) => {
      read.set(path, await observeFileAs(path, parsers, context.read));
    }),
  );
  return pick(wanted, read);
}

/**
 * The same observations made from contents held in memory: what observing
 * would find once these bytes are in place. The files' mode and owner are
 * left out (the writer sets them), so no placement drift is reported.
 */
function observeContents(wanted: readonly Wanted[], contents: ReadonlyMap<string, Buffer>): FileObservations {
  const read = new Map<string, FileObservation<Record<string, unknown>>>();
  for (const [path, parsers] of parsersByPath(wanted)) {
    const content = contents.get(path);
    if (content === undefined) {
      read.set(path, { file: { path, exists: false, readable: false } });
      continue;
    }
    const parsed = Object.fromEntries(Object.entries(parsers).map(([kind, parse]) => [kind, parse(content)]));
    const file = { path, exists: true, readable: true, size: content.length, sha256: sha256Hex(content) };
    read.set(path, { file, parsed });
  }
  return pick(wanted, read);
}

type Wanted = readonly [string | undefined, Kind];

function parsersByPath(wanted: readonly Wanted[]): Map<string, Record<string, (content: Buffer) => unknown>> {
  const byPath = new Map<string, Record<string, (content: Buffer) => unknown>>();
  for (const [path, kind] of wanted) {
    if (path === undefined) continue;
    let parsers = byPath.get(path);
    if (parsers === undefined) {
      parsers = {};
      byPath.set(path, parsers);
    }
    parsers[kind] = PARSERS[kind];
  }
  return byPath;
}

function pick(
  wanted: readonly Wanted[],
  read: ReadonlyMap<string, FileObservation<Record<string, unknown>>>,
): FileObservations {
  return wanted.map(([path, kind]) => {
    if (path === undefined) return undefined;
    const observation = read.get(path)!;
    return observation.parsed === undefined
      ? { file: observation.file }
      : { file: observation.file, parsed: observation.parsed[kind] };
  });
}

/**
 * Each role's path with the parser its content needs. The leaf comes from the
 * cert file, or from the first block of a full chain when that is all there is.
 */
function wantedFiles(desired: DesiredCertificate): Wanted[] {
  const { files: paths } = desired;
  const role = leafRole(paths);
  const leafPath = role === undefined ? undefined : paths[role];
  return [
    [leafPath, 'cert'],
    [paths.key, 'key'],
    [paths.chain, 'pem'],
    [paths.fullchain, 'pem'],
    [paths.caBundle, 'pem'],
  ];
}

async function observeIn(desired: DesiredCertificate, context: Context): Promise<ObservedCertificate> {
  return derive(desired, await observePaths(wantedFiles(desired), context), context);
}

/** The per-file observations of one certificate, and the facts across its files. */
async function derive(
  desired: DesiredCertificate,
  observed: FileObservations,
  context: Context,
): Promise<ObservedCertificate> {
  const { files: paths } = desired;
  const [cert, key, chain, fullchain, caBundle] = observed as [
    FileObservation<CertFileParse> | undefined,
    FileObservation<KeyParse> | undefined,
    FileObservation<PemFileParse> | undefined,
    FileObservation<PemFileParse> | undefined,
    FileObservation<PemFileParse> | undefined,
  ];
  const observations: Record<FileRole, FileObservation<unknown> | undefined> = {
    cert: paths.cert === undefined ? undefined : cert,
    key,
    chain,
    fullchain,
    caBundle,
  };
  const files: Partial<Record<FileRole, ObservedFile>> = {};
  for (const role of FILE_ROLES) {
    const observation = observations[role];
    if (observation !== undefined) files[role] = observation.file;
  }

  const leaf = cert?.parsed?.leaf;
  const keyParse: KeyParse | undefined = key?.parsed;
  const keyData = keyParse !== undefined && 'key' in keyParse ? keyParse.key : undefined;
  const certificate: ObservedCertificateData | undefined =
    leaf === undefined
      ? undefined
      : observedCertificateData(leaf.facts, await chainVerifies(leaf, cert, chain, context));

  return {
    name: desired.name,
    files,
    ...(certificate !== undefined ? { certificate } : {}),
    ...(certificateErrorOf(cert) !== undefined ? { certificateError: certificateErrorOf(cert) } : {}),
    ...(keyData !== undefined ? { key: keyData } : {}),
    ...(keyParse !== undefined && 'error' in keyParse ? { keyError: keyParse.error } : {}),
    ...(certificate !== undefined && keyData !== undefined
      ? { keyMatchesCertificate: keyMatchesCertificate(certificate, keyData) }
      : {}),
    chainFilesCurrent: await chainFilesCurrent(leaf, { chain, fullchain, caBundle }, context),
  };
}

function certificateErrorOf(cert: FileObservation<CertFileParse> | undefined): string | undefined {
  if (cert?.parsed?.error === undefined) return undefined;
  return cert.parsed.error;
}

/**
 * The leaf with the chain file's certificates (if declared and readable), else
 * the cert file's extra certificates, else the issuer's intermediates, must
 * reach a configured root. Memoized per (leaf, intermediates, roots) hashes.
 */
async function chainVerifies(
  leaf: ParsedCertificate,
  cert: FileObservation<CertFileParse> | undefined,
  chain: FileObservation<PemFileParse> | undefined,
  context: Context,
): Promise<boolean | undefined> {
  const trust = context.trust;
  if (trust === undefined || trust.roots.length === 0) return undefined;
  const extras = cert?.parsed?.extras() ?? [];
  const chainCertificates = chain?.parsed?.certificates();
  const [intermediates, source] =
    chain?.parsed !== undefined && chainCertificates !== undefined && chainCertificates.length > 0
      ? [chainCertificates, `chain:${chain.file.sha256}`]
      : extras.length > 0
        ? [extras, `cert:${cert?.file.sha256}`]
        : [trust.intermediates, `trust:${trust.chainSha256}`];
  const key = `${leaf.facts.sha256}|${source}|${trust.rootsSha256}`;
  const known = context.cache?.getVerification(key);
  if (known !== undefined) return known;
  const verifies = await context.checks.chainsTo(leaf, intermediates, trust.roots);
  context.cache?.setVerification(key, verifies);
  return verifies;
}

/**
 * Whether each declared chain / fullchain / CA bundle file holds what the
 * writer would write now. Undecided (omitted) without trust material, or when
 * the answer needs a leaf that did not parse.
 */
async function chainFilesCurrent(
  leaf: ParsedCertificate | undefined,
  files: Record<ChainRole, FileObservation<PemFileParse> | undefined>,
  { trust, checks }: Context,
): Promise<Partial<Record<ChainRole, boolean>>> {
  const current: Partial<Record<ChainRole, boolean>> = {};
  if (trust === undefined) return current;
  const { chain, fullchain, caBundle } = files;
  const readable = (f: FileObservation<PemFileParse> | undefined) => f?.file.sha256 !== undefined;

  if (caBundle !== undefined) current.caBundle = caBundle.file.sha256 === trust.caBundleSha256;

  if (trust.intermediatesPem !== '') {
    if (chain !== undefined) current.chain = chain.file.sha256 === trust.chainSha256;
    if (fullchain !== undefined) {
      if (!readable(fullchain)) current.fullchain = false;
      else if (leaf !== undefined) {
        // Both parts are canonical, so joinPem(leaf.pem, intermediatesPem) is their plain join.
        current.fullchain = fullchain.file.sha256 === sha256Hex(`${leaf.pem}\n${trust.intermediatesPem}`);
      }
    }
    return current;
  }

  // The issuer's intermediates are unknown: the chain must at least be the leaf's issuer chain.
  let verifiedChain: readonly string[] | undefined;
  if (chain !== undefined) {
    if (!readable(chain)) current.chain = false;
    else if (leaf !== undefined) {
      current.chain = await isCanonicalIssuerChain(leaf, chain.parsed, 0, checks);
      if (current.chain) verifiedChain = chain.parsed?.blocks;
    }
  }
  if (fullchain !== undefined) {
    if (!readable(fullchain)) current.fullchain = false;
    else if (leaf !== undefined) {
      current.fullchain =
        verifiedChain !== undefined
          ? fullchain.file.sha256 === sha256Hex(joinPem(leaf.pem, ...verifiedChain))
          : fullchain.parsed?.blocks[0] === leaf.pem &&
            (await isCanonicalIssuerChain(leaf, fullchain.parsed, 1, checks));
    }
  }
  return current;
}

/** The file is canonical and its certificates from `skip` on are the leaf's issuer chain. */
async function isCanonicalIssuerChain(
  leaf: ParsedCertificate,
  file: PemFileParse | undefined,
  skip: number,
  checks: SignatureChecks,
): Promise<boolean> {
  if (file === undefined || !file.canonical) return false;
  const certificates = file.certificates();
  return certificates !== undefined && (await checks.isIssuerChain(leaf, certificates.slice(skip)));
}
