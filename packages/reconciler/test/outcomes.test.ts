/** The outcome rules of a pass (record/outcomes.ts), pure: a table of what was found → what is reported. */
import type { Action, Reason, ReasonCode } from '@certloop/core';
import type { Verified, WorkResult } from '../src/act/context.js';
import type { HookReport } from '../src/hooks.js';
import type { Plan } from '../src/plan.js';
import { recordOutcomes } from '../src/record/outcomes.js';
import { DEFAULT_BACKOFF } from '../src/status.js';
import { aDesired, anObserved, NOW, named, withHooks } from './builders.js';

const web = aDesired(named('web'), withHooks('systemctl reload nginx'));
const reason = (code: ReasonCode): Reason => ({ code, message: `${code}.` });

interface Row {
  action: Action;
  reasons: ReasonCode[];
  work?: WorkResult;
  /** Reasons verification still found. */
  stillDrifting?: ReasonCode[];
  failedHook?: boolean;
  pendingDelivery?: string;
  deliveryError?: string;
  expected: { outcome: string; error?: RegExp };
}

function run(row: Row) {
  const verified = new Map<string, Verified>();
  if (row.stillDrifting !== undefined) {
    verified.set('web', { reasons: row.stillDrifting.map(reason), observed: anObserved(web) });
  }
  const hooks: HookReport[] = row.failedHook
    ? [
        {
          command: 'systemctl reload nginx',
          names: ['web'],
          ok: false,
          exitCode: 1,
          timedOut: false,
          output: '',
        },
      ]
    : [];
  const plan: Plan = {
    formatVersion: 1,
    manifest: '/etc/certloop/certloop.yaml',
    generatedAt: NOW.toISOString(),
    entries: [{ name: 'web', action: row.action, reasons: row.reasons.map(reason), patch: [] }],
    summary: { none: 0, issue: 0, reissue: 0, 'update-files': 0, 'fix-permissions': 0, remove: 0 },
  } as Plan;
  return recordOutcomes({
    plan,
    certificates: new Map([['web', web]]),
    observed: new Map([['web', anObserved(web)]]),
    work: new Map(row.work === undefined ? [] : [['web', row.work]]),
    verified,
    hooks: {
      reports: hooks,
      pending: new Map([['web', row.failedHook ? ['systemctl reload nginx'] : []]]),
      pendingDeliveries: new Map(row.pendingDelivery === undefined ? [] : [['web', row.pendingDelivery]]),
      deliveryErrors: new Map(row.deliveryError === undefined ? [] : [['web', row.deliveryError]]),
    },
    status: undefined,
    now: NOW,
    backoff: DEFAULT_BACKOFF,
  });
}

const changed: WorkResult = { outcome: 'changed', filesWritten: true };

describe('the outcome of a certificate after a pass', () => {
  it.each<[string, Row]>([
    [
      'a change that verification finds converged is changed',
      {
        action: 'fix-permissions',
        reasons: ['mode-differs'],
        work: changed,
        stillDrifting: [],
        expected: { outcome: 'changed' },
      },
    ],
    [
      'a change that still drifts is a failure that says what drifts',
      {
        action: 'fix-permissions',
        reasons: ['mode-differs'],
        work: changed,
        stillDrifting: ['mode-differs'],
        expected: { outcome: 'failed', error: /still drift after the change: mode-differs\./ },
      },
    ],
    [
      'a drift left by a pending hook alone is not a failure of the change',
      {
        action: 'reissue',
        reasons: ['renewal-due'],
        work: changed,
        stillDrifting: ['hook-pending'],
        expected: { outcome: 'changed' },
      },
    ],
    [
      'a pass only about hooks succeeds when they did',
      { action: 'update-files', reasons: ['hook-pending'], expected: { outcome: 'changed' } },
    ],
    [
      'a pass only about hooks fails when a hook failed again',
      {
        action: 'update-files',
        reasons: ['hook-pending'],
        failedHook: true,
        expected: { outcome: 'failed', error: /Hook failed again: systemctl reload nginx/ },
      },
    ],
    [
      'a delivery left pending for a stopped guest is unchanged, not failed',
      {
        action: 'update-files',
        reasons: ['delivery-pending'],
        pendingDelivery: 'lxc/102',
        expected: { outcome: 'unchanged' },
      },
    ],
    [
      'a delivery that failed is a failure naming the guest',
      {
        action: 'reissue',
        reasons: ['renewal-due'],
        work: changed,
        stillDrifting: [],
        pendingDelivery: 'vm/1001',
        deliveryError: 'the guest agent is not running',
        expected: { outcome: 'failed', error: /did not reach vm\/1001: the guest agent is not running/ },
      },
    ],
    [
      'an action that failed stays failed with its error',
      {
        action: 'issue',
        reasons: ['cert-missing'],
        work: { outcome: 'failed', filesWritten: false, error: 'The CA refused.' },
        expected: { outcome: 'failed', error: /^The CA refused\.$/ },
      },
    ],
  ])('%s', (_, row) => {
    const { results, certificates } = run(row);
    expect(results).toHaveLength(1);
    expect(results[0]?.outcome).toBe(row.expected.outcome);
    if (row.expected.error) expect(results[0]?.error).toMatch(row.expected.error);
    else expect(results[0]?.error).toBeUndefined();
    // The status follows the same outcome.
    const lastResult = { changed: 'success', unchanged: 'unchanged', failed: 'failed' }[row.expected.outcome];
    expect(certificates.web?.lastResult).toBe(lastResult);
  });
});
