/**
 * `reconcile --once` issuing N fresh certificates from a real step-ca, as a CLI
 * process (everything included: start-up, keys, CSRs, tokens, atomic writes,
 * provenance, status), against the raw client at the same concurrency.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { floorCosts } from '../lib/floor.js';
import { expectExit, processCpuMs, runProcess, summary } from '../lib/measure.js';
import { CLI_BIN, dist } from '../lib/paths.js';
import { prepareRequests, sendAll } from '../lib/raw-sign.js';

function names(prefix, n) {
  return Array.from({ length: n }, (_, i) => {
    const commonName = `${prefix}-${i}.issue.bench.test`;
    return { commonName, sans: [commonName, ...(i % 2 ? [`www-${commonName}`] : [])] };
  });
}

export async function issue({ sizes, rounds, concurrency, log }) {
  const { startStepCa } = await import(dist('testbed'));
  const ca = await startStepCa({});
  const work = mkdtempSync(join(tmpdir(), 'certloop-bench-issue-'));
  const rows = [];
  let floor;
  try {
    floor = floorCosts(work);
    log(`issue floor: ${floor.totalMs.toFixed(2)} ms of CPU per certificate beyond the raw client`);
    for (const n of sizes) {
      const raw = [];
      const certloop = [];
      const ratios = [];
      // CPU per certificate (ms) of each party: where the machine's two cores go.
      const cpu = { caRaw: [], client: [], caCertloop: [], certloop: [] };
      const ownCpuMs = () => {
        const { user, system } = process.cpuUsage();
        return (user + system) / 1000;
      };
      for (let round = 0; round < rounds; round++) {
        const requests = await prepareRequests(ca, names(`raw${n}r${round}`, n));
        const caBefore = processCpuMs(ca.pid);
        const clientBefore = ownCpuMs();
        const rawRate = n / ((await sendAll(ca, requests, concurrency)) / 1000);
        cpu.client.push((ownCpuMs() - clientBefore) / n);
        cpu.caRaw.push((processCpuMs(ca.pid) - caBefore) / n);

        const dir = join(work, `n${n}-r${round}`);
        mkdirSync(dir);
        const manifest = join(dir, 'manifest.json');
        const entries = names(`cl${n}r${round}`, n).map(({ commonName, sans }, i) => ({
          common_name: commonName,
          sans,
          cert_path: join(dir, 'certs', String(i % 50), `${commonName}.crt`),
          key_path: join(dir, 'certs', String(i % 50), `${commonName}.key`),
        }));
        writeFileSync(manifest, JSON.stringify(entries));
        const caBeforeCertloop = processCpuMs(ca.pid);
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
        const certloopRate = n / (result.ms / 1000);
        cpu.caCertloop.push((processCpuMs(ca.pid) - caBeforeCertloop) / n);
        cpu.certloop.push(result.cpuMs / n);
        raw.push(rawRate);
        certloop.push(certloopRate);
        ratios.push(certloopRate / rawRate);
        log(
          `issue N=${n}: raw ${rawRate.toFixed(0)}/s, certloop ${certloopRate.toFixed(0)}/s (${((100 * certloopRate) / rawRate).toFixed(0)}%)`,
        );
        rmSync(dir, { recursive: true, force: true });
      }
      rows.push({
        n,
        concurrency,
        raw: summary(raw),
        certloop: summary(certloop),
        ratio: summary(ratios),
        cpuMsPerCertificate: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, summary(v)])),
      });
    }
  } finally {
    await ca.dispose();
    rmSync(work, { recursive: true, force: true });
  }
  return { rows, floor };
}
