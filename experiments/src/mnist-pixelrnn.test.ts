import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '@pixel-models/nn';
import { UsageError, runTrainingExperiment } from '@pixel-models/lab';
import { useTestBackend } from '@pixel-models/nn/testing';
import { PIXELRNN_PRESETS } from '@pixel-models/pixelrnn';
import { mnistPixelRnn, presetName } from './mnist-pixelrnn';
import { REPO_ROOT } from './repo-root';

const args = (out: string, ...extra: string[]) => [
  '--preset',
  'smoke',
  '--out',
  path.join(out, 'results'),
  '--reports',
  path.join(out, 'reports'),
  '--backend',
  'wasm',
  '--samples',
  '2',
  ...extra,
];

beforeAll(async () => {
  await useTestBackend();
});

describe('experiments:mnist-pixelrnn', () => {
  it.each(['pixelcnn', 'row-lstm', 'diagonal-bilstm'])('--model %s trains through the shared runner', async (model) => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'pixelrnn-'));
    const r = await runTrainingExperiment(mnistPixelRnn, args(out, '--model', model, '--run-id', model), REPO_ROOT);
    const config = JSON.parse(fs.readFileSync(path.join(r.folder.dir, 'config.json'), 'utf8'));
    expect(config.variant).toBe(model);
    expect(config.modelConfig.layers).toBe(2); // the smoke preset of that model
    // The test NLL of the smoke preset's 128 test images, in nats per 28x28 binary image: better than the uniform
    // model's 784 ln 2 = 543.4 after training (these runs reach 200-410), worse than 100 (the paper's best is near
    // 80), with bits/dim = nats / (784 ln 2), and recorded as such in the manifest.
    expect(r.test!.images).toBe(128);
    expect(r.test!.nats).toBeGreaterThan(100);
    expect(r.test!.nats).toBeLessThan(784 * Math.LN2);
    expect(r.test!.bitsPerDim).toBeCloseTo(r.test!.nats / (784 * Math.LN2), 9);
    expect(JSON.parse(fs.readFileSync(path.join(r.folder.dir, 'manifest.json'), 'utf8')).summary).toMatchObject({
      testNats: r.test!.nats,
      testImages: 128,
    });
    expect(fs.readFileSync(r.reportPath!, 'utf8')).toContain(`this run: ${model}`);
    expect(r.folder.dir).toBe(path.join(out, 'results', 'mnist-pixelrnn', model));
  });

  it('rejects an unknown model and a preset that does not fit the model', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'pixelrnn-'));
    await expect(runTrainingExperiment(mnistPixelRnn, args(out, '--model', 'transformer'), REPO_ROOT)).rejects.toThrow(
      UsageError,
    );
    await expect(
      runTrainingExperiment(mnistPixelRnn, [...args(out, '--model', 'pixelcnn'), '--preset', 'gpu-1x32'], REPO_ROOT),
    ).rejects.toThrow(ConfigError);
  });

  it('names its GPU presets for what they are and refuses the old "paper" names, naming the new ones', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'pixelrnn-'));
    await expect(runTrainingExperiment(mnistPixelRnn, [...args(out), '--preset', 'paper'], REPO_ROOT)).rejects.toThrow(
      '--preset paper was renamed: use --preset gpu',
    );
    await expect(
      runTrainingExperiment(mnistPixelRnn, [...args(out), '--preset', 'paper-1x32'], REPO_ROOT),
    ).rejects.toThrow('--preset paper-1x32 was renamed: use --preset gpu-1x32');
    expect(fs.existsSync(path.join(out, 'results'))).toBe(false); // refused before anything was written
    // Only the Diagonal BiLSTM sizes are the paper's (Table 4); the MNIST PixelCNN's and Row LSTM's are chosen.
    expect(PIXELRNN_PRESETS[presetName('gpu', 'diagonal-bilstm')]).toMatchObject({
      config: { layers: 7, hidden: 16 },
      size: 'PixelRNN paper, Table 4 (7 layers, h = 16)',
    });
    expect(PIXELRNN_PRESETS[presetName('gpu-1x32', 'diagonal-bilstm')]).toMatchObject({
      config: { layers: 1, hidden: 32 },
      size: 'PixelRNN paper, Table 4 (1 layer, h = 32)',
    });
    for (const kind of ['pixelcnn', 'row-lstm'])
      expect(PIXELRNN_PRESETS[presetName('gpu', kind)].size, kind).toMatch(
        /^chosen: PixelRNN paper Table 4 gives no size/,
      );
  });
});
