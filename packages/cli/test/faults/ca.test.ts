/**
 * Faults of the CA, provoked for real against the testbed's step-ca: a restart
 * in the middle of a 20-certificate run, a CA that never answers or resets
 * connections, a root that does not match, 502s, a changed provisioner
 * password, and files changed by someone else while certloop works.
 * After each: no broken file, a clear error and exit 1, and a run that converges.
 */
import { chmod, copyFile, mkdtemp, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReconcileReport } from '@certloop/reconciler';
import { createPki, freePort, type StepCaHandle, startStepCa } from '@certloop/testbed';
import { type CliResult, runCli } from '../support/run.js';
import { inspectAll, problemsOf, tempFilesUnder } from './support/inspect.js';
import {
  type Decide,
  Gate,
  HttpsFaultProxy,
  type HttpsProxyOptions,
  TcpFaultProxy,
  type Verdict,
} from './support/proxies.js';
import { issueServerCertificate, type ServerCertificate } from './support/server-cert.js';
import { waitFor } from './support/wait.js';
import { cliEnv, makeWorkspace, type Workspace } from './support/workspace.js';

jest.setTimeout(60_000);

let ca: StepCaHandle;
let scratch: string;
let proxyTls: ServerCertificate;
const workspaces: Workspace[] = [];

beforeAll(async () => {
  ca = await startStepCa();
  scratch = await mkdtemp(join(tmpdir(), 'certloop-faults-ca-'));
  proxyTls = await issueServerCertificate(ca, scratch);
});

