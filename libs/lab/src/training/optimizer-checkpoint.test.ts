/**
 * The optimizer in the trainer's checkpoints: an RMSProp run interrupted and resumed ends exactly where an
 * uninterrupted one does (wasm, and webgpu where an adapter can be had); the checkpoint records its optimizer;
 * resuming with the other optimizer is a ConfigError; a checkpoint written before the optimizer was recorded
 * (no `optimizer`, `adamStep`) is read as Adam's and resumes exactly.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, type AutoregressiveModel } from '@pixel-models/nn';
import { useTestBackend } from '@pixel-models/nn/testing';
import { readVariables, webgpuOrSkip } from '../testing/webgpu';
import { CHECKPOINT_JSON, checkpointBinary, loadCheckpoint } from './checkpoint';
import { type TrainOptions, train } from './trainer';
import { tinyImages, tinyModel, trainStoppedMidway } from '../testing/tiny-training';

const base: TrainOptions = { epochs: 2, batchSize: 8, learningRate: 0.01, clipNorm: 0, seed: 7 };
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'optimizer-checkpoint-'));
const weightsOf = (m: AutoregressiveModel) => readVariables(m.trainableVariables);

async function resumed(dir: string, options: TrainOptions) {
  const model = tinyModel(99); // another init: everything must come from the checkpoint
  const run = await train({
    model,
    train: tinyImages(40, 1),
    validation: tinyImages(16, 2),
    options,
    checkpointDir: dir,
    resume: loadCheckpoint(dir),
  });
  const weights = await weightsOf(model);
  model.dispose();
  return { history: run.history, weights };
}

async function uninterrupted(options: TrainOptions) {
  const model = tinyModel(3);
  const run = await train({
    model,
    train: tinyImages(40, 1),
    validation: tinyImages(16, 2),
    options,
    checkpointDir: tmp(),
  });
  const weights = await weightsOf(model);
  model.dispose();
  return { history: run.history, weights };
}

const gpu = await webgpuOrSkip();
const BACKENDS = gpu.available ? ['wasm', 'webgpu'] : ['wasm'];

beforeAll(async () => {
  await useTestBackend();
});

describe.each(BACKENDS)('RMSProp checkpoints on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });

  it('an interrupted RMSProp run resumed from its checkpoint ends exactly where an uninterrupted run ends', async () => {
    const options: TrainOptions = { ...base, optimizer: 'rmsprop' };
    const full = await uninterrupted(options);
    const dir = await trainStoppedMidway(options, 'optimizer-checkpoint-');
    const saved = loadCheckpoint(dir);
    expect(saved.meta).toMatchObject({ optimizer: 'rmsprop', optimizerStep: 7, position: { epoch: 1, batch: 2 } });
    expect(saved.meta.tensors.filter((t) => !t.name.startsWith('weight.')).map((t) => t.name)).toEqual([
      'rmsprop.meanSquare.0',
      'rmsprop.meanSquare.1',
    ]);
    const rest = await resumed(dir, options);
    expect(rest.weights).toEqual(full.weights);
    expect(rest.history.map((h) => [h.trainNats, h.validationNats])).toEqual(
      full.history.map((h) => [h.trainNats, h.validationNats]),
    );
    // The option takes effect: Adam, same data and seed, ends elsewhere.
    expect((await uninterrupted({ ...base, optimizer: 'adam' })).weights).not.toEqual(full.weights);
  });
});

describe('optimizer checkpoints (wasm)', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('resuming with the other optimizer is a ConfigError that names both, before any training', async () => {
    for (const [saved, asked] of [
      ['adam', 'rmsprop'],
      ['rmsprop', 'adam'],
    ] as const) {
      const dir = await trainStoppedMidway({ ...base, optimizer: saved }, 'optimizer-checkpoint-');
      const before = fs.readFileSync(checkpointBinary(dir)!);
      const model = tinyModel(99);
      const run = train({
        model,
        train: tinyImages(40, 1),
        validation: tinyImages(16, 2),
        options: { ...base, optimizer: asked },
        checkpointDir: dir,
        resume: loadCheckpoint(dir),
      });
      await expect(run).rejects.toThrow(ConfigError);
      await expect(run).rejects.toThrow(
        `the checkpoint was trained with ${saved}, not ${asked}: resume with --optimizer ${saved}`,
      );
      expect(fs.readFileSync(checkpointBinary(dir)!).equals(before)).toBe(true);
      model.dispose();
    }
  });

  it('a checkpoint from before the optimizer was recorded is read as Adam and resumes exactly', async () => {
    const full = await uninterrupted(base); // no optimizer option: Adam
    const dir = await trainStoppedMidway(base, 'optimizer-checkpoint-');
    // Rewrite the index as older code wrote it: no `optimizer`, the step count under `adamStep`.
    const file = path.join(dir, CHECKPOINT_JSON);
    const { optimizer, optimizerStep, ...legacy } = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect([optimizer, optimizerStep]).toEqual(['adam', 7]);
    fs.writeFileSync(file, JSON.stringify({ ...legacy, adamStep: optimizerStep }));
    const old = loadCheckpoint(dir);
    expect(old.optimizer.name).toBe('adam');
    expect(old.optimizer.state.step).toBe(7);
    expect(Object.keys(old.optimizer.state.slots).sort()).toEqual(['m', 'v']);
    const rest = await resumed(dir, base);
    expect(rest.weights).toEqual(full.weights);
    expect(rest.history.map((h) => h.validationNats)).toEqual(full.history.map((h) => h.validationNats));
  });
});
