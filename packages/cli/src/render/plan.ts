import type { Action } from '@certloop/core';
import type { Plan, PlanEntry } from '@certloop/reconciler';
import { type Colour, type Io, paint } from '../io.js';

const SYMBOL: Record<Action, { symbol: string; colour: Colour; verb: string }> = {
  issue: { symbol: '+', colour: 'green', verb: 'issue' },
  reissue: { symbol: '~', colour: 'yellow', verb: 'reissue' },
  'update-files': { symbol: '~', colour: 'yellow', verb: 'update files' },
  'fix-permissions': { symbol: '~', colour: 'yellow', verb: 'fix permissions' },
  remove: { symbol: '-', colour: 'red', verb: 'remove' },
  none: { symbol: ' ', colour: 'dim', verb: 'unchanged' },
};

const SUMMARY_ORDER: readonly [Action, string][] = [
  ['issue', 'to issue'],
  ['reissue', 'to reissue'],
  ['update-files', 'to update files'],
  ['fix-permissions', 'to fix permissions'],
  ['remove', 'to remove'],
  ['none', 'unchanged'],
];

export function planSummaryLine(summary: Readonly<Record<Action, number>>): string {
  const parts = SUMMARY_ORDER.filter(([action]) => action === 'none' || summary[action] > 0).map(
    ([action, words]) => `${summary[action]} ${words}`,
  );
  return `Plan: ${parts.join(', ')}.`;
}

function renderEntry(entry: PlanEntry, io: Pick<Io, 'color'>, prune: boolean): string {
  const look = SYMBOL[entry.action];
  const suffix = entry.action === 'remove' && !prune ? ' (with --prune)' : '';
  const head = `  ${paint(io, look.colour, look.symbol)} ${paint(io, 'bold', entry.name)}: ${look.verb}${suffix}`;
  const reasons = entry.reasons.map((r) => `      ${r.message}`);
  return [head, ...reasons].join('\n');
}

/** Human plan in the spirit of `terraform plan`: changing certificates only, then the summary. */
export function renderPlan(plan: Plan, io: Pick<Io, 'color'>, options: { prune?: boolean } = {}): string {
  const changing = plan.entries.filter((e) => e.action !== 'none');
  const lines: string[] = [];
  if (changing.length === 0) {
    lines.push(
      `No changes. ${plan.entries.length} certificate${plan.entries.length === 1 ? ' is' : 's are'} in sync.`,
    );
  } else {
    lines.push('certloop will perform the following actions:', '');
    for (const entry of changing) lines.push(renderEntry(entry, io, options.prune ?? false));
    lines.push('');
  }
  lines.push(planSummaryLine(plan.summary));
  return `${lines.join('\n')}\n`;
}
