/**
 * The process dies at a random point: SIGKILL of `certloop reconcile --once`
 * (a real process) while it reissues 30 certificates, 20 times. After each
 * kill, every file that exists parses and no key is more permissive than
 * declared; the next run fixes any half-renamed pair and removes the temps.
 * The issuer is the local CA: fast, so the kills land all over the run.
 */
import { lstat, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type CliResult, runCli, spawnCli } from '../support/run.js';
import { inspectAll, problemsOf, tempFilesUnder } from './support/inspect.js';
import { cliEnv, makeWorkspace, type Workspace } from './support/workspace.js';

const TRIALS = 20;
const CERTIFICATES = 30;

let ws: Workspace;
afterAll(async () => {
  await ws?.remove();
});

/** mulberry32: a small seeded generator, so a failing sequence of kill points can be replayed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The killed run's lock lease would run out after 2 minutes; remove it as that expiry would. */
async function expireLocksOfDeadRuns(stateDir: string): Promise<void> {
  for (const entry of await readdir(stateDir, { recursive: true, withFileTypes: true })) {
    if (entry.name.endsWith('.lock') || entry.name.endsWith('.owner')) {
      await rm(join(entry.parentPath, entry.name), { recursive: true, force: true });
    }
  }
}

function reconcileArgs(...extra: string[]): string[] {
  return ['reconcile', '--once', '-f', ws.manifest, '--log-level', 'error', '--concurrency', '8', ...extra];
}

/** Temp files keep the final mode from creation: a key's temp is never wider than the key. */
async function tempModeProblems(): Promise<string[]> {
  const problems: string[] = [];
  for (const temp of await tempFilesUnder(ws.certsDir)) {
    const mode = (await lstat(temp)).mode & 0o777;
    const limit = /\/\.key\.pem\./.test(temp) ? 0o600 : 0o644;
    if ((mode & ~limit) !== 0) problems.push(`${temp} has mode ${mode.toString(8)}`);
  }
  return problems;
}

test(`SIGKILL at ${TRIALS} random points of a ${CERTIFICATES}-certificate reconcile: no broken file, no wide key, and the next run converges`, async () => {
  ws = await makeWorkspace({ count: CERTIFICATES, issuer: 'local' });
  const env = cliEnv(ws);
  const startedAt = Date.now();
  const first = await runCli(reconcileArgs(), env);
  expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
  // A full forced run as a process (start-up included) bounds the kill points.
  const fullRunMs = Date.now() - startedAt;

  const seed = Number(process.env.CERTLOOP_FAULT_SEED ?? Date.now() % 1_000_000);
  const random = seededRandom(seed);
  let killedMidWrite = 0;
  for (let trial = 1; trial <= TRIALS; trial++) {
    const before = new Map((await inspectAll(ws.certs)).map((s) => [s.name, s.serial]));
    const child = spawnCli(reconcileArgs('--force'), env);
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const killAfterMs = Math.floor(random() * fullRunMs);
    await sleep(killAfterMs);
    child.kill('SIGKILL');
    await exited;

    const context = `seed ${seed}, trial ${trial}, killed after ${killAfterMs} ms`;
    const states = await inspectAll(ws.certs);
    expect({ context, problems: [...problemsOf(states), ...(await tempModeProblems())] }).toEqual({
      context,
      problems: [],
    });
    const renewed = states.filter((s) => s.serial !== before.get(s.name)).length;
    if (renewed > 0 && renewed < CERTIFICATES) killedMidWrite += 1;

    await expireLocksOfDeadRuns(ws.stateDir);
    const next: CliResult = await runCli(reconcileArgs(), env);
    expect({ context, code: next.code, stderr: next.stderr }).toEqual({ context, code: 0, stderr: '' });
    expect({ context, problems: problemsOf(await inspectAll(ws.certs), true) }).toEqual({
      context,
      problems: [],
    });
    expect({ context, temps: await tempFilesUnder(ws.certsDir) }).toEqual({ context, temps: [] });
  }
  // The kills must have landed inside the writing, not only before or after it.
  expect(killedMidWrite).toBeGreaterThan(0);
}, 150_000);
