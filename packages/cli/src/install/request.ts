/** The local side of `certloop install`: flags checked and turned into plain values (UsageError otherwise). */
import { isAbsolute, resolve } from 'node:path';
import { omitUndefined, UsageError } from '@certloop/core';
import type { IssuerFlags } from '../options.js';

/** Issuer flags say where the roots come from when the entry declares no CA bundle (`--ca`). */
export interface InstallFlags extends IssuerFlags {
  name?: string;
  file: string;
  cert: string;
  key: string;
  ca?: string;
  owner?: string;
  mode?: string;
  keyMode?: string;
  wait?: string;
}

export interface LocalTarget {
  readonly certPath: string;
  readonly keyPath: string;
  readonly caPath?: string;
  readonly owner?: string;
  readonly group?: string;
  /** Certificate and CA bundle. */
  readonly mode: number;
  readonly keyMode: number;
}

export interface InstallRequest {
  readonly name: string;
  readonly manifest: string;
  readonly local: LocalTarget;
  readonly waitMs: number;
}

export const DEFAULT_CERT_MODE = 0o644;
/** A private key is readable by its owner only unless --key-mode says otherwise. */
export const DEFAULT_KEY_MODE = 0o600;
/** Longer waits belong in a retry loop of the caller, not in one process. */
const MAX_WAIT_SECONDS = 24 * 3600;

export function parseInstallFlags(flags: InstallFlags): InstallRequest {
  if (flags.name === undefined || flags.name === '') throw new UsageError('Name the certificate to install.');
  const caPath = flags.ca === undefined ? undefined : localPath(flags.ca, '--ca');
  const paths = [localPath(flags.cert, '--cert'), localPath(flags.key, '--key'), caPath];
  if (new Set(paths.filter(Boolean)).size !== paths.filter(Boolean).length) {
    throw new UsageError('--cert, --key and --ca must be different files.');
  }
  return {
    name: flags.name,
    manifest: flags.file,
    waitMs: waitSeconds(flags.wait) * 1000,
    local: omitUndefined({
      certPath: localPath(flags.cert, '--cert'),
      keyPath: localPath(flags.key, '--key'),
      caPath,
      ...ownerAndGroup(flags.owner),
      mode: fileMode(flags.mode, '--mode', DEFAULT_CERT_MODE),
      keyMode: fileMode(flags.keyMode, '--key-mode', DEFAULT_KEY_MODE),
    }),
  };
}

function localPath(path: string, flag: string): string {
  if (path === '') throw new UsageError(`${flag} needs a path.`);
  return isAbsolute(path) ? path : resolve(path);
}

/** `user:group`, `user` or `:group`; names or numeric ids. */
export function ownerAndGroup(text: string | undefined): { owner?: string; group?: string } {
  if (text === undefined) return {};
  const match = /^([^:\s]*)(?::([^:\s]*))?$/.exec(text);
  const owner = match?.[1];
  const group = match?.[2];
  if (!match || (!owner && !group)) {
    throw new UsageError(`--owner must be user:group, user or :group, got "${text}".`);
  }
  return { ...(owner ? { owner } : {}), ...(group ? { group } : {}) };
}

function fileMode(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^0?[0-7]{3}$/.test(text)) {
    throw new UsageError(`${flag} must be an octal mode such as 0644 or 600, got "${text}".`);
  }
  return Number.parseInt(text, 8);
}

function waitSeconds(text: string | undefined): number {
  if (text === undefined) return 0;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || value > MAX_WAIT_SECONDS) {
    throw new UsageError(`--wait must be a number of seconds from 0 to ${MAX_WAIT_SECONDS}, got "${text}".`);
  }
  return value;
}
