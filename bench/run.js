/**
 * The benchmark suite: `pnpm bench` (full, writes docs/benchmarks.md and
 * docs/benchmarks.svg) or `pnpm bench -- --quick` (smaller sizes, writes
 * .cache/bench/quick.md unless --write). `--only=startup,cold,bash,warm,issue,renew,idle,storage`
 * runs some sections and, unless --write, writes .cache/bench/partial.md (or quick.md).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDataset } from './lib/dataset.js';
import { load } from './lib/measure.js';
import { CACHE, dist, REPO } from './lib/paths.js';
import { chartSeries, goals, markdown } from './lib/report.js';
import { logLogChart } from './lib/svg.js';
import { idle } from './sections/idle.js';
import { issue } from './sections/issue.js';
import { planCold, planVsBash, planWarm } from './sections/plan.js';
import { renew } from './sections/renew.js';
import { startup } from './sections/startup.js';
import { storage } from './sections/storage.js';

const args = process.argv.slice(2).filter((a) => a !== '--');
const quick = args.includes('--quick');
const only = args
  .find((a) => a.startsWith('--only='))
  ?.slice(7)
  .split(',');
const wanted = (section) => only === undefined || only.includes(section);
// Only a full run of every section replaces docs/benchmarks.md: a partial one would drop the others.
const write = (!quick && only === undefined) || args.includes('--write');
const draft = join(CACHE, quick ? 'quick.md' : 'partial.md');

const config = quick
  ? {
      startupRounds: 5,
      sizes: [100, 1000],
      roundsFor: () => 3,
      bash: { n: 20, compareN: 1000, rounds: 1 },
      warm: { n: 1000, rounds: 2 },
      issue: { sizes: [100], rounds: 1, concurrency: 16 },
      renew: { sizes: [100], rounds: 2, concurrency: 16 },
      idle: { n: 100, windowS: 10 },
      storage: { latencies: [0, 2], planN: 100, bashN: 5, issueN: 50, rounds: 1, concurrency: 16 },
    }
  : {
      startupRounds: 11,
      sizes: [100, 1000, 10_000, 100_000],
      // A no-op plan at 100,000 takes ~15 s a round, as does (b).
      roundsFor: () => 5,
      bash: { n: 100, compareN: 1000, rounds: 2 },
      warm: { n: 10_000, rounds: 3 },
      issue: { sizes: [300, 1000], rounds: 2, concurrency: 16 },
      renew: { sizes: [300], rounds: 4, concurrency: 16 },
      idle: { n: 1000, windowS: 60 },
      storage: {
        latencies: [0, 0.5, 1, 2],
        planN: 1000,
        bashN: 20,
        issueN: 1000,
        // A round issues 5,000 certificates and runs the shell loop five times.
        rounds: 3,
        concurrency: 16,
      },
    };

const log = (text) =>
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)} load ${load()}] ${text}\n`);

function ensureTools() {
  if (!existsSync(dist('cli', 'bundle/entry.js')))
    throw new Error('Build first: pnpm build (pnpm bench does it).');
  try {
    execFileSync('jq', ['--version'], { stdio: 'ignore' });
  } catch {
    log('jq is missing: installing it with apt-get (baseline (a) needs it)');
    execFileSync('apt-get', ['install', '-y', '-q', 'jq'], { stdio: 'inherit' });
  }
}

function git(...gitArgs) {
  try {
    return execFileSync('git', gitArgs, { cwd: REPO, encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

async function main() {
  ensureTools();
  const loadStart = load();
  const started = performance.now();
  const needed = Math.max(...config.sizes, config.warm.n, config.idle.n);
  const dataset = await ensureDataset(join(CACHE, 'data'), needed, log);
  const stateDir = mkdtempSync(join(tmpdir(), 'certloop-bench-state-'));
  const results = { errors: {} };
  // A failing section is reported, and the others still run.
  const section = async (name, run) => {
    if (!wanted(name)) return;
    try {
      results[name] = await run();
    } catch (error) {
      log(`${name} failed: ${error.message}`);
      results.errors[name] = error.message.split('\n').slice(0, 3).join(' ');
    }
  };
  try {
    await section('startup', () => startup({ dataset, stateDir, rounds: config.startupRounds, log }));
    await section('cold', () =>
      planCold({ dataset, stateDir, sizes: config.sizes, roundsFor: config.roundsFor, log }),
    );
    await section('bash', () =>
      planVsBash({
        dataset,
        stateDir,
        bashN: config.bash.n,
        compareN: config.bash.compareN,
        rounds: config.bash.rounds,
        log,
      }),
    );
    await section('warm', () => planWarm({ dataset, stateDir, ...config.warm, log }));
    await section('issue', () => issue({ ...config.issue, log }));
    await section('renew', () => renew({ ...config.renew, log }));
    await section('idle', () => idle({ dataset, stateDir, ...config.idle, log }));
    await section('storage', () => storage({ dataset, stateDir, ...config.storage, log }));
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }

  const meta = {
    command: quick ? 'pnpm bench -- --quick' : 'pnpm bench',
    date: `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    commit: git('rev-parse', '--short', 'HEAD') || 'unknown',
    // The bench's own outputs from an earlier run do not make the measured code dirty.
    dirty:
      git(
        'status',
        '--porcelain',
        '--untracked-files=no',
        '--',
        '.',
        ':!docs/benchmarks.md',
        ':!docs/benchmarks.svg',
      ) !== '',
    cpus: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown CPU',
    node: process.version,
    loadStart,
    loadEnd: load(),
  };
  const text = markdown(results, meta);
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(
    join(CACHE, quick ? 'results-quick.json' : 'results.json'),
    JSON.stringify({ meta, results }, null, 2),
  );
  const series = chartSeries(results);
  const svg =
    series.length > 0
      ? logLogChart({
          title: 'No-op plan: time against N (log-log)',
          xLabel: 'certificates (N)',
          yUnit: 'ms',
          series,
        })
      : undefined;
  if (write) {
    writeFileSync(join(REPO, 'docs', 'benchmarks.md'), text);
    if (svg) writeFileSync(join(REPO, 'docs', 'benchmarks.svg'), svg);
    log('wrote docs/benchmarks.md and docs/benchmarks.svg');
  } else {
    writeFileSync(draft, text);
    if (svg) writeFileSync(join(CACHE, 'benchmarks.svg'), svg);
    log(`wrote ${draft}`);
  }
  for (const [goal, measured, ok] of goals(results)) {
    process.stdout.write(
      `${ok === undefined ? 'PENDING' : ok ? 'MET    ' : 'MISSED '} ${goal}: ${measured}\n`,
    );
  }
  if (Object.keys(results.errors).length > 0) process.exitCode = 1;
  log(`done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exitCode = 1;
});
