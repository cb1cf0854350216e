import type { DesiredCertificate, ObservedCertificate, Provenance } from '@certloop/core';
import { omitUndefined } from '@certloop/core';
import type { PassContext, Verified } from '../act/context.js';
import { loadTrust } from '../gather.js';
import { nothingObserved } from '../plan.js';
import { decide } from '../policies/actions.js';
import { safeErrorMessage } from '../redact.js';

/**
 * Re-observes what was touched by anything but an issuance (chain and bundle
 * rewrites, mode and owner fixes): the reasons still found per name (empty:
 * converged). Issuances are checked before writing (checkIssued).
 */
export async function verify(
  ctx: PassContext,
  touched: readonly DesiredCertificate[],
  provenance: ReadonlyMap<string, Provenance>,
  refreshTrust: boolean,
): Promise<Map<string, Verified>> {
  const result = new Map<string, Verified>();
  if (touched.length === 0) return result;
  // A first issuance may be when the issuer's intermediates become known.
  const trust = refreshTrust ? ((await loadTrust(ctx.ports)).trust ?? ctx.trust) : ctx.trust;
  let observed: ObservedCertificate[];
  try {
    observed = await ctx.ports.observe(touched, trust);
  } catch (error) {
    ctx.ports.logger.warn('Could not re-observe after acting; the result is unverified.', {
      error: safeErrorMessage(error),
    });
    return result;
  }
  const byName = new Map(observed.map((o) => [o.name, o]));
  const now = ctx.ports.clock();
  for (const cert of touched) {
    const seen = byName.get(cert.name) ?? nothingObserved(cert);
    const p = provenance.get(cert.name);
    const ids = ctx.ids.get(cert.name);
    // The policies alone: verification needs the reasons, not planEntryFor's JSON patch.
    const { reasons } = decide(omitUndefined({ desired: cert, observed: seen, now, provenance: p, ids }));
    result.set(cert.name, { reasons, observed: seen });
  }
  return result;
}
