import {
  CertloopError,
  type DesiredCertificate,
  joinPem,
  leafRole,
  type ObservedCertificate,
  splitPemBlocks,
} from '@certloop/core';
import { type ChainRole, chainFileDrift, placementDrift } from '../policies/placement.js';
import type { FileToWrite } from '../ports.js';
import { type PassContext, placementOf, type WorkResult } from './context.js';

async function chainFileContents(
  ctx: PassContext,
  cert: DesiredCertificate,
  roles: readonly ChainRole[],
): Promise<FileToWrite[]> {
  const trust = ctx.trust;
  if (trust === undefined) {
    throw ctx.trustError ?? new CertloopError('INTERNAL', 'The issuer trust material is not available.');
  }
  const needsIntermediates = roles.some((role) => role !== 'caBundle');
  if (needsIntermediates && trust.intermediatesPem.trim() === '') {
    throw new CertloopError(
      'INTERNAL',
      'The issuer did not report its intermediates, so the chain cannot be rebuilt.',
      {
        hint: 'Reissue the certificate (--force) to get a fresh chain from the CA.',
      },
    );
  }
  let leaf: string | undefined;
  if (roles.includes('fullchain')) {
    const role = leafRole(cert.files);
    const leafPath = role === undefined ? undefined : cert.files[role];
    const certText = leafPath === undefined ? undefined : await ctx.ports.readCertificate(leafPath);
    leaf = certText === undefined ? undefined : splitPemBlocks(certText)[0];
    if (leaf === undefined) {
      throw new CertloopError(
        'WRITE_FAILED',
        `Cannot rebuild the full-chain file: the certificate ${leafPath} is unreadable.`,
      );
    }
  }
  return roles.map((role) => {
    const content =
      role === 'caBundle'
        ? joinPem(trust.rootsPem)
        : role === 'chain'
          ? joinPem(trust.intermediatesPem)
          : joinPem(leaf ?? '', trust.intermediatesPem);
    return { path: cert.files[role]!, content, ...placementOf(cert, role) };
  });
}

async function fixPlacements(
  ctx: PassContext,
  cert: DesiredCertificate,
  observed: ObservedCertificate,
  skip: ReadonlySet<string>,
): Promise<boolean> {
  let changed = false;
  for (const drift of placementDrift(cert, observed, ctx.ids.get(cert.name))) {
    if (skip.has(drift.path)) continue;
    if (await ctx.ports.fixPlacement(drift.path, placementOf(cert, drift.role))) changed = true;
  }
  return changed;
}

export async function updateFiles(
  ctx: PassContext,
  cert: DesiredCertificate,
  observed: ObservedCertificate,
): Promise<WorkResult> {
  const { missing, stale } = chainFileDrift(cert, observed);
  const roles = [...missing, ...stale];
  let written: string[] = [];
  if (roles.length > 0) {
    written = (await ctx.ports.writeFiles(await chainFileContents(ctx, cert, roles))).written;
  }
  // Rewritten files got their mode and owner from the writer; fix the others.
  const fixed = await fixPlacements(ctx, cert, observed, new Set(written));
  const filesWritten = written.length > 0;
  return { outcome: filesWritten || fixed ? 'changed' : 'unchanged', filesWritten };
}

export async function fixPermissions(
  ctx: PassContext,
  cert: DesiredCertificate,
  observed: ObservedCertificate,
): Promise<WorkResult> {
  const fixed = await fixPlacements(ctx, cert, observed, new Set());
  return { outcome: fixed ? 'changed' : 'unchanged', filesWritten: false };
}
