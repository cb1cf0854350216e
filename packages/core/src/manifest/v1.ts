/** Reads a certloop v1 manifest into drafts: structure by zod, then every value by its named rule. */
import {
  CERTIFICATE_USAGES,
  DEFAULT_GUEST_PATHS,
  type EngineSettings,
  FILE_ROLES,
  GUEST_TYPES,
  type GuestDelivery,
  type Hook,
  type IssuerConfig,
  KEY_ALGORITHMS,
  type KeyAlgorithm,
  RENEWAL_MODES,
  type RenewalMode,
  type RenewalPolicy,
  ROTATION_POLICIES,
  type RotationPolicy,
} from '../model.js';
import {
  DEFAULT_FILE_MODE,
  DEFAULT_HOOK_TIMEOUT_MS,
  DEFAULT_KEY_ALGORITHM,
  DEFAULT_KEY_MODE,
  DEFAULT_V1_LIFETIME_MS,
  DEFAULT_V1_RENEWAL,
  type Draft,
  type DraftFile,
  type Sourced,
} from './draft.js';
import type { LoadOptions } from './options.js';
import type { DocPath, ProblemSink } from './problems.js';
import {
  asRecord,
  checkCommonName,
  has,
  type Raw,
  readDuration,
  readPath,
  readRenewal,
  readSans,
  sansFromCommonName,
  str,
} from './read-values.js';
import { SAN_TYPES } from './sans.js';
import { v1Schemas } from './v1-schema.js';
import { isAccountName, parseMode, show } from './values.js';
import { describePath, reportZodIssues } from './zod-problems.js';

