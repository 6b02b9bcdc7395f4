/**
 * Browser test of the reports: generates a smoke run of each kind of report (a training run, a conditional run
 * with a baseline and extra image sections, a comparison, receptive fields, speed) into a temp dir,
 * then opens every report (and the index) in Debian's Chromium through playwright-core, waits until the plots
 * are drawn, fails on any console error or network request, and saves a screenshot of each page.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runComparison, runTrainingExperiment } from '@pixel-models/lab';
import { ablationBlindSpot } from './ablation-blind-spot';
import { runMnistAutoencoder } from './mnist-autoencoder';
import { speed } from './speed';
import { CHROMIUM_PATH, type PageCheck, checkReports, findReports, requireChromium } from './browser';
import { mnistGated } from './mnist-gated';
import { runReceptiveFields } from './receptive-fields';
import { REPO_ROOT } from './repo-root';

let out: string;

beforeAll(async () => {
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'reports-browser-'));
  const roots = ['--out', path.join(out, 'results'), '--reports', path.join(out, 'reports'), '--backend', 'wasm'];
  await runTrainingExperiment(mnistGated, ['--preset', 'smoke', ...roots], REPO_ROOT);
  await runReceptiveFields(['--preset', 'smoke', ...roots], REPO_ROOT);
  await runMnistAutoencoder(['--preset', 'smoke', '--samples', '2', ...roots], REPO_ROOT);
  await runComparison(ablationBlindSpot, ['--preset', 'smoke', ...roots], REPO_ROOT);
  await speed(
    [
      '--preset',
      'smoke',
      '--backends',
      'wasm',
      '--out',
      path.join(out, 'results'),
      '--reports',
      path.join(out, 'reports'),
    ],
    () => {},
  );
}, 180_000);

describe('reports in a browser (Chromium via playwright-core)', () => {
  it(`Chromium is installed at ${CHROMIUM_PATH}`, () => {
    // Not a skip: without Chromium the reports go untested, so this fails and says how to fix it.
    expect(requireChromium()).toBe(CHROMIUM_PATH);
  });

  it('every report draws its plots with no console error and no network request, and is screenshotted', async () => {
    requireChromium(); // fails with "apt-get install -y chromium" when missing
    const files = findReports(path.join(out, 'reports'));
    const names = files.map((f) => path.relative(path.join(out, 'reports'), f));
    expect(names).toContain('index.html');
    expect(names.some((n) => n.startsWith('mnist-gated/'))).toBe(true);
    for (const experiment of ['receptive-fields', 'mnist-autoencoder', 'ablation-blind-spot', 'speed']) {
      expect(
        names.some((n) => n.startsWith(`${experiment}/`)),
        experiment,
      ).toBe(true);
    }

    const checks: PageCheck[] = await checkReports(files, path.join(out, 'screenshots'));
    expect(checks).toHaveLength(files.length);
    for (const c of checks) {
      const name = path.relative(path.join(out, 'reports'), c.file);
      expect(c.errors, `${name}: console errors`).toEqual([]);
      expect(c.requests, `${name}: network requests`).toEqual([]);
      // index.html too: it plots each experiment's headline metric across its runs.
      expect(c.plotDivs, `${name}: plots`).toBeGreaterThan(0);
      expect(c.plotsReady, `${name}: data-plots-ready`).toBe(c.plotDivs);
      expect(c.drawnPlots, `${name}: plots with a drawn SVG`).toBe(c.plotDivs);
      const png = fs.readFileSync(c.screenshot);
      expect(png.subarray(1, 4).toString(), `${name}: screenshot is a PNG`).toBe('PNG');
      const [width, height] = [png.readUInt32BE(16), png.readUInt32BE(20)];
      expect(width, `${name}: screenshot width`).toBe(1200);
      expect(height, `${name}: screenshot height`).toBeGreaterThanOrEqual(900);
      expect(png.length, `${name}: screenshot size`).toBeGreaterThan(name === 'index.html' ? 10_000 : 50_000);
    }
    console.log(`screenshots: ${path.join(out, 'screenshots')}`);
  }, 60_000);
});
