/**
 * Reads the legacy Phoenix manifest (a JSON array of entries) into drafts,
 * with the behaviour of Phoenix's shell manager: SANs default to the common
 * name, `permissions` applies to both files, `post_renewal_command` is a hook,
 * 24h certificates renewed when less than 12h remain, a fresh P-256 key each time.
 */
import { dirname, join } from 'node:path';
import { DEFAULT_GUEST_PATHS, type GuestDelivery, type Hook, type RenewalPolicy } from '../model.js';
import {
  DEFAULT_FILE_MODE,
  DEFAULT_HOOK_TIMEOUT_MS,
  DEFAULT_KEY_ALGORITHM,
  DEFAULT_KEY_MODE,
  type Draft,
  type DraftFile,
  LEGACY_LIFETIME_MS,
  LEGACY_RENEW_BEFORE_MS,
  type Sourced,
} from './draft.js';
import { formatDuration } from './duration.js';
import { hasLegacyShape, LEGACY_FIELDS, legacyEntrySchema } from './legacy-schema.js';
import type { LoadOptions } from './options.js';
import type { DocPath, ProblemSink } from './problems.js';
import {
  asRecord,
  checkCommonName,
  has,
  type Raw,
  readPath,
  readSans,
  sansFromCommonName,
  str,
} from './read-values.js';
import { parseMode, parseUserGroup, show } from './values.js';
import { describePath, reportZodIssues } from './zod-problems.js';

/**
 * Legacy `cert_path` holds what `step ca certificate` writes there: the leaf
 * followed by the intermediate, i.e. a full chain.
 */
export const LEGACY_CERT_ROLE = 'fullchain' as const;

/**
 * Where legacy `include_ca: true` puts the issuer's roots on shared storage:
 * `ca.pem` beside `cert_path`, Docker's layout (server-cert.pem, server-key.pem,
 * ca.pem side by side), for consumers that copy from there instead of a guest.
 */
export const LEGACY_CA_FILE_NAME = 'ca.pem';

export function readLegacy(
  entries: readonly unknown[],
  manifestDir: string,
  options: LoadOptions,
  sink: ProblemSink,
): Draft[] {
  const lifetimeMs: Sourced<number> =
    options.durationMs !== undefined
      ? { value: options.durationMs, at: [], source: 'the --duration option', explicit: false }
      : {
          value: LEGACY_LIFETIME_MS,
          at: [],
          source: `the legacy default (${formatDuration(LEGACY_LIFETIME_MS)})`,
          explicit: false,
        };
  const renewal: Sourced<RenewalPolicy> = {
    value: { beforeExpiryMs: options.renewBeforeMs ?? LEGACY_RENEW_BEFORE_MS },
    at: [],
    source:
      options.renewBeforeMs !== undefined
        ? 'the --renew-before option'
        : `the legacy default (${formatDuration(LEGACY_RENEW_BEFORE_MS)} before expiry)`,
    explicit: false,
  };

  const drafts = entries.map((entry, index) =>
    readEntry(entry, index, manifestDir, sink, lifetimeMs, renewal),
  );
  nameByCommonName(drafts, sink);
  return drafts;
}

