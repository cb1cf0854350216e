/**
 * Renewal over mTLS, revocation and pruning with --revoke, through the built
 * certloop against a real step-ca. After the first issuance the provisioner
 * password file is moved away: every renewal after that proves it needs none
 * (`renewal: mtls`, so that its absence is not a configuration error at start).
 * Certificates last a minute and are due 5 s after issuance (renewBefore 55s),
 * so a test reaches a renewal point by waiting seconds.
 */
import { X509Certificate } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { resolve } from 'node:path';
import { acquireLock, stateDirFor } from '@certloop/actuators';
import { RECONCILE_LOCK } from '@certloop/reconciler';
import { type StepCaHandle, startStepCa } from '@certloop/testbed';
import { cliEnv, makeWorkspace, type Workspace } from '../faults/support/workspace.js';
import { type CliResult, runCli } from '../support/run.js';

jest.setTimeout(90_000);

let ca: StepCaHandle;
let ws: Workspace;
const hidden = () => `${ca.passwordFile}.hidden`;

async function run(...args: string[]): Promise<CliResult> {
  return runCli([...args, '-f', ws.manifest], cliEnv(ws));
}

/**
 * Rewrites the workspace manifest: c01 keeps its key (rotation never), c02
 * and c03 rotate it; the issuer's renewal setting is `mode`; `change` edits the rest.
 */
async function writeManifest(
  mode: 'auto' | 'mtls',
  change: (doc: ManifestDoc) => void = () => {},
): Promise<void> {
  const doc = JSON.parse(await readFile(ws.manifest, 'utf8')) as ManifestDoc;
  doc.certificates[0]!.key = { rotation: 'never' };
  doc.issuer.stepCA.renewal = mode;
  doc.defaults.duration = '60s';
  doc.defaults.renewBefore = '55s';
  change(doc);
  await writeFile(ws.manifest, `${JSON.stringify(doc, null, 2)}\n`);
}

interface ManifestDoc {
  issuer: { stepCA: Record<string, unknown> };
  defaults: Record<string, unknown>;
  certificates: { name: string; sans: string[]; key?: Record<string, string> }[];
}

async function leaf(
  index: number,
): Promise<{ pem: string; serial: string; key: string; publicKey: string; notAfter: string }> {
  const cert = ws.certs[index]!;
  const pem = await readFile(cert.cert, 'utf8');
  const x509 = new X509Certificate(pem);
  return {
    pem,
    serial: x509.serialNumber,
    notAfter: x509.validTo,
    key: await readFile(cert.key, 'utf8'),
    publicKey: x509.publicKey.export({ type: 'spki', format: 'der' }).toString('hex'),
  };
}

/** Sleeps until the certificates at these indexes are inside their renewal window. */
async function untilRenewalDue(...indexes: number[]): Promise<void> {
  const dueAt = await Promise.all(
    indexes.map(async (i) => Date.parse((await leaf(i)).notAfter) - 55_000 + 500),
  );
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.max(...dueAt) - Date.now())));
}

