/**
 * What the reconciler's service loop reaches the world through: loading the
 * manifest (adopting its issuer), a pass, and a quiet look between passes.
 *
 * A pass tries the lock, it does not wait for it: when another service or a
 * `--once` run holds it, this process stands by, keeps serving health and
 * metrics and looks again later. The lease file is held for one pass at a
 * time, not kept by a leader: a `--once` run (or an operator) then only waits
 * for a pass, never for a process, and a host that dies loses nothing but its
 * current pass (the lease goes stale). An etcd lease is kept between passes
 * (the service leads, see docs/scale.md): a takeover then follows etcd's TTL,
 * not the file's 120 s.
 */
import { type Clock, type Logger, type ManifestProblem, silentLogger } from '@certloop/core';
import { gatherAndPlan, passOrStandby, type ServicePorts } from '@certloop/reconciler';
import { loadFromOptions } from '../manifest.js';
import type { ReconcileCommandOptions } from '../options.js';
import type { LiveRuntime } from './live-runtime.js';
import type { ServiceSettings } from './settings.js';

/** Logs a manifest's warnings when they differ from the ones last shown, so a resync does not repeat them. */
export function manifestWarner(logger: Logger): (warnings: readonly ManifestProblem[]) => void {
  let shown = '';
  return (warnings) => {
    const key = lines(warnings).join('\n');
    if (warnings.length > 0 && key !== shown) {
      logger.warn('The manifest has warnings.', { problems: lines(warnings) });
    }
    shown = key;
  };
}

export interface ServicePortsDeps {
  readonly options: ReconcileCommandOptions;
  readonly settings: ServiceSettings;
  readonly live: LiveRuntime;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly warn: (warnings: readonly ManifestProblem[]) => void;
}

export function servicePorts({
  options,
  settings,
  live,
  clock,
  logger,
  warn,
}: ServicePortsDeps): ServicePorts {
  return {
    clock,
    logger,
    async load() {
      const { state, warnings } = await loadFromOptions(options);
      warn(warnings);
      await live.adopt(state);
      return state;
    },
    pass: (desired) =>
      passOrStandby(desired, live.current.ports, {
        lockWaitMs: 0,
        concurrency: settings.concurrency,
        backoff: settings.backoff,
        ...(options.prune ? { prune: true } : {}),
      }),
    async look(desired) {
      // What `certloop status` computes; quiet, since the pass already said what went wrong.
      // The trust material of the last pass: a look never contacts the CA.
      const { ports: current } = live.current;
      const { observed, status, plan } = await gatherAndPlan(
        desired,
        { ...current, logger: silentLogger },
        { knownTrust: { material: live.lastTrust } },
      );
      return { observed, status, plan };
    },
  };
}

function lines(problems: readonly ManifestProblem[]): string[] {
  return problems.map((p) => `${p.line === undefined ? p.path.join('.') : `line ${p.line}`}: ${p.message}`);
}
