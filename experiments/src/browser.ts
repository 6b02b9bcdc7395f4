/**
 * Opens self-contained HTML reports in Debian's Chromium (driven by playwright-core), waits until every plot is
 * drawn, records console errors and network requests, and saves a screenshot of each page. Used by the browser
 * test of the reports; Chromium comes from `apt-get install -y chromium` (.ci/run installs it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Flags that work as root on a server without a GPU and keep Chromium from calling home. Playwright adds
 * --headless and its own fresh --user-data-dir (it rejects one passed here).
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export class ChromiumMissingError extends Error {
  override name = 'ChromiumMissingError';
}

export function requireChromium(executablePath = CHROMIUM_PATH): string {
  if (!fs.existsSync(executablePath)) {
    throw new ChromiumMissingError(
      `Chromium is not installed at ${executablePath}: the browser test of the reports needs it. ` +
        'Install it with `apt-get install -y chromium` (as root; .ci/run does this on CI).',
    );
  }
  return executablePath;
}

/** Every .html file under `dir`, sorted. */
export function findReports(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.html')) out.push(p);
    }
  };
  walk(dir);
  return out;
}

export interface PageCheck {
  file: string;
  /** Console messages of type error and uncaught page errors. */
  errors: string[];
  /** Every request whose URL is not file: or data: (each one was aborted). */
  requests: string[];
  /** Plots the page drew (`document.body.dataset.plotsReady`), 0 for a page without plots. */
  plotsReady: number;
  /** `.plot` elements on the page, and how many of them hold a drawn Plotly SVG. */
  plotDivs: number;
  drawnPlots: number;
  screenshot: string;
}

const LOCAL = /^(file|data|about|blob):/;

/**
 * Opens each report and screenshots it into `screenshotDir` (`<parent>__<name>.png`). Pages made by
 * renderReport set `data-plots-ready` on <body> once every Plotly.newPlot has resolved; others (the index) are
 * ready on load.
 */
export async function checkReports(
  files: string[],
  screenshotDir: string,
  { timeoutMs = 30_000 } = {},
): Promise<PageCheck[]> {
  const browser = await chromium.launch({
    executablePath: requireChromium(),
    args: CHROMIUM_ARGS,
    headless: true,
    timeout: timeoutMs,
  });
  fs.mkdirSync(screenshotDir, { recursive: true });
  const checks: PageCheck[] = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, serviceWorkers: 'block' });
    for (const file of files) {
      const page = await context.newPage();
      const check: PageCheck = {
        file,
        errors: [],
        requests: [],
        plotsReady: 0,
        plotDivs: 0,
        drawnPlots: 0,
        screenshot: '',
      };
      page.on('console', (m) => {
        if (m.type() === 'error') check.errors.push(`console: ${m.text()}`);
      });
      page.on('pageerror', (e) => check.errors.push(`page error: ${e.message}`));
      page.on('request', (r) => {
        if (!LOCAL.test(r.url())) check.requests.push(r.url());
      });
      // Nothing may leave the machine: anything not local is recorded above and aborted here.
      await page.route(/^(?!file:|data:|about:|blob:)/, (route) => route.abort());
      const hasPlots = fs.readFileSync(file, 'utf8').includes('plotsReady');
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load', timeout: timeoutMs });
      if (hasPlots) {
        await page.waitForFunction(() => document.body.dataset.plotsReady !== undefined, undefined, {
          timeout: timeoutMs,
        });
      }
      const dom = await page.evaluate(() => ({
        plotsReady: Number(document.body.dataset.plotsReady ?? 0),
        plotDivs: document.querySelectorAll('.plot').length,
        drawnPlots:
          document.querySelectorAll('.plot svg.main-svg').length === 0
            ? 0
            : [...document.querySelectorAll('.plot')].filter((d) => d.querySelector('svg.main-svg')).length,
      }));
      Object.assign(check, dom);
      check.screenshot = path.join(
        screenshotDir,
        `${path.basename(path.dirname(file))}__${path.basename(file, '.html')}.png`,
      );
      await page.screenshot({ path: check.screenshot, fullPage: true });
      await page.close();
      checks.push(check);
    }
    await context.close();
  } finally {
    await browser.close();
  }
  return checks;
}
