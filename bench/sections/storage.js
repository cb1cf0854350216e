/**
 * Storage with network latency. Production certificates live on NFS; this
 * machine has no NFS client, so a FUSE passthrough file system that waits a
 * fixed time before every request stands in for it (bench/lib/latency-fs.py,
 * Python and trio speaking the FUSE protocol, with parallel lookups as on NFS;
 * 0 ms shows FUSE's own cost). On each mount, in the same rounds as local
 * disk: a no-op `plan` over the data set, the shell loop on a few
 * certificates, and `reconcile --once` issuing new certificates from the real
 * step-ca into a directory on the mount.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { legacyManifest } from '../lib/dataset.js';
import { expectExit, runProcess, summary } from '../lib/measure.js';
import { BASELINES, dist, REPO } from '../lib/paths.js';
import { certloopRun, measured } from './issue.js';
import { planProcess } from './plan.js';

const PYTHON = '/usr/bin/python3'; // Debian's, where python3-trio is installed
const LATENCY_FS = join(REPO, 'bench', 'lib', 'latency-fs.py');
const FUSE_MAGIC = 0x65735546;
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** Installs python3-trio with apt-get when it is missing (updating the package lists if that fails). */
export function ensureFuse(log) {
  try {
    execFileSync(PYTHON, ['-c', 'import trio'], { stdio: 'ignore' });
    return;
  } catch {
    log('python3-trio is missing: installing it with apt-get (the storage section needs it)');
  }
  const install = () =>
    execFileSync('apt-get', ['install', '-y', '-q', 'python3-trio'], { stdio: 'inherit' });
  try {
    install();
  } catch {
    execFileSync('apt-get', ['update', '-q'], { stdio: 'inherit' });
    install();
  }
}

/**
 * Mounts `root` at a new directory with `latencyMs` per request; resolves to
 * the mount, `measure` (runs a step and tells the daemon's load during it) and
 * the unmount.
 */
async function mountWithLatency(root, latencyMs) {
  const mountpoint = mkdtempSync(join(tmpdir(), `certloop-bench-fuse-${latencyMs}ms-`));
  const countsPath = `${mountpoint}.requests.json`;
  const child = spawn(PYTHON, [LATENCY_FS, root, mountpoint, String(latencyMs), countsPath], {
    stdio: 'ignore',
  });
  for (let waited = 0; statfsSync(mountpoint).type !== FUSE_MAGIC; waited += 50) {
    if (waited > 10_000 || child.exitCode !== null)
      throw new Error(`the ${latencyMs} ms FUSE mount did not come up`);
    await sleep(50);
  }
  // The daemon's own CPU time (utime + stime): how busy the stand-in itself is.
  const cpuMs = () => {
    const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  };
  // The daemon's request counts so far, which it writes (by rename) on SIGUSR1.
  const counts = async () => {
    rmSync(countsPath, { force: true });
    child.kill('SIGUSR1');
    for (let waited = 0; !existsSync(countsPath); waited += 5) {
      if (waited > 5000) throw new Error(`the ${latencyMs} ms FUSE daemon wrote no request counts`);
      await sleep(5);
    }
    return JSON.parse(readFileSync(countsPath, 'utf8'));
  };
  // Counts taken just before and after the step, on the one mount the step
  // uses, so their difference is the step's own requests (a mount per step
  // would count the same, at the price of more mounts per round). The daemon
  // reports the peak in flight since its previous report: the step's peak.
  const measure = async (step) => {
    const before = await counts();
    const cpuBefore = cpuMs();
    const result = await step();
    const cpu = cpuMs() - cpuBefore;
    const after = await counts();
    const requests = {};
    for (const [kind, n] of Object.entries(after.ops)) {
      if (n > (before.ops[kind] ?? 0)) requests[kind] = n - (before.ops[kind] ?? 0);
    }
    return { result, load: { cpuMs: cpu, requests, peakInFlight: after.maxInFlight } };
  };
  const unmount = async () => {
    execFileSync('umount', [mountpoint]);
    await new Promise((resolve) => (child.exitCode === null ? child.on('exit', resolve) : resolve()));
    rmSync(mountpoint, { recursive: true, force: true });
    rmSync(countsPath, { force: true });
  };
  return { mountpoint, measure, unmount };
}

/** Runs `step` on `mount`, measured, or as it is on local disk (no mount, no load). */
const measuredOn = (mount, step) => mount?.measure(step) ?? step().then((result) => ({ result }));

/** The FUSE requests of a step over its rounds, per certificate of `n`, and its peak in flight. */
function requestSummary(loads, n) {
  const perCertificate = (requests) => Object.values(requests).reduce((a, b) => a + b, 0) / n;
  const kinds = [...new Set(loads.flatMap((load) => Object.keys(load.requests)))].sort();
  return {
    perCertificate: summary(loads.map((load) => perCertificate(load.requests))),
    byKindPerCertificate: Object.fromEntries(
      kinds.map((kind) => [kind, summary(loads.map((load) => (load.requests[kind] ?? 0) / n)).median]),
    ),
    peakInFlight: summary(loads.map((load) => load.peakInFlight)),
  };
}

/** The data set's legacy manifest of n, with every path moved from the data set's root to `root`, written in `dir`. */
function manifestUnder(dataset, n, root, dir) {
  const local = legacyManifest(dataset, n);
  if (root === dataset.root) return local;
  const moved = readFileSync(local, 'utf8').replaceAll(`"${dataset.root}/`, `"${root}/`);
  const path = join(dir, `manifest-${n}.json`);
  writeFileSync(path, moved);
  return path;
}

