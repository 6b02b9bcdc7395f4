import { describe, expect, it } from 'vitest';
import type { Manifest } from '../results';
import type { EpochMetrics } from '../training/trainer';
import type { RunConfig } from './run-config';
import { type ConditionalNll, testNllName, trainingReport } from './training-report';

const history: EpochMetrics[] = [
  {
    epoch: 1,
    trainNats: 120,
    trainBitsPerDim: 0.22,
    validationNats: 110,
    validationBitsPerDim: 0.2,
    seconds: 60,
    imagesPerSecond: 100,
  },
];
const manifest = {
  runId: 'r1',
  backend: 'wasm',
  device: 'test cpu',
  git: { commit: null, dirty: null },
  wallSeconds: 70,
} as unknown as Manifest;
const config = {
  experiment: 'x',
  preset: 'smoke',
  seed: 1,
  model: { channels: 1, levels: 2 },
  train: {},
  data: { levels: 2 },
  samples: 0,
  temperature: 1,
} as unknown as RunConfig;
const nll = (nats: number, images: number) => ({ nats, bitsPerDim: nats / (784 * Math.LN2), images });

function report(conditionalNll?: ConditionalNll, baseline = false): string {
  return trainingReport({
    experiment: { name: 'x', title: 'X', conditionalNll, presets: { smoke: { note: 'a chosen size' } } },
    config,
    history,
    curve: [],
    test: nll(95.5, 128),
    manifest,
    parameters: 1234,
    modelName: 'gated-pixelcnn',
    baseline: baseline ? { name: 'unconditional Gated PixelCNN', test: nll(101.25, 128), history } : undefined,
  });
}

describe('training report', () => {
  it('puts an unconditional binarized-MNIST NLL beside the papers and says how many test images were scored', () => {
    const html = report();
    expect(html).toContain('paper: Diagonal BiLSTM (7 layers, h = 16)');
    expect(html).toContain('measured by this run on 128 test images');
    expect(html).toContain('scored on 128 test images');
    expect(html).toContain('smoke: a chosen size');
  });

  it('labels a conditional NLL as such and leaves the papers out, saying why', () => {
    const html = report({ given: 'the code of x', source: 'computed from the very test image it scores' }, true);
    expect(html).not.toContain('paper: Diagonal BiLSTM (7 layers, h = 16)');
    expect(html).not.toContain('79.20');
    expect(html).toContain('<h2>Conditional test NLL</h2>');
    expect(html).toContain('gated-pixelcnn: conditional test NLL -log p(x | the code of x)');
    expect(html).toContain('unconditional Gated PixelCNN (baseline: unconditional, -log p(x))');
    expect(html).toContain('not comparable to unconditional NLLs -log p(x)');
    expect(html).toContain('<th>test images scored</th>');
  });

  it('names the NLL it prints', () => {
    expect(testNllName()).toBe('test NLL');
    expect(testNllName({ given: 'f(x)', source: 'computed from x' })).toBe('conditional test NLL -log p(x | f(x))');
  });
});
