import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '@pixel-models/nn';
import { UsageError } from '@pixel-models/lab';
import { useTestBackend } from '@pixel-models/nn/testing';
import { REPO_ROOT } from './repo-root';
import {
  RF_MODELS,
  type ReceptiveFieldsResult,
  type RfModel,
  type RfPixel,
  runReceptiveFields,
} from './receptive-fields';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'receptive-fields-'));
const smoke = (out: string, ...extra: string[]) => [
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

let out: string;
let run: ReceptiveFieldsResult;

beforeAll(async () => {
  await useTestBackend();
  out = tmp();
  run = await runReceptiveFields(smoke(out, '--run-id', 'a'), REPO_ROOT);
});

const coverage = (model: RfModel, pixel: RfPixel) =>
  run.measurements.filter((m) => m.model === model && m.pixel === pixel).map((m) => m.coverage);

describe('experiments:receptive-fields --preset smoke', () => {
  it('measures every model at depths 1..3 for the centre and the row-end pixel of a 7x7 image', () => {
    expect(run.size).toBe(7);
    expect(run.maxDepth).toBe(3);
    expect(run.measurements).toHaveLength(RF_MODELS.length * 3 * 2);
  });

  it('finds no future dependency in any model', () => {
    for (const m of run.measurements) expect(m.futureDependencies, `${m.model} depth ${m.depth} ${m.pixel}`).toBe(0);
  });

  it('PixelCNN and the gated model without the stack split keep a blind spot at every depth', () => {
    for (const model of ['pixelcnn', 'gated-masked'] as const)
      for (const c of coverage(model, 'centre')) expect(c, model).toBeLessThan(1);
  });

  it('the Row LSTM sees a triangle: the centre coverage stays below 1', () => {
    for (const c of coverage('row-lstm', 'centre')) expect(c).toBeLessThan(1);
  });

  it('the Gated PixelCNN covers the whole context once deep enough, and its field only grows', () => {
    const c = coverage('gated-pixelcnn', 'centre');
    expect(c[0]).toBeLessThan(1);
    expect(c.at(-1)).toBe(1);
    for (let i = 1; i < c.length; i++) expect(c[i]).toBeGreaterThanOrEqual(c[i - 1]);
  });

  it('the Diagonal BiLSTM covers the whole context from depth 1, except the last pixel of the row above (edge effect)', () => {
    const [r] = run.measurements[0].position;
    for (const m of run.measurements.filter((x) => x.model === 'diagonal-bilstm')) {
      if (m.pixel === 'row-end') expect(m.coverage).toBe(1);
      else expect(m.missed).toEqual([[r - 1, run.size - 1]]); // c + firstKernel/2 < W-1: missed, as libs/pixelrnn documents
    }
  });

  it('writes config, manifest, coverage.csv and a report with the heatmaps and the coverage plot', () => {
    const dir = run.folder.dir;
    expect(dir).toBe(path.join(out, 'results', 'receptive-fields', 'a'));
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({
      experiment: 'receptive-fields',
      runId: 'a',
      seed: 1,
      backend: 'wasm',
      status: 'completed',
      preset: 'smoke',
    });
    expect(manifest.summary['future dependencies']).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'))).toMatchObject({
      size: 7,
      maxDepth: 3,
      firstKernel: 3,
      kernel: 3,
    });
    const csv = fs.readFileSync(path.join(dir, 'coverage.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('model,depth,pixel,row,col,coverage,future_dependencies,missed');
    expect(csv).toHaveLength(1 + RF_MODELS.length * 3 * 2);
    expect(csv).toContain('gated-pixelcnn,3,centre,3,3,1,0,0');
    const html = fs.readFileSync(run.reportPath, 'utf8');
    expect(run.reportPath).toBe(path.join(out, 'reports', 'receptive-fields', 'a.html'));
    expect(html).toContain('"type":"heatmap"');
    expect(html).toContain('"autorange":"reversed"');
    expect(html).toContain('Coverage of the ideal context vs depth');
    expect(html).toContain('misses 1 pixel(s)');
    expect(fs.readFileSync(path.join(out, 'reports', 'index.html'), 'utf8')).toContain(
      'href="receptive-fields/a.html"',
    );
  });

  it('is reproducible for a seed and never overwrites a run', async () => {
    const b = await runReceptiveFields(smoke(out, '--run-id', 'b', '--max-depth', '1'), REPO_ROOT);
    for (const m of b.measurements) {
      const a = run.measurements.find((x) => x.model === m.model && x.depth === m.depth && x.pixel === m.pixel)!;
      expect([...m.map]).toEqual([...a.map]);
    }
    await expect(runReceptiveFields(smoke(out, '--run-id', 'a'), REPO_ROOT)).rejects.toThrow(ConfigError);
  });

  it('rejects bad flags with a usage error', async () => {
    for (const bad of [['--max-depth', '0'], ['--size', 'big'], ['--preset', 'huge'], ['--bogus']]) {
      await expect(runReceptiveFields(smoke(tmp(), ...bad), REPO_ROOT)).rejects.toThrow(UsageError);
    }
  });
});
