import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { CertloopError } from '@certloop/core';
import {
  buildStatusReport,
  gatherAndPlan,
  type LeaseHolder,
  type LockPort,
  RECONCILE_LOCK,
} from '@certloop/reconciler';
import type { Handler } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { renderStatus } from '../render/status.js';
import { renderStatusPage } from '../render/status-page.js';
import { openRuntime, type RuntimeOptions } from '../runtime.js';

export interface StatusOptions extends RuntimeOptions {
  json?: boolean;
  /** Show only the certificates that are not Ready (the summary still counts all). */
  notReady?: boolean;
  /** Also write the status page (every certificate) to this file. */
  html?: string;
}

/** Written next to the target and renamed over it: a reader never sees half a page. */
async function writePage(path: string, html: string): Promise<void> {
  const target = resolve(path);
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
  try {
    await writeFile(temp, html, { mode: 0o644 });
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw new CertloopError('WRITE_FAILED', `Cannot write the status page to ${target}.`, { cause: error });
  }
}

/** Who leads the manifest's reconcilers, as the coordination backend records it. */
interface CoordinationStatus {
  readonly backend: string;
  /** null: nobody holds the lease now (between passes with the file backend, or no service running). */
  readonly leader: LeaseHolder | null;
  /** Why the leader is unknown: the backend did not answer. */
  readonly problem?: string;
}

async function coordinationStatus(lock: LockPort): Promise<CoordinationStatus> {
  try {
    return { backend: lock.backend, leader: (await lock.holder(RECONCILE_LOCK)) ?? null };
  } catch (error) {
    return {
      backend: lock.backend,
      leader: null,
      problem: error instanceof Error ? error.message : String(error),
    };
  }
}

/** Said when there is something to say: the file backend between passes has nobody to name. */
function renderCoordination(status: CoordinationStatus): string {
  if (status.backend === 'file' && status.leader === null && status.problem === undefined) return '';
  const who = status.leader
    ? `process ${status.leader.pid} on ${status.leader.host}${status.leader.since ? ` since ${status.leader.since}` : ''}`
    : status.problem === undefined
      ? 'nobody holds the lease now'
      : `unknown (${status.problem})`;
  return `Leader (${status.backend}): ${who}\n`;
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
    if (options.html !== undefined) await writePage(options.html, renderStatusPage(report));
    const shown = options.notReady ? report.certificates.filter((c) => !c.ready) : report.certificates;
    const coordination = await coordinationStatus(runtime.ports.lock);
    io.stdout(
      options.json
        ? `${JSON.stringify({ ...report, coordination, certificates: shown }, null, 2)}\n`
        : `${renderStatus(report, shown, io)}${renderCoordination(coordination)}`,
    );
    return report.summary.notReady === 0 ? EXIT.ok : EXIT.notReady;
  } finally {
    await runtime.close();
  }
};
