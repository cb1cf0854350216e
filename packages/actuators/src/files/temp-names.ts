/**
 * Names of temporary files: hidden, in the same directory as their target (so
 * the final rename stays within one directory, atomic even on NFS), and
 * recognisable by the next run, which removes leftovers of killed runs.
 * The host is part of the name because on NFS a pid alone says nothing about
 * a process on another machine.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';

/** Long target names are shortened in the temp name, which must stay under NAME_MAX. */
const MAX_BASE_IN_TEMP = 100;
const TEMP_NAME = /^\.(.*)\.certloop-([A-Za-z0-9-]*)-(\d+)-([0-9a-f]+)\.tmp$/;

export interface TempNameParts {
  readonly host: string;
  readonly pid: number;
}

/** The short host name, reduced to characters that keep the name parseable. */
export function tempHostTag(host: string = hostname()): string {
  return (host.split('.')[0] ?? '').replace(/[^A-Za-z0-9-]/g, '').slice(0, 40);
}

let ourTag: string | undefined;

export function tempPathFor(target: string): string {
  const base = basename(target).slice(0, MAX_BASE_IN_TEMP);
  const random = randomBytes(6).toString('hex');
  // The host name is read once per process: one uname per temp file showed in profiles.
  ourTag ??= tempHostTag();
  return join(dirname(target), `.${base}.certloop-${ourTag}-${process.pid}-${random}.tmp`);
}

/** The host and pid of a temp name of ours, or undefined for any other name. */
export function parseTempName(name: string): TempNameParts | undefined {
  const match = TEMP_NAME.exec(name);
  if (!match) return undefined;
  return { host: match[2] ?? '', pid: Number(match[3]) };
}
