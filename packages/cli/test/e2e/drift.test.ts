/**
 * Each kind of drift, planted alone on a converged Phoenix installation, is
 * planned (`plan --detailed-exitcode` exits 2 naming only that certificate,
 * with the right action and reason) and then fixed by `reconcile --once`
 * without touching any other certificate or running any other hook.
 */
import { chmodSync, chownSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Action } from '@certloop/core';
import { closeBed, openLegacyBed } from './support/bed.js';
import type { StepCaHandle } from './support/ca.js';
import { type Certloop, changes, reasonCodes } from './support/cli.js';
import { certificatesIn, changedPaths, pairFacts, serialIn, snapshot } from './support/files.js';
import { issueFromForeignCa, issueFromStepCa, writeInPlace } from './support/issue.js';
import { idsOf } from './support/owners.js';
import { waitFor } from './support/poll.js';
import {
  clearHookCalls,
  hookCalls,
  hookCounts,
  type PhoenixCert,
  phoenixCerts,
  type Workspace,
  writeLegacyManifest,
} from './support/workspace.js';

jest.setTimeout(60_000);

let ca: StepCaHandle;
let ws: Workspace;
let certs: PhoenixCert[];
let cli: Certloop;

const cert = (label: string) => certs.find((c) => c.label === label)!;
const HOUR = 3_600_000;
/** Terraform's symbols: a reissue replaces (-/+), a fix is in place (~). */
const SYMBOL: Record<Action, string> = {
  issue: '  +',
  reissue: '-/+',
  'update-files': '  ~',
  'fix-permissions': '  ~',
  remove: '  -',
  none: '   ',
};
const VERB: Record<Action, string> = {
  issue: 'issue',
  reissue: 'reissue',
  'update-files': 'update files',
  'fix-permissions': 'fix permissions',
  remove: 'remove',
  none: 'unchanged',
};

beforeAll(async () => {
  ({ ca, ws, certs, cli } = await openLegacyBed((ws) => phoenixCerts(ws)));
  const first = await cli.reconcile();
  if (first.code !== 0) throw new Error(`The first run did not converge:\n${first.stdout}${first.stderr}`);
});

afterAll(() => closeBed(ca, ws));

/**
 * The drift of one certificate: the plan names it alone with `action` and
 * `reason`; reconcile fixes it (a new serial and its hook only when it is
 * (re)issued), touches no other certificate's files, and the next plan is clean.
 */
async function expectFixedAlone(label: string, action: Action, reason: string): Promise<void> {
  const { entry } = cert(label);
  const name = entry.common_name;

  const human = await cli.plan('--detailed-exitcode');
  expect(human.code).toBe(2);
  const body = human.stdout.slice(human.stdout.indexOf('certloop will perform the following actions:'));
  const entryLines = body.split('\n').filter((line) => /^(?: {2}[+~-]|-\/\+) \S+: /.test(line));
  expect(entryLines).toEqual([`${SYMBOL[action]} ${name}: ${VERB[action]}`]);
  const plan = await cli.planJson();
  expect(changes(plan)).toEqual({ [name]: action });
  expect(reasonCodes(plan, name)).toContain(reason);

  const others = certs.filter((c) => c.label !== label);
  const othersBefore = snapshot(others.map((c) => dirname(c.entry.cert_path)));
  const serialBefore = serialIn(entry.cert_path);
  clearHookCalls(ws);

  const result = await cli.reconcile();
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });

  expect(changedPaths(othersBefore, snapshot(others.map((c) => dirname(c.entry.cert_path))))).toEqual([]);
  const after = pairFacts(entry.cert_path, entry.key_path);
  expect(after.keyMatches).toBe(true);
  const declared = Number.parseInt(entry.permissions!, 8);
  const { uid, gid } = idsOf(entry.owner!);
  for (const path of [entry.cert_path, entry.key_path]) {
    const stat = statSync(path);
    expect({ mode: stat.mode & 0o7777, uid: stat.uid, gid: stat.gid }).toEqual({ mode: declared, uid, gid });
  }
  if (action === 'issue' || action === 'reissue') {
    expect(after.serial).not.toBe(serialBefore);
    expect(hookCounts(ws)).toEqual({ [label]: 1 });
    expect(hookCalls(ws)[0]?.env).toMatchObject({ CERTLOOP_NAME: name, CERTLOOP_ACTION: action });
  } else {
    expect(after.serial).toBe(serialBefore);
    expect(hookCounts(ws)).toEqual({});
  }
  expect((await cli.plan('--detailed-exitcode')).code).toBe(0);
}

