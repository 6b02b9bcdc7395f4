import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, runComparison } from '@pixel-models/core';
import { useTestBackend } from '@pixel-models/core/testing';
import { ablationBlindSpot } from './ablation-blind-spot';
import { ablationMasks } from './ablation-masks';
import { paperTables } from './paper-tables';
import { REPO_ROOT } from './repo-root';

const smoke = (...extra: string[]) => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'comparison-'));
  return ['--preset', 'smoke', '--out', path.join(out, 'results'), '--reports', path.join(out, 'reports'), '--backend', 'wasm', ...extra];
};
const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), 'utf8');

beforeAll(async () => {
  await useTestBackend();
});

describe('comparisons (smoke presets)', () => {
  it('ablation-blind-spot: three models per seed, mean and spread, report', async () => {
    const r = await runComparison(ablationBlindSpot, smoke('--seeds', '2'), REPO_ROOT);
    expect(r.rows.map((x) => `${x.entry}:${x.seed}`)).toEqual(['pixelcnn:1', 'pixelcnn:2', 'gated:1', 'gated:2', 'gated-masked:1', 'gated-masked:2']);
    expect(r.summary.every((s) => s.seeds === 2 && s.std >= 0 && Number.isFinite(s.mean))).toBe(true);
    expect(read(r.folder.dir, 'summary.csv').split('\n')[0]).toBe('group,entry,label,unit,paper,paper_source,mean,std,seeds,mean_train_seconds');
    expect(read(r.folder.dir, 'curves.csv').split('\n').length).toBeGreaterThan(6);
    expect(fs.readFileSync(r.reportPath, 'utf8')).toContain('Blind spot: test NLL');
  });

  it('ablation-masks (a): the autoregressive check flags mask B first and passes mask A', async () => {
    const r = await runComparison(ablationMasks, smoke('--only', 'first-mask'), REPO_ROOT);
    const html = fs.readFileSync(r.reportPath, 'utf8');
    expect(html).toMatch(/mask A first \(correct\)<\/h2><p>Autoregressive check: passed/);
    expect(html).toMatch(/mask B first \(leaks the current pixel\)<\/h2><p>Autoregressive check: FAILED at 64 of 64 positions/);
    expect(fs.existsSync(path.join(r.folder.dir, 'samples-first-mask-mask-b.png'))).toBe(true);
  });

  it('paper-tables: paper numbers in their own column, measured numbers with their budget', async () => {
    const r = await runComparison(paperTables, smoke(), REPO_ROOT);
    const md = read(r.folder.dir, 'table.md');
    expect(md).toContain('| model | paper (nats) | this repo (nats, mean ± std over seeds) | seeds | train time per model | budget |');
    expect(md).toMatch(/\| PixelCNN \[2 layers, h = 6\] \| 81\.3 \(PixelRNN paper, Table 4\) \| [0-9.]+ \| 1 \|/);
    expect(md).toMatch(/\| Gated PixelCNN \[2 layers, 8 features\] \| — \|/);
    const measured = r.summary.find((s) => s.entry === 'pixelcnn');
    expect(measured?.mean).not.toBe(81.3);
  });

  it('rejects an unknown group', async () => {
    await expect(runComparison(ablationMasks, smoke('--only', 'bogus'), REPO_ROOT)).rejects.toThrow(ConfigError);
  });
});