afterAll(async () => {
  await ca?.dispose();
  await Promise.all(workspaces.map((w) => w.remove()));
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

async function workspace(count: number): Promise<Workspace> {
  const ws = await makeWorkspace({ count, issuer: { stepCa: ca } });
  workspaces.push(ws);
  return ws;
}

function reconcile(ws: Workspace, ...extra: string[]): Promise<CliResult> {
  return runCli(
    ['reconcile', '--once', '-f', ws.manifest, '--json', '--log-level', 'error', ...extra],
    cliEnv(ws),
  );
}

function reportOf(result: CliResult): ReconcileReport {
  return JSON.parse(result.stdout) as ReconcileReport;
}

/** Converged: exit 0, every pair present and matching, no temp file left. */
async function expectConverged(ws: Workspace, result: CliResult): Promise<void> {
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
  expect(problemsOf(await inspectAll(ws.certs), true)).toEqual([]);
  expect(await tempFilesUnder(ws.certsDir)).toEqual([]);
}

async function snapshot(ws: Workspace): Promise<string[]> {
  return Promise.all(ws.certs.flatMap((c) => [readFile(c.cert, 'utf8'), readFile(c.key, 'utf8')]));
}

function startProxy(decide: Decide, rewrite?: HttpsProxyOptions['rewrite']) {
  return HttpsFaultProxy.start({
    upstream: ca.url,
    upstreamRootPem: ca.rootPem,
    keyPem: proxyTls.keyPem,
    certChainPem: proxyTls.certChainPem,
    decide,
    ...(rewrite === undefined ? {} : { rewrite }),
  });
}

const isSign = (r: { method: string; path: string }) => r.method === 'POST' && r.path === '/1.0/sign';

describe('the CA restarts in the middle of a run', () => {
  test('stopping and starting step-ca while 20 certificates are issued breaks no file, and the next run converges', async () => {
    const ws = await workspace(20);
    // Sign requests after the 5th wait at the gate, so the stop surely falls inside the run.
    let signs = 0;
    const gate = new Gate();
    const proxy = await startProxy(async (request): Promise<Verdict> => {
      if (isSign(request) && ++signs > 5) await gate.pass();
      return 'forward';
    });
    try {
      const run = reconcile(ws, '--ca-url', proxy.url, '--concurrency', '4');
      await waitFor('a sign request held at the gate', () => gate.waiting > 0);
      await ca.stop();
      gate.open(); // the held requests now meet a stopped CA
      await waitFor('a request to meet the stopped CA', () => proxy.upstreamFailures > 0);
      await ca.start(); // while certloop is still retrying
      const first = await run;

      expect([0, 1]).toContain(first.code);
      const report = reportOf(first);
      const states = await inspectAll(ws.certs);
      // Whatever happened to each certificate, no file is broken and nothing half-written remains.
      expect(problemsOf(states)).toEqual([]);
      for (const result of report.results) {
        const state = states.find((s) => s.name === result.name);
        if (result.outcome === 'changed') expect(state?.matches).toBe(true);
        else {
          expect(result.outcome).toBe('failed');
          expect(result.error).toMatch(/Step-CA/);
          expect([state?.certExists, state?.keyExists]).toEqual([false, false]);
        }
      }
      expect(await tempFilesUnder(ws.certsDir)).toEqual([]);
    } finally {
      await ca.start();
      await proxy.close();
    }
    // --force skips the failure backoff (5 minutes) that a cron-driven next run would honour.
    await expectConverged(ws, await reconcile(ws, '--force'));
  });
});

describe('a CA that does not answer', () => {
  test('a CA that swallows connections times out per request (--ca-timeout), exit 1, nothing written', async () => {
    const ws = await workspace(2);
    const proxy = await TcpFaultProxy.start(ca.port, 'blackhole');
    try {
      const result = await reconcile(ws, '--ca-url', proxy.url, '--ca-timeout', '1s');
      expect(result.code).toBe(1);
      const failures = reportOf(result).results.map((r) => r.error);
      expect(failures).toEqual([
        expect.stringMatching(/did not answer .* within 1 s/),
        expect.stringMatching(/did not answer .* within 1 s/),
      ]);
      expect(proxy.accepted).toBeGreaterThan(0);
      expect((await inspectAll(ws.certs)).filter((s) => s.certExists || s.keyExists)).toEqual([]);

      proxy.mode = 'reset';
      const reset = await reconcile(ws, '--ca-url', proxy.url, '--ca-timeout', '1s', '--force');
      expect(reset.code).toBe(1);
      expect(reportOf(reset).results.map((r) => r.error)).toEqual([
        expect.stringMatching(/Cannot reach the Step-CA/),
        expect.stringMatching(/Cannot reach the Step-CA/),
      ]);

      proxy.mode = 'pass';
      await expectConverged(ws, await reconcile(ws, '--ca-url', proxy.url, '--force'));
    } finally {
      await proxy.close();
    }
  });

  test('a CA answering 502 to every other sign request: retried within the run, which converges', async () => {
    const ws = await workspace(6);
    let signs = 0;
    const proxy = await startProxy((request) =>
      isSign(request) && ++signs % 2 === 1 ? { status: 502 } : 'forward',
    );
    try {
      // One at a time, so every certificate's first attempt is the one that gets the 502.
      await expectConverged(ws, await reconcile(ws, '--ca-url', proxy.url, '--concurrency', '1'));
      expect(proxy.count((r) => isSign(r) && r.answer === 502)).toBe(6);
      // Each certificate was signed by the CA exactly once: a 502 never reached it.
      expect(proxy.count((r) => isSign(r) && r.answer === 'forwarded')).toBe(6);
    } finally {
      await proxy.close();
    }
  });

  test('a CA answering 502 to everything: exit 1 with the HTTP status named, files untouched', async () => {
    const ws = await workspace(2);
    await expectConverged(ws, await reconcile(ws));
    const before = await snapshot(ws);
    const proxy = await startProxy((request) => (isSign(request) ? { status: 502 } : 'forward'));
    try {
      const result = await reconcile(ws, '--ca-url', proxy.url, '--force');
      expect(result.code).toBe(1);
      for (const r of reportOf(result).results) expect(r.error).toMatch(/HTTP 502/);
      expect(await snapshot(ws)).toEqual(before);
      expect(await tempFilesUnder(ws.certsDir)).toEqual([]);
    } finally {
      await proxy.close();
    }
  });
});

describe('a CA that answers with the wrong certificate', () => {
  test('a certificate for another key in the answer is refused before it is written: exit 1, files untouched', async () => {
    const ws = await workspace(2);
    await expectConverged(ws, await reconcile(ws));
    const before = await snapshot(ws);
    // A genuine certificate of this CA, but for the first certificate's current key and names.
    const replayed = await readFile(ws.certs[0]!.cert, 'utf8');
    const proxy = await startProxy(
      () => 'forward',
      (request, body) => {
        if (!isSign(request)) return body;
        const answer = JSON.parse(body) as { crt: string; certChain?: string[] };
        return JSON.stringify({
          ...answer,
          crt: replayed,
          ...(answer.certChain ? { certChain: [replayed, ...answer.certChain.slice(1)] } : {}),
        });
      },
    );
    try {
      const result = await reconcile(ws, '--ca-url', proxy.url, '--force');
      expect(result.code).toBe(1);
      expect(proxy.count((r) => isSign(r) && r.answer === 'forwarded')).toBe(2);
      for (const r of reportOf(result).results) {
        expect(r).toMatchObject({ outcome: 'failed' });
        expect(r.error).toMatch(/was not written, it does not match the manifest: .*key/i);
      }
      expect(await snapshot(ws)).toEqual(before);
      expect(await tempFilesUnder(ws.certsDir)).toEqual([]);
    } finally {
      await proxy.close();
    }
    await expectConverged(ws, await reconcile(ws, '--force'));
  });
});

describe('trust', () => {
  test('a root file of another CA: a TLS error that says root mismatch, exit 1, files untouched', async () => {
    const ws = await workspace(2);
    await expectConverged(ws, await reconcile(ws));
    const before = await snapshot(ws);
    const other = await createPki(join(scratch, 'other-pki'), { port: await freePort() });
    const result = await reconcile(ws, '--root', other.rootPath, '--force');
    expect(result.code).toBe(1);
    for (const r of reportOf(result).results)
      expect(r.error).toMatch(/does not verify against the root file/);
    expect(await snapshot(ws)).toEqual(before);
  });

  test('a wrong root fingerprint: refused before anything is signed, exit 1, files untouched', async () => {
    const ws = await workspace(1);
    await expectConverged(ws, await reconcile(ws));
    const before = await snapshot(ws);
    const manifest = JSON.parse(await readFile(ws.manifest, 'utf8')) as {
      issuer: { stepCA: Record<string, string> };
    };
    delete manifest.issuer.stepCA.root;
    manifest.issuer.stepCA.fingerprint = 'ab'.repeat(32);
    await writeFile(ws.manifest, JSON.stringify(manifest));
    const result = await reconcile(ws, '--force');
    expect(result.code).toBe(1);
    expect(`${result.stdout}${result.stderr}`).toMatch(/fingerprint/i);
    expect(await snapshot(ws)).toEqual(before);
  });
});

describe('files changed by someone else', () => {
  test('files changed between plan and reconcile: reconcile acts on what it finds, and every pair matches', async () => {
    const ws = await workspace(4);
    await expectConverged(ws, await reconcile(ws));
    const plan = await runCli(['plan', '-f', ws.manifest, '--detailed-exitcode'], cliEnv(ws));
    expect(plan.code).toBe(0);
    const [c1, c2, c3, c4] = ws.certs as [
      Workspace['certs'][0],
      Workspace['certs'][0],
      Workspace['certs'][0],
      Workspace['certs'][0],
    ];
    // "Another host" after the plan: a truncated certificate, swapped keys, a loosened mode.
    const text = await readFile(c1.cert, 'utf8');
    await writeFile(c1.cert, text.slice(0, text.length / 2));
    await copyFile(c3.key, c2.key);
    await unlink(c3.key);
    await chmod(c4.key, 0o644);
    await expectConverged(ws, await reconcile(ws));
    expect((await stat(c4.key)).mode & 0o777).toBe(0o600);
  });

  test('files replaced while certloop waits for the CA: the result is still a matching pair each', async () => {
    const ws = await workspace(3);
    await expectConverged(ws, await reconcile(ws));
    const gate = new Gate();
    const proxy = await startProxy(async (request): Promise<Verdict> => {
      if (isSign(request)) await gate.pass();
      return 'forward';
    });
    try {
      const run = reconcile(ws, '--ca-url', proxy.url, '--force');
      await waitFor('every sign request held at the gate', () => gate.waiting === 3);
      // Observed, decided and asked the CA; now the files change under it.
      const [c1, c2, c3] = ws.certs as [Workspace['certs'][0], Workspace['certs'][0], Workspace['certs'][0]];
      await copyFile(c2.key, c1.key);
      await unlink(c3.cert);
      await writeFile(c2.cert, 'garbage\n');
      gate.open();
      await expectConverged(ws, await run);
    } finally {
      await proxy.close();
    }
  });
});

describe('the provisioner password', () => {
  test('a changed provisioner password: a clear error, exit 1, files untouched; the right password converges', async () => {
    const ws = await workspace(2);
    // certloop reads its own copy of the password, which the CA change leaves stale.
    const ourPassword = join(ws.dir, 'password');
    await copyFile(ca.passwordFile, ourPassword);
    const flags = ['--provisioner-password-file', ourPassword];
    await expectConverged(ws, await reconcile(ws, ...flags));
    const before = await snapshot(ws);
    const original = ca.password;
    await ca.setProvisionerPassword('a-new-provisioner-password');
    try {
      const result = await reconcile(ws, ...flags, '--force');
      expect(result.code).toBe(1);
      for (const r of reportOf(result).results) expect(r.error).toMatch(/password/i);
      expect(`${result.stdout}${result.stderr}`).not.toMatch(/internal error|\n\s+at /);
      expect(await snapshot(ws)).toEqual(before);
      await expectConverged(
        ws,
        await reconcile(ws, '--provisioner-password-file', ca.passwordFile, '--force'),
      );
    } finally {
      await ca.setProvisionerPassword(original);
    }
  });
});
