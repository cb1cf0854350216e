/**
 * `certloop reconcile --once` on Phoenix's legacy manifest against the real
 * step-ca: the first run converges, the second does nothing, --force reissues
 * everything atomically, --prune removes what left the manifest, and no
 * secret reaches --json output, logs or the state directory.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../support/run.js';
import { closeBed, openLegacyBed } from './support/bed.js';
import { issuerEnv, type StepCaHandle } from './support/ca.js';
import { type Certloop, changes, reasonCodes } from './support/cli.js';
import {
  certificatesIn,
  changedPaths,
  noMorePermissive,
  pairFacts,
  snapshot,
  tempFilesUnder,
} from './support/files.js';
import { idsOf } from './support/owners.js';
import { checkWhile } from './support/poll.js';
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

const everyHookOnce = () => Object.fromEntries(certs.map((c) => [c.label, 1]));
const serials = () =>
  Object.fromEntries(certs.map((c) => [c.label, pairFacts(c.entry.cert_path, c.entry.key_path).serial]));
/** Everything certloop could touch, except the lock directory it creates and removes on every run. */
const stateFiles = () => new Map([...snapshot([ws.stateDir])].filter(([path]) => !path.includes('/locks')));

beforeAll(async () => {
  ({ ca, ws, certs, cli } = await openLegacyBed((ws) => phoenixCerts(ws)));
});

afterAll(() => closeBed(ca, ws));

