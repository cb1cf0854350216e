import { readFile } from 'node:fs/promises';
import { isErrno } from '../files/errors.js';
import { writeFilesAtomically } from '../files/index.js';

/** State files hold hostnames, paths and errors of root's certificates: readable by root only. */
export const STATE_FILE_MODE = 0o600;
export const STATE_DIRECTORY_MODE = 0o700;

/** JSON with sorted keys: the same document always gives the same bytes, so "unchanged" is a byte compare. */
export function canonicalJson(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === 'object' && value !== null) {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const item = (value as Record<string, unknown>)[key];
      if (item !== undefined) sorted[key] = sortKeys(item);
    }
    return sorted;
  }
  return value;
}

/** Writes `value` atomically when its content changed; resolves to whether it wrote. */
export async function writeJsonFile(path: string, value: unknown): Promise<boolean> {
  const result = await writeFilesAtomically(
    [{ path, content: canonicalJson(value), mode: STATE_FILE_MODE }],
    {
      directoryMode: STATE_DIRECTORY_MODE,
    },
  );
  return result.written.length > 0;
}

export type JsonRead =
  | { kind: 'missing' }
  | { kind: 'ok'; value: unknown }
  | { kind: 'corrupt'; problem: string };

export async function readJsonFile(path: string): Promise<JsonRead> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return { kind: 'missing' };
    throw error;
  }
  try {
    return { kind: 'ok', value: JSON.parse(text) };
  } catch (error) {
    return { kind: 'corrupt', problem: error instanceof Error ? error.message : String(error) };
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
