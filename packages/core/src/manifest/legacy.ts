/**
 * Normalises the legacy Phoenix manifest (its entries as the schema let them
 * through) into drafts, with the behaviour of Phoenix's shell manager: SANs
 * default to the common name, `permissions` applies to both files,
 * `post_renewal_command` is a hook, 24h certificates renewed when less than
 * 12h remain, a fresh P-256 key each time.
 */
import { dirname, join } from 'node:path';
import { DEFAULT_GUEST_PATHS, type GuestDelivery, type Hook, type RenewalPolicy } from '../model.js';
import { ifDefined, omitUndefined } from '../objects.js';
import {
  DEFAULT_FILE_MODE,
  DEFAULT_HOOK_TIMEOUT_MS,
  DEFAULT_KEY_ALGORITHM,
  DEFAULT_KEY_MODE,
  type Draft,
  type DraftFile,
  LEGACY_LIFETIME_MS,
  LEGACY_RENEW_BEFORE_MS,
  type NormalisedManifest,
  type Sourced,
} from './draft.js';
import { formatDuration } from './duration.js';
import type { Layered } from './layered.js';
import type { LegacyEntry } from './legacy-schema.js';
import type { LoadOptions } from './options.js';
import type { DocPath, ProblemSink } from './problems.js';
import {
  checkCommonName,
  checkCompleteGuest,
  checkLegacyHookCommand,
  checkManifestPath,
  checkMode,
  checkSans,
  checkUserGroup,
} from './rules/values.js';
import { sansFromCommonName } from './sans.js';
import { show } from './values.js';
import { describePath } from './zod-problems.js';

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

interface Shared {
  manifestDir: string;
  sink: ProblemSink;
  lifetimeMs: Sourced<number>;
  renewal: Sourced<RenewalPolicy>;
}

export function normaliseLegacy(
  entries: readonly Layered<LegacyEntry>[],
  manifestDir: string,
  options: LoadOptions,
  sink: ProblemSink,
): NormalisedManifest {
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
  const shared: Shared = { manifestDir, sink, lifetimeMs, renewal };
  const drafts = entries.map((entry, index) => normaliseEntry(entry, index, shared));
  nameByCommonName(drafts, sink);
  // The issuer comes from flags, the environment or $STEPPATH.
  return { drafts, issuer: undefined, settings: {} };
}

function normaliseEntry(
  entry: Layered<LegacyEntry>,
  index: number,
  { manifestDir, sink, lifetimeMs, renewal }: Shared,
): Draft {
  const at: DocPath = [index];
  const field = (name: string): DocPath => [...at, name];

  const commonName = entry.common_name ?? '';
  if (entry.common_name !== undefined) checkCommonName(sink, field('common_name'), commonName);
  const sansExplicit = entry.sans !== undefined;
  const sans = ifDefined(entry.sans, (values) => checkSans(sink, { mixed: { at: field('sans'), values } }));

  const files: DraftFile[] = [];
  const certPath = ifDefined(entry.cert_path, (text) =>
    checkManifestPath(sink, field('cert_path'), text, manifestDir),
  );
  if (certPath !== undefined) files.push({ role: LEGACY_CERT_ROLE, path: certPath, at: field('cert_path') });
  const keyPath = ifDefined(entry.key_path, (text) =>
    checkManifestPath(sink, field('key_path'), text, manifestDir),
  );
  if (keyPath !== undefined) files.push({ role: 'key', path: keyPath, at: field('key_path') });

  const account = ifDefined(entry.owner, (text) => checkUserGroup(sink, field('owner'), text));
  const mode = ifDefined(entry.permissions, (text) => checkMode(sink, field('permissions'), text, 3));
  // `permissions` applies to both files, as Phoenix's chmod did.
  const placement = omitUndefined({
    fileMode: mode ?? DEFAULT_FILE_MODE,
    keyMode: mode ?? DEFAULT_KEY_MODE,
    owner: account?.user,
    group: account?.group,
  });

  const hooks: Hook[] = [];
  const command = entry.post_renewal_command;
  if (command !== undefined && checkLegacyHookCommand(sink, field('post_renewal_command'), command))
    hooks.push({ command, timeoutMs: DEFAULT_HOOK_TIMEOUT_MS });

  const includeCa = entry.include_ca === true;
  if (includeCa && certPath !== undefined) {
    files.push({
      role: 'caBundle',
      path: join(dirname(certPath), LEGACY_CA_FILE_NAME),
      at: field('include_ca'),
    });
  }

  return {
    entryIndex: index,
    at,
    name: commonName,
    namePath: field('common_name'),
    commonName,
    sans: sans ?? sansFromCommonName(commonName),
    sansExplicit,
    sansAt: field(sansExplicit ? 'sans' : 'common_name'),
    keyAlgorithm: DEFAULT_KEY_ALGORITHM,
    usage: entry.cert_type ?? 'server',
    rotation: { value: 'always', at: [], source: 'the legacy default', explicit: false },
    lifetimeMs,
    renewal,
    files,
    placement,
    hooks,
    delivery: guestDelivery(entry, at, sink, includeCa),
  };
}

/** `guest_id` + `guest_type`: the files go to the guest's /tmp, where the entry's hook picks them up. */
function guestDelivery(
  entry: Layered<LegacyEntry>,
  at: DocPath,
  sink: ProblemSink,
  includeCa: boolean,
): GuestDelivery | undefined {
  const { guest_id: guestId, guest_type: guestType } = entry;
  if (!checkCompleteGuest(sink, at, { guest_id: guestId !== undefined, guest_type: guestType !== undefined }))
    return undefined;
  if (guestId === undefined || guestType === undefined) return undefined;
  return omitUndefined({
    guestId,
    guestType,
    certPath: DEFAULT_GUEST_PATHS.certPath,
    keyPath: DEFAULT_GUEST_PATHS.keyPath,
    caPath: includeCa ? DEFAULT_GUEST_PATHS.caPath : undefined,
  });
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
