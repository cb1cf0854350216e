import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';

/**
 * Writes a file under a temporary name with its final mode from creation,
 * then renames it into place: a secret is never readable with a wider mode,
 * and step-ca never sees a half-written ca.json.
 */
export async function writeFileAtomic(target: string, data: string, mode: number): Promise<void> {
  const temp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temp, data, { mode, flag: 'wx' });
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
