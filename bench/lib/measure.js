/**
 * Timing and statistics. Every figure is measured in rounds that alternate the
 * subject with its baseline, so both see the same machine load; the figure is
 * the median of the per-round ratios, with their min and max.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** { median, min, max } of a list of numbers. */
export function summary(values) {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), n: values.length };
}

let sequence = 0;

/**
 * Runs a command to completion: wall time in ms (spawn to exit), peak RSS in
 * KiB (GNU time's %M, which adds ~1 ms), exit code, stdout.
 */
export function runProcess(command, args, options = {}) {
  const rssFile = join(tmpdir(), `certloop-bench-rss-${process.pid}-${sequence++}`);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('/usr/bin/time', ['-f', '%M', '-o', rssFile, command, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = [];
    const err = [];
    child.stdout.on('data', (chunk) => out.push(chunk));
    child.stderr.on('data', (chunk) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      let rssKb = Number.NaN;
      try {
        rssKb = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
      } catch {}
      rmSync(rssFile, { force: true });
      resolve({
        ms,
        rssKb,
        code,
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
      });
    });
  });
}

/** Throws with the process's output when it did not exit with one of `codes`. */
export function expectExit(result, what, codes = [0]) {
  if (!codes.includes(result.code)) {
    throw new Error(
      `${what} exited ${result.code}:\n${result.stderr.slice(-2000)}\n${result.stdout.slice(-2000)}`,
    );
  }
  return result;
}

export function load() {
  return loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
}