export async function storage({
  dataset,
  stateDir,
  latencies,
  planN,
  bashN,
  issueN,
  rounds,
  concurrency,
  log,
}) {
  ensureFuse(log);
  const { startStepCa } = await import(dist('testbed'));
  const ca = await startStepCa({});
  const work = mkdtempSync(join(tmpdir(), 'certloop-bench-storage-'));
  const issueRoot = join(work, 'issued');
  mkdirSync(issueRoot);
  const places = ['local', ...latencies];
  const runs = Object.fromEntries(
    places.map((p) => [
      p,
      {
        plan: [],
        planWarm: [],
        bash: [],
        issue: [],
        planBusy: [],
        issueBusy: [],
        planLoad: [],
        issueLoad: [],
      },
    ]),
  );
  try {
    for (let round = 0; round < rounds; round++) {
      for (const place of round % 2 === 0 ? places : [...places].reverse()) {
        const data = place === 'local' ? undefined : await mountWithLatency(dataset.root, place);
        const issued = place === 'local' ? undefined : await mountWithLatency(issueRoot, place);
        try {
          const dataRoot = data?.mountpoint ?? dataset.root;
          const planManifest = manifestUnder(dataset, planN, dataRoot, work);
          // The first plan on a fresh mount: every lookup reaches the file server.
          const { result: plan, load: planLoad } = await measuredOn(data, async () =>
            expectExit(await planProcess(dataset, stateDir, planManifest), `plan on ${place}`),
          );
          // The same plan again at once, as a periodic run finds the client's caches.
          const planWarm = expectExit(
            await planProcess(dataset, stateDir, planManifest),
            `second plan on ${place}`,
          );
          const bash = expectExit(
            await runProcess('bash', [
              join(BASELINES, 'renewal-manager.sh'),
              manifestUnder(dataset, bashN, dataRoot, work),
            ]),
            `bash baseline on ${place}`,
          );
          const dir = join(issued?.mountpoint ?? issueRoot, `r${round}`);
          const { result: issue, load: issueLoad } = await measuredOn(issued, () =>
            measured(ca, issueN, certloopRun(ca, dir, issueN, `st${round}${place}`, concurrency)),
          );
          rmSync(dir, { recursive: true, force: true });
          runs[place].plan.push(plan.ms);
          runs[place].planWarm.push(planWarm.ms);
          if (planLoad !== undefined) {
            runs[place].planBusy.push(planLoad.cpuMs / plan.ms);
            runs[place].planLoad.push(planLoad);
          }
          if (issueLoad !== undefined) {
            runs[place].issueBusy.push(issueLoad.cpuMs / ((issueN / issue.rate) * 1000));
            runs[place].issueLoad.push(issueLoad);
          }
          runs[place].bash.push(bash.ms / bashN);
          runs[place].issue.push(issue.rate);
          // Requests per certificate and the peak in flight, for the first plan and for issuance.
          const requests = (load, n) =>
            load === undefined
              ? ''
              : ` (${(Object.values(load.requests).reduce((x, y) => x + y, 0) / n).toFixed(1)} requests/certificate, ${load.peakInFlight} at most in flight)`;
          log(
            `storage ${place === 'local' ? 'local disk' : `FUSE ${place} ms`}: plan N=${planN} ${plan.ms.toFixed(0)} ms${requests(planLoad, planN)} (again ${planWarm.ms.toFixed(0)} ms), bash ${(bash.ms / bashN).toFixed(0)} ms/certificate, issue N=${issueN} ${issue.rate.toFixed(0)}/s${requests(issueLoad, issueN)}`,
          );
        } finally {
          await issued?.unmount();
          await data?.unmount();
        }
      }
    }
  } finally {
    await ca.dispose();
    rmSync(work, { recursive: true, force: true });
  }
  // Each figure as a ratio to local disk in the same round.
  const ratioToLocal = (place, key, invert = false) =>
    summary(runs[place][key].map((v, i) => (invert ? runs.local[key][i] / v : v / runs.local[key][i])));
  return {
    planN,
    bashN,
    issueN,
    concurrency,
    rows: places.map((place) => ({
      place,
      planMs: summary(runs[place].plan),
      bashMsPerCert: summary(runs[place].bash),
      issueRate: summary(runs[place].issue),
      planVsLocal: ratioToLocal(place, 'plan'),
      planWarmMs: summary(runs[place].planWarm),
      planWarmVsLocal: ratioToLocal(place, 'planWarm'),
      // The FUSE daemon's CPU time over the wall time of the run: near 1, the stand-in itself is the bottleneck.
      planDaemonBusy: place === 'local' ? undefined : summary(runs[place].planBusy),
      issueDaemonBusy: place === 'local' ? undefined : summary(runs[place].issueBusy),
      planRequests: place === 'local' ? undefined : requestSummary(runs[place].planLoad, planN),
      issueRequests: place === 'local' ? undefined : requestSummary(runs[place].issueLoad, issueN),
      bashVsLocal: ratioToLocal(place, 'bash'),
      // How much longer issuance takes than on local disk (rate ratio inverted).
      issueVsLocal: ratioToLocal(place, 'issue', true),
    })),
  };
}
