/**
 * The service's Prometheus metrics, on a registry of their own (never the
 * global one, so tests and embedders get clean counts). The service loop
 * reports events; this module turns them into series.
 */
import { PENDING_WORK_KINDS } from '@certloop/core';
import type { LockPort, PassOutcome, StatusReport } from '@certloop/reconciler';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { COMMIT, VERSION } from '../version.js';

export type PassResult = 'success' | 'failure' | 'standby' | 'error';

const CERTIFICATE_LABELS = ['name', 'common_name', 'issuer'] as const;

export class ServiceMetrics {
  readonly registry = new Registry();

  /** cert-manager's names and labels, so its dashboards and alerts carry over with a prefix change. */
  readonly expiration = new Gauge({
    name: 'certloop_certificate_expiration_timestamp_seconds',
    help: 'notAfter of the certificate on disk, as a Unix timestamp (as certmanager_certificate_expiration_timestamp_seconds).',
    labelNames: CERTIFICATE_LABELS,
    registers: [this.registry],
  });
  readonly renewal = new Gauge({
    name: 'certloop_certificate_renewal_timestamp_seconds',
    help: 'When the certificate on disk is due for renewal, as a Unix timestamp (as certmanager_certificate_renewal_timestamp_seconds).',
    labelNames: CERTIFICATE_LABELS,
    registers: [this.registry],
  });
  readonly readyStatus = new Gauge({
    name: 'certloop_certificate_ready_status',
    help: 'The Ready condition of the certificate: 1 on the series whose condition label (True, False, Unknown) holds, as certmanager_certificate_ready_status.',
    labelNames: [...CERTIFICATE_LABELS, 'condition'] as const,
    registers: [this.registry],
  });
  readonly state = new Gauge({
    name: 'certloop_certificate_state',
    help: 'The state of the certificate (Ready, Missing, Expired, Invalid, RenewalDue, Drifted, Pending, Failed): 1 on the current one, with its PascalCase reason.',
    labelNames: [...CERTIFICATE_LABELS, 'state', 'reason'] as const,
    registers: [this.registry],
  });
  readonly pendingWork = new Gauge({
    name: 'certloop_certificate_pending_work',
    help: 'Work a pass left pending for the certificate, by kind: delivery (files not yet in their guest), hook (to run again).',
    labelNames: ['name', 'kind'] as const,
    registers: [this.registry],
  });
  readonly certificatesTotal = new Gauge({
    name: 'certloop_certificates',
    help: 'Certificates in the manifest in force, by readiness (ready: true or false).',
    labelNames: ['ready'] as const,
    registers: [this.registry],
  });
  readonly buildInfo = new Gauge({
    name: 'certloop_build_info',
    help: 'Always 1; the labels say which build runs: version, commit, Node.js version.',
    labelNames: ['version', 'commit', 'node_version'] as const,
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

  readonly leader = new Gauge({
    name: 'certloop_coordination_leader',
    help: '1 while this process leads (holds the coordination lease and can prove it), else 0; by backend. Only backends that keep a lease between passes (etcd).',
    labelNames: ['backend'] as const,
    registers: [this.registry],
    collect: () => this.#readLease(),
  });
  readonly leaderSince = new Gauge({
    name: 'certloop_coordination_leader_since_timestamp_seconds',
    help: 'Since when this process leads, as a Unix timestamp (absent when it does not).',
    registers: [this.registry],
  });
  readonly leaseRenewal = new Gauge({
    name: 'certloop_coordination_lease_renewal_timestamp_seconds',
    help: 'When the last renewal of the lease that the backend confirmed was sent, as a Unix timestamp (absent when not leading).',
    registers: [this.registry],
  });

  constructor() {
    // Process and Node.js runtime metrics (process_cpu_seconds_total, nodejs_heap_size_used_bytes, ...).
    // The event-loop lag is sampled once a second, not every 10 ms (prom-client's default): at 10 ms
    // the sampling timer alone cost an idle service ~0.6% of a core (measured), more than all its work.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 1000 });
    this.buildInfo.set({ version: VERSION, commit: COMMIT, node_version: process.version }, 1);
    this.manifestValid.set(1);
    this.standby.set(0);
    for (const result of ['success', 'failure', 'standby', 'error'] satisfies PassResult[]) {
      this.passes.inc({ result }, 0);
    }
  }

  /** Where the lease's health is read at each scrape: leadership changes between passes too (a lost renewal). */
  coordination(lock: () => Pick<LockPort, 'backend' | 'health'>): void {
    this.#lock = lock;
  }

  #lock: (() => Pick<LockPort, 'backend' | 'health'>) | undefined;

  /** Called by the leader gauge's collect; the two gauges after it are registered later, so they are read after. */
  #readLease(): void {
    const epoch = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso) / 1000);
    this.leader.reset();
    this.leaderSince.reset();
    this.leaseRenewal.reset();
    const current = this.#lock?.();
    const health = current?.health?.();
    if (current === undefined || health === undefined) return;
    this.leader.set({ backend: current.backend }, health.leading ? 1 : 0);
    const since = epoch(health.since);
    const renewal = epoch(health.lastRenewal);
    if (since !== undefined) this.leaderSince.set(since);
    if (renewal !== undefined) this.leaseRenewal.set(renewal);
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

  /**
   * Expiration, renewal, readiness, state and pending work of every
   * certificate in the manifest, from the status report (the same data as
   * `certloop status`); series of removed certificates go.
   */
  certificates(report: StatusReport): void {
    for (const gauge of [this.expiration, this.renewal, this.readyStatus, this.state, this.pendingWork]) {
      gauge.reset();
    }
    for (const cert of report.certificates) {
      const labels = { name: cert.name, common_name: cert.commonName, issuer: cert.issuer };
      const expiration = secondsOf(cert.notAfter);
      if (expiration !== undefined) this.expiration.set(labels, expiration);
      const renewal = secondsOf(cert.renewAt);
      if (renewal !== undefined) this.renewal.set(labels, renewal);
      const holds = cert.ready ? 'True' : 'False';
      for (const condition of CONDITIONS) {
        this.readyStatus.set({ ...labels, condition }, condition === holds ? 1 : 0);
      }
      this.state.set({ ...labels, state: cert.state, reason: cert.reason }, 1);
      for (const kind of PENDING_WORK_KINDS) {
        this.pendingWork.set({ name: cert.name, kind }, cert.pending.filter((p) => p.kind === kind).length);
      }
    }
    this.certificatesTotal.set({ ready: 'true' }, report.summary.ready);
    this.certificatesTotal.set({ ready: 'false' }, report.summary.notReady);
  }
}

const CONDITIONS = ['True', 'False', 'Unknown'] as const;

function secondsOf(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms / 1000;
}
