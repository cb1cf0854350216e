/**
 * Issue or reissue: the key (kept when the rotation policy says so), the
 * request, the CA's answer checked in memory, every declared file written in
 * one atomic call, provenance last.
 */
import {
  COMMIT_ORDER,
  type DesiredCertificate,
  type FILE_ROLES,
  type IssuedCertificate,
  type IssueRequest,
  joinPem,
  type ObservedCertificate,
  omitUndefined,
} from '@certloop/core';
import type { RenewalRoute } from '../policies/renewal-path.js';
import type { FileToWrite } from '../ports.js';
import { checkIssued, type RequestRecord } from './check-issued.js';
import { type PassContext, placementOf, type WorkResult } from './context.js';
import { obtainCertificate } from './obtain.js';

/**
 * Every declared file of a new issuance, for one atomic writeFiles call. Files
 * holding the new leaf are new by construction, and so is the key unless it was
 * kept (`keptKey`); chain and bundle files may well be unchanged.
 */
export function issuedFiles(
  cert: DesiredCertificate,
  issued: IssuedCertificate,
  keptKey = false,
): FileToWrite[] {
  const content: Record<(typeof FILE_ROLES)[number], string> = {
    cert: joinPem(issued.certificatePem),
    key: joinPem(issued.keyPem),
    chain: joinPem(issued.chainPem),
    fullchain: joinPem(issued.certificatePem, issued.chainPem),
    caBundle: joinPem(issued.caBundlePem),
  };
  // Key first, certificate last: the writer renames in the order given.
  return COMMIT_ORDER.flatMap((role) => {
    const path = cert.files[role];
    if (path === undefined) return [];
    const knownChanged = role === 'cert' || role === 'fullchain' || (role === 'key' && !keptKey);
    return [
      { path, content: content[role], ...placementOf(cert, role), ...(knownChanged ? { knownChanged } : {}) },
    ];
  });
}

function backoffInEffect(ctx: PassContext, cert: DesiredCertificate, now: Date): string | undefined {
  if (ctx.options.force === true || ctx.options.ignoreBackoff === true) return undefined;
  const previous = ctx.status?.certificates[cert.name];
  if (previous?.retryNotBefore === undefined) return undefined;
  // A changed spec deserves a fresh attempt right away.
  if (previous.failedSpecHash !== cert.specHash) return undefined;
  return now.getTime() < new Date(previous.retryNotBefore).getTime() ? previous.retryNotBefore : undefined;
}

export async function issue(
  ctx: PassContext,
  cert: DesiredCertificate,
  observed: ObservedCertificate,
  /** The plan's renewal route; absent: signed anew. */
  route?: RenewalRoute,
): Promise<WorkResult> {
  const { ports } = ctx;
  const deferredUntil = backoffInEffect(ctx, cert, ports.clock());
  if (deferredUntil !== undefined) {
    const previous = ctx.status?.certificates[cert.name];
    return {
      outcome: 'failed',
      filesWritten: false,
      deferredUntil,
      error: `Not retrying before ${deferredUntil} after ${previous?.consecutiveFailures ?? 0} failure(s): ${previous?.lastError ?? 'unknown error'}`,
    };
  }
  let existingKeyPem: string | undefined;
  const keyPath = cert.files.key;
  const keyUsable = observed.key !== undefined && observed.key.keyAlgorithm === cert.spec.keyAlgorithm;
  if (cert.rotation === 'never' && keyPath !== undefined && keyUsable) {
    existingKeyPem = await ports.readKey(keyPath);
  }
  const issueRequest: IssueRequest = omitUndefined({
    name: cert.name,
    commonName: cert.spec.commonName,
    sans: cert.spec.sans,
    keyAlgorithm: cert.spec.keyAlgorithm,
    lifetimeMs: cert.spec.lifetimeMs,
    usage: cert.spec.usage,
    existingKeyPem,
  });
  const { issued, keptKey } = await obtainCertificate(ctx, cert, observed, issueRequest, route);
  const files = issuedFiles(cert, issued, keptKey);
  const requested: RequestRecord = {
    name: cert.name,
    specHash: cert.specHash,
    commonName: cert.spec.commonName,
    sans: cert.spec.sans,
    keyAlgorithm: cert.spec.keyAlgorithm,
    requestedLifetimeMs: cert.spec.lifetimeMs,
    issuerId: ports.issuer.id,
    issuedAt: ports.clock().toISOString(),
    files: { ...cert.files },
  };
  // Serial, expiry and leaf hash come from the one in-memory inspection of the answer.
  const { provenance, ...checked } = await checkIssued(ctx, cert, files, requested, issued);
  // Key, certificate and chain files in one call: all temp files land before any rename.
  await ports.writeFiles(files);
  // Provenance last: it describes files that are already in place.
  await ports.provenance.write(provenance);
  return {
    outcome: 'changed',
    filesWritten: true,
    serial: provenance.serial,
    notAfter: provenance.notAfter,
    provenance,
    checked,
  };
}
