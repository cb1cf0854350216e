import { buildStatusReport, gatherAndPlan } from '@certloop/reconciler';
import type { Handler } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { renderStatus } from '../render/status.js';
import { openRuntime, type RuntimeOptions } from '../runtime.js';

export interface StatusOptions extends RuntimeOptions {
  json?: boolean;
  /** Show only the certificates that are not Ready (the summary still counts all). */
  notReady?: boolean;
}

/**
 * `certloop status`: every certificate, whether it is Ready and why not;
 * writes nothing. Exit 0 when every certificate is Ready, 2 when any is not
 * (as `plan --detailed-exitcode` for pending changes); errors map to 1 or 3.
 */
export const status: Handler<StatusOptions> = async (options, io) => {
  // Reading the CA's roots needs no provisioner credentials.
  const runtime = await openRuntime(options, io, { purpose: 'observe' });
  try {
    const gathered = await gatherAndPlan(runtime.state, runtime.ports);
    const report = buildStatusReport({
      desired: runtime.state,
      plan: gathered.plan,
      status: gathered.status,
      issuerId: runtime.issuer.id,
      now: runtime.ports.clock(),
    });
    const shown = options.notReady ? report.certificates.filter((c) => !c.ready) : report.certificates;
    io.stdout(
      options.json
        ? `${JSON.stringify({ ...report, certificates: shown }, null, 2)}\n`
        : renderStatus(report, shown, io),
    );
    return report.summary.notReady === 0 ? EXIT.ok : EXIT.notReady;
  } finally {
    await runtime.close();
  }
};
