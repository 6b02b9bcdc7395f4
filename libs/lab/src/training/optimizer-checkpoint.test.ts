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
import {
  conv1x1,
  maskedConv2d,
  ConfigError,
  colourGroups,
  mask,
  type AutoregressiveModel,
  levelsToInput,
  toLogits,
  Params,
  type LevelSet,
} from '@pixel-models/nn';
import { useTestBackend } from '@pixel-models/nn/testing';
import { readVariables, webgpuOrSkip } from '../testing/webgpu';
import { CHECKPOINT_JSON, checkpointBinary, loadCheckpoint } from './checkpoint';
import { type TrainOptions, train } from './trainer';

/** A one-layer masked CNN on 6x6 binary images: a few steps take milliseconds. */
function tinyModel(seed: number): AutoregressiveModel {
  const p = new Params(seed);
  const w1 = p.weight('w1', [3, 3, 1, 4], 9);
  const w2 = p.weight('w2', [4, 2], 4);
  const m1 = mask({ kernel: [3, 3], type: 'A', inGroups: colourGroups(1, 1), outGroups: colourGroups(4, 1) });
  const logitsFromInput = (x: tf.Tensor4D) =>
    tf.tidy(() => toLogits(conv1x1(tf.relu(maskedConv2d(x, w1 as tf.Tensor4D, m1)), w2 as tf.Tensor2D), 1, 2));
  return {
    name: 'tiny',
    config: { channels: 1, levels: 2 },
    logitsFromInput,
    logits: (x) => logitsFromInput(levelsToInput(x, 2)),
    trainableVariables: p.variables,
    dispose: () => p.dispose(),
  };
}

function data(count: number, seed: number): LevelSet {
  let s = seed;
  const levels = Int32Array.from({ length: count * 36 }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31) >> 16) % 2);
  return { levels, count, height: 6, width: 6, channels: 1 };
}

const base: TrainOptions = { epochs: 2, batchSize: 8, learningRate: 0.01, clipNorm: 0, seed: 7 };
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'optimizer-checkpoint-'));
const weightsOf = (m: AutoregressiveModel) => readVariables(m.trainableVariables);

/** Trains 2 epochs (5 batches each), stopping after batch 7 (mid-way through epoch 2): the checkpoint's folder. */
async function interrupted(options: TrainOptions): Promise<string> {
  const dir = tmp();
  const model = tinyModel(3);
  const stop = { interrupted: false };
  let seen = 0;
  const part = await train({
    model,
    train: data(40, 1),
    validation: data(16, 2),
    options,
    checkpointDir: dir,
    stop,
    onBatch: () => {
      if (++seen === 7) stop.interrupted = true;
    },
  });
  expect(part.outcome).toBe('interrupted');
  model.dispose();
  return dir;
}

async function resumed(dir: string, options: TrainOptions) {
  const model = tinyModel(99); // another init: everything must come from the checkpoint
  const run = await train({
    model,
    train: data(40, 1),
    validation: data(16, 2),
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
  const run = await train({ model, train: data(40, 1), validation: data(16, 2), options, checkpointDir: tmp() });
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
    const dir = await interrupted(options);
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
      const dir = await interrupted({ ...base, optimizer: saved });
      const before = fs.readFileSync(checkpointBinary(dir)!);
      const model = tinyModel(99);
      const run = train({
        model,
        train: data(40, 1),
        validation: data(16, 2),
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
    const dir = await interrupted(base);
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
