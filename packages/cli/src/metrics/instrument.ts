/**
 * Ports that count what they do: the issuer's requests (latency, failures)
 * and the hook runs. Everything else passes through untouched.
 */
import { decorateIssuer, type Issuer } from '@certloop/core';
import type { ReconcilePorts } from '@certloop/reconciler';
import type { ServiceMetrics } from './registry.js';

/** Issuances and renewals count alike: each gives a certificate; revocations are not counted. */
export function instrumentIssuer(issuer: Issuer, metrics: ServiceMetrics): Issuer {
  return decorateIssuer(issuer, {
    async call(kind, next) {
      if (kind === 'revoke') return next();
      const stop = metrics.issuanceDuration.startTimer();
      try {
        const answer = await next();
        metrics.issuances.inc();
        return answer;
      } catch (error) {
        metrics.issuanceFailures.inc();
        throw error;
      } finally {
        stop();
      }
    },
  });
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
