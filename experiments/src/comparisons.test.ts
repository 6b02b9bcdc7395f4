import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '@pixel-models/nn';
import { runComparison } from '@pixel-models/lab';
import { useTestBackend } from '@pixel-models/nn/testing';
import { ablationBlindSpot } from './ablation-blind-spot';
import { ablationMasks } from './ablation-masks';
import { paperTables } from './paper-tables';
import { REPO_ROOT } from './repo-root';

const smoke = (...extra: string[]) => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'comparison-'));
  return [
    '--preset',
    'smoke',
    '--out',
    path.join(out, 'results'),
    '--reports',
    path.join(out, 'reports'),
    '--backend',
    'wasm',
    ...extra,
  ];
};
const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), 'utf8');

beforeAll(async () => {
  await useTestBackend();
});

describe('comparisons (smoke presets)', () => {
  it('ablation-blind-spot: three models per seed, mean and spread, report', async () => {
    const r = await runComparison(ablationBlindSpot, smoke('--seeds', '2'), REPO_ROOT);
    expect(r.rows.map((x) => `${x.entry}:${x.seed}`)).toEqual([
      'pixelcnn:1',
      'pixelcnn:2',
      'gated:1',
      'gated:2',
      'gated-masked:1',
      'gated-masked:2',
    ]);
    // Each entry's mean and spread are those of its two seeds' test NLLs (sample std, n - 1), which differ.
    for (const s of r.summary) {
      const values = r.rows
        .filter((x) => x.group === s.group && x.entry === s.entry)
        .map((x) => (s.unit === 'nats' ? x.testNats : x.testBitsPerDim));
      expect(values, s.entry).toHaveLength(2);
      expect(values[0], s.entry).not.toBe(values[1]);
      expect(s.seeds).toBe(2);
      expect(s.mean, s.entry).toBeCloseTo((values[0] + values[1]) / 2, 9);
      expect(s.std, s.entry).toBeCloseTo(Math.abs(values[0] - values[1]) / Math.SQRT2, 9);
    }
    expect(read(r.folder.dir, 'summary.csv').split('\n')[0]).toBe(
      'group,entry,label,unit,paper,paper_source,mean,std,seeds,mean_train_seconds,parameters,test_images,optimizer,measured_on',
    );
    // Matched sizes: each model's parameter count (nn's countParameters, printed in the table) within 2% of the Gated PixelCNN's.
    const params = Object.fromEntries(r.summary.map((s) => [s.entry, s.parameters]));
    for (const key of ['pixelcnn', 'gated-masked'])
      expect(Math.abs(params[key] / params.gated - 1), key).toBeLessThan(0.02);
    expect(read(r.folder.dir, 'table.md')).toContain(
      `| PixelCNN (masked, blind spot) | ${params.pixelcnn.toLocaleString('en')} |`,
    );
    expect(r.summary.every((s) => s.testImages === 64)).toBe(true); // the smoke preset's test images, all scored
    expect(read(r.folder.dir, 'curves.csv').split('\n').length).toBeGreaterThan(6);
    expect(fs.readFileSync(r.reportPath, 'utf8')).toContain('Blind spot: test NLL');
  });

  it('ablation-masks (a): the autoregressive check flags mask B first and passes mask A', async () => {
    const r = await runComparison(ablationMasks, smoke('--only', 'first-mask'), REPO_ROOT);
    const html = fs.readFileSync(r.reportPath, 'utf8');
    expect(html).toMatch(/mask A first \(correct\)<\/h2><p>Autoregressive check: passed/);
    expect(html).toMatch(
      /mask B first \(leaks the current pixel\)<\/h2><p>Autoregressive check: FAILED at 64 of 64 positions/,
    );
    expect(fs.existsSync(path.join(r.folder.dir, 'samples-first-mask-mask-b.png'))).toBe(true);
  });

  it('paper-tables: paper numbers in their own column, measured numbers with their budget', async () => {
    const r = await runComparison(paperTables, smoke(), REPO_ROOT);
    const md = read(r.folder.dir, 'table.md');
    expect(md).toContain(
      '| model | parameters | paper (nats) | this repo (nats, mean ± std over seeds) | seeds | test images scored |',
    );
    expect(md).toMatch(
      /\| PixelCNN \[2 layers, h = 6; size chosen\] \| [0-9,]+ \| 81\.3 \(PixelRNN paper, Table 4\) \| [0-9.]+ \| 1 \| 64 \|/,
    );
    expect(md).toMatch(/\| Gated PixelCNN \[2 layers, 8 features; size chosen\] \| [0-9,]+ \| — \|/);
    // The measured column is this run's own scored test NLL in nats per image (one seed: the row itself), not the
    // paper's 81.3 nor a bits/dim figure; and a trained smoke model beats the uniform model's 784 ln 2 = 543.4 nats.
    const row = r.rows.find((x) => x.entry === 'pixelcnn')!;
    const cells = md
      .split('\n')
      .find((l) => l.startsWith('| PixelCNN'))!
      .split('|')
      .map((c) => c.trim());
    expect(cells).toContain(row.testNats.toFixed(2));
    expect(row.testNats).toBeGreaterThan(300);
    expect(row.testNats).toBeLessThan(784 * Math.LN2);
  });

  it('rejects an unknown group', async () => {
    await expect(runComparison(ablationMasks, smoke('--only', 'bogus'), REPO_ROOT)).rejects.toThrow(ConfigError);
  });
});
