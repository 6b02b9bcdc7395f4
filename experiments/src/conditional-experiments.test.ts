import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runTrainingExperiment } from '@pixel-models/core';
import { useTestBackend } from '@pixel-models/core/testing';
import { mnistAutoencoder } from './mnist-autoencoder';
import { mnistClassConditional } from './mnist-class-conditional';
import { mnistEmbeddingConditional } from './mnist-embedding-conditional';
import { REPO_ROOT } from './repo-root';

const smoke = (out: string) => ['--preset', 'smoke', '--out', path.join(out, 'results'), '--reports', path.join(out, 'reports'), '--backend', 'wasm', '--run-id', 'smoke'];
const manifestOf = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));

beforeAll(async () => {
  await useTestBackend();
});

describe('conditional experiments (smoke presets)', () => {
  it('mnist-class-conditional: conditional vs unconditional NLL, one sample row per digit', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cond-'));
    const r = await runTrainingExperiment(mnistClassConditional, smoke(out), REPO_ROOT);
    const summary = manifestOf(r.folder.dir).summary;
    expect(summary.testNats).toBeGreaterThan(0);
    expect(summary.baselineTestNats).toBeGreaterThan(0);
    expect(summary.baselineTestNats).not.toBe(summary.testNats);
    const html = fs.readFileSync(r.reportPath!, 'utf8');
    expect(html).toContain('unconditional Gated PixelCNN');
    expect(html).toContain('One row per digit');
    expect(fs.existsSync(path.join(r.folder.dir, 'samples.png'))).toBe(true);
  });

  it('mnist-embedding-conditional: triplet embedding, samples from held-out embeddings, interpolation grid', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'emb-'));
    const r = await runTrainingExperiment(mnistEmbeddingConditional, smoke(out), REPO_ROOT);
    const html = fs.readFileSync(r.reportPath!, 'utf8');
    expect(html).toContain('Interpolation between two embeddings');
    expect(html).toContain('Held-out test images');
    expect(manifestOf(r.folder.dir).summary.testNats).toBeGreaterThan(0);
  });

  it('mnist-autoencoder: NLL beside the unconditional model, reconstructions and interpolations', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'ae-'));
    const r = await runTrainingExperiment(mnistAutoencoder, smoke(out), REPO_ROOT);
    expect(manifestOf(r.folder.dir).summary.baselineTestNats).toBeGreaterThan(0);
    const html = fs.readFileSync(r.reportPath!, 'utf8');
    expect(html).toContain('Interpolation between two codes');
    expect(html).toContain('Reconstructions');
  });
});
