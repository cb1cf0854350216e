/**
 * The shipped units pass `systemd-analyze verify` (ExecStart pointed at the
 * artifact under test, since /usr/bin/certloop is not installed here), and the
 * service unit says what the code does: Type=notify with NotifyAccess=all
 * (systemd-notify is a child), a watchdog, the password as a credential.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PROVISIONER_PASSWORD_CREDENTIAL } from '@certloop/actuators';
import { ARTIFACT, assertBuilt } from '../support/run.js';

const UNITS = join(__dirname, '..', '..', '..', '..', 'examples', 'systemd');
const NAMES = ['certloop.service', 'certloop-once.service', 'certloop-once.timer'];

test('systemd-analyze verify passes on every unit', async () => {
  assertBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'certloop-units-'));
  try {
    const executable = process.env.CERTLOOP_BIN ?? ARTIFACT.args[0] ?? ARTIFACT.file;
    for (const name of NAMES) {
      const text = readFileSync(join(UNITS, name), 'utf8').replaceAll('/usr/bin/certloop', executable);
      writeFileSync(join(dir, name), text);
    }
    const result = await promisify(execFile)(
      'systemd-analyze',
      ['verify', ...NAMES.map((n) => join(dir, n))],
      {
        cwd: dir,
      },
    ).then(
      ({ stderr }) => ({ code: 0, stderr }),
      (error: { code?: number; stderr?: string }) => ({ code: error.code ?? 1, stderr: error.stderr ?? '' }),
    );
    expect(result).toEqual({ code: 0, stderr: '' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the service unit is Type=notify with NotifyAccess=all, a watchdog and the password credential', () => {
  const unit = readFileSync(join(UNITS, 'certloop.service'), 'utf8');
  expect(unit).toMatch(/^Type=notify$/m);
  expect(unit).toMatch(/^NotifyAccess=all$/m);
  expect(unit).toMatch(/^WatchdogSec=\d+s$/m);
  expect(unit).toMatch(new RegExp(`^LoadCredential=${PROVISIONER_PASSWORD_CREDENTIAL}:/`, 'm'));
});
