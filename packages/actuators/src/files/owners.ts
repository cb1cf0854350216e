/**
 * User and group names to numeric ids. /etc/passwd and /etc/group are read
 * first (no subprocess for the common case); `getent` covers users that only
 * NSS knows (LDAP, SSSD). Results are cached for the life of the process;
 * failures are not, so a user created later is found on the next pass.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { CertloopError, omitUndefined } from '@certloop/core';

export interface ResolvedOwner {
  readonly uid?: number;
  readonly gid?: number;
}

type Database = 'passwd' | 'group';

const GETENT_TIMEOUT_MS = 10_000;
const cache = new Map<string, number>();

/** Sources, replaceable in tests. */
export const ownerDatabaseFiles: Record<Database, string> = {
  passwd: '/etc/passwd',
  group: '/etc/group',
};

export async function resolveOwner(owner?: string, group?: string): Promise<ResolvedOwner> {
  const uid = owner === undefined ? undefined : await resolveId('passwd', owner);
  const gid = group === undefined ? undefined : await resolveId('group', group);
  return omitUndefined({ uid, gid });
}

/** Forget cached lookups (tests; a long-running service never needs it). */
export function clearOwnerCache(): void {
  cache.clear();
}

async function resolveId(database: Database, name: string): Promise<number> {
  if (/^\d+$/.test(name)) return Number(name);
  const what = database === 'passwd' ? 'user' : 'group';
  if (name === '' || name.includes(':') || name.includes('\n')) {
    throw new CertloopError('WRITE_FAILED', `"${name}" is not a valid ${what} name.`);
  }
  const key = `${database}:${name}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const id = (await lookupInFile(database, name)) ?? (await lookupWithGetent(database, name));
  if (id === undefined) {
    throw new CertloopError(
      'WRITE_FAILED',
      `Unknown ${what} "${name}": it is neither in ${ownerDatabaseFiles[database]} nor known to getent.`,
      { hint: `Create the ${what} or change it in the manifest.` },
    );
  }
  cache.set(key, id);
  return id;
}

async function lookupInFile(database: Database, name: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(ownerDatabaseFiles[database], 'utf8');
  } catch {
    return undefined; // no file (minimal images): getent decides
  }
  return idFromEntries(text, name);
}

/** `name:x:id:...` lines, as in passwd(5), group(5) and getent's output. */
function idFromEntries(text: string, name: string): number | undefined {
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields[0] === name && fields[2] !== undefined && /^\d+$/.test(fields[2])) return Number(fields[2]);
  }
  return undefined;
}

function lookupWithGetent(database: Database, name: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    // execFile without a shell: the name is an argument, never interpreted.
    execFile('getent', [database, name], { timeout: GETENT_TIMEOUT_MS }, (error, stdout) => {
      // exit 2 means "not found"; a missing getent or a timeout are treated the same way.
      resolve(error ? undefined : idFromEntries(stdout, name));
    });
  });
}
