/**
 * What the service tells the outside after each step of its loop: metrics,
 * health, systemd's status line, the log lines about each certificate, and
 * the status report behind the page on `/`.
 */
import { type Clock, type Logger, omitUndefined } from '@certloop/core';
import {
  buildStatusReport,
  certificateLogFields,
  type PassOutcome,
  type ServiceListener,
  type StatusReport,
} from '@certloop/reconciler';
import type { HealthState } from '../metrics/health.js';
import type { ServiceMetrics } from '../metrics/registry.js';

export interface ListenerDeps {
  readonly metrics: ServiceMetrics;
  readonly health: HealthState;
  readonly logger: Logger;
  readonly clock: Clock;
  /** systemd's STATUS= line (READY=1 the first time). */
  readonly announce: (status: string) => void;
  /** The id of the issuer in force, for the status report. */
  readonly issuerId: () => string;
  /** The report of the last look. */
  readonly showReport: (report: StatusReport) => void;
}

export function serviceListener(deps: ListenerDeps): ServiceListener {
  const { metrics, health, logger, clock, announce } = deps;
  return {
    onReload: (event) => metrics.manifestValid.set(event.ok ? 1 : 0),
    onPass: ({ outcome, startedAt, durationMs }) => {
      const finishedAt = new Date(startedAt.getTime() + durationMs);
      metrics.pass(outcome, durationMs, finishedAt);
      health.pass(outcome, finishedAt);
      announce(passStatusLine(outcome));
      logCertificates(logger, outcome);
    },
    onPassError: ({ error }) => {
      const message = error instanceof Error ? error.message : String(error);
      announce(`The last pass failed (${message}); retrying.`);
      metrics.passError();
      health.passError(message, clock());
    },
    onLook: ({ desired, look, now }) => {
      if (look.plan === undefined) return;
      const report = buildStatusReport({
        desired,
        plan: look.plan,
        status: look.status,
        issuerId: deps.issuerId(),
        now,
      });
      deps.showReport(report);
      metrics.certificates(report);
    },
    onSchedule: (wake) => metrics.nextPass.set(wake.at.getTime() / 1000),
  };
}

/** systemd's STATUS= line after a pass: what `systemctl status certloop` shows. */
function passStatusLine(outcome: PassOutcome): string {
  if (outcome.kind === 'standby') return 'Standing by: another certloop holds the lock.';
  const { summary, ok } = outcome.report;
  return `Last pass ${ok ? 'succeeded' : 'had failures'}: ${summary.changed} changed, ${summary.unchanged} unchanged, ${summary.failed} failed.`;
}

/** A line per certificate changed or failed, and per certificate whose hook failed. */
function logCertificates(logger: Logger, outcome: PassOutcome): void {
  if (outcome.kind !== 'acted') return;
  for (const result of outcome.report.results) {
    if (result.outcome === 'changed') {
      logger.info('Certificate updated.', {
        ...certificateLogFields(result),
        action: result.action,
        ...omitUndefined({ serial: result.serial, notAfter: result.notAfter }),
      });
    } else if (result.outcome === 'failed') {
      logger.warn('Certificate not reconciled.', {
        ...certificateLogFields(result),
        action: result.action,
        ...omitUndefined({ error: result.error, retryNotBefore: result.retryNotBefore }),
      });
    }
  }
  for (const hook of outcome.report.hooks) {
    if (!hook.ok) {
      // One line per certificate, so each names it; the hook stays pending for each.
      for (const name of hook.names) {
        logger.warn('Hook failed.', {
          name,
          reason: 'hook-pending',
          command: hook.command,
          exitCode: hook.exitCode,
        });
      }
    }
  }
}
