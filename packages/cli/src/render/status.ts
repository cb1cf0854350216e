/**
 * The human status: one row per certificate, the sentence behind each one that
 * is not Ready, and a summary line. Renders a StatusReport; computes nothing.
 */
import type { CertState, PendingWorkKind } from '@certloop/core';
import type { CertificateReadiness, StatusReport, StatusSummary } from '@certloop/reconciler';
import { type Colour, type Io, paint } from '../io.js';

const STATE_COLOUR: Record<CertState, Colour> = {
  Ready: 'green',
  RenewalDue: 'yellow',
  Drifted: 'yellow',
  Pending: 'yellow',
  Expired: 'red',
  Missing: 'red',
  Invalid: 'red',
  Failed: 'red',
};

/** How the summary line names certificates in each state other than Ready (Pending is named by its work). */
const STATE_WORDS: Record<Exclude<CertState, 'Ready' | 'Pending'>, string> = {
  Missing: 'missing',
  Expired: 'expired',
  Invalid: 'invalid',
  RenewalDue: 'renewal due',
  Drifted: 'drifted',
  Failed: 'failed',
};

const PENDING_WORDS: Record<PendingWorkKind, readonly [one: string, many: string]> = {
  delivery: ['pending delivery', 'pending deliveries'],
  hook: ['pending hook', 'pending hooks'],
};

export function formatTimeLeft(ms: number | undefined): string {
  if (ms === undefined) return '-';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  const days = Math.floor(rest / 86_400_000);
  rest -= days * 86_400_000;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  if (days > 0) return `${sign}${days}d${hours}h`;
  if (hours > 0) return `${sign}${hours}h${minutes}m`;
  return `${sign}${minutes}m`;
}

/** A UTC time to the minute, one word so the table splits on spaces: 2026-12-05T18:42Z. */
export function formatInstant(iso: string | undefined): string {
  return iso === undefined ? '-' : `${iso.slice(0, 16)}Z`;
}

/** "8 certificates: 7 ready, 1 not ready (1 pending hook)". */
export function statusSummaryLine(summary: StatusSummary): string {
  const noun = summary.total === 1 ? 'certificate' : 'certificates';
  const head = `${summary.total} ${noun}: ${summary.ready} ready, ${summary.notReady} not ready`;
  const parts: string[] = [];
  for (const [state, words] of Object.entries(STATE_WORDS) as [keyof typeof STATE_WORDS, string][]) {
    if (summary.byState[state] > 0) parts.push(`${summary.byState[state]} ${words}`);
  }
  if (summary.byState.Pending > 0) {
    for (const [kind, [one, many]] of Object.entries(PENDING_WORDS) as [
      PendingWorkKind,
      readonly [string, string],
    ][]) {
      const count = summary.pending[kind];
      if (count > 0) parts.push(`${count} ${count === 1 ? one : many}`);
    }
  }
  return parts.length === 0 ? head : `${head} (${parts.join(', ')})`;
}

/** "delivery to lxc/102 pending; hook `systemctl reload nginx` pending" */
export function pendingWords(cert: CertificateReadiness): string {
  return cert.pending
    .map((p) =>
      p.kind === 'delivery' ? `delivery to ${p.target} pending` : `${p.kind} \`${p.target}\` pending`,
    )
    .join('; ');
}

/**
 * The table, the sentences and the summary. `certificates` may be a filtered
 * subset; the summary always counts every certificate of the report.
 */
export function renderStatus(
  report: StatusReport,
  certificates: readonly CertificateReadiness[],
  io: Pick<Io, 'color'>,
): string {
  const header = [
    'NAME',
    'STATE',
    'REASON',
    'NOT AFTER',
    'LEFT',
    'RENEW AT',
    'ISSUER',
    'LAST RESULT',
    'PENDING',
  ];
  const table = certificates.map((c) => [
    c.name,
    c.state,
    c.reason,
    formatInstant(c.notAfter),
    formatTimeLeft(c.expiresInMs),
    formatInstant(c.renewAt),
    c.issuer,
    c.lastResult ?? '-',
    c.pending.length === 0 ? '-' : String(c.pending.length),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: string[], colourState: boolean) =>
    cells
      .map((cell, i) => {
        const padded = cell.padEnd(widths[i]!);
        return colourState && i === 1 ? paint(io, STATE_COLOUR[cell as CertState], padded) : padded;
      })
      .join('  ')
      .trimEnd();
  const details = certificates
    .filter((c) => !c.ready)
    .map((c) => {
      const lastError =
        c.lastError !== undefined && c.state !== 'Failed' ? ` (last error: ${c.lastError})` : '';
      const pending = c.pending.length === 0 ? '' : ` (${pendingWords(c)})`;
      const route = c.renewal === undefined ? '' : ` Path: ${c.renewal.path}. ${c.renewal.reason}`;
      return `  ${c.name}: ${c.message}${lastError}${pending}${route}`;
    });
  const rows = certificates.length === 0 ? [] : [line(header, false), ...table.map((row) => line(row, true))];
  return [
    ...rows,
    ...(details.length > 0 ? ['', ...details] : []),
    ...(rows.length > 0 ? [''] : []),
    statusSummaryLine(report.summary),
    '',
  ].join('\n');
}
