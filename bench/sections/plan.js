/**
 * No-op plan (everything in sync) as a CLI process, cold, at several N, each
 * round alternating with baseline (b), the parse-only script, on the same
 * manifest. Baseline (a), the bash loop, runs at a small N interleaved with a
 * plan at `aCompareN`, and is compared per certificate.
 */
import { join } from 'node:path';
import { LIFETIME_FLAGS, legacyManifest } from '../lib/dataset.js';
import { expectExit, runProcess, summary } from '../lib/measure.js';
import { BASELINES, CLI_BIN } from '../lib/paths.js';

/**
 * A cold `certloop plan` process on `manifest`, trusting the dataset's CA:
 * the bundle through node, or the single executable given as `executable`.
 */
export function planProcess(dataset, stateDir, manifest, executable) {
  const [file, ...prefix] = executable === undefined ? [process.execPath, CLI_BIN] : [executable];
  return runProcess(file, [
    ...prefix,
    'plan',
    '-f',
    manifest,
    '--local-ca',
    dataset.caDir,
    '--state-dir',
    stateDir,
    ...LIFETIME_FLAGS,
    '--detailed-exitcode',
  ]);
}

function parseOnly(manifest) {
  return runProcess(process.execPath, [join(BASELINES, 'parse-only.js'), manifest]);
}

/** Cold plan vs (b) at each N: wall time, ratio, per-certificate time, peak RSS. */
export async function planCold({ dataset, stateDir, sizes, roundsFor, log }) {
  const rows = [];
  for (const n of sizes) {
    const manifest = legacyManifest(dataset, n);
    const plan = [];
    const base = [];
    const rss = [];
    const ratios = [];
    await parseOnly(manifest); // page cache
    for (let round = 0; round < roundsFor(n); round++) {
      const b = expectExit(await parseOnly(manifest), 'parse-only baseline');
      const p = expectExit(await planProcess(dataset, stateDir, manifest), `certloop plan (N=${n})`);
      base.push(b.ms);
      plan.push(p.ms);
      rss.push(p.rssKb / 1024);
      ratios.push(p.ms / b.ms);
    }
    const row = { n, plan: summary(plan), base: summary(base), ratio: summary(ratios), rssMiB: summary(rss) };
    log(
      `plan N=${n}: ${row.plan.median.toFixed(0)} ms, (b) ${row.base.median.toFixed(0)} ms, ×${row.ratio.median.toFixed(2)}, ${row.rssMiB.median.toFixed(0)} MiB`,
    );
    rows.push(row);
  }
  return rows;
}

/** Bash loop at `bashN` vs plan at `compareN`, per certificate, alternating. */
export async function planVsBash({ dataset, stateDir, bashN, compareN, rounds, log }) {
  const bashManifest = legacyManifest(dataset, bashN);
  const planManifest = legacyManifest(dataset, compareN);
  const bash = [];
  const plan = [];
  const ratios = [];
  for (let round = 0; round < rounds; round++) {
    const a = expectExit(
      await runProcess('bash', [join(BASELINES, 'renewal-manager.sh'), bashManifest]),
      'bash baseline',
    );
    if (!a.stdout.includes(`in_sync=${bashN} `)) throw new Error(`bash baseline: ${a.stdout}`);
    const p = expectExit(await planProcess(dataset, stateDir, planManifest), `certloop plan (N=${compareN})`);
    const perA = a.ms / bashN;
    const perP = p.ms / compareN;
    bash.push(perA);
    plan.push(perP);
    ratios.push(perA / perP);
    log(
      `bash ${perA.toFixed(0)} ms/certificate, plan ${perP.toFixed(2)} ms/certificate: ${(perA / perP).toFixed(0)}×`,
    );
  }
  return {
    bashN,
    compareN,
    bashPerCert: summary(bash),
    planPerCert: summary(plan),
    speedup: summary(ratios),
  };
}

/** Warm (in-process second pass) vs (b)'s own loop time, alternating. */
export async function planWarm({ dataset, stateDir, n, rounds, log }) {
  const manifest = legacyManifest(dataset, n);
  const cold = [];
  const warm = [];
  const base = [];
  const ratios = [];
  let reparsed = 0;
  for (let round = 0; round < rounds; round++) {
    const b = JSON.parse(expectExit(await parseOnly(manifest), 'parse-only baseline').stdout);
    const s = JSON.parse(
      expectExit(
        await runProcess(process.execPath, [
          join(BASELINES, '..', 'lib', 'service-pass.js'),
          manifest,
          dataset.caDir,
          stateDir,
          ...LIFETIME_FLAGS,
        ]),
        'in-process passes',
      ).stdout,
    );
    base.push(b.loopMs);
    cold.push(s.coldMs);
    warm.push(s.warmMs);
    ratios.push(s.warmMs / b.loopMs);
    reparsed = Math.max(reparsed, s.reparsed);
  }
  const row = {
    n,
    cold: summary(cold),
    warm: summary(warm),
    base: summary(base),
    ratio: summary(ratios),
    reparsed,
  };
  log(
    `warm N=${n}: ${row.warm.median.toFixed(0)} ms vs (b) loop ${row.base.median.toFixed(0)} ms, ×${row.ratio.median.toFixed(2)}`,
  );
  return row;
}
