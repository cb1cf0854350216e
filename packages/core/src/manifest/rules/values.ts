/**
 * The named rules of single values, shared by both formats: each takes a value
 * of the type the schema let through, reports its own problem code when the
 * value is wrong, and returns what it means (a number of milliseconds, a mode,
 * an absolute path) or undefined. One file because they are one vocabulary:
 * the checks a manifest field can fail after its shape was right.
 */
import type { SubjectAltNames } from '../../model.js';
import { tryParseDuration, tryParseFraction } from '../duration.js';
import type { DocPath, ProblemSink } from '../problems.js';
import { canonicalSans, checkSan, detectSanType, SAN_TYPES, type SanType } from '../sans.js';
import { isAccountName, parseMode, parseUserGroup, resolveManifestPath, show } from '../values.js';
import { describePath } from '../zod-problems.js';

/** `invalid-duration`: a positive duration such as 24h. */
export function checkDuration(sink: ProblemSink, path: DocPath, value: string): number | undefined {
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

/** `invalid-renew-at`: a renewal fraction strictly between 0 and 1. */
export function checkRenewAt(sink: ProblemSink, path: DocPath, value: string | number): number | undefined {
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

/** `relative-path`: an absolute path (./ and ../ resolved against the manifest's directory). */
export function checkManifestPath(
  sink: ProblemSink,
  path: DocPath,
  value: string,
  manifestDir: string,
): string | undefined {
  const checked = resolveManifestPath(value, manifestDir);
  if (!checked.ok) {
    sink.error(path, 'relative-path', `${describePath(path)}: ${checked.problem} ${checked.hint}`);
    return undefined;
  }
  return checked.path;
}

/** A list of SANs as the schema let it through: items of the wrong type are holes, so indices stay. */
export interface SanList {
  at: DocPath;
  values: readonly (string | undefined)[];
}

export interface SanInput {
  /** Untyped SANs: the type of each is detected. */
  mixed?: SanList;
  typed?: Partial<Record<SanType, SanList>>;
}

/** `invalid-san`, per bad entry: canonical SANs from untyped and typed lists. */
export function checkSans(sink: ProblemSink, input: SanInput): SubjectAltNames {
  const lists: Record<SanType, string[]> = { dns: [], ip: [], email: [], uri: [] };
  const take = (type: SanType | undefined, { at, values }: SanList) => {
    values.forEach((value, index) => {
      if (value === undefined) return;
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
  if (input.mixed) take(undefined, input.mixed);
  for (const type of SAN_TYPES) {
    const list = input.typed?.[type];
    if (list) take(type, list);
  }
  return canonicalSans(lists);
}

const SAN_LABEL: Record<SanType, string> = {
  dns: 'DNS name',
  ip: 'IP address',
  email: 'email address',
  uri: 'URI',
};

/** `invalid-common-name`: at most 64 characters (X.509 ub-common-name), not blank, no outer spaces. */
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

const CERTIFICATE_NAME = /^[A-Za-z0-9][A-Za-z0-9._#-]{0,252}$/;

/** `invalid-name`: a v1 name is a file-name-safe token (it names status and provenance records). */
export function checkCertificateName(sink: ProblemSink, path: DocPath, name: string): void {
  if (CERTIFICATE_NAME.test(name)) return;
  sink.error(
    path,
    'invalid-name',
    `${describePath(path)} ${show(name)} may only hold letters, digits and . _ - # (starting with a letter or digit).`,
  );
}

/** `invalid-mode`: an octal mode; v1 spells its range with four digits, legacy (permissions) with three. */
export function checkMode(
  sink: ProblemSink,
  path: DocPath,
  value: string,
  digits: 3 | 4,
): number | undefined {
  const mode = parseMode(value);
  if (mode === undefined) {
    const range = digits === 4 ? '0000 and 0777' : '000 and 777';
    sink.error(
      path,
      'invalid-mode',
      `${describePath(path)} ${show(value)} is not an octal mode between ${range}.`,
    );
  }
  return mode;
}

/** `invalid-owner` / `invalid-group`: a v1 user or group name, or a numeric id. */
export function checkAccount(
  sink: ProblemSink,
  path: DocPath,
  value: string,
  kind: 'owner' | 'group',
): string | undefined {
  if (isAccountName(value)) return value;
  const hint = kind === 'owner' && value.includes(':') ? ' Put the group in the group field.' : '';
  sink.error(
    path,
    `invalid-${kind}`,
    `${describePath(path)} ${show(value)} is not a ${kind === 'owner' ? 'user' : 'group'} name or numeric id.${hint}`,
  );
  return undefined;
}

/** `invalid-owner`: the legacy owner, exactly `user:group`. */
export function checkUserGroup(
  sink: ProblemSink,
  path: DocPath,
  value: string,
): { user: string; group: string } | undefined {
  const parts = parseUserGroup(value);
  if (parts === undefined) {
    sink.error(
      path,
      'invalid-owner',
      `${describePath(path)} ${show(value)} must be user:group (names or numeric ids), e.g. root:www-data.`,
    );
  }
  return parts;
}

/** `invalid-hook-timeout`: a duration text or a number of seconds, positive and (as a number) at most a day. */
export function checkHookTimeout(
  sink: ProblemSink,
  path: DocPath,
  value: string | number,
): number | undefined {
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
  if (value.trim().startsWith('-') || /^[-+]?0+$/.test(value.trim())) {
    sink.error(path, 'invalid-hook-timeout', `${describePath(path)} must be positive, not ${show(value)}.`);
    return undefined;
  }
  return checkDuration(sink, path, value);
}

/** `empty-hook`: a v1 hook runs a command; a blank one is a mistake. */
export function checkHookCommand(sink: ProblemSink, path: DocPath, command: string): boolean {
  if (command.trim() !== '') return true;
  sink.error(path, 'empty-hook', `${describePath(path)} is empty.`);
  return false;
}

/** `empty-hook` (a warning): Phoenix ran nothing for an empty post_renewal_command, and so does certloop. */
export function checkLegacyHookCommand(sink: ProblemSink, path: DocPath, command: string): boolean {
  if (command.trim() !== '') return true;
  sink.warn(path, 'empty-hook', `${describePath(path)} is empty; no command will run.`);
  return false;
}

/** `invalid-url`: the step-ca URL, https only; its canonical form (no trailing slash) names the issuer. */
export function checkStepCaUrl(sink: ProblemSink, path: DocPath, url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.protocol === 'https:') return parsed.origin + parsed.pathname.replace(/\/+$/, '');
  } catch {
    // Reported below, like a plain-http URL.
  }
  sink.error(path, 'invalid-url', `${describePath(path)} ${show(url)} must be an https:// URL.`);
  return url;
}

/** `invalid-fingerprint`: 64 hex digits, colons allowed; returned without colons, lower case. */
export function checkFingerprint(sink: ProblemSink, path: DocPath, fingerprint: string): string {
  const hex = fingerprint.replace(/:/g, '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) {
    sink.error(
      path,
      'invalid-fingerprint',
      `${describePath(path)} must be the 64 hex digits of the root certificate SHA-256 fingerprint.`,
    );
  }
  return hex;
}

/** `invalid-guest-path`: a delivery path is absolute inside the guest (kept as written either way). */
export function checkGuestPath(sink: ProblemSink, path: DocPath, text: string): string {
  if (!text.startsWith('/')) {
    sink.error(
      path,
      'invalid-guest-path',
      `${describePath(path)} ${show(text)} must be an absolute path inside the guest.`,
    );
  }
  return text;
}

/** `issuer-kind`: the issuer section names exactly one kind of issuer. */
export function checkOneIssuer(sink: ProblemSink, path: DocPath, kinds: readonly string[]): boolean {
  if (kinds.length === 1) return true;
  sink.error(
    path,
    'issuer-kind',
    kinds.length === 0
      ? 'issuer must have exactly one of stepCA or local (omit issuer to take it from flags or the environment).'
      : 'issuer must have only one of stepCA or local, not both.',
  );
  return false;
}

/** `no-files`: a v1 files section names at least one file. */
export function checkSomeFiles(
  sink: ProblemSink,
  path: DocPath,
  named: readonly string[],
  roles: readonly string[],
): void {
  if (named.length > 0) return;
  sink.error(path, 'no-files', `${describePath(path)} must name at least one of ${roles.join(', ')}.`);
}

/** `incomplete-guest`: a legacy delivery needs both guest_id and guest_type. */
export function checkCompleteGuest(
  sink: ProblemSink,
  at: DocPath,
  given: { guest_id: boolean; guest_type: boolean },
): boolean {
  if (given.guest_id === given.guest_type) return true;
  const [missing, present] = given.guest_id ? ['guest_type', 'guest_id'] : ['guest_id', 'guest_type'];
  sink.error(
    [...at, missing],
    'incomplete-guest',
    `${describePath([...at, missing])} is required with ${present}: a delivery needs both the guest's id and whether it is an lxc container or a vm.`,
  );
  return false;
}
