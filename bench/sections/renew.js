/**
 * Renewing N certificates that exist: `reconcile --once --force` over the
 * renewal path (`renewal: mtls`, each certificate authenticating its own
 * `/1.0/rekey`) beside the provisioner path (`renewal: provisioner`, a
 * one-time token and `/1.0/sign` each), same certificates, same process, the
 * order alternating between rounds.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectExit, runProcess, summary } from '../lib/measure.js';
import { CLI_BIN, dist } from '../lib/paths.js';

const PATHS = ['mtls', 'provisioner'];

function manifest(ca, dir, n, renewal) {
  return {
    apiVersion: 'certloop.dev/v1',
    kind: 'CertificateManifest',
    issuer: {
      stepCA: {
        url: ca.url,
        root: ca.rootPath,
        provisioner: ca.provisioner,
        passwordFile: ca.passwordFile,
        renewal,
      },
    },
    stateDir: join(dir, 'state'),
    defaults: { duration: '24h' },
    certificates: Array.from({ length: n }, (_, i) => ({
      name: `r${i}`,
      commonName: `r${i}.renew.bench.test`,
      sans: [`r${i}.renew.bench.test`],
      files: { cert: join(dir, 'certs', `r${i}.crt`), key: join(dir, 'certs', `r${i}.key`) },
    })),
  };
}

async function reconcile(file, concurrency, extra, label) {
  const args = [
    CLI_BIN,
    'reconcile',
    '--once',
    '-f',
    file,
    '--concurrency',
    String(concurrency),
    '--log-level',
    'error',
    ...extra,
  ];
  return expectExit(await runProcess(process.execPath, args), label);
}

export async function renew({ sizes, rounds, concurrency, log }) {
  const { startStepCa } = await import(dist('testbed'));
  const ca = await startStepCa({});
  const work = mkdtempSync(join(tmpdir(), 'certloop-bench-renew-'));
  const rows = [];
  try {
    for (const n of sizes) {
      const dir = join(work, `n${n}`);
      // One manifest path, rewritten: the state directory (provenance) is per manifest path.
      const file = join(work, `n${n}.json`);
      const use = (renewal) => writeFileSync(file, JSON.stringify(manifest(ca, dir, n, renewal)));
      // The certificates are issued once; every measured run renews all of them.
      use('provisioner');
      await reconcile(file, concurrency, [], `first issuance (N=${n})`);
      const rates = Object.fromEntries(PATHS.map((p) => [p, []]));
      for (let round = 0; round < rounds; round++) {
        for (const renewal of round % 2 === 0 ? PATHS : [...PATHS].reverse()) {
          use(renewal);
          const result = await reconcile(file, concurrency, ['--force'], `renew ${renewal} (N=${n})`);
          rates[renewal].push(n / (result.ms / 1000));
        }
        log(
          `renew N=${n}: mTLS ${rates.mtls.at(-1).toFixed(0)}/s, provisioner ${rates.provisioner.at(-1).toFixed(0)}/s`,
        );
      }
      rows.push({
        n,
        concurrency,
        rates: { mtls: summary(rates.mtls), provisioner: summary(rates.provisioner) },
        ratio: summary(rates.mtls.map((r, i) => r / rates.provisioner[i])),
      });
    }
  } finally {
    await ca.dispose();
    rmSync(work, { recursive: true, force: true });
  }
  return { rows };
}
