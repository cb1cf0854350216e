/**
 * A step-ca that is down: `reconcile --once` exits 1 with a message naming the
 * CA's URL and leaves every file as it was; once the CA is back, the next run
 * converges.
 */
import { rmSync } from 'node:fs';
import { closeBed, openLegacyBed } from './support/bed.js';
import type { StepCaHandle } from './support/ca.js';
import type { Certloop } from './support/cli.js';
import { changedPaths, pairFacts, snapshot } from './support/files.js';
import {
  clearHookCalls,
  hookCounts,
  type PhoenixCert,
  phoenixCerts,
  type Workspace,
} from './support/workspace.js';

jest.setTimeout(90_000);

let ca: StepCaHandle;
let ws: Workspace;
let certs: PhoenixCert[];
let cli: Certloop;

beforeAll(async () => {
  ({ ca, ws, certs, cli } = await openLegacyBed((ws) => phoenixCerts(ws)));
});

afterAll(() => closeBed(ca, ws));

describe('reconcile --once while the step-ca is down', () => {
  it('a first run against a down CA exits 1, names the URL and writes no certificate file', async () => {
    await ca.stop();
    const result = await cli.reconcile();
    expect(result.code).toBe(1);
    expect(`${result.stdout}${result.stderr}`).toContain(ca.url);
    expect([...snapshot([ws.certsDir]).keys()]).toEqual([ws.certsDir]);
    expect(hookCounts(ws)).toEqual({});

    await ca.start();
    const recovered = await cli.reconcile();
    expect({ code: recovered.code, out: recovered.stdout }).toEqual({
      code: 0,
      out: expect.stringContaining('Reconcile: 4 issued, 0 unchanged, 0 failed.'),
    });
    expect(hookCounts(ws)).toEqual({ nginx: 1, portainer: 1, traefik: 1, docker: 1 });
  });

  it('with drift to fix, a down CA leaves every file untouched; the next run after the CA is back converges', async () => {
    const nginx = certs.find((c) => c.label === 'nginx')!.entry;
    const docker = certs.find((c) => c.label === 'docker')!.entry;
    rmSync(docker.key_path);
    const before = snapshot([ws.certsDir]);
    clearHookCalls(ws);

    await ca.stop();
    // plan still works without the CA (chain checks are skipped) and writes nothing.
    const planned = await cli.plan('--detailed-exitcode');
    expect(planned.code).toBe(2);
    expect(planned.stdout).toContain(`+ ${docker.common_name}: issue`);
    const down = await cli.reconcile('--force');
    expect(down.code).toBe(1);
    expect(`${down.stdout}${down.stderr}`).toContain(ca.url);
    expect(changedPaths(before, snapshot([ws.certsDir]))).toEqual([]);
    expect(hookCounts(ws)).toEqual({});
    const serial = pairFacts(nginx.cert_path, nginx.key_path).serial;

    await ca.start();
    const up = await cli.reconcile();
    expect({ code: up.code, stderr: up.stderr }).toEqual({ code: 0, stderr: '' });
    expect(pairFacts(docker.cert_path, docker.key_path).keyMatches).toBe(true);
    // Only the drifted certificate is reissued: --force was for the failed run only.
    expect(pairFacts(nginx.cert_path, nginx.key_path).serial).toBe(serial);
    expect(hookCounts(ws)).toEqual({ docker: 1 });
    expect((await cli.plan('--detailed-exitcode')).code).toBe(0);
  });
});
