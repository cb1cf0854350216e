/**
 * `certloop reconcile` without --once: the continuous service. Each wake-up
 * runs the reconciler's pass (the --once code) with a lock that is tried, not
 * waited for: when another service or a `--once` run holds it, this process
 * stands by, keeps serving health and metrics and looks again later.
 *
 * The lease file is held for one pass at a time, not kept by a leader: a
 * `--once` run (or an operator) then only waits for a pass, never for a
 * process, and a host that dies loses nothing but its current pass (the lease
 * goes stale). An etcd lease is kept between passes (the service leads, see
 * docs/scale.md): a takeover then follows etcd's TTL, not the file's 120 s.
 */
import { resolve } from 'node:path';
import {
  type DesiredState,
  type Issuer,
  type ManifestProblem,
  parseDuration,
  silentLogger,
  type TrustMaterial,
  UsageError,
} from '@certloop/core';
import { ObservationCache } from '@certloop/observers';
import {
  type BackoffPolicy,
  buildStatusReport,
  certificateLogFields,
  gatherAndPlan,
  type PassOutcome,
  type PassPorts,
  passOrStandby,
  ReconcileService,
  type ServiceListener,
  type ServicePorts,
  type StatusReport,
  watchManifest,
} from '@certloop/reconciler';
import type { Handler } from '../command.js';
import { coordinationOf, openLock } from '../coordination.js';
import { EXIT } from '../exit-codes.js';
import { positiveInteger } from '../flag-values.js';
import type { Io } from '../io.js';
import { createLogger } from '../logger.js';
import { loadFromOptions } from '../manifest.js';
import { HealthState } from '../metrics/health.js';
import { instrumentPorts } from '../metrics/instrument.js';
import { ServiceMetrics } from '../metrics/registry.js';
import { type MetricsServer, startMetricsServer } from '../metrics/server.js';
import type { ReconcileCommandOptions } from '../options.js';
import { leadershipLine, renderStatusPage } from '../render/status-page.js';
import type { Runtime } from '../runtime.js';
import { createNotifier } from '../systemd/notify.js';
import { buildPorts, checkIssuerSettings, openIssuer, stateDirOf } from '../wiring.js';

/** What a pass needs from the runtime in force. */
type PassRuntime = Pick<Runtime, 'state' | 'stateDir' | 'issuer' | 'ports' | 'logger'>;

export const DEFAULT_RESYNC = '5m';
export const DEFAULT_BACKOFF_BASE = '1m';
export const DEFAULT_BACKOFF_MAX = '1h';
/** A failing certificate is retried at least about ten times before it expires. */
export const REMAINING_LIFETIME_FRACTION = 0.1;
export const DEFAULT_SHUTDOWN_GRACE = '20s';

export interface RunningService {
  readonly service: ReconcileService;
  readonly metrics: ServiceMetrics;
  /** Set with --metrics-addr. */
  readonly metricsUrl?: string;
  /** Resolves to the exit code once the signal aborted and everything is closed. */
  readonly done: Promise<number>;
  /** False when a pass was still running at the end of the shutdown grace. */
  readonly drained: Promise<boolean>;
}

interface Settings {
  readonly concurrency: number;
  readonly resyncMs: number;
  readonly backoff: BackoffPolicy;
  readonly shutdownGraceMs: number;
}

function settingsOf(options: ReconcileCommandOptions): Settings {
  if (options.force) {
    throw new UsageError('--force reissues everything at every pass: use it with --once only.');
  }
  const resyncMs = parseDuration(options.resync ?? DEFAULT_RESYNC);
  const baseMs = parseDuration(options.backoffBase ?? DEFAULT_BACKOFF_BASE);
  const maxMs = parseDuration(options.backoffMax ?? DEFAULT_BACKOFF_MAX);
  if (resyncMs < 1_000) throw new UsageError('--resync must be at least 1s.');
  if (baseMs < 1_000 || maxMs < baseMs) {
    throw new UsageError('--backoff-base must be at least 1s and --backoff-max at least --backoff-base.');
  }
  return {
    concurrency: positiveInteger(options.concurrency, '--concurrency', 4),
    resyncMs,
    backoff: { baseMs, maxMs, remainingLifetimeFraction: REMAINING_LIFETIME_FRACTION },
    shutdownGraceMs: parseDuration(options.shutdownGrace ?? DEFAULT_SHUTDOWN_GRACE),
  };
}

