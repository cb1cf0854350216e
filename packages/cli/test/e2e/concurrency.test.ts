/**
 * Four `certloop reconcile --once` processes started at the same moment on one
 * manifest and state directory: the lock lets one act, the others then find
 * nothing to do. Every certificate is issued exactly once: each hook ran once
 * overall, with the serial that is still on disk at the end, the reports add
 * up to one issuance per certificate, and step-ca signed exactly that many.
 */
import { readFileSync } from 'node:fs';
import type { ReconcileReport } from '@certloop/reconciler';
import { closeBed, openLegacyBed } from './support/bed.js';
import type { StepCaHandle } from './support/ca.js';
import type { Certloop } from './support/cli.js';
import { pairFacts } from './support/files.js';
import { hookCalls, manyCerts, type PhoenixCert, phoenixCerts, type Workspace } from './support/workspace.js';

jest.setTimeout(120_000);

let ca: StepCaHandle;
let ws: Workspace;
let certs: PhoenixCert[];
let cli: Certloop;

beforeAll(async () => {
  ({ ca, ws, certs, cli } = await openLegacyBed((ws) => [...phoenixCerts(ws), ...manyCerts(ws, 8)]));
});

afterAll(() => closeBed(ca, ws));

/** Sign requests step-ca has logged so far. */
function signRequests(): number {
  return (readFileSync(ca.logPath, 'utf8').match(/\/1\.0\/sign/g) ?? []).length;
}

describe('four concurrent reconcile --once processes on one manifest', () => {
  it('issue each certificate exactly once and all exit 0', async () => {
    const signedBefore = signRequests();
    const runs = await Promise.all(
      Array.from({ length: 4 }, () => cli.exec(['reconcile', '--once', '--json', ...cli.common])),
    );
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0]);

    const reports = runs.map((r) => JSON.parse(r.stdout) as ReconcileReport);
    const issuedBy = new Map<string, number>();
    for (const report of reports) {
      for (const result of report.results) {
        if (result.outcome === 'changed') issuedBy.set(result.name, (issuedBy.get(result.name) ?? 0) + 1);
      }
    }
    expect(issuedBy.size).toBe(certs.length);
    expect([...issuedBy.values()].every((n) => n === 1)).toBe(true);

    const calls = hookCalls(ws);
    expect(calls).toHaveLength(certs.length);
    for (const { label, entry } of certs) {
      const mine = calls.filter((c) => c.args === label);
      expect(mine).toHaveLength(1);
      const onDisk = pairFacts(entry.cert_path, entry.key_path);
      expect(onDisk.keyMatches).toBe(true);
      // The first serial written is the last one: nobody issued it again afterwards.
      expect(mine[0]!.env.CERTLOOP_SERIAL).toBe(onDisk.serial.toLowerCase());
    }
    expect(signRequests() - signedBefore).toBe(certs.length);
  });
});
