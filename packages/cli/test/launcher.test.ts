/**
 * The entry of every shipped form (src/entry.ts, behind bin/certloop.js and in
 * the single executable) as a separate process: it sizes libuv's pool for
 * certloop, and that tuning must not leak into the hooks it runs.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './support/run.js';

jest.setTimeout(30_000);

let scratch: string;

beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'certloop-launcher-'));
});

afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** Issues one certificate from the local CA with a hook that runs the shell command `record`; resolves to what it printed. */
async function seenByHook(record: string, env: Record<string, string>): Promise<string> {
  const seen = join(scratch, 'seen');
  const manifest = join(scratch, 'manifest.json');
  await writeFile(
    manifest,
    JSON.stringify([
      {
        common_name: 'launcher.test',
        sans: ['launcher.test'],
        cert_path: join(scratch, 'certs', 'cert.pem'),
        key_path: join(scratch, 'certs', 'key.pem'),
        post_renewal_command: `${record} > ${seen}`,
      },
    ]),
  );
  const result = await runCli(
    [
      'reconcile',
      '--once',
      '-f',
      manifest,
      '--local-ca',
      join(scratch, 'ca'),
      '--state-dir',
      join(scratch, 'state'),
      '--log-level',
      'error',
    ],
    env,
  );
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
  return readFile(seen, 'utf8');
}

/** The hook's view of the UV_THREADPOOL_SIZE certloop gave it. */
const poolSizeSeenByHook = (env: Record<string, string>) =>
  seenByHook(`printf '%s' "\${UV_THREADPOOL_SIZE-unset}"`, env);

describe('the entry of the shipped artifact', () => {
  it("runs libuv's pool at 64 threads, so file calls on network storage overlap", async () => {
    // The hook's parent is certloop: all its threads exist (libuv starts the whole pool at once).
    // Node's own threads are fewer than 8; with a pool of 16 the count stays below 64.
    const threads = Number(await seenByHook('ls /proc/$PPID/task | wc -l', {}));
    expect(threads).toBeGreaterThanOrEqual(65);
  });

  it("keeps its own thread-pool size out of the hooks' environment", async () => {
    expect(await poolSizeSeenByHook({})).toBe('unset');
  });

  it('passes on a UV_THREADPOOL_SIZE the user set', async () => {
    expect(await poolSizeSeenByHook({ UV_THREADPOOL_SIZE: '3' })).toBe('3');
  });
});
