/**
 * Under systemd (JOURNAL_STREAM set) every log line starts with its syslog
 * priority, so `journalctl -p err` finds errors; a line about a certificate
 * names it and the code of its reason. Without the journal, no prefix.
 */
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type LocalWorkspace, localWorkspace } from '../status/support.js';
import { runCli } from '../support/run.js';

jest.setTimeout(60_000);

let ws: LocalWorkspace;
/** systemd's value is "DEVICE:INODE" of the journal stream. */
const JOURNAL = { JOURNAL_STREAM: '9:123456' };

beforeAll(async () => {
  ws = await localWorkspace('certloop-journal-');
  // "broken" cannot be written: its directory is a regular file.
  mkdirSync(join(ws.dir, 'out'), { recursive: true });
  writeFileSync(join(ws.dir, 'out', 'broken'), 'not a directory\n');
  await ws.writeManifest([{ name: 'broken' }, { name: 'web', hooks: ['echo reloaded'] }]);
});

afterAll(() => rmSync(ws.dir, { recursive: true, force: true }));

const reconcile = (format: string, env: Record<string, string> = {}) =>
  runCli(['reconcile', '--once', '-f', ws.manifest, '--log-level', 'debug', '--log-format', format], env);

const logLines = (stderr: string) => stderr.split('\n').filter((l) => l !== '');

test('each line carries its priority: <3> for the certificate that failed, <6> for information', async () => {
  const result = await reconcile('text', JOURNAL);
  expect(result.code).toBe(1);
  const lines = logLines(result.stderr);
  expect(lines.length).toBeGreaterThan(2);
  for (const line of lines) expect(line).toMatch(/^<[3467]>/);
  const failure = lines.find((l) => l.includes('Acting on a certificate failed.'));
  expect(failure).toMatch(/^<3>error {1}Acting on a certificate failed\. name=broken reason=cert-missing /);
  expect(lines.some((l) => l.startsWith('<6>info  '))).toBe(true);
  // The hook's lines name the certificate and why it ran.
  expect(lines.find((l) => l.includes('Running hook'))).toMatch(
    /^<6>info {2}Running hook name=web reason=cert-missing,key-missing,chain-missing command=echo reloaded$/,
  );
  expect(lines.find((l) => l.includes('Hook output'))).toMatch(
    / name=web reason=cert-missing,key-missing\S* .*line=reloaded/,
  );
  expect(lines.some((l) => l.startsWith('<7>debug '))).toBe(true);
});

test('JSON lines carry the prefix too, in front of the object', async () => {
  rmSync(join(ws.stateDir), { recursive: true, force: true });
  const result = await reconcile('json', JOURNAL);
  for (const line of logLines(result.stderr)) {
    expect(line).toMatch(/^<[3467]>\{/);
    expect(() => JSON.parse(line.replace(/^<\d>/, ''))).not.toThrow();
  }
  const failure = logLines(result.stderr)
    .map((l) => JSON.parse(l.replace(/^<\d>/, '')) as Record<string, unknown>)
    .find((entry) => entry.message === 'Acting on a certificate failed.');
  expect(failure).toMatchObject({ level: 'error', name: 'broken', reason: expect.any(String) });
});

test('without the journal, lines have no priority prefix', async () => {
  const result = await reconcile('text');
  const lines = logLines(result.stderr);
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) expect(line).not.toMatch(/^<\d>/);
});

test('the file lines (wrote, corrected) name the certificate and its reason too', async () => {
  rmSync(join(ws.dir, 'out', 'web'), { recursive: true, force: true });
  const entries = (stderr: string) =>
    logLines(stderr).map((l) => JSON.parse(l) as Record<string, unknown> & { message: string });
  const first = entries((await reconcile('json')).stderr);
  const wrote = first.filter((e) => e.message === 'Wrote file');
  expect(wrote.length).toBeGreaterThan(0);
  for (const line of wrote) expect(line).toMatchObject({ name: 'web', reason: 'cert-missing' });

  chmodSync(ws.keyPath('web'), 0o644);
  const second = entries((await reconcile('json')).stderr);
  expect(second.find((e) => e.message === 'Corrected mode or owner')).toMatchObject({
    name: 'web',
    reason: 'mode-differs',
    path: ws.keyPath('web'),
  });
});
