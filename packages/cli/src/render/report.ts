import type { ReconcileReport, ReconcileResult } from '@certloop/reconciler';
import { type Io, paint } from '../io.js';

const DONE: Record<string, string> = {
  issue: 'issued',
  reissue: 'reissued',
  'update-files': 'files updated',
  'fix-permissions': 'permissions fixed',
  remove: 'removed',
};

function resultLine(result: ReconcileResult, io: Pick<Io, 'color'>): string | undefined {
  if (result.outcome === 'failed') {
    const why = result.error ?? result.reasons.map((r) => r.message).join(' ');
    const retry = result.retryNotBefore ? ` (next attempt after ${result.retryNotBefore})` : '';
    return `  ${paint(io, 'red', '!')} ${result.name}: ${result.action} failed: ${why}${retry}`;
  }
  if (result.outcome !== 'changed') return undefined;
  const serial = result.serial ? ` (serial ${result.serial}, valid until ${result.notAfter})` : '';
  const because = result.reasons.length > 0 ? ` — ${result.reasons[0]!.message}` : '';
  return `  ${paint(io, 'green', '✓')} ${result.name}: ${DONE[result.action] ?? result.action}${serial}${because}`;
}

/** Counts for the closing line: what was issued, reissued, fixed, left alone and what failed. */
export function reportCounts(report: ReconcileReport): Record<string, number> {
  const counts: Record<string, number> = {
    issued: 0,
    reissued: 0,
    fixed: 0,
    removed: 0,
    unchanged: 0,
    failed: 0,
  };
  for (const r of report.results) {
    if (r.outcome === 'failed') counts.failed! += 1;
    else if (r.outcome === 'unchanged') counts.unchanged! += 1;
    else if (r.action === 'issue') counts.issued! += 1;
    else if (r.action === 'reissue') counts.reissued! += 1;
    else if (r.action === 'remove') counts.removed! += 1;
    else counts.fixed! += 1;
  }
  return counts;
}

export function renderReport(report: ReconcileReport, io: Pick<Io, 'color'>): string {
  const lines = report.results.map((r) => resultLine(r, io)).filter((l): l is string => l !== undefined);
  for (const result of report.results) {
    if (result.pendingDelivery === undefined || result.outcome === 'failed') continue;
    lines.push(
      `  ${paint(io, 'yellow', '…')} ${result.name}: delivery to ${result.pendingDelivery} pending (the guest is stopped, or --generate-only); its hooks run after it`,
    );
  }
  for (const hook of report.hooks) {
    const state = hook.ok
      ? paint(io, 'green', 'ok')
      : paint(io, 'red', hook.timedOut ? 'timed out' : `failed (exit ${hook.exitCode})`);
    lines.push(`  hook ${JSON.stringify(hook.command)} for ${hook.names.join(', ')}: ${state}`);
  }
  const counts = reportCounts(report);
  const summary = Object.entries(counts)
    .filter(([word, n]) => n > 0 || word === 'failed' || word === 'unchanged')
    .map(([word, n]) => `${n} ${word}`)
    .join(', ');
  const pending = report.results.filter((r) => r.pendingDelivery !== undefined).length;
  const deliveries = pending > 0 ? ` ${pending} delivery(ies) pending.` : '';
  lines.push(`Reconcile: ${summary}.${deliveries}${report.ok ? '' : ' Not converged.'}`);
  return `${lines.join('\n')}\n`;
}
