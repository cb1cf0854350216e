import type { CertificateStatus, CertState } from '@certloop/core';
import { conditionFor, gatherAndPlan, type PlanEntry } from '@certloop/reconciler';
import type { Handler } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { type Colour, type Io, paint } from '../io.js';
import { openRuntime, type RuntimeOptions } from '../runtime.js';

export interface StatusOptions extends RuntimeOptions {
  json?: boolean;
}

const SAN_REASONS = new Set(['sans-differ', 'cn-differs']);
const FILE_REASONS = new Set([
  'cert-missing',
  'key-missing',
  'chain-missing',
  'chain-stale',
  'mode-differs',
  'owner-differs',
]);

export interface StatusRow {
  name: string;
  state: CertState;
  message: string;
  notAfter?: string;
  timeLeftMs?: number;
  sansOk: boolean;
  filesOk: boolean;
  lastResult?: CertificateStatus['lastResult'];
  lastError?: string;
  lastAttemptAt?: string;
  pendingHooks: readonly string[];
  /** The guest ("vm/1001") the files still have to reach. */
  pendingDelivery?: string;
}

/** The state now, from the plan's reasons; a recorded failure shows as Failed until a pass succeeds. */
export function statusRow(entry: PlanEntry, recorded: CertificateStatus | undefined, now: Date): StatusRow {
  const failed =
    recorded?.lastResult === 'failed' && entry.action !== 'none' ? recorded.lastError : undefined;
  const condition = conditionFor(entry.reasons, failed);
  const codes = new Set(entry.reasons.map((r) => r.code));
  return {
    name: entry.name,
    state: condition.state,
    message: condition.message,
    ...(entry.notAfter === undefined
      ? {}
      : { notAfter: entry.notAfter, timeLeftMs: Date.parse(entry.notAfter) - now.getTime() }),
    sansOk: ![...codes].some((c) => SAN_REASONS.has(c)),
    filesOk: ![...codes].some((c) => FILE_REASONS.has(c)),
    ...(recorded === undefined
      ? {}
      : { lastResult: recorded.lastResult, lastAttemptAt: recorded.lastAttemptAt }),
    ...(recorded?.lastError === undefined ? {} : { lastError: recorded.lastError }),
    pendingHooks: recorded?.pendingHooks ?? [],
    ...(recorded?.pendingDelivery === undefined ? {} : { pendingDelivery: recorded.pendingDelivery }),
  };
}

const STATE_COLOUR: Record<CertState, Colour> = {
  Ready: 'green',
  RenewalDue: 'yellow',
  Expired: 'red',
  Missing: 'red',
  Invalid: 'red',
  Failed: 'red',
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

export function renderStatus(rows: readonly StatusRow[], io: Pick<Io, 'color'>): string {
  const header = ['NAME', 'STATE', 'NOT AFTER', 'LEFT', 'SANS', 'FILES', 'LAST RESULT'];
  const table = rows.map((r) => [
    r.name,
    r.state,
    r.notAfter ?? '-',
    formatTimeLeft(r.timeLeftMs),
    r.sansOk ? 'ok' : 'differ',
    r.filesOk ? 'ok' : 'drift',
    `${r.lastResult ?? '-'}${r.pendingDelivery !== undefined ? ` (delivery to ${r.pendingDelivery} pending)` : r.pendingHooks.length > 0 ? ' (hook pending)' : ''}`,
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
  const details = rows
    .filter((r) => r.state !== 'Ready')
    .map(
      (r) =>
        `  ${r.name}: ${r.message}${r.lastError && r.state === 'Failed' ? '' : r.lastError ? ` (last error: ${r.lastError})` : ''}`,
    );
  return `${[line(header, false), ...table.map((row) => line(row, true))].join('\n')}\n${details.length > 0 ? `\n${details.join('\n')}\n` : ''}`;
}

/** `certloop status`: every certificate, its state and last recorded result; writes nothing. */
export const status: Handler<StatusOptions> = async (options, io) => {
  // Reading the CA's roots needs no provisioner credentials.
  const runtime = await openRuntime(options, io, { purpose: 'observe' });
  try {
    const gathered = await gatherAndPlan(runtime.state, runtime.ports);
    const now = runtime.ports.clock();
    const rows = gathered.plan.entries
      .filter((e) => e.action !== 'remove')
      .map((e) => statusRow(e, gathered.status?.certificates[e.name], now));
    io.stdout(
      options.json
        ? `${JSON.stringify({ formatVersion: 1, certificates: rows }, null, 2)}\n`
        : renderStatus(rows, io),
    );
    return EXIT.ok;
  } finally {
    await runtime.close();
  }
};
