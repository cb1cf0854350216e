/**
 * Normalises a v1 manifest, as its schema let it through, into drafts: the
 * options and defaults applied, every value through its named rule, and each
 * setting remembering where it came from for the rules that follow.
 */
import {
  DEFAULT_GUEST_PATHS,
  FILE_ROLES,
  type GuestDelivery,
  type Hook,
  type KeyAlgorithm,
  type RenewalPolicy,
  type RotationPolicy,
} from '../model.js';
import { ifDefined, omitUndefined } from '../objects.js';
import { normaliseCoordination } from './coordination.js';
import {
  DEFAULT_FILE_MODE,
  DEFAULT_HOOK_TIMEOUT_MS,
  DEFAULT_KEY_ALGORITHM,
  DEFAULT_KEY_MODE,
  DEFAULT_V1_LIFETIME_MS,
  DEFAULT_V1_RENEWAL,
  type Draft,
  type DraftFile,
  type NormalisedManifest,
  type Sourced,
} from './draft.js';
import type { Layered } from './layered.js';
import type { LoadOptions } from './options.js';
import type { DocPath, ProblemSink } from './problems.js';
import {
  checkAccount,
  checkCertificateName,
  checkCommonName,
  checkDuration,
  checkGuestPath,
  checkHookCommand,
  checkHookTimeout,
  checkManifestPath,
  checkMode,
  checkRenewAt,
  checkSans,
  checkSomeFiles,
  type SanList,
} from './rules/values.js';
import { SAN_TYPES, sansFromCommonName } from './sans.js';
import { normaliseIssuer } from './v1-issuer.js';
import type { V1Certificate, V1Defaults, V1Manifest } from './v1-schema.js';
import { describePath } from './zod-problems.js';

interface Context {
  manifestDir: string;
  sink: ProblemSink;
}

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

export function normaliseV1(
  document: Layered<V1Manifest>,
  manifestDir: string,
  options: LoadOptions,
  sink: ProblemSink,
): NormalisedManifest {
  const context: Context = { manifestDir, sink };
  const defaults = normaliseDefaults(document.defaults ?? {}, options, sink);
  const issuer = ifDefined(document.issuer, (section) => normaliseIssuer(section, manifestDir, sink));
  const stateDir = ifDefined(document.stateDir, (dir) =>
    checkManifestPath(sink, ['stateDir'], dir, manifestDir),
  );
  const coordination = ifDefined(document.coordination, (section) =>
    normaliseCoordination(section, manifestDir, sink),
  );
  const drafts = (document.certificates ?? []).map((certificate, index) =>
    normaliseCertificate(certificate ?? {}, index, defaults, context),
  );
  return { drafts, issuer, settings: omitUndefined({ stateDir, coordination }) };
}

function normaliseDefaults(section: Layered<V1Defaults>, options: LoadOptions, sink: ProblemSink): Defaults {
  const base: DocPath = ['defaults'];
  const duration = ifDefined(section.duration, (text) => checkDuration(sink, [...base, 'duration'], text));
  const renewal = renewalOf(section, base, sink);
  const rotation = section.key?.rotation;
  // Options replace the manifest's defaults, never a certificate's own values.
  return {
    lifetimeMs:
      options.durationMs !== undefined
        ? inherited(options.durationMs, [], 'the --duration option')
        : duration !== undefined
          ? inherited(duration, [...base, 'duration'], 'defaults.duration')
          : inherited(DEFAULT_V1_LIFETIME_MS, [], 'the built-in default'),
    renewal:
      options.renewBeforeMs !== undefined
        ? inherited({ beforeExpiryMs: options.renewBeforeMs }, [], 'the --renew-before option')
        : renewal !== undefined
          ? inherited(renewal.value, renewal.at, describePath(renewal.at))
          : inherited(DEFAULT_V1_RENEWAL, [], 'the built-in default'),
    keyAlgorithm: section.key?.algorithm ?? DEFAULT_KEY_ALGORITHM,
    rotation:
      rotation === undefined
        ? inherited('always', [], 'the built-in default')
        : inherited(rotation, [...base, 'key', 'rotation'], 'defaults.key.rotation'),
    owner: ifDefined(section.owner, (owner) => checkAccount(sink, [...base, 'owner'], owner, 'owner')),
    group: ifDefined(section.group, (group) => checkAccount(sink, [...base, 'group'], group, 'group')),
    hookTimeoutMs:
      ifDefined(section.hookTimeout, (timeout) =>
        checkHookTimeout(sink, [...base, 'hookTimeout'], timeout),
      ) ?? DEFAULT_HOOK_TIMEOUT_MS,
    fileMode:
      ifDefined(section.mode, (mode) => checkMode(sink, [...base, 'mode'], mode, 4)) ?? DEFAULT_FILE_MODE,
    keyMode:
      ifDefined(section.keyMode, (mode) => checkMode(sink, [...base, 'keyMode'], mode, 4)) ??
      DEFAULT_KEY_MODE,
  };
}

