import type { Action } from '@certloop/core';
import type { Plan, PlanEntry } from '@certloop/reconciler';
import { type Colour, type Io, paint } from '../io.js';

/**
 * Terraform's symbols: `+` create, `-/+` replace, `~` update in place, `-`
 * destroy. A reissue replaces the certificate (new key unless rotation is
 * `never`, hooks run); fixing a mode, owner or bundle changes files in place.
 * `-/+` takes the place of the indent, as Terraform draws it.
 */
const SYMBOL: Record<Action, { symbol: string; colour: Colour; verb: string }> = {
  issue: { symbol: '  +', colour: 'green', verb: 'issue' },
  reissue: { symbol: '-/+', colour: 'yellow', verb: 'reissue' },
  'update-files': { symbol: '  ~', colour: 'cyan', verb: 'update files' },
  'fix-permissions': { symbol: '  ~', colour: 'cyan', verb: 'fix permissions' },
  remove: { symbol: '  -', colour: 'red', verb: 'remove' },
  none: { symbol: '   ', colour: 'dim', verb: 'unchanged' },
};

/** What each symbol means, shown above the entries for the symbols in use (as Terraform does). */
const LEGEND: readonly [actions: readonly Action[], meaning: string][] = [
  [['issue'], 'issue: a new key and certificate where there is none'],
  [['reissue'], 'reissue: replace the certificate (and its key); hooks will run'],
  [
    ['update-files', 'fix-permissions'],
    'fix in place: mode, owner, chain or bundle; certificate and key stay',
  ],
  [['remove'], 'remove the files of a certificate that left the manifest (with --prune)'],
];

/** In-place fixes counted together, apart from reissues: the two differ in what they disturb. */
const SUMMARY_ORDER: readonly [readonly Action[], string][] = [
  [['issue'], 'to issue'],
  [['reissue'], 'to reissue'],
  [['update-files', 'fix-permissions'], 'to fix in place'],
  [['remove'], 'to remove'],
  [['none'], 'unchanged'],
];

export function planSummaryLine(summary: Readonly<Record<Action, number>>): string {
  const parts = SUMMARY_ORDER.map(([actions, words]) => {
    const count = actions.reduce((sum, action) => sum + summary[action], 0);
    return { count, text: `${count} ${words}`, always: actions.includes('none') };
  })
    .filter((p) => p.always || p.count > 0)
    .map((p) => p.text);
  return `Plan: ${parts.join(', ')}.`;
}

function renderEntry(entry: PlanEntry, io: Pick<Io, 'color'>, prune: boolean): string {
  const look = SYMBOL[entry.action];
  const suffix = entry.action === 'remove' && !prune ? ' (with --prune)' : '';
  const head = `${paint(io, look.colour, look.symbol)} ${paint(io, 'bold', entry.name)}: ${look.verb}${suffix}`;
  const reasons = entry.reasons.map((r) => `      ${r.message}`);
  // A new certificate has only one way in; a reissue says whether it renews over mTLS, and why.
  const route =
    entry.action === 'reissue' && entry.renewal !== undefined
      ? [`      ${paint(io, 'dim', `Path: ${entry.renewal.path}.`)} ${entry.renewal.reason}`]
      : [];
  return [head, ...reasons, ...route].join('\n');
}

function renderLegend(changing: readonly PlanEntry[], io: Pick<Io, 'color'>): string[] {
  const used = new Set(changing.map((e) => e.action));
  return LEGEND.filter(([actions]) => actions.some((a) => used.has(a))).map(([actions, meaning]) => {
    const look = SYMBOL[actions[0]!];
    return `${paint(io, look.colour, look.symbol)} ${meaning}`;
  });
}

/** Human plan in the spirit of `terraform plan`: a legend, changing certificates only, then the summary. */
export function renderPlan(plan: Plan, io: Pick<Io, 'color'>, options: { prune?: boolean } = {}): string {
  const changing = plan.entries.filter((e) => e.action !== 'none');
  const lines: string[] = [];
  if (changing.length === 0) {
    lines.push(
      `No changes. ${plan.entries.length} certificate${plan.entries.length === 1 ? ' is' : 's are'} in sync.`,
    );
  } else {
    lines.push(
      'Certificate actions are indicated with the following symbols:',
      ...renderLegend(changing, io),
      '',
    );
    lines.push('certloop will perform the following actions:', '');
    for (const entry of changing) lines.push(renderEntry(entry, io, options.prune ?? false));
    lines.push('');
  }
  lines.push(planSummaryLine(plan.summary));
  return `${lines.join('\n')}\n`;
}
