/**
 * The continuous service in this process, against the real step-ca with
 * 2-minute certificates renewed 100 s before expiry (about 20 s after issuance).
 * One service runs through the whole file: automatic renewal, a manifest edit,
 * an invalid manifest, a CA outage and its recovery, and the metrics throughout.
 */
import { rm, unlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { type StepCaHandle, startStepCa } from '@certloop/testbed';
import { type RunningService, startService } from '../../src/serve/index.js';
import { captureIo } from '../support/capture.js';
import {
  certificateAt,
  hookLines,
  metricValue,
  type ServiceWorkspace,
  scrape,
  seriesOf,
  serviceWorkspace,
  waitFor,
} from './support.js';

jest.setTimeout(120_000);

const normal = (serial: string) => serial.toLowerCase().replace(/^0+/, '');

describe('certloop reconcile (the service)', () => {
  let ca: StepCaHandle;
  let ws: ServiceWorkspace;
  let running: RunningService;
  let url: string;
  const controller = new AbortController();
  const io = captureIo({ PATH: process.env.PATH, HOME: process.env.HOME });

  beforeAll(async () => {
    ca = await startStepCa();
    ws = await serviceWorkspace(ca);
    await ws.writeManifest([{ name: 'web', hooks: [ws.recordHook] }]);
    running = await startService(
      {
        file: ws.manifest,
        metricsAddr: '127.0.0.1:0',
        resync: '1m',
        backoffBase: '2s',
        backoffMax: '8s',
        logFormat: 'json',
        logLevel: 'info',
      },
      io,
      controller.signal,
    );
    url = running.metricsUrl ?? '';
  });

  afterAll(async () => {
    controller.abort();
    await running?.done.catch(() => {});
    await ca?.dispose();
    if (ws) await rm(ws.dir, { recursive: true, force: true });
  });

  it('issues at start and renews by itself, running the hook once per new certificate', async () => {
    const first = await waitFor('the first certificate', () => certificateAt(ws.certPath('web')));
    const renewed = await waitFor(
      'the automatic renewal',
      () => {
        const now = certificateAt(ws.certPath('web'));
        return now !== undefined && now.serial !== first.serial ? now : undefined;
      },
      60_000,
    );
    await waitFor('the hook for the renewed certificate', () =>
      hookLines(ws.hookLog).some(([, serial]) => normal(serial ?? '') === normal(renewed.serial)),
    );
    const serials = hookLines(ws.hookLog).map(([, serial]) => normal(serial ?? ''));
    expect(serials).toContain(normal(first.serial));
    expect(new Set(serials).size).toBe(serials.length); // once per issuance, never twice
  });

  it('serves one expiry series per certificate, equal to its notAfter, and is ready', async () => {
    const cert = await waitFor('web', () => certificateAt(ws.certPath('web')));
    const { text } = await waitFor('metrics for the current certificate', async () => {
      const scraped = await scrape(url);
      const value = metricValue(
        scraped.text,
        'certloop_certificate_expiration_timestamp_seconds',
        'name="web"',
      );
      const current = certificateAt(ws.certPath('web'));
      return current !== undefined && value === current.notAfter.getTime() / 1000 ? scraped : undefined;
    });
    expect(cert).toBeDefined();
    expect(seriesOf(text, 'certloop_certificate_expiration_timestamp_seconds')).toHaveLength(1);
    expect(metricValue(text, 'certloop_issuances_total')).toBeGreaterThanOrEqual(2);
    expect(metricValue(text, 'certloop_hook_runs_total')).toBeGreaterThanOrEqual(2);
    expect(metricValue(text, 'certloop_last_successful_pass_timestamp_seconds')).toBeGreaterThan(0);
    expect((await scrape(url, '/healthz')).status).toBe(200);
    await waitFor('ready', async () => (await scrape(url, '/readyz')).status === 200);
  });

  it('acts on a manifest edit without a restart', async () => {
    await ws.writeManifest([{ name: 'web', hooks: [ws.recordHook] }, { name: 'api' }]);
    const api = await waitFor('the certificate added to the manifest', () =>
      certificateAt(ws.certPath('api')),
    );
    const { text } = await waitFor('two expiry series', async () => {
      const scraped = await scrape(url);
      return seriesOf(scraped.text, 'certloop_certificate_expiration_timestamp_seconds').length === 2
        ? scraped
        : undefined;
    });
    expect(metricValue(text, 'certloop_certificate_expiration_timestamp_seconds', 'name="api"')).toBe(
      api.notAfter.getTime() / 1000,
    );
  });

  it('keeps the last valid manifest when an edit breaks it, and says what is wrong', async () => {
    await ws.writeRaw(
      'apiVersion: certloop.dev/v1\nkind: CertificateManifest\ncertificates:\n  - name: 7\n    colour: red\n',
    );
    await waitFor('the invalid manifest to be reported', async () => {
      const { text } = await scrape(url);
      return metricValue(text, 'certloop_manifest_valid') === 0;
    });
    expect(io.err()).toContain('The manifest is invalid; the last valid one stays in force.');
    expect(io.err()).toMatch(/colour/);
    // Both certificates are still managed: removing one brings it back.
    await unlink(ws.certPath('api'));
    running.service.trigger('reload-signal');
    await waitFor('api restored under the last valid manifest', () => certificateAt(ws.certPath('api')));
    await ws.writeManifest([{ name: 'web', hooks: [ws.recordHook] }, { name: 'api' }]);
    await waitFor('the manifest to be valid again', async () => {
      const { text } = await scrape(url);
      return metricValue(text, 'certloop_manifest_valid') === 1;
    });
  });

  it('backs off while the CA is down (no storm) and recovers when it is back', async () => {
    await ca.stop();
    await unlink(ws.certPath('api'));
    running.service.trigger('reload-signal');
    const before = metricValue((await scrape(url)).text, 'certloop_issuance_failures_total') ?? 0;
    // 16 s of outage: with a 2 s backoff doubling to 8 s, each of the two certificates is
    // tried at most 4 times (0, 2, 6, 14 s); without backoff, about every second.
    await sleep(16_000);
    const { text } = await scrape(url);
    const failures = (metricValue(text, 'certloop_issuance_failures_total') ?? 0) - before;
    expect(failures).toBeGreaterThanOrEqual(2);
    expect(failures).toBeLessThanOrEqual(8);
    expect((await scrape(url, '/readyz')).status).toBe(503);

    await ca.start();
    await waitFor(
      'the certificate issued after the CA came back',
      () => certificateAt(ws.certPath('api')),
      40_000,
    );
    await waitFor('ready again', async () => (await scrape(url, '/readyz')).status === 200, 30_000);
  });

  it('stops on abort and exits 0', async () => {
    controller.abort();
    await expect(running.done).resolves.toBe(0);
    await expect(running.drained).resolves.toBe(true);
  });
});
