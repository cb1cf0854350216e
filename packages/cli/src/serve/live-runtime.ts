/**
 * The issuer and ports of the manifest in force; rebuilt when a reload
 * changes the issuer section or the state directory.
 */
import { type DesiredState, decorateIssuer, type Issuer, type TrustMaterial } from '@certloop/core';
import { ObservationCache } from '@certloop/observers';
import type { PassPorts } from '@certloop/reconciler';
import { coordinationOf, openLock } from '../coordination.js';
import type { Io } from '../io.js';
import { instrumentPorts } from '../metrics/instrument.js';
import type { ServiceMetrics } from '../metrics/registry.js';
import type { ReconcileCommandOptions } from '../options.js';
import type { Runtime } from '../runtime.js';
import { buildPorts, checkIssuerSettings, openIssuer, stateDirOf } from '../wiring.js';

/** What a pass needs from the runtime in force. */
export type PassRuntime = Pick<Runtime, 'state' | 'stateDir' | 'issuer' | 'ports' | 'logger'>;

export class LiveRuntime {
  #key = '';
  #lastTrust: TrustMaterial | undefined;
  #runtime: PassRuntime | undefined;
  readonly #cache = new ObservationCache();

  constructor(
    private readonly options: ReconcileCommandOptions,
    private readonly io: Io,
    private readonly logger: PassRuntime['logger'],
    private readonly metrics: ServiceMetrics,
    private readonly concurrency: number,
  ) {}

  get current(): PassRuntime {
    if (this.#runtime === undefined) throw new Error('LiveRuntime used before adopt()');
    return this.#runtime;
  }

  async adopt(state: DesiredState): Promise<PassRuntime> {
    const stateDir = stateDirOf(state, this.options, this.io.env);
    const coordination = coordinationOf(state, this.options);
    const key = JSON.stringify([state.issuer ?? null, stateDir, coordination]);
    const previous = this.#runtime;
    if (previous !== undefined && key === this.#key) {
      // Same settings, but the files behind them (password, root) may have changed since.
      await checkIssuerSettings(state, this.options, this.io.env);
      this.#runtime = { ...previous, state };
      return this.#runtime;
    }
    const issuer: Issuer = await openIssuer(state, this.options, this.io.env, this.logger, {
      concurrency: this.concurrency,
    });
    const base: PassPorts = buildPorts({
      issuer: this.#rememberTrust(issuer),
      stateDir,
      logger: this.logger,
      cache: this.#cache,
      // The service leads: an etcd lease stays held between passes.
      lock: openLock(coordination, { stateDir, logger: this.logger, retain: true }),
    });
    const ports = instrumentPorts(base, this.metrics);
    this.#lastTrust = undefined;
    this.#runtime = { state, stateDir, issuer: ports.issuer, ports, logger: this.logger };
    this.#key = key;
    if (previous !== undefined) {
      this.logger.info('The issuer, state directory or coordination changed; using the new one.', {
        stateDir,
      });
      await previous.ports.lock.close?.();
      await previous.issuer.close();
    }
    return this.#runtime;
  }

  async close(): Promise<void> {
    // Gives up the leadership at once, so a standby need not wait for the lease to run out.
    await this.#runtime?.ports.lock.close?.();
    await this.#runtime?.issuer.close();
  }

  /** The trust material the last pass loaded, for looks between passes (undefined: chain checks skipped). */
  get lastTrust(): TrustMaterial | undefined {
    return this.#lastTrust;
  }

  #rememberTrust(issuer: Issuer): Issuer {
    return decorateIssuer(issuer, {
      trust: async (next) => {
        const material = await next();
        this.#lastTrust = material;
        return material;
      },
    });
  }
}
