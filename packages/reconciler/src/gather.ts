/**
 * Gather and decide, the read-only half of a pass: trust, provenance, status,
 * owner ids and the observation, then the pure plan. `certloop plan` stops
 * here; `reconcileOnce` goes on to act. Nothing here writes.
 */

import type {
  DesiredCertificate,
  DesiredState,
  ObservedCertificate,
  Provenance,
  StatusDocument,
  TrustMaterial,
} from '@certloop/core';
import { omitUndefined } from '@certloop/core';
import { buildPlan, type Plan } from './plan.js';
import type { ResolvedIds } from './policies/input.js';
import type { ReconcilePorts } from './ports.js';
import { safeErrorMessage } from './redact.js';

/** The ports gathering needs: reads only. */
export type GatherPorts = Pick<ReconcilePorts, 'issuer' | 'observe' | 'resolveIds' | 'clock' | 'logger'> & {
  readonly provenance: Pick<ReconcilePorts['provenance'], 'readAll'>;
  readonly status: Pick<ReconcilePorts['status'], 'read'>;
};

export interface Gathered {
  readonly trust: TrustMaterial | undefined;
  /** Why the trust material could not be loaded (chain checks are skipped then). */
  readonly trustError: unknown;
  readonly provenance: ReadonlyMap<string, Provenance>;
  readonly status: StatusDocument | undefined;
  readonly ids: ReadonlyMap<string, ResolvedIds>;
  readonly observed: readonly ObservedCertificate[];
  readonly plan: Plan;
}

export async function gatherAndPlan(
  desired: DesiredState,
  ports: GatherPorts,
  options: {
    readonly force?: boolean;
    readonly forceNames?: readonly string[];
    /** Trust material already at hand (the service's last pass): the issuer is not asked again. */
    readonly knownTrust?: { readonly material: TrustMaterial | undefined };
  } = {},
): Promise<Gathered> {
  const { trust, error: trustError } =
    options.knownTrust === undefined
      ? await loadTrust(ports)
      : { trust: options.knownTrust.material, error: undefined };
  const [provenance, status] = await Promise.all([ports.provenance.readAll(), ports.status.read()]);
  const ids = await resolveAllIds(desired.certificates, ports);
  const observed = await ports.observe(desired.certificates, trust);
  const plan = buildPlan(
    desired,
    observed,
    omitUndefined({
      now: ports.clock(),
      provenance,
      ids,
      status,
      force: options.force,
      forceNames: options.forceNames,
      issuerRenews: ports.issuer.renew !== undefined,
    }),
  );
  return { trust, trustError, provenance, status, ids, observed, plan };
}

export async function loadTrust(
  ports: Pick<GatherPorts, 'issuer' | 'logger'>,
): Promise<{ trust?: TrustMaterial; error?: unknown }> {
  try {
    return { trust: await ports.issuer.trust() };
  } catch (error) {
    ports.logger.warn('Could not load the issuer trust material; chain checks are skipped this pass.', {
      error: safeErrorMessage(error),
    });
    return { error };
  }
}

/** One lookup per distinct owner/group pair; an unknown name leaves the ids unchecked (fixPlacement reports it). */
async function resolveAllIds(
  certificates: readonly DesiredCertificate[],
  ports: GatherPorts,
): Promise<Map<string, ResolvedIds>> {
  const byPair = new Map<string, Promise<ResolvedIds>>();
  const result = new Map<string, ResolvedIds>();
  for (const cert of certificates) {
    const { owner, group } = cert.placement;
    if (owner === undefined && group === undefined) continue;
    const key = `${owner ?? ''}\u0000${group ?? ''}`;
    let lookup = byPair.get(key);
    if (lookup === undefined) {
      lookup = ports.resolveIds(owner, group).catch((error: unknown) => {
        ports.logger.warn('Could not resolve owner/group.', { owner, group, error: safeErrorMessage(error) });
        return {};
      });
      byPair.set(key, lookup);
    }
    result.set(cert.name, await lookup);
  }
  return result;
}
