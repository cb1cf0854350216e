/**
 * Ports that count what they do: the issuer's requests (latency, failures)
 * and the hook runs. Everything else passes through untouched.
 */
import type { Issuer } from '@certloop/core';
import type { ReconcilePorts } from '@certloop/reconciler';
import type { ServiceMetrics } from './registry.js';

export function instrumentIssuer(issuer: Issuer, metrics: ServiceMetrics): Issuer {
  return {
    id: issuer.id,
    trust: () => issuer.trust(),
    async issue(request) {
      const stop = metrics.issuanceDuration.startTimer();
      try {
        const issued = await issuer.issue(request);
        metrics.issuances.inc();
        return issued;
      } catch (error) {
        metrics.issuanceFailures.inc();
        throw error;
      } finally {
        stop();
      }
    },
    ...(issuer.prepare === undefined ? {} : { prepare: () => issuer.prepare!() }),
    close: () => issuer.close(),
  };
}

export function instrumentPorts<Ports extends ReconcilePorts>(ports: Ports, metrics: ServiceMetrics): Ports {
  return {
    ...ports,
    issuer: instrumentIssuer(ports.issuer, metrics),
    async runHooks(runs) {
      const results = await ports.runHooks(runs);
      for (const result of results) {
        metrics.hookRuns.inc();
        if (result.exitCode !== 0 || result.timedOut) metrics.hookFailures.inc();
      }
      return results;
    },
  };
}