function readEntry(
  entry: unknown,
  index: number,
  manifestDir: string,
  sink: ProblemSink,
  lifetimeMs: Sourced<number>,
  renewal: Sourced<RenewalPolicy>,
): Draft {
  const at: DocPath = [index];
  if (!hasLegacyShape(entry)) {
    const parsed = legacyEntrySchema().safeParse(entry, { reportInput: true });
    if (!parsed.success) reportZodIssues(parsed.error.issues, at, sink, { unknownFields: 'warning' });
  }
  const raw: Raw | undefined = asRecord(entry);
  for (const key of Object.keys(raw ?? {})) {
    if (!LEGACY_FIELDS.includes(key)) {
      sink.warn(
        [...at, key],
        'unknown-field',
        `${describePath([...at, key])} is not a known field; it is ignored.`,
      );
    }
  }

  const commonName = str(raw, 'common_name') ?? '';
  if (str(raw, 'common_name') !== undefined) checkCommonName(sink, [...at, 'common_name'], commonName);
  const sansExplicit = has(raw, 'sans');
  const sans = sansExplicit
    ? readSans(sink, { mixed: { at: [...at, 'sans'], values: raw?.sans } })
    : sansFromCommonName(commonName);

  const files: DraftFile[] = [];
  const certPath = readPath(sink, [...at, 'cert_path'], raw?.cert_path, manifestDir);
  if (certPath !== undefined)
    files.push({ role: LEGACY_CERT_ROLE, path: certPath, at: [...at, 'cert_path'] });
  const keyPath = readPath(sink, [...at, 'key_path'], raw?.key_path, manifestDir);
  if (keyPath !== undefined) files.push({ role: 'key', path: keyPath, at: [...at, 'key_path'] });

  const placement: { owner?: string; group?: string; fileMode: number; keyMode: number } = {
    fileMode: DEFAULT_FILE_MODE,
    keyMode: DEFAULT_KEY_MODE,
  };
  const owner = str(raw, 'owner');
  if (owner !== undefined) {
    const parts = parseUserGroup(owner);
    if (parts) {
      placement.owner = parts.user;
      placement.group = parts.group;
    } else {
      sink.error(
        [...at, 'owner'],
        'invalid-owner',
        `${describePath([...at, 'owner'])} ${show(owner)} must be user:group (names or numeric ids), e.g. root:www-data.`,
      );
    }
  }
  const permissions = str(raw, 'permissions');
  if (permissions !== undefined) {
    const mode = parseMode(permissions);
    if (mode === undefined) {
      sink.error(
        [...at, 'permissions'],
        'invalid-mode',
        `${describePath([...at, 'permissions'])} ${show(permissions)} is not an octal mode between 000 and 777.`,
      );
    } else {
      placement.fileMode = mode;
      placement.keyMode = mode;
    }
  }

  const hooks: Hook[] = [];
  const command = str(raw, 'post_renewal_command');
  if (command !== undefined && command.trim() !== '')
    hooks.push({ command, timeoutMs: DEFAULT_HOOK_TIMEOUT_MS });
  else if (command !== undefined) {
    sink.warn(
      [...at, 'post_renewal_command'],
      'empty-hook',
      `${describePath([...at, 'post_renewal_command'])} is empty; no command will run.`,
    );
  }

  const includeCa = raw?.include_ca === true;
  if (includeCa && certPath !== undefined) {
    files.push({
      role: 'caBundle',
      path: join(dirname(certPath), LEGACY_CA_FILE_NAME),
      at: [...at, 'include_ca'],
    });
  }
  const delivery = readGuest(raw, at, sink, includeCa);

  return {
    entryIndex: index,
    at,
    name: commonName,
    namePath: [...at, 'common_name'],
    commonName,
    sans,
    sansExplicit,
    sansAt: [...at, sansExplicit ? 'sans' : 'common_name'],
    keyAlgorithm: DEFAULT_KEY_ALGORITHM,
    usage: raw?.cert_type === 'client' ? 'client' : 'server',
    rotation: { value: 'always', at: [], source: 'the legacy default', explicit: false },
    lifetimeMs,
    renewal,
    files,
    placement,
    hooks,
    ...(delivery === undefined ? {} : { delivery }),
  };
}

/** `guest_id` + `guest_type`: the files go to the guest's /tmp, where the entry's hook picks them up. */
function readGuest(
  raw: Raw | undefined,
  at: DocPath,
  sink: ProblemSink,
  includeCa: boolean,
): GuestDelivery | undefined {
  const guestId = raw?.guest_id;
  const guestType = raw?.guest_type;
  const hasId = typeof guestId === 'number' && Number.isInteger(guestId) && guestId > 0;
  const hasType = guestType === 'lxc' || guestType === 'vm';
  if (hasId !== hasType) {
    const missing = hasId ? 'guest_type' : 'guest_id';
    sink.error(
      [...at, missing],
      'incomplete-guest',
      `${describePath([...at, missing])} is required with ${hasId ? 'guest_id' : 'guest_type'}: a delivery needs both the guest's id and whether it is an lxc container or a vm.`,
    );
    return undefined;
  }
  if (!hasId || !hasType) return undefined;
  return {
    guestId: guestId as number,
    guestType,
    certPath: DEFAULT_GUEST_PATHS.certPath,
    keyPath: DEFAULT_GUEST_PATHS.keyPath,
    ...(includeCa ? { caPath: DEFAULT_GUEST_PATHS.caPath } : {}),
  };
}

/** Stable names are common names; a repeated one gets "#2", "#3" in manifest order, with a warning. */
function nameByCommonName(drafts: Draft[], sink: ProblemSink): void {
  const seen = new Map<string, number>();
  const taken = new Set(drafts.map((d) => d.name));
  for (const draft of drafts) {
    const count = (seen.get(draft.name) ?? 0) + 1;
    seen.set(draft.name, count);
    if (count === 1 || draft.commonName === '') continue;
    let suffix = count;
    while (taken.has(`${draft.commonName}#${suffix}`)) suffix += 1;
    const unique = `${draft.commonName}#${suffix}`;
    taken.add(unique);
    sink.warn(
      draft.namePath,
      'duplicate-common-name',
      `${describePath(draft.namePath)} repeats the common name ${show(draft.commonName)}; this certificate is named ${show(unique)}.`,
    );
    draft.name = unique;
  }
}
