/**
 * Where the Step-CA connection settings come from, highest precedence first:
 * CLI flags > environment > systemd credential (password only) > the
 * manifest's issuer section > $STEPPATH/config/defaults.json.
 * The merge is pure; reading defaults.json is the only I/O, kept separate.
 */
import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { IssuerError, type StepCaIssuerConfig } from '@certloop/core';

export interface StepCaFlags {
  readonly caUrl?: string;
  readonly root?: string;
  readonly fingerprint?: string;
  readonly provisioner?: string;
  readonly passwordFile?: string;
  /** Alias of `passwordFile`, the name the CLI's flag parser uses. */
  readonly provisionerPasswordFile?: string;
}

export interface StepCaSources {
  readonly flags: StepCaFlags;
  readonly env: NodeJS.ProcessEnv | Readonly<Record<string, string | undefined>>;
  readonly manifest?: StepCaIssuerConfig;
  /** Overrides $STEPPATH (then ~/.step). */
  readonly stepPath?: string;
}

/** The subset of the step CLI's defaults.json certloop reads. */
export interface StepDefaults {
  readonly caUrl?: string;
  readonly root?: string;
  readonly fingerprint?: string;
  readonly provisioner?: string;
  readonly passwordFile?: string;
}

export interface StepCaSettings {
  /** Base URL without a trailing slash, e.g. "https://ca.internal:9000". */
  readonly caUrl: string;
  /** Root certificate file; when absent, `fingerprint` bootstraps trust. */
  readonly root?: string;
  /** SHA-256 of the root's DER, lower-case hex without separators. */
  readonly fingerprint?: string;
  /** Needed to issue; may be absent when settings were resolved only to observe. */
  readonly provisioner?: string;
  /** Needed to issue; may be absent when settings were resolved only to observe. */
  readonly passwordFile?: string;
}

/**
 * `issue` (reconcile): every piece is required up front. `observe` (plan,
 * status): only the URL and the trust anchor are, since reading the CA's roots
 * needs no credentials; issuing with such settings fails with the same message.
 */
export type StepCaPurpose = 'issue' | 'observe';

/** The message for missing credentials, shared by resolution and a trust-only issuer asked to issue. */
export function missingCredentials(settings: Pick<StepCaSettings, 'provisioner' | 'passwordFile'>): string[] {
  const missing: string[] = [];
  if (settings.provisioner === undefined) missing.push(SUPPLIED_BY.provisioner);
  if (settings.passwordFile === undefined) missing.push(SUPPLIED_BY.passwordFile);
  return missing;
}

type Field = keyof StepDefaults;

interface Layer {
  readonly name: string;
  readonly values: StepDefaults;
}

/** How the user can supply each field, for the "missing" message. */
const SUPPLIED_BY: Readonly<Record<Exclude<Field, 'root' | 'fingerprint'>, string>> = {
  caUrl: 'the CA URL (--ca-url or STEP_CA_URL)',
  provisioner: 'the provisioner name (--provisioner or STEP_PROVISIONER)',
  passwordFile:
    'the provisioner password file (--provisioner-password-file or STEP_PROVISIONER_PASSWORD_FILE)',
};
const TRUST_SUPPLIED_BY =
  'the root certificate (--root or STEP_ROOT) or its fingerprint (--fingerprint or STEP_FINGERPRINT)';

/** The directory holding the step CLI's configuration: explicit, then $STEPPATH, then ~/.step. */
export function stepPathOf(sources: Pick<StepCaSources, 'env' | 'stepPath'>): string {
  return sources.stepPath ?? nonEmpty(sources.env.STEPPATH) ?? join(sources.env.HOME ?? homedir(), '.step');
}

/** Reads $STEPPATH/config/defaults.json; a missing file is no defaults, an invalid one an ISSUER_CONFIG error. */
export async function readStepDefaults(stepPath: string): Promise<StepDefaults> {
  const file = join(stepPath, 'config', 'defaults.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new IssuerError('ISSUER_CONFIG', `Cannot read ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new IssuerError('ISSUER_CONFIG', `${file} is not valid JSON.`, { cause });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new IssuerError('ISSUER_CONFIG', `${file} must hold a JSON object.`);
  }
  const record = parsed as Record<string, unknown>;
  const stringAt = (key: string) =>
    typeof record[key] === 'string' ? nonEmpty(record[key] as string) : undefined;
  // The step CLI writes absolute paths; a relative one is taken relative to $STEPPATH.
  const path = (key: string) => {
    const value = stringAt(key);
    return value === undefined || isAbsolute(value) ? value : resolve(stepPath, value);
  };
  return dropUndefined({
    caUrl: stringAt('ca-url'),
    root: path('root'),
    fingerprint: stringAt('fingerprint'),
    provisioner: stringAt('provisioner'),
    passwordFile: path('password-file') ?? path('provisioner-password-file'),
  });
}

/**
 * Merges the sources (pure). Each field comes from the highest layer that has it,
 * except the trust anchor: root and fingerprint are taken together from the highest
 * layer that names either, so a --fingerprint for a new CA is never checked against
 * an old root left in defaults.json.
 */
