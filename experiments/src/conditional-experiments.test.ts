import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestBackend } from '@pixel-models/nn/testing';
import { runMnistAutoencoder } from './mnist-autoencoder';
import { runMnistClassConditional } from './mnist-class-conditional';
import { runMnistEmbeddingConditional } from './mnist-embedding-conditional';
import { REPO_ROOT } from './repo-root';

const smoke = (out: string) => [
  '--preset',
  'smoke',
  '--out',
  path.join(out, 'results'),
  '--reports',
  path.join(out, 'reports'),
  '--backend',
  'wasm',
  '--run-id',
  'smoke',
];
const manifestOf = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));

const UNIFORM_NATS = 784 * Math.LN2; // -log p(x) of a 28x28 binary image under the uniform model: 543.4 nats
/**
 * A test NLL of a trained smoke model in nats per image: better than the uniform model (these runs reach about
 * 490), worse than 100 (the papers' best models are near 80), and bits/dim = nats / (784 ln 2).
 */
const expectTrainedNll = (nats: number, bitsPerDim: number) => {
  expect(nats).toBeGreaterThan(100);
  expect(nats).toBeLessThan(UNIFORM_NATS);
  expect(bitsPerDim).toBeCloseTo(nats / UNIFORM_NATS, 9);
};

beforeAll(async () => {
  await useTestBackend();
});

describe('conditional experiments (smoke presets)', () => {
  it('mnist-class-conditional: conditional vs unconditional NLL, one sample row per digit', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cond-'));
    const r = await runMnistClassConditional(smoke(out), REPO_ROOT);
    const summary = manifestOf(r.folder.dir).summary;
    // -log p(x | label of x) is a conditional NLL: its own keys, and no paper numbers beside it.
    expect(summary.testNats).toBeUndefined();
    expect(summary.conditionalTestNats).toBeCloseTo(r.test!.nats, 6);
    expectTrainedNll(summary.conditionalTestNats, summary.conditionalTestBitsPerDim);
    expectTrainedNll(summary.baselineTestNats, summary.baselineTestBitsPerDim);
    expect(summary.baselineTestNats).not.toBe(summary.conditionalTestNats);
    const html = fs.readFileSync(r.reportPath!, 'utf8');
    expect(html).toContain(
      '-log p(x | the digit label of x), with the digit label of x taken from the test set itself',
    );
    expect(html).not.toContain('paper: Diagonal BiLSTM (7 layers, h = 16)');
    expect(html).toContain('unconditional Gated PixelCNN');
    expect(html).toContain('One row per digit');
    expect(fs.existsSync(path.join(r.folder.dir, 'samples.png'))).toBe(true);
  });

  it('mnist-embedding-conditional: triplet embedding, samples from held-out embeddings, interpolation grid', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'emb-'));
    const r = await runMnistEmbeddingConditional(smoke(out), REPO_ROOT);
    const html = fs.readFileSync(r.reportPath!, 'utf8');
    expect(html).toContain('Interpolation between two embeddings');
    expect(html).toContain('Held-out test images');
    // A conditional NLL, -log p(x | f(x)): its own manifest keys and label, and no paper numbers beside it.
    const summary = manifestOf(r.folder.dir).summary;
    expect(summary.testNats).toBeUndefined();
    expect(summary.conditionalTestNats).toBeCloseTo(r.test!.nats, 6);
    expectTrainedNll(summary.conditionalTestNats, summary.conditionalTestBitsPerDim);
    expect(html).toContain('conditional test NLL -log p(x | f(x), the embedding of x)');
    expect(html).not.toContain('paper: Diagonal BiLSTM (7 layers, h = 16)');
  });

  it('mnist-autoencoder: NLL beside the unconditional model, reconstructions and interpolations', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'ae-'));
    const r = await runMnistAutoencoder(smoke(out), REPO_ROOT);
    const scored = manifestOf(r.folder.dir).summary;
    expectTrainedNll(scored.conditionalTestNats, scored.conditionalTestBitsPerDim);
    expectTrainedNll(scored.baselineTestNats, scored.baselineTestBitsPerDim);
    const html = fs.readFileSync(r.reportPath!, 'utf8');
    expect(html).toContain('Interpolation between two codes');
    expect(html).toContain('Reconstructions');
    // -log p(x | code of x) is labelled as conditional and kept away from the papers' unconditional numbers.
    const summary = manifestOf(r.folder.dir).summary;
    expect(summary.testNats).toBeUndefined();
    expect(summary.conditionalTestNats).toBeCloseTo(r.test!.nats, 6);
    expect(html).toContain('conditional test NLL -log p(x | the code of x)');
    expect(html).toContain('unconditional Gated PixelCNN (baseline: unconditional, -log p(x))');
    expect(html).not.toContain('paper: Diagonal BiLSTM (7 layers, h = 16)');
  });
});