describe('reconcile --once on a legacy Phoenix manifest with the real step-ca', () => {
  it('first run issues every certificate, places it as declared and runs each hook once', async () => {
    const result = await cli.reconcile();
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/Reconcile: 4 issued, 0 unchanged, 0 failed\./);

    for (const { entry } of certs) {
      const facts = pairFacts(entry.cert_path, entry.key_path);
      expect(facts.keyMatches).toBe(true);
      // cert_path is what `step ca certificate` writes: leaf + intermediate.
      expect(facts.certificates).toBe(2);
      const declared = Number.parseInt(entry.permissions!, 8);
      const { uid, gid } = idsOf(entry.owner!);
      for (const path of [entry.cert_path, entry.key_path]) {
        const stat = statSync(path);
        expect({ path, mode: stat.mode & 0o7777, uid: stat.uid, gid: stat.gid }).toEqual({
          path,
          mode: declared,
          uid,
          gid,
        });
      }
      expect(noMorePermissive(statSync(entry.key_path).mode & 0o7777, declared)).toBe(true);
    }
    const docker = certs.find((c) => c.label === 'docker')!.entry;
    expect(pairFacts(docker.cert_path, docker.key_path).subjectAltName).toContain('IP Address:10.0.0.111');

    expect(hookCounts(ws)).toEqual(everyHookOnce());
    const current = serials();
    for (const call of hookCalls(ws)) {
      const cert = certs.find((c) => c.label === call.args)!;
      expect(call.env).toMatchObject({
        CERTLOOP_NAME: cert.entry.common_name,
        CERTLOOP_COMMON_NAME: cert.entry.common_name,
        CERTLOOP_KEY_PATH: cert.entry.key_path,
        CERTLOOP_ACTION: 'issue',
        // The serial the hook is told is the one on disk: hooks run after the writes.
        CERTLOOP_SERIAL: current[cert.label]!.toLowerCase(),
      });
      expect(call.env.CERTLOOP_REASON).toContain('cert-missing');
    }
  });

  it('plan shows no changes on a directory in sync (exit 0 with --detailed-exitcode) and writes nothing', async () => {
    const before = snapshot([ws.certsDir, ws.stateDir]);
    const result = await cli.plan('--detailed-exitcode');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('No changes. 4 certificates are in sync.');
    expect(changedPaths(before, snapshot([ws.certsDir, ws.stateDir]))).toEqual([]);
  });

  it('second run changes nothing: same inode, mtime and content for every file, no hook', async () => {
    clearHookCalls(ws);
    const certFiles = snapshot([ws.certsDir]);
    const state = stateFiles();
    const result = await cli.reconcile();
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('Reconcile: 4 unchanged, 0 failed.\n');
    expect(changedPaths(certFiles, snapshot([ws.certsDir]))).toEqual([]);
    // Not even the status file is rewritten when nothing changed.
    expect(changedPaths(state, stateFiles())).toEqual([]);
    expect(hookCounts(ws)).toEqual({});
  });

  it('plans and shows status with only the CA URL and root: no provisioner credentials needed to observe', async () => {
    const readOnly = [
      '-f',
      cli.manifest,
      '--state-dir',
      ws.stateDir,
      '--ca-url',
      ca.url,
      '--root',
      ca.rootPath,
    ];
    const plan = await runCli(['plan', '--detailed-exitcode', ...readOnly]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('No changes. 4 certificates are in sync.');
    const status = await runCli(['status', ...readOnly]);
    expect(status.code).toBe(0);
    expect(status.stdout.match(/^\S+ +Ready +Ready /gm)).toHaveLength(4);
    expect(status.stdout).toContain('4 certificates: 4 ready, 0 not ready');
  });

  it('takes the issuer from the STEP_* environment as well as from flags', async () => {
    const result = await runCli(
      ['plan', '--detailed-exitcode', '-f', cli.manifest, '--state-dir', ws.stateDir],
      issuerEnv(ca),
    );
    expect(result.code).toBe(0);
  });

  it('--force reissues every certificate, atomically, and runs each hook once', async () => {
    clearHookCalls(ws);
    const before = snapshot([ws.certsDir]);
    const oldSerials = serials();
    // A reader that never may see a truncated or half-written file, nor a key that is too open.
    const torn = checkWhile(cli.reconcile('--force'), () => {
      for (const { entry } of certs) {
        try {
          const declared = Number.parseInt(entry.permissions!, 8);
          if (!noMorePermissive(statSync(entry.key_path).mode & 0o7777, declared))
            return `${entry.key_path} too open`;
          pairFacts(entry.cert_path, entry.key_path); // throws on a partial PEM
          if (certificatesIn(readFileSync(entry.cert_path, 'utf8')).length !== 2)
            return `${entry.cert_path} partial`;
        } catch (error) {
          return `${entry.common_name}: ${String(error)}`;
        }
      }
      return undefined;
    });
    expect(await torn).toEqual([]);

    const after = snapshot([ws.certsDir]);
    const newSerials = serials();
    for (const { label, entry } of certs) {
      expect(newSerials[label]).not.toBe(oldSerials[label]);
      expect(pairFacts(entry.cert_path, entry.key_path).keyMatches).toBe(true);
      for (const path of [entry.cert_path, entry.key_path]) {
        const was = before.get(path);
        const now = after.get(path);
        // A rename over the target: a new inode, never an in-place rewrite.
        expect(now?.ino).not.toBe(was?.ino);
      }
    }
    expect(tempFilesUnder(ws.certsDir)).toEqual([]);
    expect(hookCounts(ws)).toEqual(everyHookOnce());
    for (const call of hookCalls(ws)) {
      expect(call.env.CERTLOOP_ACTION).toBe('reissue');
      expect(call.env.CERTLOOP_REASON).toBe('forced');
    }
  });

  it('never puts the provisioner password or a private key in --json output, logs or the state directory', async () => {
    const { report, stdout, stderr, code } = await cli.reconcileJson('--force', '--log-level', 'debug');
    expect(code).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.results.map((r) => r.outcome)).toEqual(['changed', 'changed', 'changed', 'changed']);
    expect(stderr).not.toBe(''); // debug logs were written, and are checked below
    const stateText = listFiles(ws.stateDir).map((path) => readFileSync(path, 'utf8'));
    expect(stateText.some((text) => text.includes('"certificates"'))).toBe(true); // the status file is there
    for (const text of [stdout, stderr, ...stateText]) {
      expect(text).not.toContain(ca.password);
      expect(text).not.toMatch(/PRIVATE KEY/);
    }
  });

  it('--prune: plan shows a certificate that left the manifest as a removal; --prune deletes only the files certloop wrote', async () => {
    const traefik = certs.find((c) => c.label === 'traefik')!;
    const userFile = join(traefik.entry.cert_path, '..', 'traefik.yml');
    writeFileSync(userFile, 'entryPoints: {}\n');
    writeLegacyManifest(
      ws,
      certs.filter((c) => c !== traefik),
    );

    const plan = await cli.planJson();
    expect(changes(plan)).toEqual({ [traefik.entry.common_name]: 'remove' });
    expect(reasonCodes(plan, traefik.entry.common_name)).toEqual(['orphaned']);
    const human = await cli.plan('--detailed-exitcode');
    expect(human.code).toBe(2);
    expect(human.stdout).toContain(`- ${traefik.entry.common_name}: remove (with --prune)`);

    clearHookCalls(ws);
    const withoutPrune = await cli.reconcile();
    expect(withoutPrune.code).toBe(0);
    expect(statSync(traefik.entry.cert_path).isFile()).toBe(true);

    const before = snapshot([ws.certsDir]);
    const pruned = await cli.reconcile('--prune');
    expect(pruned.code).toBe(0);
    expect(changedPaths(before, snapshot([ws.certsDir]))).toEqual(
      [traefik.entry.cert_path, traefik.entry.key_path, join(traefik.entry.cert_path, '..')].sort(),
    );
    expect(readFileSync(userFile, 'utf8')).toBe('entryPoints: {}\n');
    expect(hookCounts(ws)).toEqual({});
    expect(changes(await cli.planJson())).toEqual({});
  });
});

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name));
}
