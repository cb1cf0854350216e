/**
 * Node 20 deadlocks when EC keys are generated synchronously and a garbage
 * collection runs while a new key is exported as JWK (which privateKeyPem
 * does): the collected key-generation job's destructor takes the key's mutex
 * that the export holds. Found as a `reconcile --once` frozen for good, not
 * even stopped by SIGTERM (gdb: KeyGenJob<EcKeyGenTraits>::~KeyGenJob under
 * ExportJWKEcKey). x509 generates keys through libuv's pool, which does not.
 * A deadlock cannot be caught inside the process, so a child generates keys
 * with a young generation so small that a collection runs every few keys.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const built = join(__dirname, '..', 'dist', 'index.js');

test('10,000 keys generated and encoded, with a garbage collection every few keys, never hang', () => {
  expect(existsSync(built)).toBe(true); // `pnpm build` first, as the test command does
  const script = [
    `const { generatePrivateKey } = await import(${JSON.stringify(pathToFileURL(built).href)});`,
    "for (let i = 0; i < 10000; i++) await generatePrivateKey('ecdsa-p256');",
    "console.log('done');",
  ].join('\n');
  const child = spawnSync(
    process.execPath,
    ['--max-semi-space-size=1', '--input-type=module', '-e', script],
    {
      encoding: 'utf8',
      // Generous: the loop takes a few seconds; a deadlock never ends.
      timeout: 30_000,
      killSignal: 'SIGKILL',
    },
  );
  expect(child.signal).toBeNull();
  expect(child.stdout.trim()).toBe('done');
}, 90_000);
