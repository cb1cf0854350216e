/** Picks the issuer a run uses: the manifest's issuer section, or Step-CA settings from flags, environment and $STEPPATH. */
import type { Issuer, IssuerConfig } from '@certloop/core';
import { createLocalCaIssuer } from './local-ca/issuer.js';
import { createStepCaIssuer, type StepCaIssuerOptions } from './step-ca/issuer.js';
import { resolveStepCaSettings, type StepCaPurpose, type StepCaSources } from './step-ca/settings.js';

/**
 * `config` undefined (legacy manifests) means Step-CA configured entirely by
 * flags, environment and defaults.json.
 */
export async function createIssuer(
  config: IssuerConfig | undefined,
  sources: Omit<StepCaSources, 'manifest'>,
  options: StepCaIssuerOptions & { purpose?: StepCaPurpose } = {},
): Promise<Issuer> {
  if (config?.type === 'local') {
    return createLocalCaIssuer({
      directory: config.directory,
      ...(options.logger ? { logger: options.logger } : {}),
    });
  }
  const settings = await resolveStepCaSettings(
    { ...sources, ...(config ? { manifest: config } : {}) },
    options.purpose,
  );
  return createStepCaIssuer(settings, options);
}
