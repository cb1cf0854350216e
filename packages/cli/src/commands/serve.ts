/**
 * `certloop reconcile` without --once: the continuous service (serve/). This
 * handler ties it to the process: SIGTERM/SIGINT stop it, SIGHUP forces a
 * reload and a pass.
 */
import type { Handler } from '../command.js';
import type { ReconcileCommandOptions } from '../options.js';
import { type RunningService, startService } from '../serve/index.js';

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
