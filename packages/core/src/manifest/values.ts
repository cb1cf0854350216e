/** Checks and conversions of single manifest values: modes, owners, paths. */
import path from 'node:path';

/** An octal mode string ("640", "0640") within 0000-0777, or undefined. */
export function parseMode(text: string): number | undefined {
  const match = /^0?([0-7]{3})$/.exec(text.trim());
  return match ? Number.parseInt(match[1]!, 8) : undefined;
}

/** "0640" style text of a mode number. */
export function formatMode(mode: number): string {
  return `0${mode.toString(8).padStart(3, '0')}`;
}

/** A POSIX user or group name (as useradd accepts by default) or a numeric id. */
export function isAccountName(text: string): boolean {
  return /^\d{1,10}$/.test(text) || /^[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?$/.test(text);
}

/** Legacy `owner`: exactly `user:group`, both parts valid. */
export function parseUserGroup(text: string): { user: string; group: string } | undefined {
  const parts = text.split(':');
  if (parts.length !== 2) return undefined;
  const [user, group] = parts as [string, string];
  return isAccountName(user) && isAccountName(group) ? { user, group } : undefined;
}

export type PathCheck = { ok: true; path: string } | { ok: false; problem: string; hint: string };

/**
 * Absolute paths stay (normalized); `./x` and `../x` are relative to the
 * manifest's directory; anything else (a bare `certs/a.pem`, `~/a.pem`) is a
 * mistake, because the working directory of a service is not meaningful.
 */
export function resolveManifestPath(value: string, manifestDir: string): PathCheck {
  if (value.length === 0) {
    return { ok: false, problem: 'The path is empty.', hint: 'Give an absolute path.' };
  }
  if (value.includes('\0')) {
    return { ok: false, problem: 'The path contains a NUL character.', hint: 'Give an absolute path.' };
  }
  if (path.posix.isAbsolute(value)) return { ok: true, path: normalizeAbsolute(value) };
  if (value === '.' || value === '..' || value.startsWith('./') || value.startsWith('../')) {
    return { ok: true, path: path.posix.resolve(manifestDir, value) };
  }
  return {
    ok: false,
    problem: `The path "${value}" is relative.`,
    hint: `Give an absolute path, or start it with ./ to mean relative to the manifest's directory (./${value}).`,
  };
}

/** A `//`, a `.` or `..` segment, or a trailing slash: the spots path.posix.normalize may change. */
const NOT_NORMAL = /\/(?:\.{1,2})?(?:\/|$)/;

/**
 * path.posix.normalize, but an already normal path comes back as the very
 * string it was: normalize rebuilds it piece by piece (a rope string that every
 * later Map lookup and file call must flatten again).
 */
export function normalizeAbsolute(value: string): string {
  return NOT_NORMAL.test(value) ? path.posix.normalize(value) : value;
}

/** Short text of a value for messages, never the whole of a long one. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string')
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return String(value);
}