describe('single drifts on a converged legacy installation', () => {
  it('a key chmod 0666 is fixed in place: no new serial, no hook', async () => {
    const { entry } = cert('portainer');
    const inode = statSync(entry.key_path).ino;
    chmodSync(entry.key_path, 0o666);
    const plan = await cli.planJson();
    expect(plan.entries.find((e) => e.name === entry.common_name)?.patch).toContainEqual({
      op: 'replace',
      path: '/files/key/mode',
      value: '0666',
    });
    await expectFixedAlone('portainer', 'fix-permissions', 'mode-differs');
    expect(statSync(entry.key_path).ino).toBe(inode);
  });

  it('a changed owner is fixed in place: no new serial, no hook', async () => {
    chownSync(cert('nginx').entry.cert_path, 65534, 65534);
    await expectFixedAlone('nginx', 'fix-permissions', 'owner-differs');
  });

  it('a SAN added in the manifest reissues only that certificate and runs only its hook', async () => {
    const docker = cert('docker');
    docker.entry.sans = [...docker.entry.sans!, 'docker.internal.thinkheads.ai'];
    writeLegacyManifest(ws, certs);
    await expectFixedAlone('docker', 'reissue', 'sans-differ');
    expect(pairFacts(docker.entry.cert_path, docker.entry.key_path).subjectAltName).toContain(
      'DNS:docker.internal.thinkheads.ai',
    );
  });

  it('a deleted key is issued again, alone', async () => {
    rmSync(cert('traefik').entry.key_path);
    await expectFixedAlone('traefik', 'issue', 'key-missing');
  });

  it('a deleted certificate is issued again, alone', async () => {
    rmSync(cert('nginx').entry.cert_path);
    await expectFixedAlone('nginx', 'issue', 'cert-missing');
  });

  it("a key swapped for another certificate's key is reissued, alone", async () => {
    writeFileSync(cert('portainer').entry.key_path, readFileSync(cert('nginx').entry.key_path));
    expect(pairFacts(cert('portainer').entry.cert_path, cert('portainer').entry.key_path).keyMatches).toBe(
      false,
    );
    await expectFixedAlone('portainer', 'reissue', 'key-mismatch');
  });

  it('a full-chain cert_path whose leaf is inside the renewal window is renewed, alone (expiry is read from the leaf, not the intermediate)', async () => {
    const { entry } = cert('traefik');
    // Legacy renewal is "less than 12h left". step-ca backdates notBefore by a
    // minute, so a lifetime just under 12h is inside the window from the start.
    const issued = await issueFromStepCa(ca, entry, 12 * HOUR - 30_000);
    writeInPlace(entry, issued);
    const chain = certificatesIn(readFileSync(entry.cert_path, 'utf8'));
    expect(chain).toHaveLength(2);
    // The intermediate outlives the leaf by years: reading it instead would hide the expiry.
    expect(new Date(chain[1]!.validTo).getTime()).toBeGreaterThan(Date.now() + 365 * 24 * HOUR);

    const plan = await cli.planJson();
    const planned = plan.entries.find((e) => e.name === entry.common_name)!;
    expect(new Date(planned.notAfter!).getTime()).toBe(new Date(issued.notAfter).getTime());
    expect(planned.expiresInMs).toBeLessThan(12 * HOUR);
    expect(reasonCodes(plan, entry.common_name)).toEqual(['renewal-due']);
    await expectFixedAlone('traefik', 'reissue', 'renewal-due');
    expect(pairFacts(entry.cert_path, entry.key_path).notAfter.getTime()).toBeGreaterThan(
      Date.now() + 23 * HOUR,
    );
  });

  it('an expired certificate is reissued, alone', async () => {
    const { entry } = cert('docker');
    const issued = await issueFromStepCa(ca, entry, 2_000);
    writeInPlace(entry, issued);
    await waitFor('the planted certificate to expire', () =>
      Date.now() > new Date(issued.notAfter).getTime() + 1_000 ? true : undefined,
    );
    expect(reasonCodes(await cli.planJson(), entry.common_name)).toEqual(['expired']);
    await expectFixedAlone('docker', 'reissue', 'expired');
  });

  it('a certificate from a foreign CA, written in place, is reissued, alone', async () => {
    const { entry } = cert('nginx');
    writeInPlace(entry, await issueFromForeignCa(entry));
    expect(pairFacts(entry.cert_path, entry.key_path).keyMatches).toBe(true);
    // The full chain also carries the foreign intermediate, hence chain-stale as well.
    expect(reasonCodes(await cli.planJson(), entry.common_name)).toEqual(['foreign-issuer', 'chain-stale']);
    await expectFixedAlone('nginx', 'reissue', 'foreign-issuer');
    expect(pairFacts(entry.cert_path, entry.key_path).issuer).not.toContain('certloop local');
  });
});