export interface V1Result {
  drafts: Draft[];
  issuer: IssuerConfig | undefined;
  settings: EngineSettings;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._#-]{0,252}$/;

interface Defaults {
  lifetimeMs: Sourced<number>;
  renewal: Sourced<RenewalPolicy>;
  keyAlgorithm: KeyAlgorithm;
  rotation: Sourced<RotationPolicy>;
  owner: string | undefined;
  group: string | undefined;
  fileMode: number;
  keyMode: number;
  hookTimeoutMs: number;
}

export function readV1(data: Raw, manifestDir: string, options: LoadOptions, sink: ProblemSink): V1Result {
  const parsed = v1Schemas().manifest.safeParse(data, { reportInput: true });
  if (!parsed.success) reportZodIssues(parsed.error.issues, [], sink, { unknownFields: 'error' });

  const defaults = readDefaults(asRecord(data.defaults), options, sink);
  const issuer = readIssuer(asRecord(data.issuer), manifestDir, sink);
  const settings: { stateDir?: string } = {};
  const stateDir = readPath(sink, ['stateDir'], data.stateDir, manifestDir);
  if (stateDir !== undefined) settings.stateDir = stateDir;

  const entries = Array.isArray(data.certificates) ? data.certificates : [];
  const drafts = entries.map((entry, index) =>
    readCertificate(asRecord(entry), ['certificates', index], index, defaults, manifestDir, sink),
  );
  return { drafts, issuer, settings };
}

function readDefaults(raw: Raw | undefined, options: LoadOptions, sink: ProblemSink): Defaults {
  const base: DocPath = ['defaults'];
  const duration = has(raw, 'duration')
    ? readDuration(sink, [...base, 'duration'], raw?.duration)
    : undefined;
  const renewal = readRenewal(sink, base, raw);
  const key = asRecord(raw?.key);
  const owner = readAccount(sink, [...base, 'owner'], raw?.owner, 'owner');
  const group = readAccount(sink, [...base, 'group'], raw?.group, 'group');
  const hookTimeoutMs = has(raw, 'hookTimeout')
    ? readHookTimeout(sink, [...base, 'hookTimeout'], raw?.hookTimeout)
    : undefined;

  // Options replace the manifest's defaults, never a certificate's own values.
  const lifetimeMs: Sourced<number> =
    options.durationMs !== undefined
      ? { value: options.durationMs, at: [], source: 'the --duration option', explicit: false }
      : duration !== undefined
        ? { value: duration, at: [...base, 'duration'], source: 'defaults.duration', explicit: false }
        : { value: DEFAULT_V1_LIFETIME_MS, at: [], source: 'the built-in default', explicit: false };
  const renewalPoint: Sourced<RenewalPolicy> =
    options.renewBeforeMs !== undefined
      ? {
          value: { beforeExpiryMs: options.renewBeforeMs },
          at: [],
          source: 'the --renew-before option',
          explicit: false,
        }
      : renewal !== undefined
        ? {
            value: renewal,
            at: [...base, has(raw, 'renewBefore') ? 'renewBefore' : 'renewAt'],
            source: has(raw, 'renewBefore') ? 'defaults.renewBefore' : 'defaults.renewAt',
            explicit: false,
          }
        : { value: DEFAULT_V1_RENEWAL, at: [], source: 'the built-in default', explicit: false };
  const rotation = readEnum(key?.rotation, ROTATION_POLICIES);
  return {
    lifetimeMs,
    renewal: renewalPoint,
    keyAlgorithm: readEnum(key?.algorithm, KEY_ALGORITHMS) ?? DEFAULT_KEY_ALGORITHM,
    rotation: {
      value: rotation ?? 'always',
      at: rotation ? [...base, 'key', 'rotation'] : [],
      source: rotation ? 'defaults.key.rotation' : 'the built-in default',
      explicit: false,
    },
    owner,
    group,
    fileMode: readMode(sink, [...base, 'mode'], raw?.mode) ?? DEFAULT_FILE_MODE,
    keyMode: readMode(sink, [...base, 'keyMode'], raw?.keyMode) ?? DEFAULT_KEY_MODE,
    hookTimeoutMs: hookTimeoutMs ?? DEFAULT_HOOK_TIMEOUT_MS,
  };
}

function readCertificate(
  raw: Raw | undefined,
  at: DocPath,
  entryIndex: number,
  defaults: Defaults,
  manifestDir: string,
  sink: ProblemSink,
): Draft {
  const name = str(raw, 'name') ?? `#${entryIndex}`;
  if (str(raw, 'name') !== undefined && !NAME.test(name)) {
    sink.error(
      [...at, 'name'],
      'invalid-name',
      `${describePath([...at, 'name'])} ${show(name)} may only hold letters, digits and . _ - # (starting with a letter or digit).`,
    );
  }
  const commonName = str(raw, 'commonName') ?? '';
  if (str(raw, 'commonName') !== undefined) checkCommonName(sink, [...at, 'commonName'], commonName);

  const sansExplicit = ['sans', ...SAN_TYPES].some((key) => has(raw, key));
  const typed = Object.fromEntries(
    SAN_TYPES.filter((type) => has(raw, type)).map((type) => [
      type,
      { at: [...at, type], values: raw?.[type] },
    ]),
  );
  const sans = sansExplicit
    ? readSans(sink, {
        ...(has(raw, 'sans') ? { mixed: { at: [...at, 'sans'], values: raw?.sans } } : {}),
        typed,
      })
    : sansFromCommonName(commonName);

  const duration = has(raw, 'duration') ? readDuration(sink, [...at, 'duration'], raw?.duration) : undefined;
  const lifetimeMs: Sourced<number> =
    duration !== undefined
      ? {
          value: duration,
          at: [...at, 'duration'],
          source: describePath([...at, 'duration']),
          explicit: true,
        }
      : defaults.lifetimeMs;
  const ownRenewal = readRenewal(sink, at, raw);
  const renewalField = has(raw, 'renewBefore') ? 'renewBefore' : 'renewAt';
  const renewal: Sourced<RenewalPolicy> =
    ownRenewal !== undefined
      ? {
          value: ownRenewal,
          at: [...at, renewalField],
          source: describePath([...at, renewalField]),
          explicit: true,
        }
      : defaults.renewal;

  const key = asRecord(raw?.key);
  const ownRotation = readEnum(key?.rotation, ROTATION_POLICIES);
  const rotation: Sourced<RotationPolicy> = ownRotation
    ? { value: ownRotation, at: [...at, 'key', 'rotation'], source: 'key.rotation', explicit: true }
    : defaults.rotation;

  const filesRaw = asRecord(raw?.files);
  const files: DraftFile[] = [];
  for (const role of FILE_ROLES) {
    const filePath = readPath(sink, [...at, 'files', role], filesRaw?.[role], manifestDir);
    if (filePath !== undefined) files.push({ role, path: filePath, at: [...at, 'files', role] });
  }
  if (filesRaw !== undefined && !FILE_ROLES.some((role) => has(filesRaw, role))) {
    sink.error(
      [...at, 'files'],
      'no-files',
      `${describePath([...at, 'files'])} must name at least one of ${FILE_ROLES.join(', ')}.`,
    );
  }

  const placement: { owner?: string; group?: string; fileMode: number; keyMode: number } = {
    fileMode: readMode(sink, [...at, 'mode'], raw?.mode) ?? defaults.fileMode,
    keyMode: readMode(sink, [...at, 'keyMode'], raw?.keyMode) ?? defaults.keyMode,
  };
  const owner = readAccount(sink, [...at, 'owner'], raw?.owner, 'owner') ?? defaults.owner;
  const group = readAccount(sink, [...at, 'group'], raw?.group, 'group') ?? defaults.group;
  if (owner !== undefined) placement.owner = owner;
  if (group !== undefined) placement.group = group;

  const delivery = readDelivery(sink, [...at, 'delivery'], raw?.delivery);

  const hooks: Hook[] = [];
  const hooksRaw = Array.isArray(raw?.hooks) ? raw.hooks : [];
  hooksRaw.forEach((hookValue, index) => {
    const hook = asRecord(hookValue);
    const command = str(hook, 'command');
    const timeoutMs = has(hook, 'timeout')
      ? readHookTimeout(sink, [...at, 'hooks', index, 'timeout'], hook?.timeout)
      : defaults.hookTimeoutMs;
    if (command !== undefined && command.trim() === '') {
      sink.error(
        [...at, 'hooks', index, 'command'],
        'empty-hook',
        `${describePath([...at, 'hooks', index, 'command'])} is empty.`,
      );
    } else if (command !== undefined && timeoutMs !== undefined) {
      hooks.push({ command, timeoutMs });
    }
  });

  return {
    entryIndex,
    at,
    name,
    namePath: [...at, 'name'],
    commonName,
    sans,
    sansExplicit,
    sansAt: [...at, has(raw, 'sans') ? 'sans' : (SAN_TYPES.find((t) => has(raw, t)) ?? 'commonName')],
    keyAlgorithm: readEnum(key?.algorithm, KEY_ALGORITHMS) ?? defaults.keyAlgorithm,
    usage: readEnum(raw?.usage, CERTIFICATE_USAGES) ?? 'server',
    rotation,
    lifetimeMs,
    renewal,
    files,
    placement,
    hooks,
    ...(delivery === undefined ? {} : { delivery }),
  };
}

/** The `delivery` section; shapes were checked by zod, paths must be absolute inside the guest. */
function readDelivery(sink: ProblemSink, at: DocPath, value: unknown): GuestDelivery | undefined {
  const raw = asRecord(value);
  if (raw === undefined) return undefined;
  const guestType = readEnum(raw.guestType, GUEST_TYPES);
  const guestId = raw.guestId;
  if (guestType === undefined || typeof guestId !== 'number' || !Number.isInteger(guestId) || guestId <= 0)
    return undefined;
  const path = (field: 'certPath' | 'keyPath' | 'caPath'): string | undefined => {
    const text = str(raw, field);
    if (text === undefined) return undefined;
    if (!text.startsWith('/')) {
      sink.error(
        [...at, field],
        'invalid-guest-path',
        `${describePath([...at, field])} ${show(text)} must be an absolute path inside the guest.`,
      );
    }
    return text;
  };
  const caPath = path('caPath');
  return {
    guestId,
    guestType,
    certPath: path('certPath') ?? DEFAULT_GUEST_PATHS.certPath,
    keyPath: path('keyPath') ?? DEFAULT_GUEST_PATHS.keyPath,
    ...(caPath === undefined ? {} : { caPath }),
  };
}

function readIssuer(raw: Raw | undefined, manifestDir: string, sink: ProblemSink): IssuerConfig | undefined {
  if (raw === undefined) return undefined;
  const kinds = ['stepCA', 'local'].filter((kind) => has(raw, kind));
  if (kinds.length !== 1) {
    sink.error(
      ['issuer'],
      'issuer-kind',
      kinds.length === 0
        ? 'issuer must have exactly one of stepCA or local (omit issuer to take it from flags or the environment).'
        : 'issuer must have only one of stepCA or local, not both.',
    );
    return undefined;
  }
  const local = asRecord(raw.local);
  if (local !== undefined) {
    const directory = readPath(sink, ['issuer', 'local', 'directory'], local.directory, manifestDir);
    return directory === undefined ? undefined : { type: 'local', id: `local:${directory}`, directory };
  }
  const step = asRecord(raw.stepCA);
  const url = str(step, 'url');
  if (url === undefined) return undefined;
  let canonicalUrl = url;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'https:') throw new Error('not https');
    canonicalUrl = parsed.origin + parsed.pathname.replace(/\/+$/, '');
  } catch {
    sink.error(
      ['issuer', 'stepCA', 'url'],
      'invalid-url',
      `issuer.stepCA.url ${show(url)} must be an https:// URL.`,
    );
  }
  const config: {
    type: 'step-ca';
    id: string;
    url: string;
    root?: string;
    fingerprint?: string;
    provisioner?: string;
    passwordFile?: string;
    renewal?: RenewalMode;
  } = { type: 'step-ca', id: `step-ca:${canonicalUrl}`, url: canonicalUrl };
  const root = readPath(sink, ['issuer', 'stepCA', 'root'], step?.root, manifestDir);
  if (root !== undefined) config.root = root;
  const fingerprint = str(step, 'fingerprint');
  if (fingerprint !== undefined) {
    const hex = fingerprint.replace(/:/g, '').toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(hex)) {
      sink.error(
        ['issuer', 'stepCA', 'fingerprint'],
        'invalid-fingerprint',
        'issuer.stepCA.fingerprint must be the 64 hex digits of the root certificate SHA-256 fingerprint.',
      );
    }
    config.fingerprint = hex;
  }
  const provisioner = str(step, 'provisioner');
  if (provisioner !== undefined) config.provisioner = provisioner;
  const passwordFile = readPath(sink, ['issuer', 'stepCA', 'passwordFile'], step?.passwordFile, manifestDir);
  if (passwordFile !== undefined) config.passwordFile = passwordFile;
  const renewal = readEnum(step?.renewal, RENEWAL_MODES);
  if (renewal !== undefined) config.renewal = renewal;
  return config;
}

