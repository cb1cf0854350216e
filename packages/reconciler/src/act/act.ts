import { type DesiredCertificate, IssuerError, type ObservedCertificate, type Reason } from '@certloop/core';
import type { ReconcileOptions } from '../pass-types.js';
import type { PlanEntry } from '../plan.js';
import { safeErrorWithHint } from '../redact.js';
import type { PassContext, WorkResult } from './context.js';
import { issue } from './issue.js';
import { removeOrphan } from './remove-orphan.js';
import { fixPermissions, updateFiles } from './update-files.js';

export async function act(
  ctx: PassContext,
  entry: PlanEntry,
  cert: DesiredCertificate | undefined,
  observed: ObservedCertificate | undefined,
): Promise<WorkResult> {
  // The file stages' log lines (wrote, corrected, removed) name the certificate and its reason.
  const about = certificateLogFields(entry);
  const { ports } = ctx;
  const scoped: PassContext = {
    ...ctx,
    ports: {
      ...ports,
      writeFiles: (files) => ports.writeFiles(files, about),
      fixPlacement: (path, placement) => ports.fixPlacement(path, placement, about),
      removeFiles: (paths) => ports.removeFiles(paths, about),
    },
  };
  try {
    if (entry.action === 'remove') return await removeOrphan(scoped, entry.name);
    if (cert === undefined || observed === undefined) return { outcome: 'unchanged', filesWritten: false };
    switch (entry.action) {
      case 'issue':
      case 'reissue':
        return await issue(scoped, cert, observed, entry.renewal);
      case 'update-files':
        return await updateFiles(scoped, cert, observed);
      case 'fix-permissions':
        return await fixPermissions(scoped, cert, observed);
      default:
        return { outcome: 'unchanged', filesWritten: false };
    }
  } catch (error) {
    const terminal = error instanceof IssuerError && !error.retryable;
    // The hint says what to do (free space, remount, fix the password file): keep it in the report.
    const message = safeErrorWithHint(error);
    ctx.ports.logger.error('Acting on a certificate failed.', {
      ...about,
      action: entry.action,
      error: message,
    });
    return { outcome: 'failed', filesWritten: false, error: message, terminal };
  }
}

/**
 * What every log line about a certificate carries: its name and the code of
 * the reason it was acted on (the first in chain order), so an operator can
 * grep the journal for `reason=renewal-due`.
 */
export function certificateLogFields(entry: Pick<PlanEntry, 'name' | 'reasons'>): {
  name: string;
  reason: string;
  reasons?: string[];
} {
  const codes = entry.reasons.map((r) => r.code);
  return {
    name: entry.name,
    reason: codes[0] ?? 'none',
    ...(codes.length > 1 ? { reasons: codes } : {}),
  };
}

/** Reasons that are about what follows the writes (deliveries, hooks), not about the files. */
export const AFTER_WRITES: ReadonlySet<Reason['code']> = new Set(['hook-pending', 'delivery-pending']);

export function shouldAct(entry: PlanEntry, options: ReconcileOptions): boolean {
  if (entry.action === 'none') return false;
  return entry.action !== 'remove' || options.prune === true;
}
