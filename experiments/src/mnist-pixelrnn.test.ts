import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, UsageError, runTrainingExperiment } from '@pixel-models/core';
import { useTestBackend } from '@pixel-models/core/testing';
import { mnistPixelRnn } from './mnist-pixelrnn';
import { REPO_ROOT } from './repo-root';

const args = (out: string, ...extra: string[]) => ['--preset', 'smoke', '--out', path.join(out, 'results'), '--reports', path.join(out, 'reports'), '--backend', 'wasm', '--samples', '2', ...extra];

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
    expect(r.test!.nats).toBeGreaterThan(0);
    expect(fs.readFileSync(r.reportPath!, 'utf8')).toContain(`this run: ${model}`);
    expect(r.folder.dir).toBe(path.join(out, 'results', 'mnist-pixelrnn', model));
  });

  it('rejects an unknown model and a preset that does not fit the model', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'pixelrnn-'));
    await expect(runTrainingExperiment(mnistPixelRnn, args(out, '--model', 'transformer'), REPO_ROOT)).rejects.toThrow(UsageError);
    await expect(runTrainingExperiment(mnistPixelRnn, [...args(out, '--model', 'pixelcnn'), '--preset', 'paper-1x32'], REPO_ROOT)).rejects.toThrow(ConfigError);
  });
});