export function mergeStepCaSettings(
  sources: StepCaSources,
  stepDefaults: StepDefaults = {},
  purpose: StepCaPurpose = 'issue',
  /** The provisioner password handed over by systemd's LoadCredential=, when the file is there. */
  credentialPasswordFile?: string,
): StepCaSettings {
  const { flags, env, manifest } = sources;
  const layers: Layer[] = [
    {
      name: 'flags',
      values: {
        caUrl: flags.caUrl,
        root: flags.root,
        fingerprint: flags.fingerprint,
        provisioner: flags.provisioner,
        passwordFile: flags.passwordFile ?? flags.provisionerPasswordFile,
      },
    },
    {
      name: 'environment',
      values: {
        caUrl: env.STEP_CA_URL,
        root: env.STEP_ROOT,
        fingerprint: env.STEP_FINGERPRINT,
        provisioner: env.STEP_PROVISIONER,
        passwordFile: env.STEP_PROVISIONER_PASSWORD_FILE,
      },
    },
    { name: 'systemd credential', values: { passwordFile: credentialPasswordFile } },
    {
      name: 'manifest',
      values: manifest
        ? {
            caUrl: manifest.url,
            root: manifest.root,
            fingerprint: manifest.fingerprint,
            provisioner: manifest.provisioner,
            passwordFile: manifest.passwordFile,
          }
        : {},
    },
    { name: 'defaults.json', values: stepDefaults },
  ];
  const pick = (field: Field) =>
    layers.map((layer) => nonEmpty(layer.values[field])).find((value) => value !== undefined);

  const caUrl = pick('caUrl');
  const provisioner = pick('provisioner');
  const passwordFile = pick('passwordFile');
  const trustLayer = layers.find(
    (layer) => nonEmpty(layer.values.root) !== undefined || nonEmpty(layer.values.fingerprint) !== undefined,
  );
  const root = nonEmpty(trustLayer?.values.root);
  const fingerprint = nonEmpty(trustLayer?.values.fingerprint);

  const missing: string[] = [];
  if (caUrl === undefined) missing.push(SUPPLIED_BY.caUrl);
  if (trustLayer === undefined) missing.push(TRUST_SUPPLIED_BY);
  if (purpose === 'issue') missing.push(...missingCredentials({ provisioner, passwordFile }));
  if (caUrl === undefined || missing.length > 0) {
    throw new IssuerError('ISSUER_CONFIG', `The Step-CA issuer is missing ${listInWords(missing)}.`, {
      hint: `Give them as flags or environment variables, in the manifest's issuer section, or in ${join(stepPathOf(sources), 'config', 'defaults.json')} (keys ca-url, root, fingerprint).`,
    });
  }

  return dropUndefined({
    caUrl: normalizeCaUrl(caUrl),
    root,
    fingerprint: fingerprint === undefined ? undefined : normalizeFingerprint(fingerprint),
    provisioner,
    passwordFile,
  }) as StepCaSettings;
}

/** Reads defaults.json from $STEPPATH, then merges all sources. */
export async function resolveStepCaSettings(
  sources: StepCaSources,
  purpose: StepCaPurpose = 'issue',
): Promise<StepCaSettings> {
  return mergeStepCaSettings(
    sources,
    await readStepDefaults(stepPathOf(sources)),
    purpose,
    await credentialPasswordFileOf(sources.env),
  );
}

/** The credential name to give LoadCredential= for the provisioner password. */
export const PROVISIONER_PASSWORD_CREDENTIAL = 'provisioner-password';

/**
 * `$CREDENTIALS_DIRECTORY/provisioner-password` when systemd placed it there
 * (LoadCredential=provisioner-password:/etc/certloop/provisioner-password):
 * the password then never needs a path readable outside the service.
 */
export async function credentialPasswordFileOf(env: StepCaSources['env']): Promise<string | undefined> {
  const directory = nonEmpty(env.CREDENTIALS_DIRECTORY);
  if (directory === undefined) return undefined;
  const path = join(directory, PROVISIONER_PASSWORD_CREDENTIAL);
  try {
    await access(path, constants.F_OK);
    return path;
  } catch {
    return undefined;
  }
}

/** Validates the URL (https only) and drops a trailing slash, so paths join cleanly. */
export function normalizeCaUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new IssuerError('ISSUER_CONFIG', `The Step-CA URL "${raw}" is not a valid URL.`);
  }
  if (url.protocol !== 'https:') {
    throw new IssuerError('ISSUER_CONFIG', `The Step-CA URL "${raw}" must use https.`);
  }
  return url.toString().replace(/\/+$/, '');
}

/** Accepts the fingerprint as step prints it, or with colons or dashes, in any case. */
export function normalizeFingerprint(raw: string): string {
  const hex = raw.replace(/[:\s-]/g, '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) {
    throw new IssuerError(
      'ISSUER_CONFIG',
      `The Step-CA root fingerprint "${raw}" is not a SHA-256 fingerprint (64 hex digits).`,
    );
  }
  return hex;
}

function listInWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
