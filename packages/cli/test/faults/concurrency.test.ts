/**
 * Several certloops on one manifest at once, as real processes (6 one-shots;
 * 4 one-shots and the service): every certificate is signed by the CA exactly
 * once, every run exits 0, and the files are one matching pair each. And the
 * service stopped by SIGTERM in the middle of a pass: it finishes the pass,
 * releases the lock and exits 0.
 */
import type { ChildProcess } from 'node:child_process';
import type { ReconcileReport } from '@certloop/reconciler';
import { type StepCaHandle, startStepCa } from '@certloop/testbed';
import { runCli, spawnCli } from '../support/run.js';
import { inspectAll, problemsOf, tempFilesUnder } from './support/inspect.js';
import { Gate, HttpsFaultProxy, type Verdict } from './support/proxies.js';
import { issueServerCertificate, type ServerCertificate } from './support/server-cert.js';
import { waitFor } from './support/wait.js';
import { cliEnv, makeWorkspace, type Workspace } from './support/workspace.js';

jest.setTimeout(90_000);

const CERTIFICATES = 10;

let ca: StepCaHandle;
let tls: ServerCertificate;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  ca = await startStepCa();
  const scratch = await makeWorkspace({ count: 0, issuer: { stepCa: ca } });
  cleanups.push(() => scratch.remove());
  tls = await issueServerCertificate(ca, scratch.dir);
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await ca?.dispose();
});

/** A workspace, and a proxy in front of the CA that counts what it really signs (and may hold requests at a gate). */
async function setUp(decide: () => Verdict | Promise<Verdict> = () => 'forward') {
  const ws = await makeWorkspace({ count: CERTIFICATES, issuer: { stepCa: ca } });
  const proxy = await HttpsFaultProxy.start({
    upstream: ca.url,
    upstreamRootPem: ca.rootPem,
    keyPem: tls.keyPem,
    certChainPem: tls.certChainPem,
    decide,
  });
  cleanups.push(
    () => ws.remove(),
    () => proxy.close(),
  );
  return { ws, proxy, signs: () => proxy.count((r) => r.method === 'POST' && r.path === '/1.0/sign') };
}

function oneShotArgs(ws: Workspace, caUrl: string, ...extra: string[]): string[] {
  return ['reconcile', '--once', '-f', ws.manifest, '--ca-url', caUrl, '--log-level', 'error', ...extra];
}

interface ServiceProcess {
  readonly child: ChildProcess;
  readonly exit: Promise<number | null>;
  output(): string;
}

/** The service as a process with its output collected; killed at the end of the file if still running. */
function startService(ws: Workspace, caUrl: string): ServiceProcess {
  const child = spawnCli(
    ['reconcile', '-f', ws.manifest, '--ca-url', caUrl, '--log-level', 'debug', '--log-format', 'json'],
    cliEnv(ws),
  );
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, exit, output: () => output };
}

/** Every pair present and matching, one serial each, no temp file. */
async function expectConverged(ws: Workspace): Promise<void> {
  const states = await inspectAll(ws.certs);
  expect(problemsOf(states, true)).toEqual([]);
  expect(await tempFilesUnder(ws.certsDir)).toEqual([]);
  expect(new Set(states.map((s) => s.serial)).size).toBe(CERTIFICATES);
}

test('6 one-shot runs at once on one manifest: each certificate is issued exactly once', async () => {
  const { ws, proxy, signs } = await setUp();
  const args = oneShotArgs(ws, proxy.url, '--json');
  const results = await Promise.all(Array.from({ length: 6 }, () => runCli(args, cliEnv(ws))));

  expect(results.map((r) => ({ code: r.code, stderr: r.stderr }))).toEqual(
    Array.from({ length: 6 }, () => ({ code: 0, stderr: '' })),
  );
  const issuedPerName = new Map<string, number>();
  for (const result of results) {
    for (const r of (JSON.parse(result.stdout) as ReconcileReport).results) {
      if (r.outcome === 'changed') issuedPerName.set(r.name, (issuedPerName.get(r.name) ?? 0) + 1);
    }
  }
  expect([...issuedPerName.values()]).toEqual(Array.from({ length: CERTIFICATES }, () => 1));
  expect(signs()).toBe(CERTIFICATES);
  await expectConverged(ws);
});

test('4 one-shot runs and the service at once on one manifest: each certificate is issued exactly once', async () => {
  const { ws, proxy, signs } = await setUp();
  const service = startService(ws, proxy.url);
  const args = oneShotArgs(ws, proxy.url);
  const oneShots = await Promise.all(Array.from({ length: 4 }, () => runCli(args, cliEnv(ws))));
  expect(oneShots.map((r) => ({ code: r.code, stderr: r.stderr }))).toEqual(
    Array.from({ length: 4 }, () => ({ code: 0, stderr: '' })),
  );
  // The service either did the work or stood by while a one-shot held the lock.
  await waitFor('the service to finish or skip its first pass', () =>
    /Reconcile pass finished|Standing by/.test(service.output()),
  );
  service.child.kill('SIGTERM');
  expect(await service.exit).toBe(0);
  expect(signs()).toBe(CERTIFICATES);
  await expectConverged(ws);
});

test('SIGTERM to the service in the middle of a pass: the pass finishes, exit 0, the lock is released', async () => {
  // Sign requests after the 3rd wait at the gate: the pass is surely running when the signal comes.
  let seen = 0;
  const gate = new Gate();
  const { ws, proxy, signs } = await setUp(async (): Promise<Verdict> => {
    if (++seen > 3) await gate.pass();
    return 'forward';
  });
  const service = startService(ws, proxy.url);
  await waitFor('a sign request held at the gate', () => gate.waiting > 0);
  service.child.kill('SIGTERM');
  gate.open();
  expect(await service.exit).toBe(0);
  expect(service.output()).toMatch(/"drained":true/);
  expect(signs()).toBe(CERTIFICATES);
  await expectConverged(ws);
  // Released: a one-shot gets the lock at once and has nothing to sign.
  const next = await runCli(oneShotArgs(ws, proxy.url, '--lock-timeout', '2s'), cliEnv(ws));
  expect({ code: next.code, stderr: next.stderr }).toEqual({ code: 0, stderr: '' });
  expect(signs()).toBe(CERTIFICATES);
});
