import { gatherAndPlan } from '@certloop/reconciler';
import type { Handler } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { renderPlan } from '../render/plan.js';
import { openRuntime, type RuntimeOptions } from '../runtime.js';

export interface PlanOptions extends RuntimeOptions {
  json?: boolean;
  detailedExitcode?: boolean;
}

/** `certloop plan`: gather and decide, never act; writes nothing anywhere. */
export const plan: Handler<PlanOptions> = async (options, io) => {
  // Reading the CA's roots needs no provisioner credentials.
  const runtime = await openRuntime(options, io, { purpose: 'observe' });
  try {
    const { plan: result } = await gatherAndPlan(runtime.state, runtime.ports);
    io.stdout(options.json ? `${JSON.stringify(result, null, 2)}\n` : renderPlan(result, io));
    const changes = result.entries.some((entry) => entry.action !== 'none');
    return options.detailedExitcode && changes ? EXIT.changes : EXIT.ok;
  } finally {
    await runtime.close();
  }
};
