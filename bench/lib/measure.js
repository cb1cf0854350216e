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
 * KiB and user + system CPU in ms (GNU time's %M %U %S, which adds ~1 ms),
 * exit code, stdout.
 */
export function runProcess(command, args, options = {}) {
  const rssFile = join(tmpdir(), `certloop-bench-rss-${process.pid}-${sequence++}`);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('/usr/bin/time', ['-f', '%M %U %S', '-o', rssFile, command, ...args], {
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
      let cpuMs = Number.NaN;
      try {
        const [rss, user, system] = readFileSync(rssFile, 'utf8').trim().split('\n').pop().split(' ');
        rssKb = Number(rss);
        cpuMs = (Number(user) + Number(system)) * 1000;
      } catch {}
      rmSync(rssFile, { force: true });
      resolve({
        ms,
        rssKb,
        cpuMs,
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

/** CPU (user + system) a running process has used so far, in ms, from /proc (Linux). */
export function processCpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime (fields 14 and 15 of stat) in clock ticks, 100 per second on Linux.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
