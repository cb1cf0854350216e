/**
 * Starts the continuous service (`certloop reconcile` without --once) and
 * ties its parts together: the settings, the live runtime, the reconciler's
 * service loop with its ports and listener, the manifest watcher, the metrics
 * server and systemd's notifications. It runs until the signal aborts; then
 * everything it opened is closed, whether the loop ended well or not.
 */
import { resolve } from 'node:path';
import { omitUndefined } from '@certloop/core';
import { ReconcileService, type StatusReport, watchManifest } from '@certloop/reconciler';
import { EXIT } from '../exit-codes.js';
import type { Io } from '../io.js';
import { createLogger } from '../logger.js';
import { loadFromOptions } from '../manifest.js';
import { HealthState } from '../metrics/health.js';
import { ServiceMetrics } from '../metrics/registry.js';
import { type MetricsServer, startMetricsServer } from '../metrics/server.js';
import type { ReconcileCommandOptions } from '../options.js';
import { leadershipLine, renderStatusPage } from '../render/status-page.js';
import { createNotifier, type Notifier } from '../systemd/notify.js';
import { serviceListener } from './listener.js';
import { LiveRuntime } from './live-runtime.js';
import { manifestWarner, servicePorts } from './service-ports.js';
import { DEFAULT_RESYNC, settingsOf } from './settings.js';

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
  const health = new HealthState(clock, 2 * settings.resyncMs + 60_000);
  const manifestPath = resolve(options.file);

  // A manifest that is invalid at start is a usage problem: exit 3, like --once.
  const first = await loadFromOptions(options);
  const warn = manifestWarner(logger);
  warn(first.warnings);
  const live = new LiveRuntime(options, io, logger, metrics, settings.concurrency);
  await live.adopt(first.state);
  metrics.coordination(() => live.current.ports.lock);

  const notifier = createNotifier({ env: io.env, onError: (message) => logger.warn(message) });
  const stopping = () => notifier?.stopping();
  signal.addEventListener('abort', stopping, { once: true });

  /** The last status report, for the page on `/`. */
  let latestReport: StatusReport | undefined;
  const service = new ReconcileService(
    first.state,
    servicePorts({ options, settings, live, clock, logger, warn }),
    {
      resyncMs: settings.resyncMs,
      backoff: settings.backoff,
      shutdownGraceMs: settings.shutdownGraceMs,
      standbyDelayMs: live.current.ports.lock.standbyRetryMs,
    },
    serviceListener({
      metrics,
      health,
      logger,
      clock,
      announce: announcer(notifier),
      issuerId: () => live.current.issuer.id,
      showReport: (report) => {
        latestReport = report;
      },
    }),
  );

  let server: MetricsServer | undefined;
  const watcher = watchManifest(manifestPath, () => service.trigger('manifest-changed'), { logger });
  const closeAll = async () => {
    await notifier?.close();
    watcher.close();
    await server?.close();
    await live.close();
  };
  try {
    if (options.metricsAddr !== undefined) {
      server = await startMetricsServer(options.metricsAddr, {
        registry: metrics.registry,
        readiness: () => health.readiness(),
        page: () =>
          latestReport === undefined
            ? undefined
            : renderStatusPage(latestReport, leadershipLine(live.current.ports.lock)),
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
      await closeAll();
      logger.info('certloop service stopped.', { cycles: result.passes, drained: result.drained });
      return EXIT.ok;
    },
    async (error: unknown) => {
      await closeAll();
      throw error;
    },
  );
  return omitUndefined({
    service,
    metrics,
    metricsUrl: server?.url,
    done,
    drained: running.then((r) => r.drained).catch(() => false),
  });
}

/** Type=notify: READY=1 with the first status line (whatever the first pass did: the service is up and retries), STATUS= after. */
function announcer(notifier: Notifier | undefined): (status: string) => void {
  let announced = false;
  return (status) => {
    if (notifier === undefined) return;
    if (announced) notifier.status(status);
    else notifier.ready(status);
    announced = true;
  };
}
