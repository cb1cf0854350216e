/** Picks the issuer a run uses: the manifest's issuer section, or Step-CA settings from flags, environment and $STEPPATH. */
import type { Issuer, IssuerConfig } from '@certloop/core';
import { createLocalCaIssuer } from './local-ca/issuer.js';
import { checkPasswordFile, passwordOptional, rejectContradictions } from './preflight.js';
import { createStepCaIssuer, type StepCaIssuerOptions } from './step-ca/issuer.js';
import { resolveStepCaSettings, type StepCaPurpose, type StepCaSources } from './step-ca/settings.js';

/**
 * `config` undefined (legacy manifests) means Step-CA configured entirely by
 * flags, environment and defaults.json. Settings are checked first
 * (the root file, then the password file): a configuration error surfaces here, before any work.
 */
export async function createIssuer(
  config: IssuerConfig | undefined,
  sources: Omit<StepCaSources, 'manifest'>,
  options: StepCaIssuerOptions & { purpose?: StepCaPurpose } = {},
): Promise<Issuer> {
  if (config?.type === 'local') {
    rejectContradictions(config, sources);
    return createLocalCaIssuer({
      directory: config.directory,
      ...(options.logger ? { logger: options.logger } : {}),
    });
  }
  const purpose = options.purpose ?? 'issue';
  const settings = await resolveStepCaSettings(
    { ...sources, ...(config ? { manifest: config } : {}) },
    purpose,
  );
  const issuer = await createStepCaIssuer(settings, options); // reads the root file
  if (purpose === 'issue' && settings.passwordFile !== undefined) {
    // Checked now, not at the first issuance after contacting the CA (once per certificate).
    await checkPasswordFile(settings.passwordFile).catch(async (error: unknown) => {
      if (passwordOptional(config)) {
        options.logger?.warn(
          `${(error as Error).message} With renewal: mtls, certificates that exist renew over mTLS; new ones cannot be issued until it is readable.`,
        );
        return;
      }
      await issuer.close();
      throw error;
    });
  }
  return issuer;
}
