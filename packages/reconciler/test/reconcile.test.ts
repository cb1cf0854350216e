import { IssuerError } from '@certloop/core';
import { reconcileOnce } from '../src/reconcile.js';
import {
  aDesired,
  DAY,
  HOUR,
  named,
  stateOf,
  withHooks,
  withKeyMode,
  withOwner,
  withRotation,
  withSans,
} from './builders.js';
import { FakeWorld } from './fake-world.js';

const web = aDesired(named('web'), withHooks('systemctl reload nginx'));
const api = aDesired(named('api'), withHooks('systemctl reload nginx'));

type Ports = ReturnType<FakeWorld['ports']>;
type IssuedAnswer = Awaited<ReturnType<Ports['issuer']['issue']>>;

/** The world's ports with every issuer answer changed by `change` (a CA that answers oddly). */
function answering(world: FakeWorld, change: (answer: IssuedAnswer) => IssuedAnswer): Ports {
  const ports = world.ports();
  return {
    ...ports,
    issuer: { ...ports.issuer, issue: async (request) => change(await ports.issuer.issue(request)) },
  };
}

describe('reconcileOnce', () => {
  it('acts on every certificate on the first run and on none on the second', async () => {
    const world = new FakeWorld();
    const desired = stateOf(web, api);

    const first = await reconcileOnce(desired, world.ports());
    expect(first.ok).toBe(true);
    expect(first.results.map((r) => [r.name, r.action, r.outcome])).toEqual([
      ['api', 'issue', 'changed'],
      ['web', 'issue', 'changed'],
    ]);
    expect(world.actions.filter((a) => a.startsWith('issue')).sort()).toEqual(['issue api', 'issue web']);
    expect(world.provenance.get('web')).toMatchObject({
      specHash: web.specHash,
      requestedLifetimeMs: 30 * DAY,
    });
    expect(world.status?.certificates.web).toMatchObject({
      lastResult: 'success',
      lastAction: 'issue',
      consecutiveFailures: 0,
      pendingHooks: [],
      condition: { state: 'Ready' },
    });

    const before = world.actions.length;
    const writesBefore = world.statusWrites;
    world.advance(HOUR);
    const second = await reconcileOnce(desired, world.ports());
    expect(second.ok).toBe(true);
    expect(world.newActions(before)).toEqual([]);
    expect(second.results.map((r) => r.outcome)).toEqual(['unchanged', 'unchanged']);
    expect(second.plan.summary.none).toBe(2);
    expect(second.statusWritten).toBe(false);
    expect(world.statusWrites).toBe(writesBefore);
  });

  it('writes key, chain files and certificate in one call, key first and certificate last, provenance after them', async () => {
    const world = new FakeWorld();
    const calls: string[] = [];
    const ports = world.ports();
    await reconcileOnce(stateOf(aDesired()), {
      ...ports,
      writeFiles: async (files) => {
        calls.push(`writeFiles ${files.map((f) => f.path).join(' ')}`);
        return ports.writeFiles(files);
      },
      provenance: {
        ...ports.provenance,
        write: async (p) => {
          calls.push(`provenance ${p.name}`);
          return ports.provenance.write(p);
        },
      },
    });
    expect(calls).toEqual([
      'writeFiles /certs/web/key.pem /certs/web/ca.pem /certs/web/chain.pem /certs/web/cert.pem',
      'provenance web',
    ]);
    expect(world.files.get('/certs/web/key.pem')?.mode).toBe(0o600);
    expect(world.files.get('/certs/web/cert.pem')?.mode).toBe(0o644);
  });

  it('keeps going when one issuance fails, and reports ok=false', async () => {
    const world = new FakeWorld();
    world.failIssuanceFor.set(
      'api',
      new IssuerError('ISSUER_REJECTED', 'The CA rejected the request: not allowed.'),
    );
    const report = await reconcileOnce(stateOf(web, api), world.ports());
    expect(report.ok).toBe(false);
    expect(report.results.map((r) => [r.name, r.outcome])).toEqual([
      ['api', 'failed'],
      ['web', 'changed'],
    ]);
    expect(report.results[0]!.error).toBe('The CA rejected the request: not allowed.');
    expect(report.summary).toEqual({ changed: 1, unchanged: 0, failed: 1 });
    expect(world.status?.certificates.api).toMatchObject({
      lastResult: 'failed',
      consecutiveFailures: 1,
      failedSpecHash: api.specHash,
      condition: { state: 'Failed' },
    });
    expect(world.status?.certificates.api?.retryNotBefore).toBeDefined();
    // The hook ran for the certificate that was written.
    expect(report.hooks).toEqual([
      expect.objectContaining({ command: 'systemctl reload nginx', names: ['web'], ok: true }),
    ]);
  });

  it('does not retry a failed issuance before its backoff, but does at once when the spec changed', async () => {
    const world = new FakeWorld();
    world.failIssuanceFor.set('web', new IssuerError('ISSUER_UNREACHABLE', 'The CA is unreachable.'));
    await reconcileOnce(stateOf(web), world.ports());
    world.failIssuanceFor.delete('web');
    world.advance(60_000);

    const before = world.actions.length;
    const deferred = await reconcileOnce(stateOf(web), world.ports());
    expect(world.newActions(before)).toEqual([]);
    expect(deferred.results[0]).toMatchObject({ outcome: 'failed', retryNotBefore: expect.any(String) });
    expect(deferred.results[0]!.error).toMatch(
      /^Not retrying before .* after 1 failure\(s\): The CA is unreachable\.$/,
    );

    const changed = aDesired(
      named('web'),
      withHooks('systemctl reload nginx'),
      withSans('web.internal', 'www.internal'),
    );
    const retried = await reconcileOnce(stateOf(changed), world.ports());
    expect(retried.ok).toBe(true);
    expect(world.newActions(before)).toContain('issue web');
    expect(world.status?.certificates.web).toMatchObject({ consecutiveFailures: 0, lastResult: 'success' });
  });

  it('runs a hook shared by two certificates once, after both were written', async () => {
    const world = new FakeWorld();
    const report = await reconcileOnce(stateOf(web, api), world.ports());
    const hookIndex = world.actions.indexOf('hook systemctl reload nginx');
    expect(world.actions.filter((a) => a.startsWith('hook'))).toEqual(['hook systemctl reload nginx']);
    const lastWrite = world.actions.map((a) => a.startsWith('write')).lastIndexOf(true);
    expect(hookIndex).toBeGreaterThan(lastWrite);
    expect(report.hooks).toEqual([expect.objectContaining({ names: ['api', 'web'], ok: true })]);
    expect(world.hookEnvs[0]).toMatchObject({ CERTLOOP_NAMES: 'api web', CERTLOOP_ACTION: 'issue' });
    expect(world.hookEnvs[0]).not.toHaveProperty('CERTLOOP_NAME');
  });

  it('gives a hook of one certificate its details in the environment', async () => {
    const world = new FakeWorld();
    await reconcileOnce(stateOf(web), world.ports());
    expect(world.hookEnvs[0]).toEqual({
      CERTLOOP_NAME: 'web',
      CERTLOOP_NAMES: 'web',
      CERTLOOP_COMMON_NAME: 'web.internal',
      CERTLOOP_DNS_NAMES: 'web.internal',
      CERTLOOP_IP_ADDRESSES: '',
      CERTLOOP_CERT_PATH: '/certs/web/cert.pem',
      CERTLOOP_KEY_PATH: '/certs/web/key.pem',
      CERTLOOP_CHAIN_PATH: '/certs/web/chain.pem',
      CERTLOOP_CA_BUNDLE_PATH: '/certs/web/ca.pem',
      CERTLOOP_SERIAL: 'serial-1',
      CERTLOOP_NOT_AFTER: world.provenance.get('web')!.notAfter,
      CERTLOOP_ACTION: 'issue',
      CERTLOOP_REASON: 'cert-missing,key-missing,chain-missing',
    });
  });

  it('keeps a failed hook pending and retries it next run although the certificate is fine', async () => {
    const world = new FakeWorld();
    world.failingHooks.add('systemctl reload nginx');
    const first = await reconcileOnce(stateOf(web), world.ports());
    expect(first.ok).toBe(false);
    expect(first.results[0]!.outcome).toBe('changed');
    expect(world.status?.certificates.web?.pendingHooks).toEqual(['systemctl reload nginx']);

    world.failingHooks.clear();
    const before = world.actions.length;
    const second = await reconcileOnce(stateOf(web), world.ports());
    expect(world.newActions(before)).toEqual(['hook systemctl reload nginx']);
    expect(second.ok).toBe(true);
    expect(second.results[0]).toMatchObject({ action: 'update-files', outcome: 'changed' });
    expect(second.results[0]!.reasons.map((r) => r.code)).toEqual(['hook-pending']);
    expect(world.status?.certificates.web?.pendingHooks).toEqual([]);

    const third = await reconcileOnce(stateOf(web), world.ports());
    expect(world.newActions(before)).toEqual(['hook systemctl reload nginx']);
    expect(third.results[0]!.action).toBe('none');
  });

  it('runs the hooks on the next run when a run dies after writing but before its hooks finished', async () => {
    const world = new FakeWorld();
    const ports = world.ports();
    let hookStarted!: () => void;
    const started = new Promise<void>((resolve) => {
      hookStarted = resolve;
    });
    // The first run "dies" inside its hook: the hook never returns.
    void reconcileOnce(stateOf(web), {
      ...ports,
      runHooks: () => {
        hookStarted();
        return new Promise(() => {});
      },
    });
    await started;
    expect(world.status?.certificates.web?.pendingHooks).toEqual(['systemctl reload nginx']);

    const before = world.actions.length;
    const next = await reconcileOnce(stateOf(web), world.ports());
    expect(world.newActions(before)).toEqual(['hook systemctl reload nginx']);
    expect(next.results[0]).toMatchObject({ action: 'update-files', outcome: 'changed' });
    expect(world.status?.certificates.web?.pendingHooks).toEqual([]);
  });

  it('fixes only the placement for a wrong mode or owner: no issuance, no hook', async () => {
    const world = new FakeWorld();
    const desired = aDesired(
      withHooks('systemctl reload nginx'),
      withKeyMode(0o640),
      withOwner('certs', 'ssl'),
    );
    await reconcileOnce(stateOf(desired), world.ports());
    world.files.get('/certs/web/key.pem')!.mode = 0o666;
    world.files.get('/certs/web/cert.pem')!.uid = 0;

    const before = world.actions.length;
    const report = await reconcileOnce(stateOf(desired), world.ports());
    expect(world.newActions(before)).toEqual(['fix /certs/web/cert.pem', 'fix /certs/web/key.pem']);
    expect(report.results[0]).toMatchObject({ action: 'fix-permissions', outcome: 'changed' });
    expect(report.hooks).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('rewrites only a stale CA bundle, then runs the hook', async () => {
    const world = new FakeWorld();
    await reconcileOnce(stateOf(web), world.ports());
    world.trust = { ...world.trust, rootsPem: world.trust.rootsPem + world.trust.intermediatesPem };

    const before = world.actions.length;
    const report = await reconcileOnce(stateOf(web), world.ports());
    expect(world.newActions(before)).toEqual(['write /certs/web/ca.pem', 'hook systemctl reload nginx']);
    expect(report.results[0]).toMatchObject({ action: 'update-files', outcome: 'changed' });
    expect(report.ok).toBe(true);
  });

  it('keeps the existing key when rotation is never', async () => {
    const world = new FakeWorld();
    const desired = aDesired(withRotation('never'));
    await reconcileOnce(stateOf(desired), world.ports());
    const key = world.files.get('/certs/web/key.pem')!.content;
    await reconcileOnce(stateOf(desired), world.ports(), { force: true });
    expect(world.issueRequests[1]!.existingKeyPem).toBe(key);
    expect(world.files.get('/certs/web/key.pem')!.content).toBe(key);
  });

  it('lets the writer skip comparing only files that cannot be unchanged: not a kept key, not the chain', async () => {
    const world = new FakeWorld();
    const desired = aDesired(withRotation('never'));
    const flags: Record<string, boolean>[] = [];
    const ports = world.ports();
    const recording = {
      ...ports,
      writeFiles: (files: Parameters<typeof ports.writeFiles>[0]) => {
        flags.push(Object.fromEntries(files.map((f) => [f.path, f.knownChanged === true])));
        return ports.writeFiles(files);
      },
    };
    await reconcileOnce(stateOf(desired), recording);
    await reconcileOnce(stateOf(desired), recording, { force: true });
    expect(flags).toEqual([
      {
        '/certs/web/key.pem': true,
        '/certs/web/ca.pem': false,
        '/certs/web/chain.pem': false,
        '/certs/web/cert.pem': true,
      },
      {
        '/certs/web/key.pem': false,
        '/certs/web/ca.pem': false,
        '/certs/web/chain.pem': false,
        '/certs/web/cert.pem': true,
      },
    ]);
  });

  it('does not loop when the CA caps the lifetime', async () => {
    const world = new FakeWorld();
    world.lifetimeCapMs = DAY;
    const report = await reconcileOnce(stateOf(web), world.ports());
    expect(report.ok).toBe(true);
    const before = world.actions.length;
    world.advance(HOUR);
    const again = await reconcileOnce(stateOf(web), world.ports());
    expect(again.results[0]!.action).toBe('none');
    expect(world.newActions(before)).toEqual([]);
  });

  it('checks every issued certificate in memory before writing it, and reads none of them back', async () => {
    const world = new FakeWorld();
    const plain = aDesired(named('plain'));
    const observed: string[][] = [];
    const onDiskWhenInspected: boolean[] = [];
    const ports = world.ports();
    const report = await reconcileOnce(stateOf(plain, web), {
      ...ports,
      observe: async (certs, trust) => {
        observed.push(certs.map((c) => c.name));
        return ports.observe(certs, trust);
      },
      inspect: async (cert, files, trust) => {
        onDiskWhenInspected.push(world.files.has(cert.files.cert!));
        return ports.inspect(cert, files, trust);
      },
    });
    expect(report.ok).toBe(true);
    expect(observed).toEqual([['plain', 'web']]);
    expect(world.inspected.sort()).toEqual(['plain', 'web']);
    expect(onDiskWhenInspected).toEqual([false, false]);
    expect(report.results.map((r) => [r.name, r.outcome])).toEqual([
      ['plain', 'changed'],
      ['web', 'changed'],
    ]);
  });

  it('refuses a certificate for a key it did not send: the working files stay, the failure is recorded', async () => {
    const world = new FakeWorld();
    await reconcileOnce(stateOf(web), world.ports());
    const contents = () => new Map([...world.files].map(([path, file]) => [path, file.content]));
    const before = contents();
    const provenance = world.provenance.get('web');
    world.alterIssued.set('web', { keyId: 'a-key-certloop-never-made' });
    const since = world.actions.length;

    const report = await reconcileOnce(stateOf(web), world.ports(), { force: true });
    expect(report.ok).toBe(false);
    expect(report.results[0]).toMatchObject({ action: 'reissue', outcome: 'failed' });
    expect(report.results[0]!.error).toMatch(/was not written, it does not match the manifest: .*key/i);
    expect(world.newActions(since)).toEqual(['issue web']);
    expect(contents()).toEqual(before);
    expect(world.provenance.get('web')).toEqual(provenance);
    expect(world.status?.certificates.web).toMatchObject({ lastResult: 'failed', consecutiveFailures: 1 });
  });

  it("records the serial, expiry and leaf hash of the certificate as inspected, not the issuer's summary of it", async () => {
    const world = new FakeWorld();
    const report = await reconcileOnce(
      stateOf(web),
      answering(world, (answer) => ({
        ...answer,
        serial: 'what-the-issuer-says',
        notAfter: '2099-01-01T00:00:00.000Z',
      })),
    );
    expect(report.ok).toBe(true);
    const onDisk = world.observe(web, world.trust).certificate!;
    expect(onDisk.serial).not.toBe('what-the-issuer-says');
    expect(world.provenance.get('web')).toMatchObject({
      serial: onDisk.serial,
      notAfter: onDisk.notAfter,
      certificateSha256: onDisk.sha256,
    });
    expect(report.results[0]).toMatchObject({ serial: onDisk.serial, notAfter: onDisk.notAfter });
  });

  it('refuses an answer whose certificate cannot be read: nothing is written', async () => {
    const world = new FakeWorld();
    const report = await reconcileOnce(
      stateOf(web),
      answering(world, (answer) => ({
        ...answer,
        certificatePem: '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n',
      })),
    );
    expect(report.ok).toBe(false);
    expect(report.results[0]).toMatchObject({ action: 'issue', outcome: 'failed' });
    expect(report.results[0]!.error).toMatch(/was not written, it could not be read/);
    expect(world.files.size).toBe(0);
    expect(world.provenance.has('web')).toBe(false);
  });

  it('writes a certificate whose names the CA adjusted: asking again would not change them', async () => {
    const world = new FakeWorld();
    world.alterIssued.set('web', {
      sans: { ...web.spec.sans, dns: ['web.internal', 'added-by-template.test'] },
    });
    const report = await reconcileOnce(stateOf(web), world.ports());
    expect(report.results[0]).toMatchObject({ action: 'issue', outcome: 'changed' });
    expect(world.files.has('/certs/web/cert.pem')).toBe(true);
  });

  it('reads back what it rewrote without issuing (a stale CA bundle)', async () => {
    const world = new FakeWorld();
    await reconcileOnce(stateOf(web), world.ports());
    world.trust = { ...world.trust, rootsPem: world.trust.rootsPem + world.trust.intermediatesPem };
    const observed: string[][] = [];
    const ports = world.ports();
    const report = await reconcileOnce(stateOf(web), {
      ...ports,
      observe: async (certs, trust) => {
        observed.push(certs.map((c) => c.name));
        return ports.observe(certs, trust);
      },
    });
    expect(report.results[0]).toMatchObject({ action: 'update-files', outcome: 'changed' });
    expect(observed).toEqual([['web'], ['web']]);
  });

  it('still reports a fresh certificate that is due for renewal at once (the CA capped its lifetime)', async () => {
    const world = new FakeWorld();
    // The fake CA backdates by a minute: a 90 s certificate reaches its 2/3 renewal point at once.
    world.lifetimeCapMs = 90_000;
    const report = await reconcileOnce(stateOf(aDesired(named('plain'))), world.ports());
    expect(report.ok).toBe(false);
    expect(report.results[0]).toMatchObject({ outcome: 'failed' });
    expect(report.results[0]!.error).toMatch(/still drift/);
  });

  it('acts on nothing and records nothing once its lock is lost', async () => {
    const world = new FakeWorld();
    const lost = new AbortController();
    lost.abort();
    const report = await reconcileOnce(stateOf(web, api), world.ports(), { signal: lost.signal });
    expect(report.ok).toBe(false);
    expect(report.results.map((r) => r.outcome)).toEqual(['failed', 'failed']);
    expect(report.results[0]!.error).toMatch(/lost its lock/);
    expect(world.actions).toEqual([]);
    expect(world.status).toBeUndefined();
  });

  it('only reports an orphan without --prune, and removes its files with --prune', async () => {
    const world = new FakeWorld();
    await reconcileOnce(stateOf(web, api), world.ports());
    const before = world.actions.length;

    const reported = await reconcileOnce(stateOf(web), world.ports());
    expect(reported.results.find((r) => r.name === 'api')).toMatchObject({
      action: 'remove',
      outcome: 'unchanged',
    });
    expect(world.newActions(before)).toEqual([]);

    const pruned = await reconcileOnce(stateOf(web), world.ports(), { prune: true });
    expect(pruned.results.find((r) => r.name === 'api')).toMatchObject({
      action: 'remove',
      outcome: 'changed',
    });
    expect(world.newActions(before)).toEqual([
      'remove /certs/api/cert.pem',
      'remove /certs/api/key.pem',
      'remove /certs/api/chain.pem',
      'remove /certs/api/ca.pem',
      'forget api',
    ]);
    expect(world.status?.certificates).not.toHaveProperty('api');
  });

  it('never records a private key from an error message in the status', async () => {
    const world = new FakeWorld();
    world.failIssuanceFor.set(
      'web',
      new Error(
        'bad key -----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49\n-----END PRIVATE KEY----- rejected',
      ),
    );
    const report = await reconcileOnce(stateOf(web), world.ports());
    expect(report.results[0]!.error).toBe('bad key [redacted PEM] rejected');
    expect(JSON.stringify(world.status)).not.toContain('MIGHAgEAMBMGByqGSM49');
  });

  // Moved here from the keyed queue's tests when reconcileOnce took p-queue directly: --concurrency is what users rely on.
  it('bounds the number of names running at once', async () => {
    const world = new FakeWorld();
    const ports = world.ports();
    let running = 0;
    let peak = 0;
    const issuer: typeof ports.issuer = {
      ...ports.issuer,
      issue: async (request) => {
        running += 1;
        peak = Math.max(peak, running);
        // Let every certificate that may start reach its issuance before this one returns.
        await new Promise((resolve) => setImmediate(resolve));
        running -= 1;
        return ports.issuer.issue(request);
      },
    };
    const certs = ['a', 'b', 'c', 'd'].map((name) => aDesired(named(name)));
    const report = await reconcileOnce(stateOf(...certs), { ...ports, issuer }, { concurrency: 2 });
    expect(report.summary.changed).toBe(4);
    expect(peak).toBe(2);
  });

  it('reports progress for every certificate acted on', async () => {
    const world = new FakeWorld();
    const progress: string[] = [];
    await reconcileOnce(stateOf(web, api), world.ports(), {
      onProgress: ({ done, total, name }) => progress.push(`${done}/${total} ${name}`),
    });
    expect(progress.map((p) => p.split(' ')[0])).toEqual(['1/2', '2/2']);
    expect(progress.map((p) => p.split(' ')[1]).sort()).toEqual(['api', 'web']);
  });
});