function readEnum<T extends string>(value: unknown, allowed: readonly T[]): T | undefined {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value)
    ? (value as T)
    : undefined;
}

function readMode(sink: ProblemSink, path: DocPath, value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const mode = parseMode(value);
  if (mode === undefined) {
    sink.error(
      path,
      'invalid-mode',
      `${describePath(path)} ${show(value)} is not an octal mode between 0000 and 0777.`,
    );
  }
  return mode;
}

function readAccount(
  sink: ProblemSink,
  path: DocPath,
  value: unknown,
  kind: 'owner' | 'group',
): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (isAccountName(value)) return value;
  const hint = kind === 'owner' && value.includes(':') ? ' Put the group in the group field.' : '';
  sink.error(
    path,
    `invalid-${kind}`,
    `${describePath(path)} ${show(value)} is not a ${kind === 'owner' ? 'user' : 'group'} name or numeric id.${hint}`,
  );
  return undefined;
}

/** A hook timeout: a duration text or a number of seconds; must be positive. */
export function readHookTimeout(sink: ProblemSink, path: DocPath, value: unknown): number | undefined {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value <= 0 || value * 1000 > 86_400_000) {
      sink.error(
        path,
        'invalid-hook-timeout',
        `${describePath(path)} must be positive and at most a day, not ${value}.`,
      );
      return undefined;
    }
    return Math.round(value * 1000);
  }
  if (typeof value !== 'string') return undefined;
  if (value.trim().startsWith('-') || /^[-+]?0+$/.test(value.trim())) {
    sink.error(path, 'invalid-hook-timeout', `${describePath(path)} must be positive, not ${show(value)}.`);
    return undefined;
  }
  return readDuration(sink, path, value);
}
