/**
 * `certloop status` tells the truth, through the shipped artifact: Ready only
 * when files, modes and hooks are as declared; a PascalCase reason and a
 * sentence otherwise; a summary line; `--not-ready`; `--json` consistent with
 * the table; exit 0 all Ready, 2 any not Ready, 1 could not observe, 3 usage.
 */
import { chmodSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../support/run.js';
import { type LocalWorkspace, localWorkspace } from './support.js';

jest.setTimeout(60_000);

let ws: LocalWorkspace;
const status = (...extra: string[]) => runCli(['status', '-f', ws.manifest, ...extra]);

interface JsonCert {
  name: string;
  ready: boolean;
  state: string;
  reason: string;
  message: string;
  issuer: string;
  renewAt?: string;
  notAfter?: string;
  pending: { kind: string; target: string }[];
}
interface JsonReport {
  formatVersion: number;
  certificates: JsonCert[];
  summary: { total: number; ready: number; notReady: number };
}

/** The table's data rows as NAME -> cells, split on runs of spaces (every cell is one word). */
function tableRows(stdout: string): Map<string, string[]> {
  const lines = stdout.split('\n');
  const header = lines.findIndex((l) => l.startsWith('NAME'));
  const rows = new Map<string, string[]>();
  for (const line of lines.slice(header + 1)) {
    if (line.trim() === '') break;
    const cells = line.split(/ {2,}/);
    rows.set(cells[0]!, cells);
  }
  return rows;
}

beforeAll(async () => {
  ws = await localWorkspace();
  await ws.writeManifest([{ name: 'api' }, { name: 'web', hooks: ['false'] }]);
});

afterAll(() => rmSync(ws.dir, { recursive: true, force: true }));

describe('certloop status', () => {
  it('exits 2 before the first pass: every certificate is Missing, with its reason', async () => {
    const result = await status();
    expect(result.code).toBe(2);
    const rows = tableRows(result.stdout);
    expect(rows.get('api')?.slice(1, 3)).toEqual(['Missing', 'CertificateMissing']);
    expect(result.stdout).toMatch(/^2 certificates: 0 ready, 2 not ready \(2 missing\)$/m);
  });

  it('after a pass whose hook failed: the certificate is Pending (HookPending), not Ready; the other is Ready', async () => {
    const reconcile = await runCli(['reconcile', '--once', '-f', ws.manifest]);
    expect(reconcile.code).toBe(1); // the hook failed

    const result = await status();
    expect(result.code).toBe(2);
    const rows = tableRows(result.stdout);
    expect(rows.get('api')?.slice(1, 3)).toEqual(['Ready', 'Ready']);
    expect(rows.get('web')?.slice(1, 3)).toEqual(['Pending', 'HookPending']);
    expect(result.stdout).toMatch(
      /^ {2}web: The post-renewal hook `false` failed earlier and must run again\. \(hook `false` pending\)$/m,
    );
    // The PENDING column counts the work left.
    expect(rows.get('web')?.slice(7)).toEqual(['success', '1']);
    expect(rows.get('api')?.slice(7)).toEqual(['success', '-']);
    expect(result.stdout).toMatch(/^2 certificates: 1 ready, 1 not ready \(1 pending hook\)$/m);
  });

  it('shows the renewal time and the issuer of each certificate', async () => {
    const json = JSON.parse((await status('--json')).stdout) as JsonReport;
    const api = json.certificates.find((c) => c.name === 'api')!;
    expect(api.issuer).toBe(`local:${join(ws.dir, 'ca')}`);
    // 24h certificate renewed 8h before expiry.
    expect(Date.parse(api.notAfter!) - Date.parse(api.renewAt!)).toBe(8 * 3_600_000);
    const rows = tableRows((await status()).stdout);
    expect(rows.get('api')?.[5]).toBe(`${api.renewAt!.slice(0, 16)}Z`);
    expect(rows.get('api')?.[6]).toBe(api.issuer);
  });

  it('a key made world-readable is not Ready (Drifted, ModeDiffers), in the table and in the JSON alike', async () => {
    chmodSync(ws.keyPath('api'), 0o666);
    const table = await status();
    const json = await status('--json');
    expect([table.code, json.code]).toEqual([2, 2]);
    const report = JSON.parse(json.stdout) as JsonReport;
    const rows = tableRows(table.stdout);
    for (const cert of report.certificates) {
      expect(rows.get(cert.name)?.slice(1, 3)).toEqual([cert.state, cert.reason]);
      expect(cert.ready).toBe(cert.state === 'Ready');
    }
    const api = report.certificates.find((c) => c.name === 'api')!;
    expect(api).toMatchObject({ ready: false, state: 'Drifted', reason: 'ModeDiffers' });
    expect(api.message).toMatch(/mode/i);
    expect(report.summary).toEqual(expect.objectContaining({ total: 2, ready: 0, notReady: 2 }));
  });

  it('--not-ready lists only certificates that are not Ready; the summary still counts all', async () => {
    chmodSync(ws.keyPath('api'), 0o600);
    const result = await status('--not-ready');
    expect(result.code).toBe(2);
    expect([...tableRows(result.stdout).keys()]).toEqual(['web']);
    expect(result.stdout).toMatch(/^2 certificates: 1 ready, 1 not ready/m);
    const json = JSON.parse((await status('--not-ready', '--json')).stdout) as JsonReport;
    expect(json.certificates.map((c) => c.name)).toEqual(['web']);
    expect(json.summary.total).toBe(2);
  });

  it('exits 0 once every certificate is Ready', async () => {
    await ws.writeManifest([{ name: 'api' }, { name: 'web', hooks: ['true'] }]);
    expect((await runCli(['reconcile', '--once', '-f', ws.manifest])).code).toBe(0);
    const result = await status();
    expect({ code: result.code, summary: result.stdout.trim().split('\n').at(-1) }).toEqual({
      code: 0,
      summary: '2 certificates: 2 ready, 0 not ready',
    });
  });

  it('exits 1 when it cannot observe (the status file cannot be read)', async () => {
    const found = readdirSync(ws.stateDir, { recursive: true, encoding: 'utf8' }).find((p) =>
      p.endsWith('status.json'),
    );
    expect(found).toBeDefined();
    const statusFile = join(ws.stateDir, found!);
    rmSync(statusFile, { force: true });
    mkdirSync(statusFile);
    try {
      const result = await status();
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('Could not read the state file');
    } finally {
      rmSync(statusFile, { recursive: true, force: true });
    }
  });

  it('exits 3 on a usage error', async () => {
    expect((await status('--no-such-option')).code).toBe(3);
  });
});
