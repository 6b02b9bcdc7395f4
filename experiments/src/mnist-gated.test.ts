import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '@pixel-models/nn';
import {
  type DataSplits,
  UsageError,
  checkpointBinary,
  loadCheckpoint,
  loadTrainingData,
  openTrainingRun,
  runTrainingExperiment,
  withTrainingRun,
} from '@pixel-models/lab';
import { useTestBackend } from '@pixel-models/nn/testing';
import { mnistGated } from './mnist-gated';
import { REPO_ROOT } from './repo-root';
import { runMainJob } from './testing/main-job-cli';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'mnist-gated-'));
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

beforeAll(async () => {
  await useTestBackend();
});

describe('experiments:mnist-gated --preset smoke', () => {
  it('writes a complete run folder and report, reproducibly for a seed', async () => {
    const out = tmp();
    const a = await runTrainingExperiment(mnistGated, smoke(out, '--run-id', 'a', '--seed', '3'), REPO_ROOT);
    const b = await runTrainingExperiment(mnistGated, smoke(out, '--run-id', 'b', '--seed', '3'), REPO_ROOT);
    const dir = a.folder.dir;
    for (const f of [
      'config.json',
      'manifest.json',
      'metrics.csv',
      'samples.png',
      'checkpoint.json',
      path.basename(checkpointBinary(dir) ?? 'checkpoint-*.bin'),
    ])
      expect(fs.existsSync(path.join(dir, f)), f).toBe(true);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({
      experiment: 'mnist-gated',
      runId: 'a',
      seed: 3,
      backend: 'wasm',
      status: 'completed',
      tfjsVersion: '4.22.0',
      nodeVersion: process.version,
    });
    expect(manifest.git).toHaveProperty('dirty');
    expect(manifest.wallSeconds).toBeGreaterThan(0);
    expect(manifest.summary.testNats).toBeCloseTo(a.test!.nats, 6);
    const csv = fs.readFileSync(path.join(dir, 'metrics.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe(
      'epoch,train_nats,train_bits_per_dim,validation_nats,validation_bits_per_dim,seconds,images_per_second',
    );
    expect(csv).toHaveLength(2);
    expect(fs.readFileSync(path.join(dir, 'samples.png')).subarray(1, 4).toString()).toBe('PNG');
    const html = fs.readFileSync(a.reportPath!, 'utf8');
    expect(html).toContain('Test NLL on binarized MNIST');
    expect(html).toContain('paper: PixelCNN');
    const index = fs.readFileSync(path.join(out, 'reports', 'index.html'), 'utf8');
    expect(index).toContain('href="mnist-gated/a.html"');
    expect(index).toContain('href="mnist-gated/b.html"');
    // Same seed, same backend: identical metrics and samples.
    expect(b.test!.nats).toBe(a.test!.nats);
    expect(b.history.map((h) => h.validationNats)).toEqual(a.history.map((h) => h.validationNats));
    expect(
      fs.readFileSync(path.join(b.folder.dir, 'samples.png')).equals(fs.readFileSync(path.join(dir, 'samples.png'))),
    ).toBe(true);
  });

  it('never overwrites an existing run', async () => {
    const out = tmp();
    await runTrainingExperiment(mnistGated, smoke(out, '--run-id', 'x', '--samples', '0'), REPO_ROOT);
    const before = fs.readFileSync(path.join(out, 'results/mnist-gated/x/manifest.json'), 'utf8');
    await expect(runTrainingExperiment(mnistGated, smoke(out, '--run-id', 'x'), REPO_ROOT)).rejects.toThrow(
      ConfigError,
    );
    expect(fs.readFileSync(path.join(out, 'results/mnist-gated/x/manifest.json'), 'utf8')).toBe(before);
  });

  it('rejects bad flags with a usage error', async () => {
    const out = tmp();
    for (const bad of [
      ['--levels', '1'],
      ['--levels', '300'],
      ['--epochs', 'two'],
      ['--bogus'],
      ['--preset', 'huge'],
      ['stray'],
    ]) {
      await expect(runTrainingExperiment(mnistGated, smoke(out, ...bad), REPO_ROOT)).rejects.toThrow(UsageError);
    }
    for (const bad of [
      ['--lr', '0'],
      ['--temperature', '0'],
    ]) {
      await expect(runTrainingExperiment(mnistGated, smoke(out, ...bad), REPO_ROOT)).rejects.toThrow(ConfigError);
    }
    expect(fs.existsSync(path.join(out, 'results'))).toBe(false); // nothing half-written
  });

  it('refuses the old `paper` preset (from neither paper) and names its new name, `gpu`', async () => {
    await expect(runTrainingExperiment(mnistGated, smoke(tmp(), '--preset', 'paper'), REPO_ROOT)).rejects.toThrow(
      '--preset paper was renamed: use --preset gpu',
    );
    expect(mnistGated.presets.gpu.model).toMatchObject({ layers: 15, filters: 128, skip: true });
  });

  it('exits 2 with the usage on an unknown flag (CLI)', async () => {
    const { code, stderr } = await runMainJob(['--bogus']);
    expect(code).toBe(2);
    expect(stderr).toContain('unknown flag --bogus');
    expect(stderr).toContain('--levels <int>');
  });

  it('Ctrl-C saves a checkpoint, and --resume finishes the run with the metrics of an uninterrupted run (CLI)', async () => {
    const out = tmp();
    // 64 training images in 32 batches of 2 an epoch: Ctrl-C after epoch 1 lands part-way through epoch 2.
    const flags = ['--epochs', '2', '--train-images', '64', '--batch', '2', '--test-images', '32', '--samples', '0'];
    let sent = false;
    const first = await runMainJob(smoke(out, '--run-id', 'r', ...flags), (text, kill) => {
      if (!sent && text.includes('epoch 1/2 100%')) {
        sent = true;
        kill();
      }
    });
    expect(first.code).toBe(130);
    expect(first.stdout).toContain('--resume r');
    const dir = path.join(out, 'results/mnist-gated/r');
    const saved = loadCheckpoint(dir).meta.position;
    expect(saved.epoch).toBe(1);
    expect(saved.batch).toBeGreaterThan(0); // mid-epoch: the partial loss of epoch 2 must carry over too
    const second = await runMainJob([
      '--out',
      path.join(out, 'results'),
      '--reports',
      path.join(out, 'reports'),
      '--backend',
      'wasm',
      '--resume',
      'r',
    ]); // --resume takes no run-changing flags
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/test NLL: [0-9.]+ nats .* after 2 epochs/);
    // The same flags without the interruption (in-process: the same runner as the entry point, one start less).
    await runTrainingExperiment(mnistGated, smoke(out, '--run-id', 'u', ...flags), REPO_ROOT);
    // metrics.csv without the timing columns, and the test NLL, equal those of the uninterrupted run exactly.
    const metrics = (run: string) => {
      const [header, ...rows] = fs
        .readFileSync(path.join(out, 'results/mnist-gated', run, 'metrics.csv'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split(','));
      const keep = header.map((_, i) => i).filter((i) => !['seconds', 'images_per_second'].includes(header[i]));
      return [header, ...rows].map((cells) => keep.map((i) => cells[i]));
    };
    expect(metrics('r')).toHaveLength(3);
    expect(metrics('r')[0]).toContain('validation_nats');
    expect(metrics('r')).toEqual(metrics('u'));
    const testNats = (run: string) =>
      JSON.parse(fs.readFileSync(path.join(out, 'results/mnist-gated', run, 'manifest.json'), 'utf8')).summary.testNats;
    expect(testNats('r')).toBe(testNats('u'));
  });

  it('binarizes MNIST once with the data seed: runs with different --seed see the same binary images', async () => {
    const out = tmp();
    const seen: { seed: number; data: DataSplits }[] = [];
    const captured = new Error('data captured'); // stops each run before training: only its data is needed
    const capture = async (argv: string[]) => {
      const t = await openTrainingRun(mnistGated, argv, REPO_ROOT);
      return withTrainingRun(t, async () => {
        seen.push({ seed: t.config.seed, data: loadTrainingData(t) });
        throw captured;
      });
    };
    for (const seed of ['1', '2']) {
      await expect(capture(smoke(out, '--run-id', `seed${seed}`, '--seed', seed))).rejects.toBe(captured);
    }
    expect(seen.map((s) => s.seed)).toEqual([1, 2]);
    const bytes = (a: Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    for (const split of ['train', 'validation', 'test'] as const) {
      const [a, b] = seen.map((s) => s.data[split]);
      expect(a.count, split).toBe({ train: 256, validation: 64, test: 128 }[split]); // the smoke preset's images
      expect(a.levels.length, split).toBe(a.count * 784);
      expect(bytes(a.levels).equals(bytes(b.levels)), `${split} images differ between --seed 1 and --seed 2`).toBe(
        true,
      );
    }
    // Pinned: the ones among the 128 smoke test images under DATA_SEED (stochastic binarization of the
    // first 128 MNIST test images: sum(pixel / 255) = 11872.6 expected, sd 42.7; thresholding at 0.5 gives 11998).
    // Any change to the binarization changes every reported NLL, so it must show here.
    const test = seen[0].data.test.levels;
    expect(test.every((v) => v === 0 || v === 1)).toBe(true);
    expect(test.reduce((s, v) => s + v, 0)).toBe(11891);
  });
});
