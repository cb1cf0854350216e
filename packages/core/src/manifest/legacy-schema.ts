/** The structure of the legacy Phoenix manifest entry (zod): shapes only, unknown fields allowed. */
import type { z } from 'zod';
import { type Layered, parseLayered } from './layered.js';
import type { DocPath, ProblemSink } from './problems.js';
import { zod } from './zod-module.js';
import { describePath, reportZodIssues } from './zod-problems.js';

const REQUIRED_STRINGS = ['common_name', 'cert_path', 'key_path'] as const;
const OPTIONAL_STRINGS = ['owner', 'permissions', 'post_renewal_command'] as const;

/** The schema's fields, spelled out so a valid manifest is read without loading zod (a test keeps them equal). */
export const LEGACY_FIELDS: readonly string[] = [
  'common_name',
  'sans',
  'cert_path',
  'key_path',
  'owner',
  'permissions',
  'post_renewal_command',
  // The newest Phoenix revision: delivery into a Proxmox guest and client certificates.
  'guest_id',
  'guest_type',
  'include_ca',
  'cert_type',
];

function buildSchema() {
  const { z } = zod();
  return z.looseObject({
    common_name: z.string(),
    sans: z.array(z.string()).optional(),
    cert_path: z.string(),
    key_path: z.string(),
    owner: z.string().optional(),
    permissions: z.string().optional(),
    post_renewal_command: z.string().optional(),
    guest_id: z.number().int().positive().optional(),
    guest_type: z.enum(['lxc', 'vm']).optional(),
    include_ca: z.boolean().optional(),
    cert_type: z.enum(['server', 'client']).optional(),
  });
}

type LegacyEntrySchema = ReturnType<typeof buildSchema>;
export type LegacyEntry = z.output<LegacyEntrySchema>;

let schema: LegacyEntrySchema | undefined;

export function legacyEntrySchema(): LegacyEntrySchema {
  schema ??= buildSchema();
  return schema;
}

/**
 * The structure step of a legacy manifest, entry by entry: shape problems are
 * errors, unknown fields warnings (Phoenix ignored them), and what has the
 * right shape is returned for normalisation.
 */
export function readLegacyEntries(entries: readonly unknown[], sink: ProblemSink): Layered<LegacyEntry>[] {
  return entries.map((entry, index) => {
    const at: DocPath = [index];
    const shaped = hasLegacyShape(entry) ? entry : parseEntry(entry, at, sink);
    warnUnknownFields(entry, at, sink);
    return shaped;
  });
}

function parseEntry(entry: unknown, at: DocPath, sink: ProblemSink): Layered<LegacyEntry> {
  const { data, issues } = parseLayered(legacyEntrySchema(), entry);
  reportZodIssues(issues, at, sink, { unknownFields: 'warning' });
  return data ?? {};
}

function warnUnknownFields(entry: unknown, at: DocPath, sink: ProblemSink): void {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return;
  for (const key of Object.keys(entry)) {
    if (LEGACY_FIELDS.includes(key)) continue;
    sink.warn(
      [...at, key],
      'unknown-field',
      `${describePath([...at, key])} is not a known field; it is ignored.`,
    );
  }
}

/**
 * True when the entry certainly satisfies the schema, checked without zod:
 * the common case of a valid manifest then never loads it. Anything else goes
 * through zod for its issues.
 */
export function hasLegacyShape(entry: unknown): entry is LegacyEntry {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return false;
  const record = entry as Record<string, unknown>;
  for (const field of REQUIRED_STRINGS) if (typeof record[field] !== 'string') return false;
  for (const field of OPTIONAL_STRINGS) {
    const value = record[field];
    if (value !== undefined && typeof value !== 'string') return false;
  }
  const guestId = record.guest_id;
  if (guestId !== undefined && !(Number.isInteger(guestId) && (guestId as number) > 0)) return false;
  if (record.guest_type !== undefined && record.guest_type !== 'lxc' && record.guest_type !== 'vm')
    return false;
  if (record.include_ca !== undefined && typeof record.include_ca !== 'boolean') return false;
  if (record.cert_type !== undefined && record.cert_type !== 'server' && record.cert_type !== 'client')
    return false;
  const sans = record.sans;
  return sans === undefined || (Array.isArray(sans) && sans.every((san) => typeof san === 'string'));
}
