/**
 * The least CPU certloop must spend per issued certificate beyond what the
 * raw client spends, each step measured in this process at its cheapest
 * (synchronous calls, no bookkeeping): a fresh P-256 key, two ECDSA
 * signatures (the CSR and the one-time token), the key and certificate
 * written atomically with fsync plus a directory fsync, the provenance record
 * likewise, and the read-back check (one ECDSA verify, one public point
 * derived from the private scalar). What certloop spends above the sum is
 * its own overhead; the sum itself is what no implementation can skip
 * without dropping a guarantee.
 */
import { createECDH, generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import { closeSync, constants, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { median } from './measure.js';

const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/** CPU ms per call of `step(i)`, over `n` calls after one warm-up call. */
function perCall(n, step) {
  step(0);
  const before = cpuMs();
  for (let i = 1; i <= n; i++) step(i);
  return (cpuMs() - before) / n;
}

const CREATE = constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW;

/** Temp files written, fsynced and renamed into place, then the directory fsynced: the writer's system calls. */
function writeAtomically(directory, files) {
  const temps = files.map(([name, data, mode]) => {
    const temp = join(directory, `.${name}.tmp`);
    const fd = openSync(temp, CREATE, mode);
    writeSync(fd, data, 0, data.length, 0);
    fsyncSync(fd);
    closeSync(fd);
    return [temp, join(directory, name)];
  });
  for (const [temp, target] of temps) renameSync(temp, target);
  const dirFd = openSync(directory, constants.O_RDONLY);
  fsyncSync(dirFd);
  closeSync(dirFd);
}

function floorRound(workDirectory, n) {
  const certificates = join(workDirectory, 'floor-certs');
  const records = join(workDirectory, 'floor-provenance');
  // Spread over 50 directories like the issuance manifests; provenance records share one, as certloop's do.
  for (let d = 0; d < 50; d++) mkdirSync(join(certificates, String(d)), { recursive: true });
  mkdirSync(records, { recursive: true });
  try {
    const keys = [];
    const keygen = perCall(n, () => keys.push(generateKeyPairSync('ec', { namedCurve: 'P-256' })));
    const tbs = randomBytes(450); // about a CSR's or a token's signed bytes
    const signature = perCall(n, (i) => sign('sha256', tbs, keys[i].privateKey));
    const signed = sign('sha256', tbs, keys[0].privateKey);
    const check = perCall(n, () => verify('sha256', tbs, keys[0].publicKey, signed));
    const scalar = Buffer.from(keys[0].privateKey.export({ format: 'jwk' }).d, 'base64url');
    const ecdh = createECDH('prime256v1');
    const derive = perCall(n, () => {
      ecdh.setPrivateKey(scalar);
      ecdh.getPublicKey();
    });
    const key = randomBytes(241);
    const certificate = randomBytes(1500);
    const record = randomBytes(700);
    const pair = perCall(n, (i) =>
      writeAtomically(join(certificates, String(i % 50)), [
        [`${i}.key`, key, 0o600],
        [`${i}.crt`, certificate, 0o644],
      ]),
    );
    const provenance = perCall(n, (i) => writeAtomically(records, [[`${i}.json`, record, 0o600]]));
    const steps = [
      ['a fresh P-256 key', keygen],
      ['ECDSA signature of the CSR', signature],
      ['ECDSA signature of the one-time token', signature],
      ['key + certificate written atomically (2 fsyncs + directory fsync)', pair],
      ['provenance record written atomically (fsync + directory fsync)', provenance],
      ["read-back: the leaf's signature verified", check],
      ["read-back: the key's public point derived", derive],
    ];
    return steps;
  } finally {
    rmSync(certificates, { recursive: true, force: true });
    rmSync(records, { recursive: true, force: true });
  }
}

/**
 * Each step's median over `rounds` rounds: the cost of an fsync in CPU
 * depends on what else the journal holds at that moment.
 */
export function floorCosts(workDirectory, { n = 300, rounds = 5 } = {}) {
  const measured = Array.from({ length: rounds }, () => floorRound(workDirectory, n));
  const steps = measured[0].map(([step], index) => [step, median(measured.map((round) => round[index][1]))]);
  return { steps, totalMs: steps.reduce((sum, [, ms]) => sum + ms, 0) };
}
