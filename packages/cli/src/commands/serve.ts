import type { Handler } from '../command.js';
import { EXIT } from '../exit-codes.js';
import type { ReconcileCommandOptions } from './reconcile.js';

/** The continuous service (`certloop reconcile` without --once). */
export const serve: Handler<ReconcileCommandOptions> = async (_options, io) => {
  io.stderr(
    'certloop: the continuous service is not implemented yet; run `certloop reconcile --once` (e.g. from a systemd timer).\n',
  );
  return EXIT.failed;
};
