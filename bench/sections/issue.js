/**
 * `reconcile --once` issuing N fresh certificates from a real step-ca, as a CLI
 * process (everything included: start-up, keys, CSRs, tokens, atomic writes,
 * provenance, status), against the raw client at the same concurrency, and
 * against the minimal complete issuer (with and without its file writes): what
 * any Node implementation of the same guarantees gets on this machine.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectExit, processCpuMs, runProcess, summary } from '../lib/measure.js';
import { minimalIssue } from '../lib/minimal-issuer.js';
import { issueNames } from '../lib/names.js';
import { CLI_BIN, dist, REPO } from '../lib/paths.js';
import { prepareRequests, sendAll } from '../lib/raw-sign.js';

const MINIMAL_PROCESS = join(REPO, 'bench', 'lib', 'minimal-issuer-process.js');
/** What minimalIssue reads of the testbed CA, for the minimal issuer's own process. */
const CA_FIELDS = [
  'url',
  'rootPem',
  'provisioner',
  'provisionerKid',
  'fingerprint',
  'configPath',
  'password',
];

const ownCpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/** One run of `run()` issuing n certificates: its rate, and CPU ms per certificate of step-ca and of the client. */
export async function measured(ca, n, run) {
  const caBefore = processCpuMs(ca.pid);
  const { ms, clientCpuMs } = await run();
  return { rate: n / (ms / 1000), ca: (processCpuMs(ca.pid) - caBefore) / n, client: clientCpuMs / n };
}

/** Timed in this process: `issueAll()` resolves to the elapsed ms; CPU is this process's. */
async function inProcess(issueAll) {
  const before = ownCpuMs();
  const ms = await issueAll();
  return { ms, clientCpuMs: ownCpuMs() - before };
}

/** `certloop reconcile --once` issuing n new certificates into `dir` (created here), as a measured run. */
export function certloopRun(ca, dir, n, prefix, concurrency) {
  return async () => {
    mkdirSync(dir);
    const manifest = join(dir, 'manifest.json');
    const entries = issueNames(prefix, n).map(({ commonName, sans }, i) => ({
      common_name: commonName,
      sans,
      cert_path: join(dir, 'certs', String(i % 50), `${commonName}.crt`),
      key_path: join(dir, 'certs', String(i % 50), `${commonName}.key`),
    }));
    writeFileSync(manifest, JSON.stringify(entries));
    const result = expectExit(
      await runProcess(process.execPath, [
        CLI_BIN,
        'reconcile',
        '--once',
        '-f',
        manifest,
        '--ca-url',
        ca.url,
        '--root',
        ca.rootPath,
        '--provisioner',
        ca.provisioner,
        '--provisioner-password-file',
        ca.passwordFile,
        '--state-dir',
        join(dir, 'state'),
        '--concurrency',
        String(concurrency),
        '--log-level',
        'error',
      ]),
      `certloop reconcile --once (N=${n})`,
    );
    return { ms: result.ms, clientCpuMs: result.cpuMs };
  };
}

const WAYS = ['raw', 'minimal', 'minimalProcess', 'bare', 'certloop'];

export async function issue({ sizes, rounds, concurrency, log }) {
  const { startStepCa } = await import(dist('testbed'));
  const ca = await startStepCa({});
  const work = mkdtempSync(join(tmpdir(), 'certloop-bench-issue-'));
  const caFile = join(work, 'ca.json');
  writeFileSync(caFile, JSON.stringify(Object.fromEntries(CA_FIELDS.map((f) => [f, ca[f]]))), {
    mode: 0o600,
  });
  const rows = [];
  try {
    for (const n of sizes) {
      const runs = Object.fromEntries(WAYS.map((way) => [way, []]));
      for (let round = 0; round < rounds; round++) {
        const dir = (way) => join(work, `${way}-n${n}-r${round}`);
        const prefix = (way) => `${way}${n}r${round}`;
        const ways = {
          raw: async () => {
            const requests = await prepareRequests(ca, issueNames(prefix('raw'), n));
            return inProcess(() => sendAll(ca, requests, concurrency));
          },
          minimal: () =>
            inProcess(() => minimalIssue(ca, issueNames(prefix('minimal'), n), concurrency, dir('minimal'))),
          minimalProcess: async () => {
            const args = [
              caFile,
              String(n),
              prefix('minimalProcess'),
              dir('minimalProcess'),
              String(concurrency),
            ];
            const result = expectExit(
              await runProcess(process.execPath, [MINIMAL_PROCESS, ...args]),
              `the minimal issuer as a process (N=${n})`,
            );
            return { ms: result.ms, clientCpuMs: result.cpuMs };
          },
          bare: () =>
            inProcess(() =>
              minimalIssue(ca, issueNames(prefix('bare'), n), concurrency, dir('bare'), { files: false }),
            ),
          certloop: certloopRun(ca, dir('certloop'), n, prefix('certloop'), concurrency),
        };
        // Alternate the order: step-ca's database grows with every certificate.
        for (const way of round % 2 === 0 ? WAYS : [...WAYS].reverse()) {
          runs[way].push(await measured(ca, n, ways[way]));
          rmSync(dir(way), { recursive: true, force: true });
        }
        const last = (way) => runs[way].at(-1).rate;
        log(
          `issue N=${n}: raw ${last('raw').toFixed(0)}/s, minimal ${last('minimal').toFixed(0)}/s (own process ${last('minimalProcess').toFixed(0)}/s), without files ${last('bare').toFixed(0)}/s, certloop ${last('certloop').toFixed(0)}/s (${((100 * last('certloop')) / last('raw')).toFixed(0)}% of raw)`,
        );
      }
      const ratio = (way, base) => summary(runs[way].map((r, i) => r.rate / runs[base][i].rate));
      rows.push({
        n,
        concurrency,
        rates: Object.fromEntries(WAYS.map((way) => [way, summary(runs[way].map((r) => r.rate))])),
        ratio: ratio('certloop', 'raw'),
        ofRaw: { minimal: ratio('minimal', 'raw'), bare: ratio('bare', 'raw') },
        ofMinimal: ratio('certloop', 'minimal'),
        ofMinimalProcess: ratio('certloop', 'minimalProcess'),
        // What running as a process of its own costs the minimal issuer itself.
        minimalProcessOfInProcess: ratio('minimalProcess', 'minimal'),
        // CPU per certificate (ms): where the machine's two cores go.
        cpuMsPerCertificate: Object.fromEntries(
          WAYS.map((way) => [
            way,
            { ca: summary(runs[way].map((r) => r.ca)), client: summary(runs[way].map((r) => r.client)) },
          ]),
        ),
      });
    }
  } finally {
    await ca.dispose();
    rmSync(work, { recursive: true, force: true });
  }
  return { rows };
}
