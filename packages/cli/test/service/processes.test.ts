/**
 * The service as real processes (the built CLI): two services on one state
 * directory with only one acting at a time, a `reconcile --once` beside them,
 * and SIGTERM in the middle of a pass.
 */
import { existsSync, readdirSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReconcileReport } from '@certloop/reconciler';
import { runCli } from '../support/run.js';
import { type ServiceProcess, spawnService } from '../support/service.js';
import {
  certificateAt,
  hookLines,
  metricValue,
  type ServiceWorkspace,
  scrape,
  useServiceFixtures,
  waitFor,
} from './support.js';

jest.setTimeout(120_000);

async function startServiceProcess(ws: ServiceWorkspace, ...extra: string[]): Promise<ServiceProcess> {
  return spawnService(ws.manifest, { args: extra });
}

/** Every lock directory left under the state directory. */
function locksUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((p) => p.endsWith('.lock'));
}

describe('certloop reconcile as processes', () => {
  const fixtures = useServiceFixtures();

  it('lets only one of two services on one state directory act; a --once run beside them finds nothing to do', async () => {
    const ws = await fixtures.workspace();
    await ws.writeManifest([{ name: 'shared', hooks: [ws.recordHook] }]);
    const a = await startServiceProcess(ws);
    const b = await startServiceProcess(ws);
    fixtures.track(a, b);

    const first = await waitFor('the first certificate', () => certificateAt(ws.certPath('shared')));
    await waitFor(
      'a renewal',
      () => {
        const now = certificateAt(ws.certPath('shared'));
        return now !== undefined && now.serial !== first.serial;
      },
      60_000,
    );
    // Let both look again after the renewal (each wakes at its own jittered point).
    await waitFor('both services to record a pass after the renewal', async () => {
      const passes = await Promise.all(
        [a, b].map(async (s) => {
          const { text } = await scrape(s.url);
          return ['success', 'standby'].reduce(
            (sum, result) =>
              sum + (metricValue(text, 'certloop_reconcile_passes_total', `result="${result}"`) ?? 0),
            0,
          );
        }),
      );
      return passes.every((n) => n >= 2);
    });

    const once = await runCli(['reconcile', '--once', '--json', '-f', ws.manifest]);
    expect(once.code).toBe(0);
    const report = JSON.parse(once.stdout) as ReconcileReport;
    expect(report.results.map((r) => r.action)).toEqual(['none']);

    const hookRuns = hookLines(ws.hookLog);
    const serials = hookRuns.map(([, serial]) => serial);
    expect(new Set(serials).size).toBe(serials.length); // no certificate issued or announced twice
    const issuedBy = await Promise.all(
      [a, b].map(async (s) => metricValue((await scrape(s.url)).text, 'certloop_issuances_total') ?? 0),
    );
    // Every issuance by either process is a certificate the hook announced: none was wasted.
    expect(issuedBy[0]! + issuedBy[1]!).toBe(serials.length);

    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    await expect(a.exit).resolves.toBe(0);
    await expect(b.exit).resolves.toBe(0);
    expect(locksUnder(ws.stateDir)).toEqual([]);
  });

  it('finishes the pass in flight on SIGTERM, releases the lock and exits 0', async () => {
    const ws = await fixtures.workspace();
    const marker = join(ws.dir, 'hook-progress.log');
    await ws.writeManifest([
      { name: 'slow', hooks: [`echo started >> ${marker}; sleep 2; echo finished >> ${marker}`] },
    ]);
    const service = await startServiceProcess(ws);
    fixtures.track(service);
    await waitFor('the hook to start', () => hookLines(marker).length > 0);
    service.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      service.exit,
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), 15_000);
      }),
    ]);
    clearTimeout(timer);
    expect(code).toBe(0);
    expect(hookLines(marker).map(([line]) => line)).toEqual(['started', 'finished']);
    expect(locksUnder(ws.stateDir)).toEqual([]);
    expect(service.stderr()).toContain('certloop service stopped.');
  });

  it('abandons a pass still running when --shutdown-grace runs out, and the next run takes over', async () => {
    const ws = await fixtures.workspace();
    const marker = join(ws.dir, 'hook-progress.log');
    const hang = join(ws.dir, 'hang');
    await writeFile(hang, '');
    await ws.writeManifest([
      {
        name: 'hanging',
        hooks: [`echo started >> ${marker}; if [ -e ${hang} ]; then sleep 8; fi; echo finished >> ${marker}`],
      },
    ]);
    const service = await startServiceProcess(ws, '--shutdown-grace', '1s');
    fixtures.track(service);
    await waitFor('the hook to start', () => hookLines(marker).length > 0);
    service.child.kill('SIGTERM');
    expect(await service.exit).toBe(0);
    // It did not wait for the hook (which sleeps 8 s) to finish.
    expect(hookLines(marker).map(([line]) => line)).toEqual(['started']);
    expect(service.stderr()).toContain('the shutdown grace ran out');
    // The abandoned pass left its hook pending: the next run takes the lock over and runs it again.
    await rm(hang);
    const once = await runCli(['reconcile', '--once', '--json', '-f', ws.manifest]);
    expect(once.code).toBe(0);
    expect((JSON.parse(once.stdout) as ReconcileReport).hooks).toEqual([
      expect.objectContaining({ names: ['hanging'], ok: true }),
    ]);
    expect(hookLines(marker).filter(([line]) => line === 'started')).toHaveLength(2);
  });
});