/** Held by another process: standing by. A lock that cannot even be created is a real failure (it has a cause). */

/**
 * The issuer and ports of the manifest in force; rebuilt when a reload
 * changes the issuer section or the state directory.
 */
class LiveRuntime {
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
    return {
      id: issuer.id,
      trust: async () => {
        const material = await issuer.trust();
        this.#lastTrust = material;
        return material;
      },
      issue: (request) => issuer.issue(request),
      ...(issuer.prepare === undefined ? {} : { prepare: () => issuer.prepare!() }),
      close: () => issuer.close(),
    };
  }
}

/** Starts the service; it runs until `signal` aborts. Used by the handler (process signals) and by tests. */
export async function startService(
  options: ReconcileCommandOptions,
  io: Io,
  signal: AbortSignal,
): Promise<RunningService> {
  const settings = settingsOf(options);
  const logger = createLogger(options, io);
  const clock = () => new Date();
  const metrics = new ServiceMetrics();
  metrics.coordination(() => live.current.ports.lock);
  const health = new HealthState(clock, 2 * settings.resyncMs + 60_000);
  const manifestPath = resolve(options.file);

  // A manifest that is invalid at start is a usage problem: exit 3, like --once.
  const first = await loadFromOptions(options);
  let shownWarnings = warningsKey(first.warnings);
  if (first.warnings.length > 0)
    logger.warn('The manifest has warnings.', { problems: lines(first.warnings) });
  const live = new LiveRuntime(options, io, logger, metrics, settings.concurrency);
  await live.adopt(first.state);

  const ports: ServicePorts = {
    clock,
    logger,
    async load() {
      const { state, warnings } = await loadFromOptions(options);
      const key = warningsKey(warnings);
      if (warnings.length > 0 && key !== shownWarnings) {
        logger.warn('The manifest has warnings.', { problems: lines(warnings) });
      }
      shownWarnings = key;
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

  // Type=notify: READY=1 once the first pass is done (whatever its result: the service is up and retries).
  const notifier = createNotifier({
    env: io.env,
    onError: (message) => logger.warn(message),
  });
  let announced = false;
  const announce = (status: string) => {
    if (notifier === undefined) return;
    if (announced) notifier.status(status);
    else notifier.ready(status);
    announced = true;
  };
  const stopping = () => notifier?.stopping();
  signal.addEventListener('abort', stopping, { once: true });

  /** The last status report, for the page on `/`. */
  const latest: { report?: StatusReport } = {};

  const listener: ServiceListener = {
    onReload: (event) => metrics.manifestValid.set(event.ok ? 1 : 0),
    onPass: ({ outcome, startedAt, durationMs }) => {
      const finishedAt = new Date(startedAt.getTime() + durationMs);
      metrics.pass(outcome, durationMs, finishedAt);
      health.pass(outcome, finishedAt);
      announce(passStatusLine(outcome));
      if (outcome.kind !== 'acted') return;
      for (const result of outcome.report.results) {
        if (result.outcome === 'changed') {
          logger.info('Certificate updated.', {
            ...certificateLogFields(result),
            action: result.action,
            ...(result.serial === undefined ? {} : { serial: result.serial }),
            ...(result.notAfter === undefined ? {} : { notAfter: result.notAfter }),
          });
        } else if (result.outcome === 'failed') {
          logger.warn('Certificate not reconciled.', {
            ...certificateLogFields(result),
            action: result.action,
            ...(result.error === undefined ? {} : { error: result.error }),
            ...(result.retryNotBefore === undefined ? {} : { retryNotBefore: result.retryNotBefore }),
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
    },
    onPassError: ({ error }) => {
      announce(`The last pass failed (${error instanceof Error ? error.message : String(error)}); retrying.`);
      metrics.passError();
      health.passError(error instanceof Error ? error.message : String(error), clock());
    },
    onLook: ({ desired, look, now }) => {
      if (look.plan === undefined) return;
      const report = buildStatusReport({
        desired,
        plan: look.plan,
        status: look.status,
        issuerId: live.current.issuer.id,
        now,
      });
      latest.report = report;
      metrics.certificates(report);
    },
    onSchedule: (wake) => metrics.nextPass.set(wake.at.getTime() / 1000),
  };

  const service = new ReconcileService(
    first.state,
    ports,
    {
      resyncMs: settings.resyncMs,
      backoff: settings.backoff,
      shutdownGraceMs: settings.shutdownGraceMs,
      ...(live.current.ports.lock.standbyRetryMs === undefined
        ? {}
        : { standbyDelayMs: live.current.ports.lock.standbyRetryMs }),
    },
    listener,
  );

  let server: MetricsServer | undefined;
  const watcher = watchManifest(manifestPath, () => service.trigger('manifest-changed'), { logger });
  try {
    if (options.metricsAddr !== undefined) {
      server = await startMetricsServer(options.metricsAddr, {
        registry: metrics.registry,
        readiness: () => health.readiness(),
        page: () =>
          latest.report === undefined
            ? undefined
            : renderStatusPage(latest.report, leadershipLine(live.current.ports.lock)),
      });
      logger.info('Serving metrics and health.', { url: server.url });
    }
  } catch (error) {
    watcher.close();
    await live.close();
    throw error;
  }

  logger.info('certloop service started.', {
    manifest: manifestPath,
    certificates: first.state.certificates.length,
    resync: options.resync ?? DEFAULT_RESYNC,
  });
  const running = service.run(signal);
  const done = running.then(
    async (result) => {
      await notifier?.close();
      watcher.close();
      await server?.close();
      await live.close();
      logger.info('certloop service stopped.', { cycles: result.passes, drained: result.drained });
      return EXIT.ok;
    },
    async (error: unknown) => {
      await notifier?.close();
      watcher.close();
      await server?.close();
      await live.close();
      throw error;
    },
  );
  return {
    service,
    metrics,
    ...(server === undefined ? {} : { metricsUrl: server.url }),
    done,
    drained: running.then((r) => r.drained).catch(() => false),
  };
}

/** systemd's STATUS= line after a pass: what `systemctl status certloop` shows. */
function passStatusLine(outcome: PassOutcome): string {
  if (outcome.kind === 'standby') return 'Standing by: another certloop holds the lock.';
  const { summary, ok } = outcome.report;
  return `Last pass ${ok ? 'succeeded' : 'had failures'}: ${summary.changed} changed, ${summary.unchanged} unchanged, ${summary.failed} failed.`;
}

function lines(problems: readonly ManifestProblem[]): string[] {
  return problems.map((p) => `${p.line === undefined ? p.path.join('.') : `line ${p.line}`}: ${p.message}`);
}

function warningsKey(problems: readonly ManifestProblem[]): string {
  return lines(problems).join('\n');
}

/** The handler: SIGTERM/SIGINT stop the service, SIGHUP forces a reload and a pass. */
export const serve: Handler<ReconcileCommandOptions> = async (options, io) => {
  const controller = new AbortController();
  const stop = () => controller.abort();
  let running: RunningService | undefined;
  const reload = () => running?.service.trigger('reload-signal');
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('SIGHUP', reload);
  try {
    running = await startService(options, io, controller.signal);
    const code = await running.done;
    if (!(await running.drained)) {
      // A pass outlived the grace (a hook that hangs): do not wait for it.
      setTimeout(() => process.exit(code), 1_000).unref();
    }
    return code;
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    process.off('SIGHUP', reload);
  }
};
