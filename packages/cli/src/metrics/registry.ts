/**
 * The service's Prometheus metrics, on a registry of their own (never the
 * global one, so tests and embedders get clean counts). The service loop
 * reports events; this module turns them into series.
 */
import type { DesiredState } from '@certloop/core';
import type { PassOutcome, ServiceLook } from '@certloop/reconciler';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export type PassResult = 'success' | 'failure' | 'standby' | 'error';

export class ServiceMetrics {
  readonly registry = new Registry();

  readonly expiry = new Gauge({
    name: 'certloop_certificate_expiry_timestamp_seconds',
    help: 'notAfter of the certificate on disk, as a Unix timestamp.',
    labelNames: ['name'] as const,
    registers: [this.registry],
  });
  readonly ready = new Gauge({
    name: 'certloop_certificate_ready',
    help: '1 when the certificate is in sync with the manifest (status condition Ready), else 0.',
    labelNames: ['name'] as const,
    registers: [this.registry],
  });
  readonly passes = new Counter({
    name: 'certloop_reconcile_passes_total',
    help: 'Reconcile passes by result: success, failure (something failed), standby (another process held the lock), error (the pass itself failed).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly results = new Counter({
    name: 'certloop_reconcile_results_total',
    help: 'Per-certificate results of reconcile passes, by action and outcome.',
    labelNames: ['action', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly passDuration = new Histogram({
    name: 'certloop_reconcile_pass_duration_seconds',
    help: 'Duration of reconcile passes that acted (lock held).',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  readonly lastSuccess = new Gauge({
    name: 'certloop_last_successful_pass_timestamp_seconds',
    help: 'When the last pass in which nothing failed finished, as a Unix timestamp.',
    registers: [this.registry],
  });
  readonly nextPass = new Gauge({
    name: 'certloop_next_pass_timestamp_seconds',
    help: 'When the service plans its next pass, as a Unix timestamp.',
    registers: [this.registry],
  });
  readonly standby = new Gauge({
    name: 'certloop_standby',
    help: '1 while another process held the lock at the last pass (this one stands by), else 0.',
    registers: [this.registry],
  });
  readonly manifestValid = new Gauge({
    name: 'certloop_manifest_valid',
    help: '1 when the manifest last loaded cleanly, 0 when it is invalid and the last valid one is in force.',
    registers: [this.registry],
  });
  readonly issuances = new Counter({
    name: 'certloop_issuances_total',
    help: 'Certificates issued by the CA.',
    registers: [this.registry],
  });
  readonly issuanceFailures = new Counter({
    name: 'certloop_issuance_failures_total',
    help: 'Issuance requests that failed.',
    registers: [this.registry],
  });
  readonly issuanceDuration = new Histogram({
    name: 'certloop_issuance_duration_seconds',
    help: 'Latency of issuance requests (key, CSR, token, sign), successful or not.',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly hookRuns = new Counter({
    name: 'certloop_hook_runs_total',
    help: 'Post-renewal hook commands run.',
    registers: [this.registry],
  });
  readonly hookFailures = new Counter({
    name: 'certloop_hook_failures_total',
    help: 'Hook commands that failed (non-zero exit, timeout, not started).',
    registers: [this.registry],
  });

  constructor() {
    this.manifestValid.set(1);
    this.standby.set(0);
    for (const result of ['success', 'failure', 'standby', 'error'] satisfies PassResult[]) {
      this.passes.inc({ result }, 0);
    }
  }

  /** Counts a pass and its per-certificate results. */
  pass(outcome: PassOutcome, durationMs: number, finishedAt: Date): PassResult {
    if (outcome.kind === 'standby') {
      this.passes.inc({ result: 'standby' });
      this.standby.set(1);
      return 'standby';
    }
    this.standby.set(0);
    const { report } = outcome;
    const result: PassResult = report.ok ? 'success' : 'failure';
    this.passes.inc({ result });
    this.passDuration.observe(durationMs / 1000);
    for (const r of report.results) this.results.inc({ action: r.action, outcome: r.outcome });
    if (report.ok) this.lastSuccess.set(finishedAt.getTime() / 1000);
    return result;
  }

  passError(): void {
    this.passes.inc({ result: 'error' });
  }

  /** Expiry and readiness of every certificate in the manifest; series of removed certificates go. */
  certificates(desired: DesiredState, look: ServiceLook): void {
    this.expiry.reset();
    this.ready.reset();
    const observed = new Map(look.observed.map((o) => [o.name, o]));
    for (const cert of desired.certificates) {
      const notAfter = observed.get(cert.name)?.certificate?.notAfter;
      const seconds = notAfter === undefined ? Number.NaN : new Date(notAfter).getTime() / 1000;
      if (!Number.isNaN(seconds)) this.expiry.set({ name: cert.name }, seconds);
      const state = look.status?.certificates[cert.name]?.condition?.state;
      this.ready.set({ name: cert.name }, state === 'Ready' ? 1 : 0);
    }
  }
}
