/**
 * `certloop plan` draws actions as Terraform does: a reissue (the certificate
 * is replaced, hooks run) as `-/+`, an in-place fix (mode, owner, bundle) as
 * `~`, an issue as `+`; a legend names the symbols in use and the summary
 * counts reissues and in-place fixes apart.
 */
import { chmodSync, rmSync } from 'node:fs';
import { type LocalWorkspace, localWorkspace } from '../status/support.js';
import { runCli } from '../support/run.js';

jest.setTimeout(60_000);

let ws: LocalWorkspace;

beforeAll(async () => {
  ws = await localWorkspace('certloop-plan-symbols-');
  await ws.writeManifest([{ name: 'api' }, { name: 'web' }]);
  const first = await runCli(['reconcile', '--once', '-f', ws.manifest]);
  if (first.code !== 0) throw new Error(`first pass failed: ${first.stdout}${first.stderr}`);
});

afterAll(() => rmSync(ws.dir, { recursive: true, force: true }));

test('a reissue, an in-place fix and an issue are drawn and counted apart', async () => {
  chmodSync(ws.keyPath('api'), 0o644);
  await ws.writeManifest([
    { name: 'api' },
    { name: 'web', sans: ['web.status.test', 'www.status.test'] },
    { name: 'new' },
  ]);
  const result = await runCli(['plan', '-f', ws.manifest, '--detailed-exitcode']);
  expect(result.code).toBe(2);
  const lines = result.stdout.split('\n');
  expect(lines).toEqual(
    expect.arrayContaining([
      '  ~ api: fix permissions',
      '  + new: issue',
      '-/+ web: reissue',
      'Plan: 1 to issue, 1 to reissue, 1 to fix in place, 0 unchanged.',
    ]),
  );
  const legend = lines.slice(1, lines.indexOf(''));
  expect(legend).toEqual([
    '  + issue: a new key and certificate where there is none',
    '-/+ reissue: replace the certificate (and its key); hooks will run',
    '  ~ fix in place: mode, owner, chain or bundle; certificate and key stay',
  ]);
  // Not a terminal: no colour codes.
  expect(result.stdout).not.toContain('\u001b[');
});
