/** Lifetime checks against a provisioner's limits, mirroring step-ca's validity validator. */
import { formatGoDuration } from '../go-duration.js';
import type { LifetimeLimits } from './provisioners.js';

/** step-ca's default backdate: notBefore is one minute before the request, and counts towards the duration. */
export const STEP_CA_BACKDATE_MS = 60_000;

export function describeLimits(provisioner: string, limits: LifetimeLimits): string {
  const range = `from ${formatGoDuration(limits.minMs)} to ${formatGoDuration(limits.maxMs)}`;
  return limits.fromProvisioner
    ? `The provisioner "${provisioner}" allows lifetimes ${range}.`
    : `The provisioner "${provisioner}" sets no limits of its own; step-ca's defaults allow lifetimes ${range} unless the authority's claims in ca.json say otherwise.`;
}

/**
 * A sentence saying why `lifetimeMs` is outside limits the provisioner sets
 * itself, or undefined. step-ca's defaults are not checked here: the authority's
 * own claims (not visible through the API) may widen them, so the CA decides.
 */
export function lifetimeProblem(lifetimeMs: number, limits: LifetimeLimits): string | undefined {
  if (!limits.fromProvisioner) return undefined;
  // step-ca measures notAfter - notBefore, the backdate included, and allows max + backdate.
  if (lifetimeMs > limits.maxMs) {
    return `The requested lifetime ${formatGoDuration(lifetimeMs)} is above the maximum of ${formatGoDuration(limits.maxMs)}.`;
  }
  if (lifetimeMs + STEP_CA_BACKDATE_MS < limits.minMs) {
    return `The requested lifetime ${formatGoDuration(lifetimeMs)} is below the minimum of ${formatGoDuration(limits.minMs)}.`;
  }
  return undefined;
}
