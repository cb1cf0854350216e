/**
 * Issuer settings checked before any work: missing or contradictory settings,
 * an unreadable or empty password file, an unreadable or invalid root. Each is
 * an ISSUER_CONFIG error thrown once, at the start (or at a reload), never
 * found per certificate after contacting the CA.
 */
import { type IssuerConfig, IssuerError } from '@certloop/core';
import { readPasswordFile } from './step-ca/provisioner-key.js';
import { resolveStepCaSettings, type StepCaPurpose, type StepCaSources } from './step-ca/settings.js';
import { loadRootFile } from './step-ca/trust.js';

/** Step-CA flags that make no sense with the built-in local CA. */
const STEP_CA_FLAG_NAMES: Readonly<Record<string, string>> = {
  caUrl: '--ca-url',
  root: '--root',
  fingerprint: '--fingerprint',
  provisioner: '--provisioner',
  passwordFile: '--provisioner-password-file',
  provisionerPasswordFile: '--provisioner-password-file',
};

/** The local CA and Step-CA flags together: say which flags contradict it rather than ignore them. */
export function rejectContradictions(
  config: IssuerConfig | undefined,
  sources: Pick<StepCaSources, 'flags'>,
): void {
  if (config?.type !== 'local') return;
  const given = Object.entries(sources.flags)
    .filter(([, value]) => typeof value === 'string' && value.trim() !== '')
    .map(([name]) => STEP_CA_FLAG_NAMES[name] ?? name);
  if (given.length === 0) return;
  throw new IssuerError(
    'ISSUER_CONFIG',
    `The issuer is certloop's local CA (${config.directory}), but Step-CA settings were given too: ${[...new Set(given)].join(', ')}.`,
    { hint: 'Use either --local-ca (or an issuer.local section) or the Step-CA settings, not both.' },
  );
}

/** The password must be readable and non-empty; it is read and wiped at once, never kept here. */
export async function checkPasswordFile(path: string): Promise<void> {
  const password = await readPasswordFile(path);
  const empty = password.length === 0;
  password.fill(0);
  if (empty) {
    throw new IssuerError('ISSUER_CONFIG', `The provisioner password file ${path} is empty.`, {
      retryable: false,
      hint: 'Write the provisioner password into it (trailing white space is ignored).',
    });
  }
}

/** The whole configuration check, without opening an issuer: the service runs it at every reload. */
export async function preflightIssuer(
  config: IssuerConfig | undefined,
  sources: Omit<StepCaSources, 'manifest'>,
  purpose: StepCaPurpose = 'issue',
): Promise<void> {
  if (config?.type === 'local') {
    rejectContradictions(config, sources);
    return;
  }
  const settings = await resolveStepCaSettings(
    { ...sources, ...(config ? { manifest: config } : {}) },
    purpose,
  );
  if (settings.root !== undefined) await loadRootFile(settings.root, settings.fingerprint);
  if (purpose === 'issue' && settings.passwordFile !== undefined && !passwordOptional(config))
    await checkPasswordFile(settings.passwordFile);
}

/**
 * With `renewal: mtls` hosts that only renew may hold no readable password:
 * it is needed for new certificates only, and read (with its error) then.
 * `auto` keeps the check at start, since any renewal may fall back to it.
 */
export function passwordOptional(config: IssuerConfig | undefined): boolean {
  return config?.type === 'step-ca' && config.renewal === 'mtls';
}
