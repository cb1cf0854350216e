/**
 * The same guarantees on a certloop v1 YAML manifest with separate cert, key,
 * chain and CA bundle files, and the order in which a pair is committed.
 */
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type StepCaHandle, startCa } from './support/ca.js';
import { type Certloop, certloop, changes, reasonCodes } from './support/cli.js';
import { certificatesIn, changedPaths, pairFacts, snapshot } from './support/files.js';
import { idsOf } from './support/owners.js';
import { clearHookCalls, hookCalls, hookCounts, makeWorkspace, type Workspace } from './support/workspace.js';

jest.setTimeout(60_000);

let ca: StepCaHandle;
let ws: Workspace;
let cli: Certloop;
let files: { cert: string; key: string; chain: string; caBundle: string };
let api: { cert: string; key: string };

beforeAll(async () => {
  ca = await startCa();
  ws = makeWorkspace();
  const dir = join(ws.certsDir, 'docker', 'certs');
  files = {
    cert: join(dir, 'server-cert.pem'),
    key: join(dir, 'server-key.pem'),
    chain: join(dir, 'chain.pem'),
    caBundle: join(dir, 'ca.pem'),
  };
  api = { cert: join(ws.certsDir, 'api', 'api.crt'), key: join(ws.certsDir, 'api', 'api.key') };
  const manifest = join(ws.root, 'certloop.yaml');
  writeFileSync(
    manifest,
    `apiVersion: certloop.dev/v1
kind: CertificateManifest
defaults:
  duration: 24h
  renewBefore: 8h
certificates:
  - name: docker-daemon
    commonName: docker-daemon.internal.thinkheads.ai
    sans: [docker-daemon.internal.thinkheads.ai, 10.0.0.111]
    files:
      cert: ${files.cert}
      key: ${files.key}
      chain: ${files.chain}
      caBundle: ${files.caBundle}
    owner: root
    group: www-data
    mode: "0644"
    keyMode: "0640"
    hooks:
      - command: ${ws.hook} docker
        timeout: 30s
  - name: api
    commonName: api.internal.thinkheads.ai
    files:
      cert: ${api.cert}
      key: ${api.key}
    owner: nobody
    group: nogroup
    keyMode: "0600"
    hooks:
      - command: ${ws.hook} api
`,
  );
  cli = certloop(ws, ca, manifest);
});

afterAll(async () => {
  await ca?.dispose();
  ws?.dispose();
});

describe('reconcile --once on a v1 YAML manifest', () => {
  it('first run writes leaf, key, chain and CA bundle with their own modes, and runs each hook once', async () => {
    const result = await cli.reconcile();
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    const facts = pairFacts(files.cert, files.key);
    expect(facts.keyMatches).toBe(true);
    expect(facts.certificates).toBe(1);
    expect(facts.subjectAltName).toContain('IP Address:10.0.0.111');
    expect(readFileSync(files.caBundle, 'utf8').trim()).toBe(ca.rootPem.trim());
    expect(certificatesIn(readFileSync(files.chain, 'utf8'))[0]?.subject).toBe(
      certificatesIn(ca.intermediatePem)[0]?.subject,
    );
    const { uid, gid } = idsOf('root:www-data');
    const modes = Object.fromEntries(
      Object.entries(files).map(([role, path]) => {
        const stat = statSync(path);
        return [role, { mode: (stat.mode & 0o7777).toString(8), uid: stat.uid, gid: stat.gid }];
      }),
    );
    expect(modes).toEqual({
      cert: { mode: '644', uid, gid },
      key: { mode: '640', uid, gid },
      chain: { mode: '644', uid, gid },
      caBundle: { mode: '644', uid, gid },
    });
    expect(hookCounts(ws)).toEqual({ docker: 1, api: 1 });
    const docker = hookCalls(ws).find((c) => c.args === 'docker')!;
    expect(docker.env).toMatchObject({
      CERTLOOP_NAME: 'docker-daemon',
      CERTLOOP_CERT_PATH: files.cert,
      CERTLOOP_KEY_PATH: files.key,
      CERTLOOP_SERIAL: facts.serial.toLowerCase(),
      CERTLOOP_ACTION: 'issue',
    });
  });

  it('second run changes nothing and runs no hook', async () => {
    clearHookCalls(ws);
    const before = snapshot([ws.certsDir]);
    const result = await cli.reconcile();
    expect(result.code).toBe(0);
    expect(changedPaths(before, snapshot([ws.certsDir]))).toEqual([]);
    expect(hookCounts(ws)).toEqual({});
    expect((await cli.plan('--detailed-exitcode')).code).toBe(0);
  });

  it('a deleted chain file is written again without a new certificate', async () => {
    const serial = pairFacts(files.cert, files.key).serial;
    rmSync(files.chain);
    const plan = await cli.planJson();
    expect(changes(plan)).toEqual({ 'docker-daemon': 'update-files' });
    expect(reasonCodes(plan, 'docker-daemon')).toEqual(['chain-missing']);
    const result = await cli.reconcile();
    expect(result.code).toBe(0);
    expect(pairFacts(files.cert, files.key).serial).toBe(serial);
    expect(certificatesIn(readFileSync(files.chain, 'utf8'))).toHaveLength(1);
    expect((await cli.plan('--detailed-exitcode')).code).toBe(0);
  });

  it('commits the key before the certificate: when the key cannot be replaced, the old certificate stays', async () => {
    const before = readFileSync(api.cert, 'utf8');
    // A directory where the key should be: its rename fails. The certificate must not have moved first.
    rmSync(api.key);
    mkdirSync(join(api.key, 'blocker'), { recursive: true });
    clearHookCalls(ws);
    const result = await cli.reconcile();
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/api: issue failed: .*rename/);
    expect(readFileSync(api.cert, 'utf8')).toBe(before);
    expect(hookCounts(ws)).toEqual({});

    rmSync(api.key, { recursive: true });
    const fixed = await cli.reconcile();
    expect(fixed.code).toBe(0);
    expect(pairFacts(api.cert, api.key).keyMatches).toBe(true);
    expect(hookCounts(ws)).toEqual({ api: 1 });
  });
});
