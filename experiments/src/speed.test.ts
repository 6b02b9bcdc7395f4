import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Adam, trainStep } from '@pixel-models/nn';
import { useTestBackend } from '@pixel-models/nn/testing';
import { REPO_ROOT } from './repo-root';
import {
  SPEED_COLUMNS,
  SPEED_PRESETS,
  buildSpeedModel,
  matchReference,
  parseTorchReference,
  peakWorkingBytes,
  speed,
  torchReferenceArgs,
  torchTable,
} from './speed';

beforeAll(async () => {
  await useTestBackend();
});

describe('experiments:speed', () => {
  it('the one-shot GPU measurement script is valid bash and runs the gpu preset with the torch reference', () => {
    const script = path.join(REPO_ROOT, 'experiments', 'gpu', 'h200-speed.sh');
    execFileSync('bash', ['-n', script]); // throws on a syntax error
    const text = fs.readFileSync(script, 'utf8');
    expect(text).toMatch(/speed\.ts --preset gpu /);
    expect(text).toMatch(/--reference "\$out\/torch\.jsonl"/);
  });

  it("summarize.py gives every round's ms and the median ratio per model and size", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cvt-'));
    const header = 'model,size,train_ms,torch_ms,tfjs_over_torch';
    const rounds = [
      ['gated,28,200,80,2.5', 'pixelcnn,28,90,30,3'],
      ['gated,28,300,100,3', 'pixelcnn,28,100,25,4'],
      ['gated,28,150,75,2', 'pixelcnn,28,80,40,2'],
    ];
    rounds.forEach((lines, r) =>
      lines.forEach((line) => {
        const run = path.join(dir, `round-${r + 1}`, 'speed', line.split(',')[0], 'speed.csv');
        fs.mkdirSync(path.dirname(run), { recursive: true });
        fs.writeFileSync(run, `${header}\n${line}\n`);
      }),
    );
    const out = execFileSync('python3', [path.join(REPO_ROOT, 'experiments', 'bench', 'summarize.py'), dir], {
      encoding: 'utf8',
    });
    expect(out).toContain('| gated | 28 | 200 ; 300 ; 150 | 80 ; 100 ; 75 | 2.5 ; 3 ; 2 | **2.50** |');
    expect(out).toContain('| pixelcnn | 28 | 90 ; 100 ; 80 | 30 ; 25 ; 40 | 3 ; 4 ; 2 | **3.00** |');
    fs.rmSync(dir, { recursive: true });
  });

  it('the CPU side-by-side script is valid bash, runs the repo copy of torch_reference.py at the preset shapes', () => {
    const script = path.join(REPO_ROOT, 'experiments', 'bench', 'cpu-vs-torch.sh');
    execFileSync('bash', ['-n', script]);
    const text = fs.readFileSync(script, 'utf8');
    expect(text).toMatch(/experiments\/bench\/torch_reference\.py \$args --device cpu --threads "\$threads"/);
    expect(text).toMatch(/speed\.ts --preset "\$preset" --torch-args/);
    // Interleaved: each model's PyTorch line is the reference of the speed run that follows it.
    expect(text).toMatch(/> "\$dir\/torch-\$model-\$size\.jsonl"/);
    expect(text).toMatch(/--models "\$model" --sizes "\$size" \\\n\s+--reference "\$dir\/torch-\$model-\$size\.jsonl"/);
    expect(fs.existsSync(path.join(REPO_ROOT, 'experiments', 'bench', 'torch_reference.py'))).toBe(true);
    // The shapes it asks PyTorch for are the ones speedModel builds.
    const p = SPEED_PRESETS.default;
    expect(torchReferenceArgs(p, [28], ['gated', 'row-lstm'])).toEqual([
      `--model gated --channels ${p.filters.gated} --layers ${p.layers.gated} --batch ${p.batch} --size 28 --levels ${p.levels}`,
      `--model row-lstm --channels ${p.filters['row-lstm']} --layers ${p.layers['row-lstm']} --batch ${p.batch} --size 28 --levels ${p.levels}`,
    ]);
    const row = Object.fromEntries(SPEED_COLUMNS.map((c) => [c, ''])) as Record<
      (typeof SPEED_COLUMNS)[number],
      string | number
    >;
    Object.assign(row, { model: 'gated', backend: 'wasm', size: 28, batch: 16, filters: 16, layers: 5, levels: 2 });
    Object.assign(row, { params: 100, train_ms: 50, torch_ms: 10, torch_params: 100, tfjs_over_torch: 5 });
    const table = torchTable(
      [row],
      [{ model: 'gated', channels: 16, batch: 16, size: 28, levels: 2, ms_per_step: 10, device: 'cpu x1 threads' }],
    );
    expect(table).toContain('cpu x1 threads');
    expect(table).toContain('| gated | wasm | 28 | 16 | 16 | 5 | 2 | 100 / 100 | 50 | 10 | 5 |');
  });

  it('parses torch_reference.py lines and matches model + size + batch + channels + levels', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'speed-ref-'));
    const file = path.join(dir, 'torch.jsonl');
    fs.writeFileSync(
      file,
      [
        'some log line',
        JSON.stringify({
          model: 'gated',
          channels: 64,
          layers: 8,
          batch: 64,
          size: 28,
          levels: 256,
          precision: 'fp32',
          ms_per_step: 14.9,
          images_per_s: 4301,
        }),
        JSON.stringify({
          model: 'gated',
          channels: 64,
          layers: 8,
          batch: 64,
          size: 28,
          levels: 256,
          precision: 'tf32',
          ms_per_step: 9,
        }),
        JSON.stringify({
          model: 'pixelcnn',
          channels: 64,
          layers: 8,
          batch: 64,
          size: 28,
          levels: 2,
          ms_per_step: 9.2,
        }),
      ].join('\n'),
    );
    const refs = parseTorchReference(fs.readFileSync(file, 'utf8'));
    expect(refs).toHaveLength(3);
    const row = { model: 'gated', size: 28, batch: 64, filters: 64, levels: 256, layers: 8 };
    expect(matchReference(refs, row)?.ms_per_step).toBe(14.9); // fp32 preferred
    expect(matchReference(refs, { ...row, levels: 2 })).toBeUndefined();
    expect(matchReference(refs, { ...row, model: 'pixelcnn', levels: 2 })?.ms_per_step).toBe(9.2);
  });

  it("measures a step's peak working memory: what it allocates and frees, growing with the batch", async () => {
    const bytes = await peakWorkingBytes(() => tf.tidy(() => tf.add(tf.zeros([1000]), 1).dataSync()));
    expect(bytes).toBeGreaterThanOrEqual(8000); // both 1000-float tensors were alive at once, then freed
    const { model } = buildSpeedModel('gated', SPEED_PRESETS.smoke, 1);
    const adam = new Adam(model.trainableVariables, { learningRate: 1e-3 });
    const batchPeak = async (n: number) => {
      const x = tf.zeros([n, 6, 6, 1], 'int32') as tf.Tensor4D;
      const peak = await peakWorkingBytes(() => trainStep(model, adam, x));
      x.dispose();
      return peak;
    };
    // Activations scale with the batch, gradients do not: a reading taken after the backward pass would not grow.
    expect(await batchPeak(16)).toBeGreaterThan(3 * (await batchPeak(2)));
    adam.dispose();
    model.dispose();
  });

  it('runs the smoke preset into a run folder with speed.csv, manifest and report', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'speed-'));
    const ref = path.join(out, 'torch.jsonl');
    fs.writeFileSync(
      ref,
      JSON.stringify({ model: 'gated', channels: 4, layers: 2, batch: 2, size: 6, levels: 2, ms_per_step: 2 }) + '\n',
    );
    const r = await speed(
      [
        '--preset',
        'smoke',
        '--backends',
        'wasm',
        '--out',
        path.join(out, 'results'),
        '--reports',
        path.join(out, 'reports'),
        '--reference',
        ref,
      ],
      () => {},
    );
    const [header, ...lines] = fs.readFileSync(r.csvPath, 'utf8').trim().split('\n');
    expect(header.split(',')).toEqual([...SPEED_COLUMNS]);
    expect(lines).toHaveLength(4); // 4 models x 1 size x wasm
    expect(r.rows.every((row) => row.samples_identical === 'yes')).toBe(true);
    expect(r.rows.find((row) => row.model === 'gated')?.tfjs_over_torch).toBeGreaterThan(0);
    expect(r.rows.every((row) => Number(row.step_peak_mb) > 0 && Number(row.peak_rss_mb) > 0)).toBe(true);
    expect(r.rows.every((row) => Number(row.kernels_per_step) > 10)).toBe(true); // a step is dozens of kernels at least
    expect(fs.existsSync(path.join(r.dir, 'manifest.json'))).toBe(true);
    const html = fs.readFileSync(r.reportPath, 'utf8');
    expect(html).toContain('Sampling speed-up');
    expect(html).toContain('tfjs / PyTorch');
  }, 120_000);
});
