/**
 * The renewal soak (issue 20's done criterion, too slow for the test suite):
 * the certloop service keeps N certificates of DURATION (default 5 minutes)
 * from the testbed's step-ca with `renewal: mtls`; after the first issuance
 * the provisioner password file is moved away, and the run waits until every certificate has been renewed
 * RENEWALS times (default 3), or fails after a deadline. Prints one line per
 * renewal seen and a summary; exit 0 only when every certificate made it.
 *
 *   pnpm build && node scripts/stepca/renewal-soak.mjs [--count 4] [--duration 5m] [--renewals 3]
 */
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
};
const count = Number(arg('count', '4'));
const duration = arg('duration', '5m');
const renewals = Number(arg('renewals', '3'));
const durationMs = Number.parseInt(duration, 10) * (duration.endsWith('h') ? 3_600_000 : 60_000);
// Renewal at 2/3 of the lifetime: `renewals` of them, the first issuance, and slack.
const deadlineMs = Date.now() + durationMs * ((2 / 3) * renewals + 1.5);

const log = (text) => process.stdout.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${text}\n`);

const { startStepCa } = await import(join(REPO, 'packages', 'testbed', 'dist', 'index.js'));
const ca = await startStepCa({});
const dir = mkdtempSync(join(tmpdir(), 'certloop-soak-'));
const names = Array.from({ length: count }, (_, i) => `soak${i}`);
const certPath = (name) => join(dir, 'certs', `${name}.crt`);
const manifest = join(dir, 'certloop.json');
writeFileSync(
  manifest,
  JSON.stringify({
    apiVersion: 'certloop.dev/v1',
    kind: 'CertificateManifest',
    issuer: {
      stepCA: {
        url: ca.url,
        root: ca.rootPath,
        provisioner: ca.provisioner,
        passwordFile: ca.passwordFile,
        renewal: 'mtls',
      },
    },
    stateDir: join(dir, 'state'),
    defaults: { duration, renewAt: '2/3' },
    certificates: names.map((name, i) => ({
      name,
      commonName: `${name}.soak.test`,
      sans: [`${name}.soak.test`],
      // Half keep their key (/1.0/renew), half rotate it (/1.0/rekey).
      key: { rotation: i % 2 === 0 ? 'never' : 'always' },
      files: { cert: certPath(name), key: join(dir, 'certs', `${name}.key`) },
    })),
  }),
);

const service = spawn(
  process.execPath,
  [join(REPO, 'packages', 'cli', 'bin', 'certloop.js'), 'reconcile', '-f', manifest, '--log-format', 'text'],
  { stdio: ['ignore', 'inherit', 'inherit'], env: { PATH: process.env.PATH, HOME: dir } },
);

const serialOf = (name) => {
  try {
    return new X509Certificate(readFileSync(certPath(name))).serialNumber;
  } catch {
    return undefined;
  }
};

const seen = new Map(names.map((name) => [name, []]));
let passwordHidden = false;
let ok = false;
try {
  while (Date.now() < deadlineMs) {
    for (const name of names) {
      const serial = serialOf(name);
      const serials = seen.get(name);
      if (serial !== undefined && serials.at(-1) !== serial) {
        serials.push(serial);
        if (serials.length > 1) log(`${name}: renewal ${serials.length - 1} (serial ${serial})`);
      }
    }
    if (!passwordHidden && names.every((name) => seen.get(name).length > 0)) {
      // The first issuance needed the provisioner; from now on nothing may.
      renameSync(ca.passwordFile, `${ca.passwordFile}.hidden`);
      passwordHidden = true;
      log('all issued; the provisioner password file is gone from now on');
    }
    if (names.every((name) => seen.get(name).length > renewals)) {
      ok = true;
      break;
    }
    await sleep(2_000);
  }
} finally {
  service.kill('SIGTERM');
  await new Promise((resolve) => service.once('exit', resolve));
  await ca.dispose();
  rmSync(dir, { recursive: true, force: true });
}
for (const name of names) log(`${name}: ${seen.get(name).length - 1} renewal(s)`);
log(
  ok
    ? `PASS: every certificate renewed ${renewals} times without the password file`
    : 'FAIL: deadline reached',
);
process.exitCode = ok ? 0 : 1;