/** POST /1.0/renew authenticated by this certificate and key; resolves to the HTTP status (0: handshake refused). */
function renewStatus(certPem: string, keyPem: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(`${ca.url}/1.0/renew`, {
      method: 'POST',
      ca: `${ca.rootPem}`,
      cert: `${certPem}${ca.intermediatePem}`,
      key: keyPem,
      agent: false,
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

/** Runs `body` with the provisioner password file back in place. */
async function withPassword(body: () => Promise<void>): Promise<void> {
  await rename(hidden(), ca.passwordFile);
  try {
    await body();
  } finally {
    await rename(ca.passwordFile, hidden());
  }
}

beforeAll(async () => {
  ca = await startStepCa();
  ws = await makeWorkspace({ count: 3, issuer: { stepCa: ca } });
  await writeManifest('mtls');
  const first = await run('reconcile', '--once');
  if (first.code !== 0) throw new Error(`first pass failed: ${first.stdout}${first.stderr}`);
  await rename(ca.passwordFile, hidden());
});

afterAll(async () => {
  await ca?.dispose();
  await ws?.remove();
});

describe('renewal over mTLS', () => {
  it('the plan says each certificate renews over mTLS, keeping or rotating its key as declared', async () => {
    const plan = JSON.parse((await run('plan', '--json')).stdout) as {
      entries: { name: string; renewal?: { path: string; reason: string } }[];
    };
    const paths = Object.fromEntries(plan.entries.map((e) => [e.name, e.renewal?.path]));
    expect(paths).toEqual({ c01: 'renew', c02: 'rekey', c03: 'rekey' });
  });

  it('renews and rekeys with the password file gone: new serials, the key kept only where declared, same SANs and lifetime', async () => {
    const before = [await leaf(0), await leaf(1)];
    await untilRenewalDue(0, 1);
    const result = await run('reconcile', '--once');
    expect(result.code).toBe(0);
    const after = [await leaf(0), await leaf(1)];

    expect(after[0]!.serial).not.toBe(before[0]!.serial);
    expect(after[1]!.serial).not.toBe(before[1]!.serial);
    expect(after[0]!.key).toBe(before[0]!.key);
    expect(after[0]!.publicKey).toBe(before[0]!.publicKey);
    expect(after[1]!.key).not.toBe(before[1]!.key);
    expect(after[1]!.publicKey).not.toBe(before[1]!.publicKey);
    for (const i of [0, 1]) {
      const was = new X509Certificate(before[i]!.pem);
      const now = new X509Certificate(after[i]!.pem);
      expect(now.subjectAltName).toBe(was.subjectAltName);
      expect(Date.parse(now.validTo) - Date.parse(now.validFrom)).toBe(
        Date.parse(was.validTo) - Date.parse(was.validFrom),
      );
    }
  });

  it('with renewal: mtls, a certificate mTLS cannot renew fails with the reason, and nothing is written', async () => {
    await writeManifest('mtls', (doc) => {
      doc.certificates[2]!.sans = [...doc.certificates[2]!.sans, 'more.faults.test'];
    });
    const before = await readFile(ws.certs[2]!.cert, 'utf8');
    const result = await run('reconcile', '--once');
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toContain('renewal: mtls cannot renew this certificate');
    expect(await readFile(ws.certs[2]!.cert, 'utf8')).toBe(before);
    // status says why the certificate is stuck, and what its path is.
    expect((await run('status')).stdout).toMatch(
      /c03: .*Path: blocked\. renewal: mtls cannot renew this certificate/,
    );
  });

  it('with renewal: auto, a changed spec is signed anew with the provisioner, and the log says why', async () => {
    await writeManifest('auto', (doc) => {
      doc.certificates[2]!.sans = [...doc.certificates[2]!.sans, 'extra.faults.test'];
    });
    await withPassword(async () => {
      const plan = await run('plan');
      expect(plan.stdout).toContain('Path: sign. Signing anew with the provisioner:');
      const result = await run('reconcile', '--once');
      expect(result.code).toBe(0);
      expect(result.stderr).toContain('Not renewing c03 over mTLS');
      expect(new X509Certificate(await readFile(ws.certs[2]!.cert, 'utf8')).subjectAltName).toContain(
        'extra.faults.test',
      );
    });
  });
});

describe('revocation', () => {
  it('revoke NAME revokes the certificate on disk; the CA then refuses to renew it; a new one is issued', async () => {
    await withPassword(async () => {
      const current = await leaf(1);
      expect(await renewStatus(current.pem, current.key)).toBe(201);
      const result = await run('revoke', 'c02', '--reason', 'keyCompromise');
      expect(result.code).toBe(0);
      expect(await renewStatus(current.pem, current.key)).toBe(401);
      const fresh = await leaf(1);
      expect(fresh.serial).not.toBe(current.serial);
      // A forced reissue goes straight to the provisioner: the revoked certificate could not renew.
      expect(result.stderr).toContain('Not renewing c02 over mTLS. Signing anew with the provisioner');
    });
  });

  it('revoke waits for the lease: while another reconciler holds it, nothing is revoked', async () => {
    const current = await leaf(2);
    // The lease a service (or another --once run) holds on this manifest.
    const stateDir = stateDirFor(resolve(ws.stateDir), ws.manifest);
    const held = await acquireLock(stateDir, RECONCILE_LOCK, { waitMs: 0, onLost: () => {} });
    try {
      const result = await run('revoke', 'c03', '--no-reissue', '--lock-timeout', '1s');
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/lock|lease/i);
    } finally {
      await held.release();
    }
    expect(await renewStatus(current.pem, current.key)).toBe(201);
  });

  it('revoking a certificate the CA already revoked says so and exits 0, the files untouched', async () => {
    const before = await leaf(0);
    const first = await run('revoke', 'c01', '--no-reissue');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('Revoked c01 (unspecified). Not reissued (--no-reissue).');
    const second = await run('revoke', 'c01', '--no-reissue');
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('The certificate of c01 was already revoked.');
    const after = await leaf(0);
    expect(after.pem).toBe(before.pem);
    expect(after.key).toBe(before.key);
  });

  it('a renewal the CA refuses (the certificate was revoked) falls back to the provisioner, logged with the answer', async () => {
    const revoked = await leaf(0); // revoked by the test before, still on disk
    await untilRenewalDue(0);
    await withPassword(async () => {
      const result = await run('reconcile', '--once');
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/The CA refused to renew c01; signing anew with the provisioner: .*401/);
    });
    expect((await leaf(0)).serial).not.toBe(revoked.serial);
  });

  it('reconcile --once --prune --revoke keeps the files of an orphan it cannot revoke, then revokes and prunes it', async () => {
    const orphan = await leaf(2);
    await writeManifest('mtls', (doc) => {
      doc.certificates = doc.certificates.slice(0, 2);
    });
    await ca.stop();
    try {
      const down = await run('reconcile', '--once', '--prune', '--revoke');
      expect(down.code).toBe(1);
      expect(await readFile(ws.certs[2]!.cert, 'utf8')).toBe(orphan.pem);
      expect(await readFile(ws.certs[2]!.key, 'utf8')).toBe(orphan.key);
    } finally {
      await ca.start();
    }
    const result = await run('reconcile', '--once', '--prune', '--revoke');
    expect(result.stdout + result.stderr).toContain('Revoked the certificate of c03 before pruning it');
    expect(await renewStatus(orphan.pem, orphan.key)).toBe(401);
    await expect(readFile(ws.certs[2]!.cert, 'utf8')).rejects.toThrow();
  });
});
