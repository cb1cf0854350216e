/**
 * Tolerant readers over untrusted data, shared by both formats: each reads one
 * value if it has the right type (zod reported wrong types already), checks
 * its syntax with a named rule, and returns the parsed value or undefined.
 */
import type { RenewalPolicy, SubjectAltNames } from '../model.js';
import { tryParseDuration, tryParseFraction } from './duration.js';
import type { DocPath, ProblemSink } from './problems.js';
import { canonicalSans, checkSan, commonNameAsSan, detectSanType, SAN_TYPES, type SanType } from './sans.js';
import { resolveManifestPath, show } from './values.js';
import { describePath } from './zod-problems.js';

export type Raw = Readonly<Record<string, unknown>>;

export function asRecord(value: unknown): Raw | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Raw) : undefined;
}

export function str(raw: Raw | undefined, key: string): string | undefined {
  const value = raw?.[key];
  return typeof value === 'string' ? value : undefined;
}

export function has(raw: Raw | undefined, key: string): boolean {
  return raw !== undefined && Object.hasOwn(raw, key) && raw[key] !== undefined;
}

/** A positive duration at `path`; reports `invalid-duration`. */
export function readDuration(sink: ProblemSink, path: DocPath, value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = tryParseDuration(value);
  if (ms === undefined) {
    sink.error(
      path,
      'invalid-duration',
      `${describePath(path)} ${show(value)} is not a duration; use e.g. 24h, 90m, 1h30m or 30d (at most 100 years).`,
    );
    return undefined;
  }
  if (ms <= 0) {
    sink.error(
      path,
      'invalid-duration',
      `${describePath(path)} must be longer than zero, not ${show(value)}.`,
    );
    return undefined;
  }
  return ms;
}

/** A renewal fraction strictly between 0 and 1; reports `invalid-renew-at`. */
export function readFraction(sink: ProblemSink, path: DocPath, value: unknown): number | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const fraction = tryParseFraction(value);
  if (fraction === undefined) {
    sink.error(
      path,
      'invalid-renew-at',
      `${describePath(path)} must be a fraction of the lifetime between 0 and 1 (e.g. "2/3", 0.66 or "66%"), not ${show(value)}.`,
    );
  }
  return fraction;
}

/** Renewal point from `renewBefore` and/or `renewAt` of one object, or undefined when it sets neither. */
export function readRenewal(
  sink: ProblemSink,
  base: DocPath,
  raw: Raw | undefined,
): RenewalPolicy | undefined {
  if (!has(raw, 'renewBefore') && !has(raw, 'renewAt')) return undefined;
  const policy: { beforeExpiryMs?: number; fraction?: number } = {};
  const before = has(raw, 'renewBefore')
    ? readDuration(sink, [...base, 'renewBefore'], raw?.renewBefore)
    : undefined;
  const fraction = has(raw, 'renewAt') ? readFraction(sink, [...base, 'renewAt'], raw?.renewAt) : undefined;
  if (before !== undefined) policy.beforeExpiryMs = before;
  if (fraction !== undefined) policy.fraction = fraction;
  return policy;
}

/** An absolute path at `path` (./ and ../ resolved against the manifest's directory); reports `relative-path`. */
export function readPath(
  sink: ProblemSink,
  path: DocPath,
  value: unknown,
  manifestDir: string,
): string | undefined {
  if (typeof value !== 'string') return undefined;
  const checked = resolveManifestPath(value, manifestDir);
  if (!checked.ok) {
    sink.error(path, 'relative-path', `${describePath(path)}: ${checked.problem} ${checked.hint}`);
    return undefined;
  }
  return checked.path;
}

export interface SanInput {
  /** Untyped SANs: the type of each is detected. */
  mixed?: { at: DocPath; values: unknown };
  typed?: Partial<Record<SanType, { at: DocPath; values: unknown }>>;
}

/** Canonical SANs from untyped and typed lists; reports `invalid-san` per bad entry. */
export function readSans(sink: ProblemSink, input: SanInput): SubjectAltNames {
  const lists: Record<SanType, string[]> = { dns: [], ip: [], email: [], uri: [] };
  const take = (type: SanType | undefined, at: DocPath, values: unknown) => {
    if (!Array.isArray(values)) return;
    values.forEach((value, index) => {
      if (typeof value !== 'string') return;
      const kind = type ?? detectSanType(value);
      const checked = checkSan(kind, value);
      if (checked.ok) lists[kind].push(checked.value);
      else
        sink.error(
          [...at, index],
          'invalid-san',
          `${describePath([...at, index])} ${show(value)} is not a valid ${SAN_LABEL[kind]}: ${checked.problem}.`,
        );
    });
  };
  if (input.mixed) take(undefined, input.mixed.at, input.mixed.values);
  for (const type of SAN_TYPES) {
    const list = input.typed?.[type];
    if (list) take(type, list.at, list.values);
  }
  return canonicalSans(lists);
}

const SAN_LABEL: Record<SanType, string> = {
  dns: 'DNS name',
  ip: 'IP address',
  email: 'email address',
  uri: 'URI',
};

/** SANs when none are listed: the common name, when it can stand as a SAN (what `step ca certificate CN` does). */
export function sansFromCommonName(commonName: string): SubjectAltNames {
  const san = commonNameAsSan(commonName);
  const lists: Record<SanType, string[]> = { dns: [], ip: [], email: [], uri: [] };
  if (san !== undefined) lists[san.type].push(san.value);
  return canonicalSans(lists);
}

export function sanCount(sans: SubjectAltNames): number {
  return sans.dns.length + sans.ip.length + sans.email.length + sans.uri.length;
}

/** Common names are at most 64 characters (X.509 ub-common-name) and not blank. */
export function checkCommonName(sink: ProblemSink, path: DocPath, value: string): void {
  if (value.trim().length === 0) sink.error(path, 'invalid-common-name', `${describePath(path)} is empty.`);
  else if (value.length > 64)
    sink.error(
      path,
      'invalid-common-name',
      `${describePath(path)} is longer than 64 characters (the X.509 limit).`,
    );
  else if (value !== value.trim())
    sink.error(path, 'invalid-common-name', `${describePath(path)} has leading or trailing spaces.`);
}
