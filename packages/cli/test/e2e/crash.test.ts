/**
 * `reconcile --once --force` over 20 certificates, killed with SIGKILL at a
 * random moment, ten times. Whenever it dies, no certificate or key file is
 * truncated and no key is more open than declared; the next run converges,
 * removes the dead run's temp files and leaves every key matching its
 * certificate.
 */
import { createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync, statSync, utimesSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { lockPaths, stateDirFor } from '@certloop/actuators';
import { spawnCli } from '../support/run.js';
import { closeBed, openLegacyBed } from './support/bed.js';
import type { StepCaHandle } from './support/ca.js';
import type { Certloop } from './support/cli.js';
import { certificatesIn, noMorePermissive, pairFacts, tempFilesUnder } from './support/files.js';
import { waitFor } from './support/poll.js';
import { manyCerts, type PhoenixCert, phoenixCerts, type Workspace } from './support/workspace.js';

jest.setTimeout(180_000);

const TRIALS = 10;

let ca: StepCaHandle;
let ws: Workspace;
let certs: PhoenixCert[];
let cli: Certloop;

beforeAll(async () => {
  ({ ca, ws, certs, cli } = await openLegacyBed((ws) => [...phoenixCerts(ws), ...manyCerts(ws, 16)]));
});

afterAll(() => closeBed(ca, ws));

/** Problems a reader could hit right now: partial files, keys too open. Missing files are fine. */
function tornFiles(): string[] {
  const problems: string[] = [];
  for (const { entry } of certs) {
    const declared = Number.parseInt(entry.permissions!, 8);
    if (existsSync(entry.key_path)) {
      const mode = statSync(entry.key_path).mode & 0o7777;
      if (!noMorePermissive(mode, declared)) problems.push(`${entry.key_path} has mode ${mode.toString(8)}`);
      try {
        createPrivateKey(readFileSync(entry.key_path));
      } catch (error) {
        problems.push(`${entry.key_path}: ${String(error)}`);
      }
    }
    if (existsSync(entry.cert_path)) {
      const text = readFileSync(entry.cert_path, 'utf8');
      // Leaf + intermediate, both complete: a truncated PEM drops or breaks the last block.
      let count = 0;
      try {
        count = certificatesIn(text).length;
      } catch (error) {
        problems.push(`${entry.cert_path}: ${String(error)}`);
      }
      if (count !== 2 || !text.trimEnd().endsWith('-----END CERTIFICATE-----'))
        problems.push(`${entry.cert_path} holds ${count} complete certificates`);
    }
  }
  return problems;
}

/**
 * A SIGKILLed holder cannot release the lock; its lease expires after the
 * stale limit (2 minutes). Age the lock as if that time had passed, instead
 * of waiting for it.
 */
function ageLeftoverLock(): void {
  const lock = lockPath();
  if (existsSync(lock)) {
    const past = new Date(Date.now() - 10 * 60_000);
    utimesSync(lock, past, past);
  }
}

function lockPath(): string {
  return lockPaths(stateDirFor(resolve(ws.stateDir), cli.manifest), 'reconcile').lock;
}

/**
 * Starts a forced run and resolves when it holds the lock (its work begins),
 * so kills can be spread over the work rather than over node's start-up.
 */
async function startForcedRun(): Promise<{ kill(): void; exited: Promise<number | null> }> {
  const child = spawnCli(['reconcile', '--once', '--force', ...cli.common]);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let running = true;
  void exited.then(() => {
    running = false;
  });
  await waitFor('the run to take the lock', () => (existsSync(lockPath()) || !running ? true : undefined), {
    timeoutMs: 30_000,
    intervalMs: 2,
  });
  return { kill: () => child.kill('SIGKILL'), exited };
}

describe('reconcile --once killed with SIGKILL at random moments', () => {
  it('never leaves a truncated file or an over-permissive key, and the next run converges', async () => {
    const first = await cli.reconcile();
    expect(first.code).toBe(0);

    // How long a forced run works once it holds the lock, to spread the kills over that time.
    const timed = await startForcedRun();
    const started = Date.now();
    expect(await timed.exited).toBe(0);
    const runMs = Date.now() - started;

    const delays: number[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      const delayMs = Math.floor(Math.random() * runMs);
      delays.push(delayMs);
      const run = await startForcedRun();
      await sleep(delayMs);
      run.kill();
      await run.exited;
      expect({ trial, delayMs, problems: tornFiles() }).toEqual({ trial, delayMs, problems: [] });

      ageLeftoverLock();
      const next = await cli.reconcile();
      expect({ trial, delayMs, code: next.code, stderr: next.stderr }).toEqual({
        trial,
        delayMs,
        code: 0,
        stderr: '',
      });
      expect(tempFilesUnder(ws.certsDir)).toEqual([]);
      for (const { entry } of certs) {
        expect({
          path: entry.cert_path,
          matches: pairFacts(entry.cert_path, entry.key_path).keyMatches,
        }).toEqual({
          path: entry.cert_path,
          matches: true,
        });
        const declared = Number.parseInt(entry.permissions!, 8);
        expect(statSync(entry.key_path).mode & 0o7777).toBe(declared);
      }
    }
    expect((await cli.plan('--detailed-exitcode')).code).toBe(0);
    // The delays drawn, for a failure report.
    expect(delays).toHaveLength(TRIALS);
  });
});
