/**
 * The status page in a real headless browser (Debian's chromium through
 * puppeteer-core; scripts/deps/browser.sh installs it), with JavaScript off
 * and every request recorded: it renders from the one document, shows every
 * certificate, and the timeline's geometry matches the data (bars from
 * notBefore to notAfter, the renewal mark, the line at now). Written by
 * `certloop status --html FILE` and served on `/` by the service.
 * CERTLOOP_SCREENSHOT=path.png saves a screenshot (docs/status-page.png).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { type LocalWorkspace, localWorkspace } from '../status/support.js';
import { runCli } from '../support/run.js';
import { startService } from '../support/service.js';

jest.setTimeout(90_000);

const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

/** The little of the DOM the page functions use (the tests compile without the DOM library). */
interface DomNode {
  getAttribute(name: string): string | null;
  querySelector(selector: string): DomNode | null;
  getBoundingClientRect(): { width: number; height: number };
}

interface JsonCert {
  name: string;
  state: string;
  notBefore?: string;
  notAfter?: string;
  renewAt?: string;
}

let ws: LocalWorkspace;
let browser: Browser;
let pagePath: string;
let report: { certificates: JsonCert[] };

/** Opens `url` with JavaScript off; resolves to the page and every URL it requested. */
async function open(url: string): Promise<{ page: Page; requests: string[] }> {
  const page = await browser.newPage();
  await page.setJavaScriptEnabled(false);
  await page.setViewport({ width: 1280, height: 800 });
  const requests: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  const response = await page.goto(url, { waitUntil: 'load' });
  if (response !== null && !url.startsWith('file:')) expect(response.status()).toBe(200);
  return { page, requests };
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/deps/browser.sh`);
  ws = await localWorkspace('certloop-page-');
  // "gone" cannot be written (its directory is a file): it fails, with no bar.
  mkdirSync(join(ws.dir, 'out'), { recursive: true });
  writeFileSync(join(ws.dir, 'out', 'gone'), 'not a directory\n');
  await ws.writeManifest([{ name: 'api' }, { name: 'gone' }, { name: 'web', hooks: ['false'] }]);
  await runCli(['reconcile', '--once', '-f', ws.manifest]);
  pagePath = join(ws.dir, 'status.html');
  const written = await runCli(['status', '-f', ws.manifest, '--html', pagePath]);
  expect(written.code).toBe(2);
  report = JSON.parse((await runCli(['status', '-f', ws.manifest, '--json'])).stdout) as typeof report;
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
});

afterAll(async () => {
  await browser?.close();
  rmSync(ws.dir, { recursive: true, force: true });
});

describe('certloop status --html', () => {
  it('is one self-contained document: no script, no other request', async () => {
    const html = readFileSync(pagePath, 'utf8');
    expect(html).not.toMatch(/<script|<link |src=|@import|url\(/i);
    const { page, requests } = await open(`file://${pagePath}`);
    expect(requests).toEqual([`file://${pagePath}`]);
    await page.close();
  });

  it('shows every certificate, its state and the summary, readable without JavaScript', async () => {
    const { page } = await open(`file://${pagePath}`);
    const summary = await page.$eval('#summary', (e) => e.textContent);
    // gone: its pass failed (its directory is a file), recorded as Failed.
    expect(summary).toBe('3 certificates: 1 ready, 2 not ready (1 failed, 1 pending hook)');
    const rows = await page.$$eval('#certificates tbody tr', (trs) =>
      trs.map((tr) => ({
        name: tr.getAttribute('data-name'),
        state: tr.querySelector('.badge')?.textContent,
        visible: tr.getBoundingClientRect().height > 0,
      })),
    );
    expect(rows).toEqual([
      { name: 'api', state: 'Ready', visible: true },
      { name: 'gone', state: 'Failed', visible: true },
      { name: 'web', state: 'Pending', visible: true },
    ]);
    const timelineNames = await page.$$eval('#timeline g.certificate', (gs) =>
      gs.map((g) => g.getAttribute('data-name')),
    );
    expect(timelineNames).toEqual(['api', 'gone', 'web']);
    expect(await page.$eval('#timeline g[data-name="gone"] .no-certificate', (e) => e.textContent)).toContain(
      'no certificate on disk',
    );
    await page.close();
  });

  it('draws the timeline to scale: bars from notBefore to notAfter, the renewal mark, now; coloured by state', async () => {
    const { page } = await open(`file://${pagePath}`);
    const drawn = await page.$eval('#timeline', (svg) => {
      // Runs in the page; typed structurally, since the tests are compiled without the DOM library.
      type Box = { x: number; width: number };
      const box = (e: unknown) => (e as { getBBox(): Box }).getBBox();
      const style = (e: unknown) =>
        (globalThis as unknown as { getComputedStyle(e: unknown): { fill: string } }).getComputedStyle(e);
      return {
        start: svg.getAttribute('data-start')!,
        end: svg.getAttribute('data-end')!,
        plotX: Number(svg.getAttribute('data-plot-x')),
        plotWidth: Number(svg.getAttribute('data-plot-width')),
        now: {
          at: svg.querySelector('#now')!.getAttribute('data-at')!,
          x: box(svg.querySelector('#now')!).x,
        },
        bars: Array.from(svg.querySelectorAll('g.certificate') as unknown as ArrayLike<DomNode>).map((g) => {
          const rect = g.querySelector('rect.validity');
          const mark = g.querySelector('line.renewal');
          return {
            name: g.getAttribute('data-name')!,
            bar:
              rect === null
                ? null
                : {
                    x: box(rect).x,
                    width: box(rect).width,
                    notBefore: rect.getAttribute('data-not-before'),
                    notAfter: rect.getAttribute('data-not-after'),
                    fill: style(rect).fill,
                    onScreen: rect.getBoundingClientRect().width > 0,
                  },
            renewal: mark === null ? null : { x: box(mark).x, at: mark.getAttribute('data-at') },
          };
        }),
      };
    });
    const start = Date.parse(drawn.start);
    const span = Date.parse(drawn.end) - start;
    const xOf = (iso: string) => drawn.plotX + ((Date.parse(iso) - start) / span) * drawn.plotWidth;

    for (const cert of report.certificates) {
      const shown = drawn.bars.find((b) => b.name === cert.name)!;
      if (cert.notBefore === undefined) {
        expect(shown.bar).toBeNull();
        continue;
      }
      expect(shown.bar).toMatchObject({ notBefore: cert.notBefore, notAfter: cert.notAfter, onScreen: true });
      expect(shown.bar!.x).toBeCloseTo(xOf(cert.notBefore), 0);
      expect(shown.bar!.x + shown.bar!.width).toBeCloseTo(xOf(cert.notAfter!), 0);
      expect(shown.renewal!.at).toBe(cert.renewAt);
      expect(shown.renewal!.x).toBeCloseTo(xOf(cert.renewAt!), 0);
      // The renewal point lies inside the validity bar.
      expect(shown.renewal!.x).toBeGreaterThan(shown.bar!.x);
      expect(shown.renewal!.x).toBeLessThan(shown.bar!.x + shown.bar!.width);
    }
    expect(drawn.now.x).toBeCloseTo(xOf(drawn.now.at), 0);
    const fill = (name: string) => drawn.bars.find((b) => b.name === name)!.bar!.fill;
    expect(fill('api')).toBe('rgb(46, 125, 50)'); // Ready: green
    expect(fill('web')).toBe('rgb(183, 121, 31)'); // Pending: amber
    if (process.env.CERTLOOP_SCREENSHOT)
      await page.screenshot({ path: process.env.CERTLOOP_SCREENSHOT, fullPage: true });
    await page.close();
  });
});

describe('the service', () => {
  it('serves the same page on / of the metrics listener', async () => {
    const service = await startService(ws.manifest, async (url) => (await fetch(`${url}/`)).status === 200);
    try {
      const { page, requests } = await open(`${service.url}/`);
      expect(requests).toEqual([`${service.url}/`]);
      expect(await page.$eval('#summary', (e) => e.textContent)).toMatch(
        /^3 certificates: 1 ready, 2 not ready/,
      );
      expect(await page.$$eval('#timeline rect.validity', (rects) => rects.length)).toBe(2);
      await page.close();
    } finally {
      expect(await service.stop()).toBe(0);
    }
  });
});
