/** Verifies chains with the openssl binary, an independent judge of what the issuers produce. */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function opensslVerify(
  directory: string,
  pems: { root: string; intermediates: string; leaf: string },
): Promise<{ ok: boolean; output: string }> {
  const root = join(directory, 'verify-root.pem');
  const untrusted = join(directory, 'verify-untrusted.pem');
  const leaf = join(directory, 'verify-leaf.pem');
  await writeFile(root, pems.root);
  await writeFile(untrusted, pems.intermediates);
  await writeFile(leaf, pems.leaf);
  try {
    const { stdout, stderr } = await run('openssl', [
      'verify',
      '-CAfile',
      root,
      '-untrusted',
      untrusted,
      leaf,
    ]);
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

export async function opensslText(pem: string, directory: string): Promise<string> {
  const file = join(directory, 'text.pem');
  await writeFile(file, pem);
  const { stdout } = await run('openssl', ['x509', '-in', file, '-noout', '-text']);
  return stdout;
}