function normaliseCertificate(
  certificate: Layered<V1Certificate>,
  entryIndex: number,
  defaults: Defaults,
  { manifestDir, sink }: Context,
): Draft {
  const at: DocPath = ['certificates', entryIndex];
  const field = (...rest: (string | number)[]): DocPath => [...at, ...rest];

  if (certificate.name !== undefined) checkCertificateName(sink, field('name'), certificate.name);
  if (certificate.commonName !== undefined)
    checkCommonName(sink, field('commonName'), certificate.commonName);
  const commonName = certificate.commonName ?? '';

  const sanFields = (['sans', ...SAN_TYPES] as const).filter((key) => certificate[key] !== undefined);
  const sanList = (key: (typeof sanFields)[number]): SanList | undefined =>
    ifDefined(certificate[key], (values) => ({ at: field(key), values }));
  const sans =
    sanFields.length > 0
      ? checkSans(sink, {
          mixed: sanList('sans'),
          typed: { dns: sanList('dns'), ip: sanList('ip'), email: sanList('email'), uri: sanList('uri') },
        })
      : sansFromCommonName(commonName);

  const duration = ifDefined(certificate.duration, (text) => checkDuration(sink, field('duration'), text));
  const renewal = renewalOf(certificate, at, sink);
  const rotation = certificate.key?.rotation;

  const files: DraftFile[] = [];
  for (const role of FILE_ROLES) {
    const path = ifDefined(certificate.files?.[role], (text) =>
      checkManifestPath(sink, field('files', role), text, manifestDir),
    );
    if (path !== undefined) files.push({ role, path, at: field('files', role) });
  }
  if (certificate.files !== undefined) {
    const named = FILE_ROLES.filter((role) => certificate.files?.[role] !== undefined);
    checkSomeFiles(sink, field('files'), named, FILE_ROLES);
  }

  const placement = omitUndefined({
    fileMode:
      ifDefined(certificate.mode, (mode) => checkMode(sink, field('mode'), mode, 4)) ?? defaults.fileMode,
    keyMode:
      ifDefined(certificate.keyMode, (mode) => checkMode(sink, field('keyMode'), mode, 4)) ??
      defaults.keyMode,
    owner:
      ifDefined(certificate.owner, (owner) => checkAccount(sink, field('owner'), owner, 'owner')) ??
      defaults.owner,
    group:
      ifDefined(certificate.group, (group) => checkAccount(sink, field('group'), group, 'group')) ??
      defaults.group,
  });

  const delivery = ifDefined(certificate.delivery, (section) =>
    normaliseDelivery(section, field('delivery'), sink),
  );

  const hooks: Hook[] = [];
  (certificate.hooks ?? []).forEach((hook, index) => {
    if (hook === undefined) return;
    const timeoutMs =
      hook.timeout === undefined
        ? defaults.hookTimeoutMs
        : checkHookTimeout(sink, field('hooks', index, 'timeout'), hook.timeout);
    if (hook.command === undefined || !checkHookCommand(sink, field('hooks', index, 'command'), hook.command))
      return;
    if (timeoutMs !== undefined) hooks.push({ command: hook.command, timeoutMs });
  });

  return {
    entryIndex,
    at,
    name: certificate.name ?? `#${entryIndex}`,
    namePath: field('name'),
    commonName,
    sans,
    sansExplicit: sanFields.length > 0,
    sansAt: field(sanFields[0] ?? 'commonName'),
    keyAlgorithm: certificate.key?.algorithm ?? defaults.keyAlgorithm,
    usage: certificate.usage ?? 'server',
    rotation:
      rotation === undefined
        ? defaults.rotation
        : { value: rotation, at: field('key', 'rotation'), source: 'key.rotation', explicit: true },
    lifetimeMs: duration === undefined ? defaults.lifetimeMs : own(duration, field('duration')),
    renewal: renewal === undefined ? defaults.renewal : own(renewal.value, renewal.at),
    files,
    placement,
    hooks,
    delivery,
  };
}

/** The renewal point of `renewBefore` and/or `renewAt` of one object, at the first one given. */
function renewalOf(
  section: { renewBefore?: string; renewAt?: string | number },
  base: DocPath,
  sink: ProblemSink,
): { value: RenewalPolicy; at: DocPath } | undefined {
  const { renewBefore, renewAt } = section;
  if (renewBefore === undefined && renewAt === undefined) return undefined;
  const value = omitUndefined({
    beforeExpiryMs: ifDefined(renewBefore, (text) => checkDuration(sink, [...base, 'renewBefore'], text)),
    fraction: ifDefined(renewAt, (fraction) => checkRenewAt(sink, [...base, 'renewAt'], fraction)),
  });
  return { value, at: [...base, renewBefore === undefined ? 'renewAt' : 'renewBefore'] };
}

/** The `delivery` section: without a valid guest there is nothing to deliver to (zod reported why). */
function normaliseDelivery(
  section: NonNullable<Layered<V1Certificate>['delivery']>,
  at: DocPath,
  sink: ProblemSink,
): GuestDelivery | undefined {
  const { guestId, guestType } = section;
  if (guestId === undefined || guestType === undefined) return undefined;
  const path = (name: 'certPath' | 'keyPath' | 'caPath') =>
    ifDefined(section[name], (text) => checkGuestPath(sink, [...at, name], text));
  const caPath = path('caPath');
  return omitUndefined({
    guestId,
    guestType,
    certPath: path('certPath') ?? DEFAULT_GUEST_PATHS.certPath,
    keyPath: path('keyPath') ?? DEFAULT_GUEST_PATHS.keyPath,
    caPath,
  });
}

/** A value set on the certificate itself. */
function own<T>(value: T, at: DocPath): Sourced<T> {
  return { value, at, source: describePath(at), explicit: true };
}

/** A value every certificate gets unless it sets its own: from defaults, options or certloop. */
function inherited<T>(value: T, at: DocPath, source: string): Sourced<T> {
  return { value, at, source, explicit: false };
}
