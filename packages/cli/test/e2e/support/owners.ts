/** Numeric ids of the user and group names the Phoenix manifest uses. */
import { execFileSync } from 'node:child_process';

function getent(database: 'passwd' | 'group', name: string): number {
  const line = execFileSync('getent', [database, name], { encoding: 'utf8' });
  return Number(line.split(':')[2]);
}

/** `user:group` → numeric uid and gid, as the system resolves them. */
export function idsOf(owner: string): { uid: number; gid: number } {
  const [user = '', group = ''] = owner.split(':');
  return { uid: getent('passwd', user), gid: getent('group', group) };
}
