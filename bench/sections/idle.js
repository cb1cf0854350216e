/**
 * The idle service: `certloop reconcile` (no --once) on N certificates already
 * in sync. After its first pass settles, CPU (utime+stime from /proc/<pid>/stat)
 * and RSS are sampled over a window. Pending while the service is not built.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LIFETIME_FLAGS, legacyManifest } from '../lib/dataset.js';
import { CLI_BIN, REPO } from '../lib/paths.js';

const CLOCK_TICKS = 100; // USER_HZ on Linux

export function serviceAvailable() {
  const source = readFileSync(join(REPO, 'packages', 'cli', 'src', 'commands', 'serve.ts'), 'utf8');
  return !/not implemented/.test(source);
}

function sample(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After "(comm) ": state is field 3, utime 14, stime 15, rss 24 (in pages).
  const ticks = Number(fields[11]) + Number(fields[12]);
  const rssMiB = (Number(fields[21]) * 4096) / 1024 / 1024;
  return { ticks, rssMiB, at: performance.now() };
}

export async function idle({ dataset, stateDir, n, windowS, log }) {
  if (!serviceAvailable()) return { pending: true };
  const manifest = legacyManifest(dataset, n);
  const child = spawn(
    process.execPath,
    [
      CLI_BIN,
      'reconcile',
      '-f',
      manifest,
      '--local-ca',
      dataset.caDir,
      '--state-dir',
      stateDir,
      ...LIFETIME_FLAGS,
      '--log-level',
      'error',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  try {
    // Settled: no CPU used for 2 s (the first pass is over), at most 60 s.
    let last = sample(child.pid);
    const deadline = performance.now() + 60_000;
    for (;;) {
      await sleep(2000);
      if (child.exitCode !== null)
        throw new Error(`the service exited ${child.exitCode}: ${stderr.slice(-1000)}`);
      const now = sample(child.pid);
      if (now.ticks - last.ticks <= 1 || now.at > deadline) break;
      last = now;
    }
    const start = sample(child.pid);
    await sleep(windowS * 1000);
    const end = sample(child.pid);
    const cpuPercent = (100 * ((end.ticks - start.ticks) / CLOCK_TICKS)) / ((end.at - start.at) / 1000);
    log(
      `idle N=${n}: ${cpuPercent.toFixed(2)}% of a core, RSS ${start.rssMiB.toFixed(0)} → ${end.rssMiB.toFixed(0)} MiB`,
    );
    return { n, windowS, cpuPercent, rssStartMiB: start.rssMiB, rssEndMiB: end.rssMiB };
  } finally {
    child.kill('SIGTERM');
  }
}
